/**
 * A resolved measurement request (request.ts) turned into what runs and what is reported: the
 * measureOvmf / measureIgvm / krun call on the opened files, the request's own warnings, and the
 * `options` member of the --json document (docs/json-output.md). Browser-safe and free of I/O.
 */
import { inputError } from '../core/errors.js';
import { toHex } from '../core/bytes.js';
import type { ByteSource } from '../core/source.js';
import { hexBig, hexU32, type MeasureJsonOptions } from './json.js';
import { isOvmfMetadataSource } from '../images/ovmf/metadata-doc.js';
import { krunCall, krunJsonOptions } from './krun-request.js';
import type { KrunMeasureOptions } from './krun.js';
import type { FileRole, MeasureRequest, RequestFiles } from './request.js';
import type { IgvmMeasureOptions, MeasureResult, OvmfMeasureOptions } from './types.js';

/** What a measurement needs beyond the request. */
export interface CallOptions {
  log?: boolean;
  keepVmsas?: boolean;
}

/** The library call a request makes; the caller runs measureOvmf or measureIgvm on it. */
export type MeasureCall = { kind: 'ovmf'; options: OvmfMeasureOptions } | { kind: 'igvm'; options: IgvmMeasureOptions } | { kind: 'krun'; options: KrunMeasureOptions };

/** The measureOvmf / measureIgvm options for a request whose files are opened (by role, as in request.paths). */
export function measureCall(r: MeasureRequest, files: RequestFiles, run: CallOptions = {}): MeasureCall {
  if (r.kind === 'krun') return { kind: 'krun', options: krunCall(r, files, run) };
  if (r.kind === 'igvm') {
    const o: IgvmMeasureOptions = { igvm: need(files, 'igvm'), platform: r.platform };
    if (r.vcpus !== undefined) o.vcpus = r.vcpus;
    if (r.vcpuSig !== undefined) o.vcpuSig = r.vcpuSig;
    if (r.nativeZero) o.nativeZero = true;
    if (r.guestFeatures !== undefined) o.guestFeatures = r.guestFeatures;
    if (files.kernel) o.kernel = files.kernel;
    if (files.initrd) o.initrd = files.initrd;
    if (r.append !== undefined) o.append = r.append;
    if (r.kernelSha256) o.kernelSha256 = r.kernelSha256;
    if (r.initrdSha256) o.initrdSha256 = r.initrdSha256;
    if (run.log) o.log = true;
    if (run.keepVmsas) o.keepVmsas = true;
    return { kind: 'igvm', options: o };
  }
  const o: OvmfMeasureOptions = { mode: r.mode, ovmf: need(files, 'ovmf'), vmm: r.vmm };
  if (r.vcpus !== undefined) o.vcpus = r.vcpus;
  if (r.vcpuSig !== undefined) o.vcpuSig = r.vcpuSig;
  if (r.guestFeatures !== undefined) o.guestFeatures = r.guestFeatures;
  if (files.kernel) o.kernel = files.kernel;
  if (files.initrd) o.initrd = files.initrd;
  if (r.kernelSha256) o.kernelSha256 = r.kernelSha256;
  if (r.initrdSha256) o.initrdSha256 = r.initrdSha256;
  // --ovmf-metadata without --snp-ovmf-hash: the document's own firmware digest.
  const meta = isOvmfMetadataSource(files.ovmf) ? files.ovmf.ovmfMetadata : undefined;
  if (meta && !r.snpOvmfHash) {
    if (!meta.snpOvmfHash) throw inputError('NO_OVMF_HASH', 'has no snpOvmfHash (the image size is not a multiple of 4096): give --snp-ovmf-hash', { file: files.ovmf!.name });
    o.snpOvmfHash = meta.snpOvmfHash;
  }
  if (r.append !== undefined) o.append = r.append;
  if (r.snpOvmfHash) o.snpOvmfHash = r.snpOvmfHash;
  if (files.svsm) o.svsm = files.svsm;
  // --vars-file contributes only its size (§2).
  if (r.varsSize !== undefined) o.varsSize = r.varsSize;
  else if (files.varsFile) o.varsSize = files.varsFile.size;
  if (r.kvm !== undefined) o.kvm = r.kvm;
  if (r.vmsaGpa !== undefined) o.vmsaGpa = r.vmsaGpa;
  if (r.rdx !== undefined) o.rdx = r.rdx;
  if (r.mode === 'snp:svsm' && o.varsSize === 0) throw inputError('EMPTY_VARS', 'is empty; snp:svsm needs a non-zero OVMF_VARS size', { file: files.varsFile?.name ?? '--vars-file' });
  if (run.log) o.log = true;
  if (run.keepVmsas) o.keepVmsas = true;
  return { kind: 'ovmf', options: o };
}

function need(files: RequestFiles, role: FileRole): ByteSource {
  const src = files[role];
  if (src === undefined) throw new Error(`measureCall: the ${role} file is not open`);
  return src;
}

/** The library's result with the request's own warnings (ignored options) put first. */
export function withRequestWarnings(r: MeasureRequest, result: MeasureResult): MeasureResult {
  result.warnings = [...r.warnings, ...result.warnings];
  return result;
}

/** The request's parameters in the --json "options" form (src/measure/json.ts). */
export function requestJsonOptions(r: MeasureRequest): MeasureJsonOptions {
  if (r.kind === 'krun') return krunJsonOptions(r);
  const o: MeasureJsonOptions = {};
  if (r.vcpus !== undefined) o.vcpus = r.vcpus;
  if (r.vcpuType !== undefined) o.vcpuType = r.vcpuType;
  if (r.vcpuSig !== undefined) o.vcpuSig = hexU32(r.vcpuSig);
  if (r.guestFeatures !== undefined) o.guestFeatures = hexBig(r.guestFeatures);
  if (r.kernelSha256) o.kernelSha256 = toHex(r.kernelSha256);
  if (r.initrdSha256) o.initrdSha256 = toHex(r.initrdSha256);
  if (r.kind === 'ovmf') {
    if (r.append !== undefined) o.append = r.append;
    if (r.snpOvmfHash) o.snpOvmfHash = toHex(r.snpOvmfHash);
    if (r.ovmfMetadata) o.ovmfMetadata = r.paths.ovmf;
    if (r.varsSize !== undefined) o.varsSize = r.varsSize;
    if (r.kvm !== undefined) o.kvm = r.kvm;
    if (r.vmsaGpa !== undefined) o.vmsaGpa = '0x' + r.vmsaGpa.toString(16);
    if (r.rdx !== undefined) o.rdx = hexU32(r.rdx);
  } else {
    if (r.append !== undefined) o.append = r.append;
    if (r.nativeZero) o.nativeZero = true;
  }
  return o;
}
