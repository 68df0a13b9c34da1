/**
 * A measurement request: the image and launch options of `snp-launch measure` (the sev-snp-measure
 * 0.0.13 options of specs/sev-snp-measure-cli.md §2 plus --igvm, --platform and --native-zero),
 * checked in the reference tool's order (§3) followed by snp-launch's own rejections (§6.3), then
 * turned into the measureOvmf / measureIgvm call and into the `options` of the --json document
 * (docs/json-output.md).
 *
 * Browser-safe and free of I/O: the CLI (src/cli/measure-options.ts, measure-run.ts) reads the
 * values from its command line and opens the named files; the explorer (web/src/engine.ts) builds
 * the same inputs from its form and passes Blob-backed ByteSources. Both therefore apply one set of
 * rules, which is what keeps the page's JSON export byte-identical to `measure --json`.
 */
import { inputError, usageError } from '../core/errors.js';
import { fromHex } from '../core/bytes.js';
import type { ByteSource } from '../core/source.js';
import { VCPU_TYPES as ALL_VCPU_TYPES, vcpuSignature, vcpuTypeSignature } from '../vmsa/vcpu-types.js';
import type { KvmGeneration } from '../vmsa/profiles/_profile.js';
import { launchAxes } from './launch-axes.js';
import { checkKernelOptions, parseSha256Hex } from './by-hash.js';
import { resolveKrun, wantsKrun, type KrunRequest } from './krun-request.js';
export type { KrunRequest } from './krun-request.js';
import { IGVM_PLATFORMS, OVMF_PLATFORMS, type IgvmPlatform } from '../core/platforms.js';
import type { OvmfMode, VmmType } from './types.js';

export const OVMF_MODES: readonly OvmfMode[] = ['sev', 'seves', 'snp', 'snp:ovmf-hash', 'snp:svsm'];
/** sev-snp-measure --vmm-type names (exact case, §2) and the matching --platform names. */
const VMM_TYPES: readonly VmmType[] = ['QEMU', 'ec2', 'gce'];
export { OVMF_PLATFORMS } from '../core/platforms.js';
const PLATFORM_TO_VMM: Record<string, VmmType> = { 'qemu-kvm': 'QEMU', ec2: 'ec2', gce: 'gce' };
export const VMM_TO_PLATFORM: Record<VmmType, string> = { QEMU: 'qemu-kvm', ec2: 'ec2', gce: 'gce' };
/** The --vcpu-type names: sev-snp-measure's 16 (§2), then every other QEMU EPYC model and version. */
export const VCPU_TYPES: readonly string[] = Object.keys(ALL_VCPU_TYPES);
/** SEV_FEATURES default of sev-snp-measure ≥ 0.0.10 for mode snp (§5). */
const DEFAULT_GUEST_FEATURES = 0x1n;
const U64_MAX = (1n << 64n) - 1n;
/** Length of an SNP launch digest, the only valid --snp-ovmf-hash seed length (ovmf.md §8.2). */
const SNP_DIGEST_BYTES = 48;

/**
 * The option values, typed as the CLI's parser delivers them (src/cli/args.ts: 'decimal' → number,
 * 'auto' → bigint, flags → true); absent (undefined, or false for the flag) when not given.
 */
export interface MeasureInputs {
  mode?: string;
  vcpus?: number;
  vcpuType?: string;
  vcpuSig?: bigint;
  vcpuFamily?: number;
  vcpuModel?: number;
  vcpuStepping?: number;
  vmmType?: string;
  ovmf?: string;
  kernel?: string;
  initrd?: string;
  append?: string;
  guestFeatures?: bigint;
  snpOvmfHash?: string;
  svsm?: string;
  varsSize?: number;
  varsFile?: string;
  igvm?: string;
  platform?: string;
  nativeZero?: boolean;
  kvm?: string;
  vmsaGpa?: bigint;
  rdx?: bigint;
  /** Inputs by hash (src/measure/by-hash.ts): the SHA-256 of the kernel / initrd instead of the file. */
  kernelSha256?: string;
  initrdSha256?: string;
  /** `snp-launch ovmf metadata` JSON instead of --ovmf (mode snp; the firmware pages from --snp-ovmf-hash or the document). */
  ovmfMetadata?: string;
  /** libkrun launches (krun-request.ts). */
  krun?: boolean;
  qboot?: string;
  ram?: number;
  kernelGpa?: bigint;
}

