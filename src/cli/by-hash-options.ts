/**
 * The options that give launch inputs by hash (issue 18 item 4; src/measure/by-hash.ts), shared by
 * measure, report verify, match and refvalues: the kernel and initrd as SHA-256 values, and the
 * firmware as an `ovmf metadata` document plus its SNP_OVMF hash.
 */
import { get, type OptionSpec, type ParsedArgs } from './args.js';
import { basename } from 'node:path';
import { fromHex, toHex } from '../core/bytes.js';
import { usageError } from '../core/errors.js';
import { isOvmfMetadataSource } from '../images/ovmf/metadata-doc.js';
import type { ImagePaths, SpaceImage } from '../launch-space/index.js';
import { checkKernelOptions, parseSha256Hex } from '../measure/by-hash.js';
import { describeInput } from '../measure/json.js';

export const BY_HASH_OPTIONS: OptionSpec[] = [
  { name: 'kernel-sha256', type: 'string', metavar: 'HEX', extension: true, help: 'SHA-256 of the kernel instead of --kernel (measured direct boot)' },
  { name: 'initrd-sha256', type: 'string', metavar: 'HEX', extension: true, help: 'SHA-256 of the initrd instead of --initrd' },
  { name: 'ovmf-metadata', type: 'string', metavar: 'FILE', extension: true, help: 'the JSON of `snp-launch ovmf metadata` instead of --ovmf (mode snp; firmware pages from --snp-ovmf-hash or the file)' },
];

/** --kernel-sha256 / --initrd-sha256 of a parsed command line, checked against --kernel/--initrd (usage errors). */
export function byHashKernel(args: ParsedArgs): { kernelSha256?: Uint8Array; initrdSha256?: Uint8Array } {
  const k = get.str(args, 'kernel-sha256');
  const i = get.str(args, 'initrd-sha256');
  checkKernelOptions({ kernel: args.values.has('kernel'), kernelSha256: k !== undefined, initrd: args.values.has('initrd'), initrdSha256: i !== undefined, append: args.values.has('append') });
  return { ...(k !== undefined ? { kernelSha256: parseSha256Hex(k, '--kernel-sha256') } : {}), ...(i !== undefined ? { initrdSha256: parseSha256Hex(i, '--initrd-sha256') } : {}) };
}

/** The image options of commands that take their own (match, refvalues): by-hash options plus --snp-ovmf-hash. */
export const BY_HASH_IMAGE_OPTIONS: OptionSpec[] = [
  ...BY_HASH_OPTIONS,
  { name: 'snp-ovmf-hash', type: 'string', metavar: 'HEX', extension: true, help: 'the firmware pages\' digest (measure --mode snp:ovmf-hash) instead of hashing them' },
];

/**
 * The OVMF image of a command line (--ovmf or --ovmf-metadata, the kernel, initrd and command line
 * as files or hashes, --snp-ovmf-hash), after the usage checks; undefined without --ovmf and
 * --ovmf-metadata.
 */
export function ovmfImagePaths(args: ParsedArgs): Extract<ImagePaths, { kind: 'ovmf' }> | undefined {
  const ovmf = get.str(args, 'ovmf');
  const meta = get.str(args, 'ovmf-metadata');
  if (ovmf !== undefined && meta !== undefined) throw usageError('IMAGE_CONFLICT', 'argument --ovmf-metadata: not allowed with argument --ovmf (the metadata stands for the firmware)', '--ovmf-metadata');
  const path = ovmf ?? meta;
  byHashKernel(args); // a file and its hash together is a usage error before anything else
  const hash = get.str(args, 'snp-ovmf-hash');
  if (path === undefined) {
    for (const o of ['kernel', 'kernel-sha256', 'snp-ovmf-hash']) if (args.values.has(o)) throw usageError('MISSING_OPTION', `--${o} needs --ovmf or --ovmf-metadata`, `--${o}`);
    return undefined;
  }
  const p: Extract<ImagePaths, { kind: 'ovmf' }> = { kind: 'ovmf', ovmf: path, ...bootPaths(args) };
  if (meta !== undefined) p.ovmfMetadata = true;
  if (hash !== undefined) {
    const b = fromHex(hash.trim().replace(/^0x/i, ''));
    if (!b || b.length !== 48) throw usageError('BAD_VALUE', 'argument --snp-ovmf-hash: must be 48 bytes of hex (96 digits)', '--snp-ovmf-hash');
    p.snpOvmfHash = toHex(b);
  }
  return p;
}

