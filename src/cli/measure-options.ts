/**
 * The image and launch options that `snp-launch measure` and `snp-launch report verify` share:
 * the sev-snp-measure 0.0.13 options (specs/sev-snp-measure-cli.md §2) plus --igvm, --platform and
 * --native-zero; their validation in the reference tool's order (§3) followed by snp-launch's own
 * rejections (§6.3); and the call into measureOvmf / measureIgvm with the files opened as
 * ByteSources (streamed, errors naming the path).
 *
 * Validation (resolveMeasureRequest) does no I/O, so every usage error is reported before a file
 * is opened, as in the reference.
 */
import { inputError, usageError } from '../core/errors.js';
import { fromHex } from '../core/bytes.js';
import { IGVM_PLATFORMS, type IgvmPlatform, type MeasureResult, type OvmfMode, type VmmType } from '../measure/types.js';
import { SEV_SNP_MEASURE_VCPU_TYPES, vcpuSignature, vcpuTypeSignature } from '../vmsa/vcpu-types.js';
import { get, type OptionSpec, type ParsedArgs } from './args.js';

export const OVMF_MODES: readonly OvmfMode[] = ['sev', 'seves', 'snp', 'snp:ovmf-hash', 'snp:svsm'];
/** sev-snp-measure --vmm-type names (exact case, §2) and the matching --platform names. */
const VMM_TYPES: readonly VmmType[] = ['QEMU', 'ec2', 'gce'];
export const OVMF_PLATFORMS = ['qemu-kvm', 'ec2', 'gce'] as const;
const PLATFORM_TO_VMM: Record<string, VmmType> = { 'qemu-kvm': 'QEMU', ec2: 'ec2', gce: 'gce' };
export const VMM_TO_PLATFORM: Record<VmmType, string> = { QEMU: 'qemu-kvm', ec2: 'ec2', gce: 'gce' };
/** SEV_FEATURES default of sev-snp-measure ≥ 0.0.10 for mode snp (§5). */
const DEFAULT_GUEST_FEATURES = 0x1n;
const U64_MAX = (1n << 64n) - 1n;
/** Length of an SNP launch digest, the only valid --snp-ovmf-hash seed length (ovmf.md §8.2). */
const SNP_DIGEST_BYTES = 48;

/** The image/launch options, in sev-snp-measure's order, then snp-launch's additions. */
export const MEASURE_OPTIONS: OptionSpec[] = [
  { name: 'mode', type: 'choice', choices: OVMF_MODES, help: 'OVMF measurement mode (required with --ovmf)' },
  { name: 'vcpus', type: 'decimal', metavar: 'N', help: 'number of vCPUs (VMSAs); required except for sev and snp:ovmf-hash' },
  { name: 'vcpu-type', type: 'choice', choices: Object.keys(SEV_SNP_MEASURE_VCPU_TYPES), metavar: 'TYPE', help: 'guest CPU model (QEMU -cpu name), e.g. EPYC-v4, EPYC-Milan, EPYC-Genoa' },
  { name: 'vcpu-sig', type: 'auto', metavar: 'VALUE', help: 'raw CPUID(1).EAX signature (0x..., decimal)' },
  { name: 'vcpu-family', type: 'decimal', metavar: 'FAMILY', help: 'CPU family (decimal); needs --vcpu-model and --vcpu-stepping' },
  { name: 'vcpu-model', type: 'decimal', metavar: 'MODEL', help: 'CPU model (decimal)' },
  { name: 'vcpu-stepping', type: 'decimal', metavar: 'STEPPING', help: 'CPU stepping (decimal)' },
  { name: 'vmm-type', type: 'string', metavar: 'TYPE', help: 'VMM type: QEMU (default), ec2 or gce' },
  { name: 'ovmf', type: 'string', metavar: 'PATH', help: 'OVMF firmware image' },
  { name: 'kernel', type: 'string', metavar: 'PATH', help: 'kernel for measured direct boot' },
  { name: 'initrd', type: 'string', metavar: 'PATH', help: 'initrd (needs --kernel)' },
  { name: 'append', type: 'string', metavar: 'CMDLINE', help: 'kernel command line (needs --kernel)' },
  { name: 'guest-features', type: 'auto', metavar: 'VALUE', help: 'SEV_FEATURES for mode snp (default 0x1); with --igvm, the expected value' },
  { name: 'snp-ovmf-hash', type: 'string', metavar: 'HEX', help: 'precomputed OVMF hash (from --mode snp:ovmf-hash) replacing the firmware pages; mode snp only' },
  { name: 'svsm', type: 'string', metavar: 'PATH', help: 'Coconut-SVSM binary (mode snp:svsm)' },
  { name: 'vars-size', type: 'decimal', metavar: 'BYTES', help: 'OVMF_VARS size in bytes (mode snp:svsm)' },
  { name: 'vars-file', type: 'string', metavar: 'PATH', help: 'OVMF_VARS file; only its size is used (mode snp:svsm)' },
  { name: 'igvm', type: 'string', metavar: 'FILE', extension: true, help: 'IGVM image (instead of --ovmf); needs --platform' },
  {
    name: 'platform',
    type: 'string',
    metavar: 'PLATFORM',
    extension: true,
    help: `with --ovmf: ${OVMF_PLATFORMS.join('|')} (same as --vmm-type QEMU|ec2|gce); with --igvm: ${IGVM_PLATFORMS.join('|')}`,
  },
  { name: 'native-zero', type: 'flag', extension: true, help: 'with --igvm --platform igvmmeasure: NORMAL pages without data are measured as ZERO' },
];