/**
 * Each input's option name, in sev-snp-measure's order and then snp-launch's additions: the order
 * in which warnings list ignored options. src/cli/measure-options.ts MEASURE_OPTIONS follows it.
 */
export const MEASURE_INPUT_OPTIONS: readonly (readonly [name: string, key: keyof MeasureInputs])[] = [
  ['mode', 'mode'],
  ['vcpus', 'vcpus'],
  ['vcpu-type', 'vcpuType'],
  ['vcpu-sig', 'vcpuSig'],
  ['vcpu-family', 'vcpuFamily'],
  ['vcpu-model', 'vcpuModel'],
  ['vcpu-stepping', 'vcpuStepping'],
  ['vmm-type', 'vmmType'],
  ['ovmf', 'ovmf'],
  ['kernel', 'kernel'],
  ['initrd', 'initrd'],
  ['append', 'append'],
  ['guest-features', 'guestFeatures'],
  ['snp-ovmf-hash', 'snpOvmfHash'],
  ['svsm', 'svsm'],
  ['vars-size', 'varsSize'],
  ['vars-file', 'varsFile'],
  ['igvm', 'igvm'],
  ['platform', 'platform'],
  ['native-zero', 'nativeZero'],
  ['kvm', 'kvm'],
  ['vmsa-gpa', 'vmsaGpa'],
  ['rdx', 'rdx'],
  ['kernel-sha256', 'kernelSha256'],
  ['initrd-sha256', 'initrdSha256'],
  ['ovmf-metadata', 'ovmfMetadata'],
  ['krun', 'krun'],
  ['qboot', 'qboot'],
  ['ram', 'ram'],
  ['kernel-gpa', 'kernelGpa'],
];

/** The files a request reads, by role. */
export type FileRole = 'ovmf' | 'kernel' | 'initrd' | 'svsm' | 'varsFile' | 'igvm' | 'qboot';
/** The opened files of a request, by role (the CLI: files on disk; the page: Blobs). */
export type RequestFiles = Partial<Record<FileRole, ByteSource>>;

/** A validated OVMF request (files named, not yet opened). */
export interface OvmfRequest {
  kind: 'ovmf';
  mode: OvmfMode;
  vmm: VmmType;
  /** The --platform name of the VMM type. */
  platform: string;
  /** File names by role: paths for the CLI, the files' names for the page. */
  paths: { ovmf: string; kernel?: string; initrd?: string; svsm?: string; varsFile?: string };
  vcpus?: number;
  vcpuType?: string;
  vcpuSig?: number;
  guestFeatures?: bigint;
  append?: string;
  snpOvmfHash?: Uint8Array;
  varsSize?: number;
  /** paths.ovmf names an `ovmf metadata` document, not the firmware (--ovmf-metadata). */
  ovmfMetadata?: boolean;
  /** --kernel-sha256 / --initrd-sha256 (32 bytes each). */
  kernelSha256?: Uint8Array;
  initrdSha256?: Uint8Array;
  /** --kvm: host KVM generation (MXCSR/FCW of QEMU VMSAs). */
  kvm?: KvmGeneration;
  /** --vmsa-gpa: where KVM measures the VMSAs. */
  vmsaGpa?: number;
  /** --rdx: RDX of ec2/gce VMSAs instead of 0x600. */
  rdx?: number;
  /** Things resolution noticed (ignored options); joined with the library's warnings. */
  warnings: string[];
}

/** A validated IGVM request. */
export interface IgvmRequest {
  kind: 'igvm';
  platform: IgvmPlatform;
  /** kernel/initrd: cloud-hypervisor-kvm measured boot (its kernel-hashes block). */
  paths: { igvm: string; kernel?: string; initrd?: string };
  append?: string;
  /** --kernel-sha256 / --initrd-sha256 (cloud-hypervisor-kvm). */
  kernelSha256?: Uint8Array;
  initrdSha256?: Uint8Array;
  vcpus?: number;
  vcpuType?: string;
  vcpuSig?: number;
  guestFeatures?: bigint;
  nativeZero: boolean;
  warnings: string[];
}

export type MeasureRequest = OvmfRequest | IgvmRequest | KrunRequest;

export interface ResolveOptions {
  /** Mode when --ovmf is given without --mode (report verify); measure keeps it required. */
  defaultMode?: OvmfMode;
  /** --dump-vmsa was given: checked at the reference's step 7. */
  dumpVmsa?: boolean;
}