/** The kernel, initrd and command line of a measured direct boot (files or hashes), after the usage checks. */
function bootPaths(args: ParsedArgs): { kernel?: string; initrd?: string; append?: string; kernelSha256?: string; initrdSha256?: string } {
  const k = byHashKernel(args);
  const kernel = get.str(args, 'kernel');
  const initrd = get.str(args, 'initrd');
  const append = get.str(args, 'append');
  const anyKernel = kernel !== undefined || k.kernelSha256 !== undefined;
  if (initrd !== undefined && !anyKernel) throw usageError('NEEDS_KERNEL', '--kernel required when using --initrd', '--initrd');
  if (append !== undefined && !anyKernel) throw usageError('NEEDS_KERNEL', '--kernel required when using --append', '--append');
  return {
    ...(kernel !== undefined ? { kernel } : {}),
    ...(initrd !== undefined ? { initrd } : {}),
    ...(append !== undefined ? { append } : {}),
    ...(k.kernelSha256 ? { kernelSha256: toHex(k.kernelSha256) } : {}),
    ...(k.initrdSha256 ? { initrdSha256: toHex(k.initrdSha256) } : {}),
  };
}

/**
 * An IGVM image with cloud-hypervisor-kvm's measured direct boot (match): the kernel, initrd and
 * command line as files or hashes. Cloud Hypervisor measures the block only with a command line,
 * so a kernel needs --append, as `measure --igvm ... --platform cloud-hypervisor-kvm` does.
 */
export function igvmImagePaths(args: ParsedArgs, igvm: string): Extract<ImagePaths, { kind: 'igvm' }> {
  if (args.values.has('snp-ovmf-hash')) throw usageError('OPTION_CONFLICT', '--snp-ovmf-hash applies to --ovmf images, not to --igvm', '--snp-ovmf-hash');
  const boot = bootPaths(args);
  if ((boot.kernel !== undefined || boot.kernelSha256 !== undefined) && boot.append === undefined) {
    throw usageError('NEEDS_APPEND', 'cloud-hypervisor-kvm measures the kernel only when a command line is given too (--cmdline); give --append (--append \'\' for an empty one)', '--append');
  }
  return { kind: 'igvm', igvm, ...boot };
}

/**
 * The SHA-256 of each input of an opened OVMF image, by name (refvalues' `inputs`): files as
 * streamed, hashes as given, an `ovmf metadata` document by the firmware hash it records.
 */
export async function ovmfInputHashes(p: Extract<ImagePaths, { kind: 'ovmf' }>, image: SpaceImage): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (image.kind !== 'ovmf') return out;
  const meta = isOvmfMetadataSource(image.ovmf) ? image.ovmf.ovmfMetadata : undefined;
  if (meta) {
    if (meta.sha256 !== undefined) out[basename(meta.file)] = meta.sha256;
  } else out[basename(p.ovmf)] = (await describeInput(image.ovmf)).sha256;
  if (image.kernel) out[basename(p.kernel!)] = (await describeInput(image.kernel)).sha256;
  else if (p.kernelSha256) out['kernel (--kernel-sha256)'] = p.kernelSha256;
  if (image.initrd) out[basename(p.initrd!)] = (await describeInput(image.initrd)).sha256;
  else if (p.initrdSha256) out['initrd (--initrd-sha256)'] = p.initrdSha256;
  return out;
}
