/**
 * What the explorer measures: the table rows for an image (every OVMF mode × VMM, or every IGVM
 * platform of specs/platforms.md §5), each as the same library call and the same `--json`
 * document that `snp-launch measure` makes for the equivalent command line. DOM-free, so it runs
 * in the worker and in Node tests.
 */
import { fromHex } from '../../src/core/bytes.js';
import { inputError } from '../../src/core/errors.js';
import type { ByteSource } from '../../src/core/source.js';
import { hexBig, hexU32, type MeasureJsonOptions } from '../../src/measure/json.js';
import { measureIgvm } from '../../src/measure/igvm.js';
import { measureOvmf } from '../../src/measure/ovmf.js';
import { IGVM_PLATFORMS, type IgvmPlatform, type MeasureResult, type OvmfMode, type VmmType } from '../../src/measure/types.js';
import { vcpuTypeSignature } from '../../src/vmsa/vcpu-types.js';
import type { ImageKind } from './protocol.js';

/** "IGVM" at offset 0 (IGVM_FIXED_HEADER.magic 0x4D564749, little-endian; specs/igvm.md). */
const IGVM_MAGIC = [0x49, 0x47, 0x56, 0x4d];

export async function detectKind(src: ByteSource): Promise<ImageKind> {
  if (src.size < 4) return 'ovmf';
  const head = await src.read(0, 4);
  return IGVM_MAGIC.every((b, i) => head[i] === b) ? 'igvm' : 'ovmf';
}

export interface RowSpec {
  id: string;
  image: ImageKind;
  platform: string;
  mode: string;
  vmm?: VmmType;
}

const OVMF_ROWS: readonly [string, OvmfMode, VmmType][] = [
  ['qemu-kvm', 'snp', 'QEMU'],
  ['ec2', 'snp', 'ec2'],
  ['gce', 'snp', 'gce'],
  ['qemu-kvm', 'seves', 'QEMU'],
  ['ec2', 'seves', 'ec2'],
  ['gce', 'seves', 'gce'],
  ['qemu-kvm', 'sev', 'QEMU'],
  ['qemu-kvm', 'snp:ovmf-hash', 'QEMU'],
  ['qemu-kvm', 'snp:svsm', 'QEMU'],
];

export function rowsFor(kind: ImageKind): RowSpec[] {
  if (kind === 'igvm') return IGVM_PLATFORMS.map((p) => ({ id: p, image: 'igvm', platform: p, mode: 'snp' }));
  return OVMF_ROWS.map(([platform, mode, vmm]) => ({ id: `${platform}/${mode}`, image: 'ovmf', platform, mode, vmm }));
}

/** The form after validation, with inputs as ByteSources. */
export interface Launch {
  image: ByteSource;
  kernel?: ByteSource;
  initrd?: ByteSource;
  append?: string;
  vcpus: number;
  vcpuType?: string;
  guestFeatures?: bigint;
}

/** Parses --guest-features text the way the CLI does (Python int(x, 0), 64 bits). */
export function parseGuestFeatures(text: string | undefined): bigint | undefined {
  const t = (text ?? '').trim().replace(/_/g, '');
  if (t === '') return undefined;
  if (!/^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|[1-9]\d*|0+)$/.test(t)) {
    throw inputError('BAD_VALUE', `guest features: '${text}' is not a number (e.g. 0x1)`, { field: 'guest features' });
  }
  const v = /^0[oO]/.test(t) ? BigInt('0o' + t.slice(2)) : BigInt(t);
  if (v > 0xffffffffffffffffn) throw inputError('BAD_VALUE', 'guest features: SEV_FEATURES is 64 bits', { field: 'guest features' });
  return v;
}

/** Why a row cannot be measured with these inputs (checked before any hashing), or undefined. */
function precheck(spec: RowSpec, l: Launch): string | undefined {
  if (spec.mode === 'snp:svsm') return 'needs a Coconut-SVSM binary and an OVMF_VARS size (CLI: --svsm, --vars-size); not offered by the page';
  if (spec.image === 'ovmf' && spec.vmm === 'QEMU' && (spec.mode === 'snp' || spec.mode === 'seves') && sigOf(l) === undefined) {
    return 'QEMU puts the vCPU signature in RDX: choose a vCPU type';
  }
  return undefined;
}

function sigOf(l: Launch): number | undefined {
  return l.vcpuType === undefined ? undefined : vcpuTypeSignature(l.vcpuType);
}