/** Names of the OVMF-only options, rejected with --igvm. */
const OVMF_ONLY: readonly (keyof MeasureInputs)[] = ['kernel', 'initrd', 'append', 'kernelSha256', 'initrdSha256', 'snpOvmfHash', 'svsm', 'varsSize', 'varsFile', 'vmmType', 'kvm', 'vmsaGpa', 'rdx', 'qboot', 'ram', 'kernelGpa'];

const given = (i: MeasureInputs, key: keyof MeasureInputs): boolean => i[key] !== undefined && i[key] !== false;
const optionName = (key: keyof MeasureInputs): string => '--' + MEASURE_INPUT_OPTIONS.find(([, k]) => k === key)![0];
const givenOptions = (i: MeasureInputs, except: readonly (keyof MeasureInputs)[] = []): string[] =>
  MEASURE_INPUT_OPTIONS.filter(([, k]) => !except.includes(k) && given(i, k)).map(([n]) => '--' + n);

/**
 * Checks the inputs without touching any file, so every usage error comes before a file is
 * opened, as in the reference. Returns undefined when no image option at all is given (a command
 * where measuring is optional).
 */
export function resolveMeasureInputs(i: MeasureInputs, opts: ResolveOptions = {}): MeasureRequest | undefined {
  if (i.ovmf !== undefined && i.igvm !== undefined) throw usageError('IMAGE_CONFLICT', 'argument --igvm: not allowed with argument --ovmf', '--igvm');
  if (wantsKrun(i)) return resolveKrun(i, optionName);
  if (i.igvm !== undefined) return resolveIgvm(i, i.igvm);
  const byMeta = resolveOvmfMetadata(i, opts);
  if (byMeta) return byMeta;
  if (i.ovmf === undefined) {
    if (givenOptions(i).length === 0) return undefined;
    const missing = i.mode !== undefined || opts.defaultMode ? '--ovmf' : '--mode, --ovmf';
    throw usageError('MISSING_OPTION', `the following arguments are required: ${missing} (or use --igvm FILE --platform P)`, '--ovmf');
  }
  return resolveOvmf(i, i.ovmf, opts);
}

