/**
 * `igvm build`: an IGVM file from an OVMF launch (from-ovmf.ts) that every listed target measures
 * the same (rules.ts), with an SNP_ID_BLOCK whose launch digest is that measurement. Browser-safe:
 * the result is a layout (src/images/igvm/stream-write.ts) the caller streams to a file or a Blob;
 * page data stays references into the OVMF input until it is written.
 *
 * Before anything is written, the laid-out file is parsed and measured on every target through
 * the platform loaders (measure-targets.ts); a disagreement is returned as a conflict instead of a
 * file, so a caller never has to delete a half-written output.
 */
import { fromHex } from '../core/bytes.js';
import { usageError } from '../core/errors.js';
import { KVM_VMSA_GPA, PAGE_SIZE } from '../firmware/page-types.js';
import { layoutIgvm, layoutSource, type IgvmLayout, type StreamHeaderSpec, type StreamPageDataSpec } from '../images/igvm/stream-write.js';
import type { IdSigner } from '../idblock/sign.js';
import type { ByteSource } from '../core/source.js';
import { describeConflict, ruleConflicts, type PortabilityConflict } from './conflicts.js';
import { ovmfContent, type ContentPage, type OvmfContentOptions } from './from-ovmf.js';
import { placeholderIdBlock, signIgvmIdBlock } from './id-block.js';
import { measureTargets, type TargetMeasurement } from './measure-targets.js';
import { rulesFor, type RuleSet } from './rules.js';
import type { PortableTarget } from './targets.js';

export interface PortableBuildOptions extends OvmfContentOptions {
  targets: readonly PortableTarget[];
  /** vCPU count the file is launched with (only qemu-kvm measures it). Default 1. */
  vcpus?: number;
  /** GPA of the VMSA; default 0xFFFFFFFFF000. */
  vmsaGpa?: bigint;
  /** SNP guest policy; default 0x30000. */
  policy?: bigint;
  /** Compatibility mask of the SEV-SNP platform (one bit); default 0x1. */
  platformMask?: number;
  idKey?: IdSigner;
  authorKey?: IdSigner;
  familyId?: Uint8Array;
  imageId?: Uint8Array;
  guestSvn?: number;
  /** Name of the file being built (for errors). */
  name?: string;
}

export type PortableBuildResult =
  | { ok: true; layout: IgvmLayout; digest: string; measurement: TargetMeasurement; rules: string[] }
  | { ok: false; conflict: PortabilityConflict; measurement: TargetMeasurement; rules: string[] };

const ZERO_PAGE = new Uint8Array(PAGE_SIZE);

function checkOptions(o: PortableBuildOptions): { vmsaGpa: number; mask: number; policy: bigint } {
  const g = o.vmsaGpa ?? BigInt(KVM_VMSA_GPA);
  if (g < 0n || g >= 1n << 52n || g % BigInt(PAGE_SIZE) !== 0n) throw usageError('BAD_VMSA_GPA', `argument --vmsa-gpa: 0x${g.toString(16)} is not a page-aligned guest physical address below 2^52`, '--vmsa-gpa');
  const mask = o.platformMask ?? 1;
  if (!Number.isInteger(mask) || mask <= 0 || mask > 0xffffffff || (mask & (mask - 1)) !== 0) throw usageError('BAD_MASK', `argument --platform-mask: ${mask} must have exactly one bit set (igvm.md §4.1)`, '--platform-mask');
  const policy = o.policy ?? 0x30000n;
  if (policy < 0n || policy >= 1n << 64n) throw usageError('BAD_POLICY', `argument --policy: 0x${policy.toString(16)} is not a 64-bit value`, '--policy');
  if (o.authorKey && !o.idKey) throw usageError('OPTION_CONFLICT', '--author-key needs --id-key (the author key signs the ID key)', '--author-key');
  const vcpus = o.vcpus ?? 1;
  if (!Number.isSafeInteger(vcpus) || vcpus < 1) throw usageError('BAD_VCPUS', `argument --vcpus: must be at least 1, got ${vcpus}`, '--vcpus');
  if (o.targets.length === 0) throw usageError('MISSING_OPTION', 'no platform to build for', '--for');
  return { vmsaGpa: Number(g), mask, policy };
}