/** A validated OVMF request (file paths not yet opened). */
export interface OvmfRequest {
  kind: 'ovmf';
  mode: OvmfMode;
  vmm: VmmType;
  /** The --platform name of the VMM type. */
  platform: string;
  paths: { ovmf: string; kernel?: string; initrd?: string; svsm?: string; varsFile?: string };
  vcpus?: number;
  vcpuType?: string;
  vcpuSig?: number;
  guestFeatures?: bigint;
  append?: string;
  snpOvmfHash?: Uint8Array;
  varsSize?: number;
  /** Things the CLI noticed (ignored options); joined with the library's warnings. */
  warnings: string[];
}

/** A validated IGVM request. */
export interface IgvmRequest {
  kind: 'igvm';
  platform: IgvmPlatform;
  paths: { igvm: string };
  vcpus?: number;
  vcpuType?: string;
  vcpuSig?: number;
  guestFeatures?: bigint;
  nativeZero: boolean;
  warnings: string[];
}

export type MeasureRequest = OvmfRequest | IgvmRequest;

export interface ResolveOptions {
  /** Mode when --ovmf is given without --mode (report verify); measure keeps it required. */
  defaultMode?: OvmfMode;
  /** --dump-vmsa was given: checked at the reference's step 7. */
  dumpVmsa?: boolean;
}

/** Names of the OVMF-only options, rejected with --igvm. */
const OVMF_ONLY = ['kernel', 'initrd', 'append', 'snp-ovmf-hash', 'svsm', 'vars-size', 'vars-file', 'vmm-type'];

/**
 * Checks the options without touching any file. Returns undefined when neither --ovmf nor --igvm
 * is given and no other image option either (a command where measuring is optional).
 */
export function resolveMeasureRequest(args: ParsedArgs, opts: ResolveOptions = {}): MeasureRequest | undefined {
  const ovmf = get.str(args, 'ovmf');
  const igvm = get.str(args, 'igvm');
  if (ovmf !== undefined && igvm !== undefined) throw usageError('IMAGE_CONFLICT', 'argument --igvm: not allowed with argument --ovmf', '--igvm');
  if (igvm !== undefined) return resolveIgvm(args, igvm);
  if (ovmf === undefined) {
    const given = MEASURE_OPTIONS.filter((o) => args.values.has(o.name)).map((o) => '--' + o.name);
    if (given.length === 0) return undefined;
    const missing = args.values.has('mode') || opts.defaultMode ? '--ovmf' : '--mode, --ovmf';
    throw usageError('MISSING_OPTION', `the following arguments are required: ${missing} (or use --igvm FILE --platform P)`, '--ovmf');
  }
  return resolveOvmf(args, ovmf, opts);
}