function resolveOvmf(i: MeasureInputs, ovmf: string, opts: ResolveOptions): OvmfRequest {
  const mode = (i.mode as OvmfMode | undefined) ?? opts.defaultMode;
  if (mode === undefined) throw usageError('MISSING_OPTION', 'the following arguments are required: --mode', '--mode');
  if (!OVMF_MODES.includes(mode)) throw usageError('BAD_CHOICE', `argument --mode: invalid choice: '${mode}' (choose from ${OVMF_MODES.map((m) => `'${m}'`).join(', ')})`, '--mode');
  // argparse-level checks (before anything else in the reference).
  if (given(i, 'varsSize') && given(i, 'varsFile')) throw usageError('OPTION_CONFLICT', 'argument --vars-file: not allowed with argument --vars-size', '--vars-file');
  if (i.nativeZero) throw usageError('OPTION_CONFLICT', '--native-zero applies to --igvm images only', '--native-zero');
  const warnings: string[] = [];

  // §3 step 1: snp:ovmf-hash ignores every other option; only our value checks (§6.3) still apply.
  if (mode === 'snp:ovmf-hash') {
    checkValues(i);
    const ignored = givenOptions(i, ['mode', 'ovmf']);
    if (ignored.length > 0) warnings.push(`mode snp:ovmf-hash hashes the firmware pages only and ignores ${ignored.join(', ')}`);
    return { kind: 'ovmf', mode, vmm: 'QEMU', platform: 'qemu-kvm', paths: { ovmf }, warnings };
  }
  const { kernel, initrd, append, vcpus } = i;
  // Step 2 (a kernel or initrd may also be given by its SHA-256).
  checkKernelOptions({ kernel: kernel !== undefined, kernelSha256: i.kernelSha256 !== undefined, initrd: initrd !== undefined, initrdSha256: i.initrdSha256 !== undefined, append: append !== undefined });
  const anyKernel = kernel !== undefined || i.kernelSha256 !== undefined;
  if (initrd !== undefined && !anyKernel) throw usageError('NEEDS_KERNEL', '--kernel required when using --initrd', '--initrd');
  if (append !== undefined && append !== '' && !anyKernel) throw usageError('NEEDS_KERNEL', '--kernel required when using --append', '--append');
  // Step 3.
  if (mode !== 'sev' && vcpus === undefined) throw usageError('MISSING_VCPUS', `missing --vcpus N in guest mode '${mode}'`, '--vcpus');
  // Step 4.
  const vmm = resolveVmm(i);
  // Step 5.
  const sig = mode === 'sev' ? undefined : resolveSignature(i, warnings);
  if (mode !== 'sev' && sig === undefined && vmm === 'QEMU') {
    throw usageError('MISSING_VCPU_SIG', `missing --vcpu-type or --vcpu-sig or --vcpu-family in guest mode '${mode}'`, '--vcpu-type');
  }
  // Step 6.
  const { varsSize, varsFile, svsm } = i;
  if (mode === 'snp:svsm' && varsFile === undefined && !varsSize) throw usageError('MISSING_VARS', 'snp:svsm mode requires --vars-size or --vars-file', '--vars-size');
  // Step 7.
  if (opts.dumpVmsa && mode === 'sev') throw usageError('NO_VMSA', "--dump-vmsa is not available in mode 'sev' (SEV measures no VMSA)", '--dump-vmsa');
  // §6.3: snp-launch's own rejections.
  if (mode === 'sev' && i.vcpuFamily !== undefined) resolveSignature(i, []); // family without model/stepping
  if (mode === 'snp:svsm' && svsm === undefined) throw usageError('MISSING_SVSM', 'snp:svsm mode requires --svsm PATH', '--svsm');
  const v = checkValues(i);
  if (varsSize !== undefined && varsSize < 0) throw usageError('BAD_VALUE', `argument --vars-size: must not be negative, got ${varsSize}`, '--vars-size');
  // The reference raises this while computing; snp-launch checks it before opening any file.
  if (v.snpOvmfHash && mode !== 'snp') throw inputError('SNP_OVMF_HASH_MODE', 'SNP OVMF hash only works with SNP', { field: '--snp-ovmf-hash' });

  const req: OvmfRequest = { kind: 'ovmf', mode, vmm, platform: VMM_TO_PLATFORM[vmm], paths: { ovmf }, warnings };
  if (kernel !== undefined) req.paths.kernel = kernel;
  if (initrd !== undefined) req.paths.initrd = initrd;
  if (mode === 'snp:svsm' && svsm !== undefined) req.paths.svsm = svsm;
  if (mode === 'snp:svsm' && varsFile !== undefined) req.paths.varsFile = varsFile;
  if (vcpus !== undefined) req.vcpus = vcpus;
  if (sig !== undefined) req.vcpuSig = sig;
  if (i.vcpuType !== undefined && mode !== 'sev') req.vcpuType = i.vcpuType;
  if (mode === 'snp') req.guestFeatures = v.guestFeatures ?? DEFAULT_GUEST_FEATURES;
  else if (v.guestFeatures !== undefined) req.guestFeatures = v.guestFeatures;
  if (append !== undefined) req.append = append;
  if (v.snpOvmfHash) req.snpOvmfHash = v.snpOvmfHash;
  if (i.kernelSha256 !== undefined) req.kernelSha256 = parseSha256Hex(i.kernelSha256, '--kernel-sha256');
  if (i.initrdSha256 !== undefined) req.initrdSha256 = parseSha256Hex(i.initrdSha256, '--initrd-sha256');
  if (mode === 'snp:svsm' && varsSize) req.varsSize = varsSize;
  Object.assign(req, launchAxes(i, mode, vmm));
  return req;
}

