/**
 * What the explorer measures: the table rows for an image (every OVMF mode × VMM, or every IGVM
 * platform of specs/platforms.md §5), each as the same library call and the same `--json`
 * document that `snp-launch measure` makes for the equivalent command line. A row's command-line
 * values go through the CLI's own request rules (src/measure/request.ts), so the call, the
 * warnings and the JSON options cannot drift from the CLI's. DOM-free, so it runs in the worker
 * and in Node tests.
 */
import { fromHex } from '../../src/core/bytes.js';
import { inputError, SnpLaunchError } from '../../src/core/errors.js';
import type { ByteSource } from '../../src/core/source.js';
import { parseAutoInt } from '../../src/cli/args.js';
import { hexBig, type MeasureJsonOptions } from '../../src/measure/json.js';
import { measureIgvm } from '../../src/measure/igvm.js';
import { measureOvmf } from '../../src/measure/ovmf.js';
import {
  checkGuestFeatures,
  MEASURE_INPUT_OPTIONS,
  measureCall,
  requestJsonOptions,
  resolveMeasureInputs,
  withRequestWarnings,
  type FileRole,
  type MeasureInputs,
  type MeasureRequest,
  type RequestFiles,
} from '../../src/measure/request.js';
import { IGVM_PLATFORM_META, IGVM_PLATFORMS, type IgvmPlatform } from '../../src/core/platforms.js';
import type { MeasureResult, OvmfMode } from '../../src/measure/types.js';
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
  /** The --platform of the row's command line (for OVMF rows it names the VMM type). */
  platform: string;
  mode: string;
}

const OVMF_ROWS: readonly [platform: string, mode: OvmfMode][] = [
  ['qemu-kvm', 'snp'],
  ['ec2', 'snp'],
  ['gce', 'snp'],
  ['qemu-kvm', 'seves'],
  ['ec2', 'seves'],
  ['gce', 'seves'],
  ['qemu-kvm', 'sev'],
  ['qemu-kvm', 'snp:ovmf-hash'],
  ['qemu-kvm', 'snp:svsm'],
];

export function rowsFor(kind: ImageKind): RowSpec[] {
  if (kind === 'igvm') return IGVM_PLATFORMS.map((p) => ({ id: p, image: 'igvm', platform: p, mode: 'snp' }));
  return OVMF_ROWS.map(([platform, mode]) => ({ id: `${platform}/${mode}`, image: 'ovmf', platform, mode }));
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

/**
 * Parses the guest-features field with the CLI's --guest-features rules (src/cli/args.ts
 * parseAutoInt: Python int(x, 0); src/measure/request.ts: 64 bits); errors name the form field.
 */
export function parseGuestFeatures(text: string | undefined): bigint | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return checkGuestFeatures(parseAutoInt(text, 'guest-features'));
  } catch (e) {
    if (!(e instanceof SnpLaunchError)) throw e;
    const why = e.code === 'BAD_INT' ? `'${text}' is not a number (e.g. 0x1)` : 'SEV_FEATURES is 64 bits';
    throw inputError('BAD_VALUE', why, { field: 'guest features' });
  }
}

/** The page offers no SVSM inputs, so it shows why instead of the CLI's missing-option error. */
const SVSM_REASON = 'needs a Coconut-SVSM binary and an OVMF_VARS size (CLI: --svsm, --vars-size); not offered by the page';
/** Shown for the CLI's MISSING_VCPU_SIG (QEMU snp/seves without a vCPU type): the page's wording. */
const NO_SIG_REASON = 'QEMU puts the vCPU signature in RDX: choose a vCPU type';

