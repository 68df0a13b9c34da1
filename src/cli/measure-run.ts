/**
 * Runs a validated measure request (src/cli/measure-options.ts): opens its files as streamed
 * ByteSources (errors name the path), calls measureOvmf / measureIgvm, optionally describes the
 * inputs (size, SHA-256) for --json, and always closes the files again.
 */
import { inputError } from '../core/errors.js';
import { toHex } from '../core/bytes.js';
import type { ByteSource } from '../core/source.js';
import type { MeasureResult } from '../measure/types.js';
import { describeInput, hexBig, hexU32, type InputInfo, type MeasureJsonOptions } from '../measure/json.js';
import { openFileSource } from '../node/file-source.js';
import type { IgvmRequest, MeasureRequest, OvmfRequest } from './measure-options.js';

/** What a measurement needs beyond the request. */
export interface RunOptions {
  log?: boolean;
  keepVmsas?: boolean;
  /** Also return each input's path, size and streamed SHA-256 (for --json). */
  describeInputs?: boolean;
}

export interface MeasureRun {
  request: MeasureRequest;
  result: MeasureResult;
  /** By role (ovmf, kernel, initrd, svsm, varsFile, igvm), when describeInputs was set. */
  inputs?: Record<string, InputInfo>;
}

/** Opens the request's files, measures, and closes the files again (also on error). */
export async function runMeasureRequest(request: MeasureRequest, run: RunOptions = {}): Promise<MeasureRun> {
  const opened: Record<string, ByteSource> = {};
  try {
    for (const [role, path] of Object.entries(request.paths) as [string, string | undefined][]) {
      if (path !== undefined) opened[role] = await openFileSource(path);
    }
    const result = request.kind === 'ovmf' ? await measureOvmfRequest(request, opened, run) : await measureIgvmRequest(request, opened, run);
    result.warnings = [...request.warnings, ...result.warnings];
    const out: MeasureRun = { request, result };
    if (run.describeInputs) {
      out.inputs = {};
      for (const [role, src] of Object.entries(opened)) out.inputs[role] = await describeInput(src);
    }
    return out;
  } finally {
    for (const src of Object.values(opened)) await src.close?.().catch(() => undefined);
  }
}

async function measureOvmfRequest(r: OvmfRequest, src: Record<string, ByteSource>, run: RunOptions): Promise<MeasureResult> {
  const { measureOvmf } = await import('../measure/ovmf.js');
  const o: Parameters<typeof measureOvmf>[0] = { mode: r.mode, ovmf: src.ovmf!, vmm: r.vmm };
  if (r.vcpus !== undefined) o.vcpus = r.vcpus;
  if (r.vcpuSig !== undefined) o.vcpuSig = r.vcpuSig;
  if (r.guestFeatures !== undefined) o.guestFeatures = r.guestFeatures;
  if (src.kernel) o.kernel = src.kernel;
  if (src.initrd) o.initrd = src.initrd;
  if (r.append !== undefined) o.append = r.append;
  if (r.snpOvmfHash) o.snpOvmfHash = r.snpOvmfHash;
  if (src.svsm) o.svsm = src.svsm;
  // --vars-file contributes only its size (§2).
  if (r.varsSize !== undefined) o.varsSize = r.varsSize;
  else if (src.varsFile) o.varsSize = src.varsFile.size;
  if (r.mode === 'snp:svsm' && o.varsSize === 0) throw inputError('EMPTY_VARS', 'is empty; snp:svsm needs a non-zero OVMF_VARS size', { file: src.varsFile?.name ?? '--vars-file' });
  if (run.log) o.log = true;
  if (run.keepVmsas) o.keepVmsas = true;
  return measureOvmf(o);
}

async function measureIgvmRequest(r: IgvmRequest, src: Record<string, ByteSource>, run: RunOptions): Promise<MeasureResult> {
  const { measureIgvm } = await import('../measure/igvm.js');
  const o: Parameters<typeof measureIgvm>[0] = { igvm: src.igvm!, platform: r.platform };
  if (r.vcpus !== undefined) o.vcpus = r.vcpus;
  if (r.vcpuSig !== undefined) o.vcpuSig = r.vcpuSig;
  if (r.nativeZero) o.nativeZero = true;
  if (r.guestFeatures !== undefined) o.guestFeatures = r.guestFeatures;
  if (run.log) o.log = true;
  if (run.keepVmsas) o.keepVmsas = true;
  return measureIgvm(o);
}

/** The request's parameters in the --json "options" form (src/measure/json.ts). */
export function requestJsonOptions(r: MeasureRequest): MeasureJsonOptions {
  const o: MeasureJsonOptions = {};
  if (r.vcpus !== undefined) o.vcpus = r.vcpus;
  if (r.vcpuType !== undefined) o.vcpuType = r.vcpuType;
  if (r.vcpuSig !== undefined) o.vcpuSig = hexU32(r.vcpuSig);
  if (r.guestFeatures !== undefined) o.guestFeatures = hexBig(r.guestFeatures);
  if (r.kind === 'ovmf') {
    if (r.append !== undefined) o.append = r.append;
    if (r.snpOvmfHash) o.snpOvmfHash = toHex(r.snpOvmfHash);
    if (r.varsSize !== undefined) o.varsSize = r.varsSize;
  } else if (r.nativeZero) {
    o.nativeZero = true;
  }
  return o;
}