function resolveOvmf(args: ParsedArgs, ovmf: string, opts: ResolveOptions): OvmfRequest {
  const mode = (get.str(args, 'mode') as OvmfMode | undefined) ?? opts.defaultMode;
  if (mode === undefined) throw usageError('MISSING_OPTION', 'the following arguments are required: --mode', '--mode');
  // argparse-level checks (before anything else in the reference).
  if (args.values.has('vars-size') && args.values.has('vars-file')) {
    throw usageError('OPTION_CONFLICT', 'argument --vars-file: not allowed with argument --vars-size', '--vars-file');
  }
  if (get.flag(args, 'native-zero')) throw usageError('OPTION_CONFLICT', '--native-zero applies to --igvm images only', '--native-zero');
  const warnings: string[] = [];

  // §3 step 1: snp:ovmf-hash ignores every other option; only our value checks (§6.3) still apply.
  if (mode === 'snp:ovmf-hash') {
    checkValues(args);
    const ignored = MEASURE_OPTIONS.filter((o) => o.name !== 'mode' && o.name !== 'ovmf' && args.values.has(o.name)).map((o) => '--' + o.name);
    if (ignored.length > 0) warnings.push(`mode snp:ovmf-hash hashes the firmware pages only and ignores ${ignored.join(', ')}`);
    return { kind: 'ovmf', mode, vmm: 'QEMU', platform: 'qemu-kvm', paths: { ovmf }, warnings };
  }
  const kernel = get.str(args, 'kernel');
  const initrd = get.str(args, 'initrd');
  const append = get.str(args, 'append');
  // Step 2.
  if (initrd !== undefined && kernel === undefined) throw usageError('NEEDS_KERNEL', '--kernel required when using --initrd', '--initrd');
  if (append !== undefined && append !== '' && kernel === undefined) throw usageError('NEEDS_KERNEL', '--kernel required when using --append', '--append');
  // Step 3.
  const vcpus = get.num(args, 'vcpus');
  if (mode !== 'sev' && vcpus === undefined) throw usageError('MISSING_VCPUS', `missing --vcpus N in guest mode '${mode}'`, '--vcpus');
  // Step 4.
  const vmm = resolveVmm(args);
  // Step 5.
  const sig = mode === 'sev' ? undefined : resolveSignature(args, warnings);
  if (mode !== 'sev' && sig === undefined && vmm === 'QEMU') {
    throw usageError('MISSING_VCPU_SIG', `missing --vcpu-type or --vcpu-sig or --vcpu-family in guest mode '${mode}'`, '--vcpu-type');
  }
  // Step 6.
  const varsSize = get.num(args, 'vars-size');
  const varsFile = get.str(args, 'vars-file');
  if (mode === 'snp:svsm' && varsFile === undefined && !varsSize) {
    throw usageError('MISSING_VARS', 'snp:svsm mode requires --vars-size or --vars-file', '--vars-size');
  }
  // Step 7.
  if (opts.dumpVmsa && mode === 'sev') throw usageError('NO_VMSA', "--dump-vmsa is not available in mode 'sev' (SEV measures no VMSA)", '--dump-vmsa');
  // §6.3: snp-launch's own rejections.
  if (mode === 'sev' && args.values.has('vcpu-family')) resolveSignature(args, []); // family without model/stepping
  const svsm = get.str(args, 'svsm');
  if (mode === 'snp:svsm' && svsm === undefined) throw usageError('MISSING_SVSM', 'snp:svsm mode requires --svsm PATH', '--svsm');
  const v = checkValues(args);
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
  const vcpuType = get.str(args, 'vcpu-type');
  if (vcpuType !== undefined && mode !== 'sev') req.vcpuType = vcpuType;
  if (mode === 'snp') req.guestFeatures = v.guestFeatures ?? DEFAULT_GUEST_FEATURES;
  else if (v.guestFeatures !== undefined) req.guestFeatures = v.guestFeatures;
  if (append !== undefined) req.append = append;
  if (v.snpOvmfHash) req.snpOvmfHash = v.snpOvmfHash;
  if (mode === 'snp:svsm' && varsSize) req.varsSize = varsSize;
  return req;
}