/** The `snp-launch measure` option values of a row: the one place the page decides what it passes. */
function rowInputs(spec: RowSpec, l: Launch): MeasureInputs {
  if (spec.image === 'igvm') {
    const i: MeasureInputs = { igvm: l.image.name, platform: spec.platform };
    // A platform whose digest does not depend on the vCPU count gets none (the CLI would warn).
    if (IGVM_PLATFORM_META[spec.platform as IgvmPlatform]?.takesVcpus !== false) i.vcpus = l.vcpus;
    if (l.vcpuType !== undefined) i.vcpuType = l.vcpuType;
    if (l.guestFeatures !== undefined) i.guestFeatures = l.guestFeatures;
    // Cloud Hypervisor on KVM boots the kernel beside the IGVM file and measures its hashes; the
    // other IGVM platforms take no kernel.
    if (spec.platform === 'cloud-hypervisor-kvm' && l.kernel) {
      i.kernel = l.kernel.name;
      if (l.initrd) i.initrd = l.initrd.name;
      if (l.append !== undefined) i.append = l.append;
    }
    return i;
  }
  // Only the options the row's launch uses: the CLI warns about the others ("--vmm-type ec2 writes
  // RDX = 0x600 ...", "mode seves ignores the guest features"), and those warnings would be about
  // flags the page chose, not the user (issue 17 item 5).
  if (spec.mode === 'snp:ovmf-hash') return { mode: spec.mode, ovmf: l.image.name };
  const i: MeasureInputs = { mode: spec.mode, platform: spec.platform, ovmf: l.image.name };
  i.vcpus = l.vcpus;
  if (l.vcpuType !== undefined && spec.mode !== 'sev' && spec.platform === 'qemu-kvm') i.vcpuType = l.vcpuType;
  if (l.guestFeatures !== undefined && spec.mode !== 'seves' && spec.mode !== 'sev') i.guestFeatures = l.guestFeatures;
  if (l.kernel) i.kernel = l.kernel.name;
  if (l.initrd) i.initrd = l.initrd.name;
  if (l.append !== undefined) i.append = l.append;
  return i;
}

/** The validated request of a row, exactly as `measure` resolves the row's command line. */
function rowRequest(spec: RowSpec, l: Launch): MeasureRequest {
  return resolveMeasureInputs(rowInputs(spec, l))!;
}

/** The row's inputs by role, for the files its request names (as the CLI opens request.paths). */
export function rowFiles(spec: RowSpec, l: Launch): RequestFiles {
  return filesFor(rowRequest(spec, l), l);
}

function filesFor(req: MeasureRequest, l: Launch): RequestFiles {
  const byRole: RequestFiles = { ovmf: l.image, igvm: l.image, kernel: l.kernel, initrd: l.initrd };
  const files: RequestFiles = {};
  for (const role of Object.keys(req.paths) as FileRole[]) files[role] = byRole[role];
  return files;
}

export interface RowRun {
  result?: MeasureResult;
  reason?: string;
}

/** Measures one row; a platform that cannot launch the input gives a reason instead of throwing. */
export async function measureRow(spec: RowSpec, l: Launch, log: boolean): Promise<RowRun> {
  if (spec.mode === 'snp:svsm') return { reason: SVSM_REASON };
  try {
    const req = rowRequest(spec, l);
    const call = measureCall(req, filesFor(req, l), { log });
    if (call.kind === 'krun') throw new Error('libkrun launches are measured from the command line (measure --vmm-type krun)');
    const result = call.kind === 'ovmf' ? await measureOvmf(call.options) : await measureIgvm(call.options);
    return { result: withRequestWarnings(req, result) };
  } catch (e) {
    if (e instanceof Error && e.name === 'SnpLaunchError') return { reason: (e as SnpLaunchError).code === 'MISSING_VCPU_SIG' ? NO_SIG_REASON : e.message };
    throw e;
  }
}

/** The `options` object of the CLI's --json for the row's command line (cliArgs): the CLI's own requestJsonOptions. */
export function jsonOptions(spec: RowSpec, l: Launch): MeasureJsonOptions {
  return requestJsonOptions(rowRequest(spec, l));
}

/** The order the page writes a row's options in (a readable command line). */
const ARGV_ORDER: readonly (keyof MeasureInputs)[] = ['mode', 'igvm', 'platform', 'ovmf', 'vcpus', 'vcpuType', 'guestFeatures', 'kernel', 'initrd', 'append'];
const OPTION_NAME = new Map(MEASURE_INPUT_OPTIONS.map(([name, key]) => [key, name]));

/** The `snp-launch measure` arguments that compute the same row (file names as given). */
export function cliArgs(spec: RowSpec, l: Launch): string[] {
  const inputs = rowInputs(spec, l);
  const a: string[] = [];
  for (const key of ARGV_ORDER) {
    const v = inputs[key];
    if (v === undefined) continue;
    a.push('--' + OPTION_NAME.get(key)!, typeof v === 'bigint' ? hexBig(v) : String(v));
  }
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