function resolveIgvm(i: MeasureInputs, igvm: string): IgvmRequest {
  for (const key of OVMF_ONLY) {
    // Cloud Hypervisor on KVM measures a kernel-hashes block for IGVM launches too (docs/platforms.md).
    if (given(i, key) && !(i.platform === 'cloud-hypervisor-kvm' && (key === 'kernel' || key === 'initrd' || key === 'append' || key === 'kernelSha256' || key === 'initrdSha256'))) {
      const name = optionName(key);
      const hint = key === 'vmmType' ? ' (use --platform with --igvm)' : '';
      throw usageError('OPTION_CONFLICT', `${name} applies to --ovmf images, not to --igvm${hint}`, name);
    }
  }
  if (i.mode !== undefined && i.mode !== 'snp') throw usageError('OPTION_CONFLICT', `--mode ${i.mode} applies to --ovmf images; an --igvm launch is always SNP`, '--mode');
  const platform = i.platform;
  if (platform === undefined) throw usageError('MISSING_OPTION', `--igvm needs --platform (one of ${IGVM_PLATFORMS.join(', ')})`, '--platform');
  if (!(IGVM_PLATFORMS as readonly string[]).includes(platform)) {
    throw usageError('BAD_CHOICE', `argument --platform: invalid choice for --igvm: '${platform}' (choose from ${IGVM_PLATFORMS.map((p) => `'${p}'`).join(', ')})`, '--platform');
  }
  const nativeZero = i.nativeZero === true;
  if (nativeZero && platform !== 'igvmmeasure') throw usageError('OPTION_CONFLICT', `--native-zero applies to --platform igvmmeasure only, not '${platform}'`, '--native-zero');
  const warnings: string[] = [];
  const sig = resolveSignature(i, warnings);
  const v = checkValues(i);
  const req: IgvmRequest = { kind: 'igvm', platform: platform as IgvmPlatform, paths: { igvm }, nativeZero, warnings };
  if (i.kernel !== undefined) req.paths.kernel = i.kernel;
  if (i.initrd !== undefined) req.paths.initrd = i.initrd;
  if (i.append !== undefined) req.append = i.append;
  checkKernelOptions({ kernel: i.kernel !== undefined, kernelSha256: i.kernelSha256 !== undefined, initrd: i.initrd !== undefined, initrdSha256: i.initrdSha256 !== undefined, append: i.append !== undefined });
  if (i.kernelSha256 !== undefined) req.kernelSha256 = parseSha256Hex(i.kernelSha256, '--kernel-sha256');
  if (i.initrdSha256 !== undefined) req.initrdSha256 = parseSha256Hex(i.initrdSha256, '--initrd-sha256');
  if (i.vcpus !== undefined) req.vcpus = i.vcpus;
  if (sig !== undefined) req.vcpuSig = sig;
  if (i.vcpuType !== undefined) req.vcpuType = i.vcpuType;
  if (v.guestFeatures !== undefined) req.guestFeatures = v.guestFeatures;
  return req;
}

/** Step 4: --vmm-type (exact case, as the reference) or --platform; both must agree. */
function resolveVmm(i: MeasureInputs): VmmType {
  let vmm: VmmType | undefined;
  if (i.vmmType !== undefined) {
    if (!(VMM_TYPES as readonly string[]).includes(i.vmmType)) throw usageError('BAD_VMM', `unknown VMM type '${i.vmmType}'`, '--vmm-type');
    vmm = i.vmmType as VmmType;
  }
  const platform = i.platform;
  if (platform !== undefined) {
    const p = PLATFORM_TO_VMM[platform];
    if (p === undefined) {
      throw usageError('BAD_CHOICE', `argument --platform: invalid choice for --ovmf: '${platform}' (choose from ${OVMF_PLATFORMS.map((x) => `'${x}'`).join(', ')})`, '--platform');
    }
    if (vmm !== undefined && vmm !== p) throw usageError('OPTION_CONFLICT', `--platform ${platform} contradicts --vmm-type ${vmm}`, '--platform');
    vmm = p;
  }
  return vmm ?? 'QEMU';
}

/** Step 5: family/model/stepping > --vcpu-sig > --vcpu-type (§3); undefined when none is given. */
function resolveSignature(i: MeasureInputs, warnings: string[]): number | undefined {
  const { vcpuFamily: family, vcpuModel: model, vcpuStepping: stepping, vcpuSig: sig, vcpuType: type } = i;
  if (family !== undefined) {
    if (model === undefined || stepping === undefined) {
      throw usageError('INCOMPLETE_FMS', '--vcpu-family needs --vcpu-model and --vcpu-stepping', '--vcpu-family');
    }
    for (const [n, x] of [['vcpu-family', family], ['vcpu-model', model], ['vcpu-stepping', stepping]] as const) {
      if (x < 0) throw usageError('BAD_VALUE', `argument --${n}: must not be negative, got ${x}`, `--${n}`);
    }
    if (sig !== undefined || type !== undefined) warnings.push('--vcpu-family/--vcpu-model/--vcpu-stepping take priority over --vcpu-sig and --vcpu-type');
    return vcpuSignature(family, model, stepping);
  }
  if (model !== undefined || stepping !== undefined) warnings.push('--vcpu-model/--vcpu-stepping are ignored without --vcpu-family');
  if (sig !== undefined) {
    if (sig < 0n || sig > 0xffffffffn) throw usageError('BAD_VALUE', `argument --vcpu-sig: a CPUID signature is 32 bits (0..0xffffffff), got ${sig}`, '--vcpu-sig');
    if (type !== undefined) warnings.push('--vcpu-sig takes priority over --vcpu-type');
    return Number(sig);
  }
  if (type !== undefined) return vcpuTypeSignature(type);
  return undefined;
}