export interface RowRun {
  result?: MeasureResult;
  reason?: string;
}

/** Measures one row; a platform that cannot launch the input gives a reason instead of throwing. */
export async function measureRow(spec: RowSpec, l: Launch, log: boolean): Promise<RowRun> {
  const why = precheck(spec, l);
  if (why !== undefined) return { reason: why };
  try {
    return { result: await callLibrary(spec, l, log) };
  } catch (e) {
    if (e instanceof Error && e.name === 'SnpLaunchError') return { reason: e.message };
    throw e;
  }
}

function callLibrary(spec: RowSpec, l: Launch, log: boolean): Promise<MeasureResult> {
  const sig = sigOf(l);
  if (spec.image === 'igvm') {
    const o: Parameters<typeof measureIgvm>[0] = { igvm: l.image, platform: spec.platform as IgvmPlatform, vcpus: l.vcpus };
    if (sig !== undefined) o.vcpuSig = sig;
    if (l.guestFeatures !== undefined) o.guestFeatures = l.guestFeatures;
    if (log) o.log = true;
    return measureIgvm(o);
  }
  const mode = spec.mode as OvmfMode;
  const o: Parameters<typeof measureOvmf>[0] = { mode, ovmf: l.image, vmm: spec.vmm ?? 'QEMU' };
  if (mode !== 'snp:ovmf-hash') {
    o.vcpus = l.vcpus;
    if (sig !== undefined && mode !== 'sev') o.vcpuSig = sig;
    if (mode === 'snp') o.guestFeatures = l.guestFeatures ?? 1n;
    else if (l.guestFeatures !== undefined) o.guestFeatures = l.guestFeatures;
    if (l.kernel) o.kernel = l.kernel;
    if (l.initrd) o.initrd = l.initrd;
    if (l.append !== undefined) o.append = l.append;
  }
  if (log && (mode === 'snp' || mode === 'snp:ovmf-hash')) o.log = true;
  return measureOvmf(o);
}

/**
 * The `options` object of the CLI's --json for the equivalent command (cliArgs), built with the
 * same rules as src/cli/measure-options.ts requestJsonOptions (which cannot be bundled: it opens
 * files with node:fs).
 */
export function jsonOptions(spec: RowSpec, l: Launch): MeasureJsonOptions {
  const o: MeasureJsonOptions = {};
  if (spec.mode === 'snp:ovmf-hash') return o;
  const sig = spec.mode === 'sev' ? undefined : sigOf(l);
  o.vcpus = l.vcpus;
  if (l.vcpuType !== undefined && spec.mode !== 'sev') o.vcpuType = l.vcpuType;
  if (sig !== undefined) o.vcpuSig = hexU32(sig);
  const gf = spec.image === 'ovmf' && spec.mode === 'snp' ? (l.guestFeatures ?? 1n) : l.guestFeatures;
  if (gf !== undefined) o.guestFeatures = hexBig(gf);
  if (spec.image === 'ovmf' && l.append !== undefined) o.append = l.append;
  return o;
}

/** The `snp-launch measure` arguments that compute the same row (file names as given). */
export function cliArgs(spec: RowSpec, l: Launch): string[] {
  if (spec.image === 'igvm') {
    const a = ['--igvm', l.image.name, '--platform', spec.platform, '--vcpus', String(l.vcpus)];
    if (l.vcpuType !== undefined) a.push('--vcpu-type', l.vcpuType);
    if (l.guestFeatures !== undefined) a.push('--guest-features', hexBig(l.guestFeatures));
    return a;
  }
  const a = ['--mode', spec.mode, '--platform', spec.platform, '--ovmf', l.image.name];
  if (spec.mode === 'snp:ovmf-hash') return a;
  a.push('--vcpus', String(l.vcpus));
  if (l.vcpuType !== undefined && spec.mode !== 'sev') a.push('--vcpu-type', l.vcpuType);
  if (l.guestFeatures !== undefined) a.push('--guest-features', hexBig(l.guestFeatures));
  if (l.kernel) a.push('--kernel', l.kernel.name);
  if (l.initrd) a.push('--initrd', l.initrd.name);
  if (l.append !== undefined) a.push('--append', l.append);
  return a;
}

/** Shell-quotes arguments for display (POSIX single quotes). */
export function shellJoin(args: string[]): string {
  return args.map((a) => (/^[A-Za-z0-9_./:=@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Hex digest text → bytes (for report matching). */
export function digestBytes(hex: string): Uint8Array | undefined {
  return fromHex(hex);
}