function resolveIgvm(args: ParsedArgs, igvm: string): IgvmRequest {
  for (const name of OVMF_ONLY) {
    if (args.values.has(name)) {
      const hint = name === 'vmm-type' ? ' (use --platform with --igvm)' : '';
      throw usageError('OPTION_CONFLICT', `--${name} applies to --ovmf images, not to --igvm${hint}`, `--${name}`);
    }
  }
  const mode = get.str(args, 'mode');
  if (mode !== undefined && mode !== 'snp') throw usageError('OPTION_CONFLICT', `--mode ${mode} applies to --ovmf images; an --igvm launch is always SNP`, '--mode');
  const platform = get.str(args, 'platform');
  if (platform === undefined) throw usageError('MISSING_OPTION', `--igvm needs --platform (one of ${IGVM_PLATFORMS.join(', ')})`, '--platform');
  if (!(IGVM_PLATFORMS as readonly string[]).includes(platform)) {
    throw usageError('BAD_CHOICE', `argument --platform: invalid choice for --igvm: '${platform}' (choose from ${IGVM_PLATFORMS.map((p) => `'${p}'`).join(', ')})`, '--platform');
  }
  const nativeZero = get.flag(args, 'native-zero');
  if (nativeZero && platform !== 'igvmmeasure') throw usageError('OPTION_CONFLICT', `--native-zero applies to --platform igvmmeasure only, not '${platform}'`, '--native-zero');
  const warnings: string[] = [];
  const sig = resolveSignature(args, warnings);
  const v = checkValues(args);
  const req: IgvmRequest = { kind: 'igvm', platform: platform as IgvmPlatform, paths: { igvm }, nativeZero, warnings };
  const vcpus = get.num(args, 'vcpus');
  if (vcpus !== undefined) req.vcpus = vcpus;
  if (sig !== undefined) req.vcpuSig = sig;
  const vcpuType = get.str(args, 'vcpu-type');
  if (vcpuType !== undefined) req.vcpuType = vcpuType;
  if (v.guestFeatures !== undefined) req.guestFeatures = v.guestFeatures;
  return req;
}

/** Step 4: --vmm-type (exact case, as the reference) or --platform; both must agree. */
function resolveVmm(args: ParsedArgs): VmmType {
  const vmmText = get.str(args, 'vmm-type');
  let vmm: VmmType | undefined;
  if (vmmText !== undefined) {
    if (!(VMM_TYPES as readonly string[]).includes(vmmText)) throw usageError('BAD_VMM', `unknown VMM type '${vmmText}'`, '--vmm-type');
    vmm = vmmText as VmmType;
  }
  const platform = get.str(args, 'platform');
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
function resolveSignature(args: ParsedArgs, warnings: string[]): number | undefined {
  const family = get.num(args, 'vcpu-family');
  const model = get.num(args, 'vcpu-model');
  const stepping = get.num(args, 'vcpu-stepping');
  const sig = get.big(args, 'vcpu-sig');
  const type = get.str(args, 'vcpu-type');
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

/** §6.3 value checks, applied whatever the mode. */
function checkValues(args: ParsedArgs): { guestFeatures?: bigint; snpOvmfHash?: Uint8Array } {
  const out: { guestFeatures?: bigint; snpOvmfHash?: Uint8Array } = {};
  const vcpus = get.num(args, 'vcpus');
  if (vcpus !== undefined && vcpus <= 0) throw usageError('BAD_VCPUS', `argument --vcpus: must be at least 1, got ${vcpus}`, '--vcpus');
  const gf = get.big(args, 'guest-features');
  if (gf !== undefined) {
    if (gf < 0n || gf > U64_MAX) throw usageError('BAD_VALUE', `argument --guest-features: SEV_FEATURES is 64 bits (0..0xffffffffffffffff), got ${gf}`, '--guest-features');
    out.guestFeatures = gf;
  }
  const hashText = get.str(args, 'snp-ovmf-hash');
  if (hashText !== undefined) {
    const text = hashText.trim();
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

/**
 * The launch digest the image options describe, or undefined when no image option was given.
 * Used by `report verify` to compare a report against a predicted measurement.
 */
export async function predictFromArgs(args: ParsedArgs, opts: ResolveOptions = {}): Promise<MeasureResult | undefined> {
  const req = resolveMeasureRequest(args, opts);
  if (req === undefined) return undefined;
  const { runMeasureRequest } = await import('./measure-run.js');
  return (await runMeasureRequest(req)).result;
}