/** --guest-features range check (§6.3): SEV_FEATURES is a 64-bit field. */
export function checkGuestFeatures(gf: bigint): bigint {
  if (gf < 0n || gf > U64_MAX) throw usageError('BAD_VALUE', `argument --guest-features: SEV_FEATURES is 64 bits (0..0xffffffffffffffff), got ${gf}`, '--guest-features');
  return gf;
}

/** §6.3 value checks, applied whatever the mode. */
function checkValues(i: MeasureInputs): { guestFeatures?: bigint; snpOvmfHash?: Uint8Array } {
  const out: { guestFeatures?: bigint; snpOvmfHash?: Uint8Array } = {};
  if (i.vcpus !== undefined && i.vcpus <= 0) throw usageError('BAD_VCPUS', `argument --vcpus: must be at least 1, got ${i.vcpus}`, '--vcpus');
  if (i.guestFeatures !== undefined) out.guestFeatures = checkGuestFeatures(i.guestFeatures);
  if (i.snpOvmfHash !== undefined) {
    const text = i.snpOvmfHash.trim();
    const bytes = fromHex(text);
    if (bytes === undefined) {
      const bad = /[^0-9a-fA-F]/.exec(text);
      const why = bad ? `non-hexadecimal character '${bad[0]}' at position ${bad.index}` : `odd number of hex digits (${text.length})`;
      throw inputError('BAD_SNP_OVMF_HASH', `is not a 48-byte hex string: ${why}`, { field: '--snp-ovmf-hash' });
    }
    if (bytes.length !== SNP_DIGEST_BYTES) {
      throw inputError('BAD_SNP_OVMF_HASH', `must be ${SNP_DIGEST_BYTES} bytes (${SNP_DIGEST_BYTES * 2} hex digits), got ${bytes.length} bytes`, { field: '--snp-ovmf-hash' });
    }
    out.snpOvmfHash = bytes;
  }
  return out;
}

// The library call and the --json options a request maps to: request-call.ts.
export { measureCall, requestJsonOptions, withRequestWarnings, type CallOptions, type MeasureCall } from './request-call.js';

/**
 * --ovmf-metadata FILE instead of --ovmf (issue 18 item 4): an `snp-launch ovmf metadata` document
 * stands for the firmware. Only mode snp can use it (the other modes hash the firmware bytes);
 * the firmware pages' digest comes from --snp-ovmf-hash or from the document. Undefined when the
 * option is not given.
 */
function resolveOvmfMetadata(i: MeasureInputs, opts: ResolveOptions): OvmfRequest | undefined {
  if (i.ovmfMetadata === undefined) return undefined;
  if (i.ovmf !== undefined) throw usageError('IMAGE_CONFLICT', 'argument --ovmf-metadata: not allowed with argument --ovmf (the metadata stands for the firmware)', '--ovmf-metadata');
  const mode = i.mode ?? opts.defaultMode;
  if (mode !== undefined && mode !== 'snp') throw usageError('OPTION_CONFLICT', `argument --ovmf-metadata: mode ${mode} hashes the firmware bytes; only mode snp measures from the metadata and --snp-ovmf-hash`, '--ovmf-metadata');
  for (const k of ['svsm', 'varsSize', 'varsFile'] as const) if (given(i, k)) throw usageError('OPTION_CONFLICT', `${optionName(k)} applies to mode snp:svsm, not to --ovmf-metadata`, optionName(k));
  const req = resolveOvmf({ ...i, ovmf: i.ovmfMetadata, ovmfMetadata: undefined }, i.ovmfMetadata, { ...opts, defaultMode: 'snp' });
  req.ovmfMetadata = true;
  return req;
}