/** The directives in the order the rules ask for; the VMSA is placed among them. */
function directives(pages: ContentPage[], rules: RuleSet, vmsa: Uint8Array, vmsaGpa: number, mask: number): StreamHeaderSpec[] {
  const order = rules.sortByGpa ? pages.map((p, i) => ({ p, i })).sort((a, b) => a.p.gpa - b.p.gpa || a.i - b.i).map((x) => x.p) : pages;
  const out: StreamHeaderSpec[] = order.map(
    (p): StreamPageDataSpec => ({
      kind: 'PAGE_DATA',
      gpa: BigInt(p.gpa),
      compatibilityMask: mask,
      flags: { is2MiB: false, unmeasured: p.unmeasured, shared: false },
      dataType: p.dataType,
      data: p.data === null && rules.zeroAsData && p.dataType === 'NORMAL' && !p.unmeasured ? ZERO_PAGE : p.data,
    }),
  );
  const vp: StreamHeaderSpec = { kind: 'VP_CONTEXT', gpa: BigInt(vmsaGpa), compatibilityMask: mask, vpIndex: 0, data: vmsa };
  // Sorted files keep the VMSA at its GPA's place (the last one for the default GPA); else last.
  const at = rules.sortByGpa ? order.filter((p) => p.gpa <= vmsaGpa).length : out.length;
  out.splice(at, 0, vp);
  return out;
}

/** The file laid out with a same-sized placeholder ID block, before anything is measured. */
export interface PortablePlan {
  layout: IgvmLayout;
  rules: string[];
  finish: (measured: ByteSource) => Promise<PortableBuildResult>;
}

/**
 * Lays the file out. `finish(src)` measures `src` — these very bytes, in memory or already written
 * to a temporary file — on every target and, when they agree, returns the final layout: the same
 * file data with the signed ID block in the head (the ID block is not measured, so the digest holds).
 */
export async function planPortableIgvm(o: PortableBuildOptions): Promise<PortablePlan> {
  const { vmsaGpa, mask, policy } = checkOptions(o);
  const rules = rulesFor(o.targets);
  // The builder writes no shared pages and no parameter areas, so only these rules shape its file.
  const notes = (['sortByGpa', 'zeroAsData', 'vmsaLast', 'vmsaGpa', 'vmsaNot2MiB'] as const).flatMap((k) => rules.noteOf[k] ?? []);
  const content = await ovmfContent(o);
  const clash = content.pages.find((p) => p.gpa === vmsaGpa);
  if (clash) throw usageError('VMSA_GPA_TAKEN', `argument --vmsa-gpa: 0x${vmsaGpa.toString(16)} is already a page of the image (${clash.origin})`, '--vmsa-gpa');

  const head: StreamHeaderSpec[] = [
    { kind: 'SUPPORTED_PLATFORM', compatibilityMask: mask, highestVtl: 0, platformType: 'SEV_SNP', platformVersion: 1, sharedGpaBoundary: 0n },
    { kind: 'GUEST_POLICY', policy, compatibilityMask: mask },
  ];
  const dirs = directives(content.pages, rules, content.vmsa, vmsaGpa, mask);
  const model = (idb: StreamHeaderSpec[]) => ({ formatVersion: 1 as const, architecture: 'x64' as const, headers: [...head, ...idb, ...dirs] });
  const layout = layoutIgvm(model(o.idKey ? [placeholderIdBlock(mask, o.authorKey !== undefined)] : []));
  const finish = async (measured: ByteSource): Promise<PortableBuildResult> => {
    const measurement = await measureTargets(measured, o.targets, { vcpus: o.vcpus ?? 1, ...(o.vcpuSig !== undefined ? { vcpuSig: o.vcpuSig } : {}) });
    if (!measurement.agree) return { ok: false, conflict: describeConflict(measurement, ruleConflicts(o.targets, o.vcpus ?? 1)), measurement, rules: notes };
    const digest = measurement.groups[0]!.digest;
    if (!o.idKey) return { ok: true, layout, digest, measurement, rules: notes };
    const idb = await signIgvmIdBlock(
      { ld: fromHex(digest)!, policy, mask, ...(o.familyId ? { familyId: o.familyId } : {}), ...(o.imageId ? { imageId: o.imageId } : {}), ...(o.guestSvn !== undefined ? { guestSvn: o.guestSvn } : {}) },
      o.idKey,
      o.authorKey,
    );
    return { ok: true, layout: layoutIgvm(model([idb])), digest, measurement, rules: notes };
  };
  return { layout, rules: notes, finish };
}

/** Plans, measures the laid-out bytes and signs: the whole build without touching a file system. */
export async function buildPortableIgvm(o: PortableBuildOptions): Promise<PortableBuildResult> {
  const plan = await planPortableIgvm(o);
  return plan.finish(layoutSource(o.name ?? 'image.igvm', plan.layout));
}
