/**
 * Aligns two measurement logs and explains, in words, the first step where they diverge: the
 * VMSA measured last at 0xFFFFFFFFF000 vs inline at its GPA, AP VMSAs added, pages sorted by GPA,
 * one page measured later (EC2's CPUID page), a parameter area measured as one page, a shared page
 * skipped, a zero page measured as ZERO vs NORMAL, SNP_SEC_MEM as UNMEASURED (GCE), VMSAs from
 * different OVMF register profiles, different contents. Steps are compared by (type, gpa,
 * contents): once two chains differ, every later digest differs too, so digests say nothing about
 * where. When the first difference has a known extent (a moved page, a page type or VMSA profile
 * used throughout), the logs are re-aligned after it and up to three further differences are
 * explained too. Browser-safe.
 */
import { KVM_VMSA_GPA, PageType } from '../firmware/page-types.js';
import { describeStep, hexGpa, stepKey, typeName, type LogStep } from './entries.js';
import { cpuidLastReason, isOvmfLog, ovmfVmmOf, secMemTypeReason, vmsaProfileReason } from './ovmf-divergence.js';

/** SHA-384 of a 4096-byte zero page (specs/launch-digest.md §2.4). */
const ZERO_PAGE_SHA384 = 'c0e59a3e3ffbd3b5c75428fb36432facabc745944296ff515f737c4fef4efc64586809f7a16f56354a1eaecf2aa8d774';

/** How many further differences are explained after the first one. */
const MAX_FURTHER = 3;

export type DivergenceKind =
  | 'vmsa-placement' // the VMSA last at 0xFFFFFFFFF000 vs inline at its GPA
  | 'extra-vmsas' // AP VMSAs appended (or VMSAs missing at the end)
  | 'extra-steps' // one log has more steps at the end
  | 'parameter-area' // whole area vs first page
  | 'skipped-pages' // pages one side does not measure (e.g. shared)
  | 'gpa-order' // the same steps in another order (e.g. sorted by GPA)
  | 'moved-step' // one step measured later, the steps in between the same (EC2's CPUID page)
  | 'zero-page-type' // ZERO vs NORMAL SHA-384(zeros)
  | 'sec-mem-type' // OVMF SNP_SEC_MEM as ZERO vs UNMEASURED (GCE)
  | 'page-type' // same GPA, other type
  | 'vmsa-profile' // same GPA, VMSAs built from different OVMF VMM register profiles
  | 'contents' // same GPA and type, other contents
  | 'vmsa-gpa' // the same VMSA at another GPA
  | 'different'; // anything else

export interface Divergence {
  /** 0-based step index of the first difference. */
  index: number;
  a?: LogStep;
  b?: LogStep;
  kind: DivergenceKind;
  /** The explanation, naming the two sides by their labels (with the further differences appended). */
  reason: string;
  /** Further differences after re-aligning past this one (first divergence only). */
  further?: Divergence[];
}

export interface DivergenceOptions {
  /** Platform ids of the two logs (e.g. from measure --json), used with the labels to name VMM rules. */
  platformA?: string;
  platformB?: string;
}

/** Two steps treated as matching when re-aligning after an explained difference. */
type Equiv = (x: LogStep, y: LogStep) => boolean;

interface Ctx {
  a: readonly LogStep[];
  b: readonly LogStep[];
  la: string;
  lb: string;
  ovmf: boolean;
  opts: DivergenceOptions;
}

interface Found {
  d: Divergence;
  /** Where to resume comparing (same index on both sides), and what to treat as equal from then on. */
  resume?: number;
  equiv?: Equiv;
}

/** The first divergence of two logs, or undefined when they measure the same steps. */
export function firstDivergence(a: readonly LogStep[], b: readonly LogStep[], labelA = 'A', labelB = 'B', opts: DivergenceOptions = {}): Divergence | undefined {
  const ctx: Ctx = { a, b, la: labelA, lb: labelB, ovmf: isOvmfLog(a) || isOvmfLog(b), opts };
  const first = divergeFrom(ctx, 0, []);
  if (!first) return undefined;
  const further: Divergence[] = [];
  const equivs: Equiv[] = [];
  let cur = first;
  while (cur.resume !== undefined && further.length < MAX_FURTHER) {
    if (cur.equiv) equivs.push(cur.equiv);
    const next = divergeFrom(ctx, cur.resume, equivs);
    if (!next) break;
    further.push(next.d);
    cur = next;
  }
  const d = first.d;
  if (further.length > 0) {
    d.further = further;
    d.reason += further.map((f) => `; further on, at step ${f.index}: ${f.reason}`).join('');
  }
  return d;
}

function divergeFrom(ctx: Ctx, start: number, equivs: readonly Equiv[]): Found | undefined {
  const { a, b, la: labelA, lb: labelB } = ctx;
  const same = (x: LogStep, y: LogStep) => stepKey(x) === stepKey(y) || equivs.some((e) => e(x, y));
  let i = start;
  while (i < a.length && i < b.length && same(a[i]!, b[i]!)) i++;
  if (i === a.length && i === b.length) return undefined;
  const sa = a[i];
  const sb = b[i];
  if (!sa) return { d: tail(ctx, i, b, labelB, labelA, 'b') };
  if (!sb) return { d: tail(ctx, i, a, labelA, labelB, 'a') };
  const at = (kind: DivergenceKind, reason: string, resume?: number, equiv?: Equiv): Found => ({
    d: { index: i, a: sa, b: sb, kind, reason },
    ...(resume !== undefined ? { resume } : {}),
    ...(equiv ? { equiv } : {}),
  });
  // From here on, the same GPA measured with these two types (or, for VMSAs, any two contents) is "explained".
  const typePair: Equiv = (x, y) => x.gpa === y.gpa && x.type === sa.type && y.type === sb.type;
  const vmsaPair: Equiv = (x, y) => x.gpa === y.gpa && x.type === PageType.VMSA && y.type === PageType.VMSA;
  const thisPair: Equiv = (x, y) => stepKey(x) === stepKey(sa) && stepKey(y) === stepKey(sb);

  // Same GPA: other type or other contents.
  if (sa.gpa === sb.gpa) {
    if (sa.type === sb.type) {
      if (sa.type === PageType.VMSA) {
        let later = 0;
        for (let k = i + 1; k < a.length && k < b.length && vmsaPair(a[k]!, b[k]!) && a[k]!.contents !== b[k]!.contents; k++) later++;
        const vmmA = ovmfVmmOf(ctx.opts.platformA ?? labelA);
        const vmmB = ovmfVmmOf(ctx.opts.platformB ?? labelB);
        const prof = ctx.ovmf ? vmsaProfileReason(sa, sb, labelA, labelB, vmmA, vmmB, later) : undefined;
        if (prof) return at('vmsa-profile', prof, i + 1, vmsaPair);
        const hintOvmf = ctx.ovmf ? ', e.g. another --vcpu-type / --vcpu-sig (RDX) or --guest-features' : '';
        return at('contents', `the VMSA at ${hexGpa(sa.gpa)} has different contents (different register state or sev_features${hintOvmf}): ${labelA} ${short(sa.contents)}, ${labelB} ${short(sb.contents)}`, i + 1, vmsaPair);
      }
      return at('contents', `the ${typeName(sa.type)} page at ${hexGpa(sa.gpa)} has different contents: ${labelA} ${short(sa.contents)}, ${labelB} ${short(sb.contents)}`, i + 1, thisPair);
    }
    const zero = zeroVsNormal(sa, sb, labelA, labelB) ?? zeroVsNormal(sb, sa, labelB, labelA);
    if (zero) return at('zero-page-type', zero, i + 1, typePair);
    const secMem = secMemTypeReason(a, b, sa, sb, labelA, labelB);
    if (secMem) return at('sec-mem-type', secMem, i + 1, typePair);
    return at('page-type', `the page at ${hexGpa(sa.gpa)} is measured as ${typeName(sa.type)} by ${labelA} but as ${typeName(sb.type)} by ${labelB}`, i + 1, typePair);
  }

  // A VMSA on one side where the other has something else.
  const vm = vmsaPlacement(i, a, b, labelA, labelB) ?? vmsaPlacement(i, b, a, labelB, labelA);
  if (vm) return at(vm.kind, vm.reason);

  const restA = keyIndex(a, i);
  const restB = keyIndex(b, i);
  const aInB = restB.get(stepKey(sa));
  const bInA = restA.get(stepKey(sb));
  if (aInB !== undefined && bInA === undefined) return at(...extra(i, aInB, b, labelB, labelA));
  if (bInA !== undefined && aInB === undefined) return at(...extra(i, bInA, a, labelA, labelB));
  if (aInB !== undefined && bInA !== undefined) {
    // One step measured later, everything in between the same (EC2's CPUID page)?
    const mv = moved(i, aInB, a, b, labelA, labelB, same) ?? moved(i, bInA, b, a, labelB, labelA, (x, y) => same(y, x));
    if (mv?.known) return at('moved-step', mv.reason, mv.resume);
    const next = `next ${labelA} measures ${describeStep(sa)} (${labelB} at step ${aInB}), ${labelB} ${describeStep(sb)} (${labelA} at step ${bInA})`;
    // "Another order" only when the remaining steps really are the same set.
    const sameSet = sameSteps(a, b, i);
    const sortedA = sameSet && ascending(a, i);
    const sortedB = sameSet && ascending(b, i);
    const how = (l: string) => `${l} measures the remaining pages in ascending GPA order (as Cloud Hypervisor, which sorts every page by GPA before importing)`;
    if (sortedB && !sortedA) return at('gpa-order', `${how(labelB)}, ${labelA} in directive order: ${next}`);
    if (sortedA && !sortedB) return at('gpa-order', `${how(labelA)}, ${labelB} in directive order: ${next}`);
    if (mv) return at('moved-step', mv.reason, mv.resume);
    if (sameSet) return at('gpa-order', `the same pages are measured in another order: ${next}`);
    return at('different', `the remaining steps differ in order and in content: ${next}`);
  }
  // Neither step is in the other log: say what each one is, when it is recognisable.
  const whys = [lone(a, i, labelA, labelB), lone(b, i, labelB, labelA)].filter((x): x is [DivergenceKind, string] => x !== undefined);
  if (whys.length > 0) return at(whys[0]![0], whys.map((w) => w[1]).join('; and '));
  return at('different', `${labelA} measures ${describeStep(sa)} where ${labelB} measures ${describeStep(sb)}`);
}

/**
 * x[i] is y[j] (j > i) and x[i+1..j] matches y[i..j-1] (`same`, which includes the differences
 * already explained): y measures that one step later. Both logs then line up again from j+1 on.
 */
function moved(i: number, j: number, x: readonly LogStep[], y: readonly LogStep[], lx: string, ly: string, same: (x: LogStep, y: LogStep) => boolean): { reason: string; resume: number; known: boolean } | undefined {
  if (j <= i) return undefined;
  for (let k = i + 1; k <= j; k++) if (!same(x[k]!, y[k - 1]!)) return undefined;
  const s = x[i]!;
  const n = j - i;
  const known = cpuidLastReason(s, i, j, lx, ly);
  const reason = known ?? `${ly} measures ${describeStep(s)} later (step ${j}), after the ${n} step${n === 1 ? '' : 's'} that ${lx} measures after it; the steps in between are the same`;
  return { reason, resume: j + 1, known: known !== undefined };
}

/** x[from..] and y[from..] hold the same steps (as a multiset), perhaps in another order. */
function sameSteps(x: readonly LogStep[], y: readonly LogStep[], from: number): boolean {
  if (x.length !== y.length) return false;
  const count = new Map<string, number>();
  for (let k = from; k < x.length; k++) count.set(stepKey(x[k]!), (count.get(stepKey(x[k]!)) ?? 0) + 1);
  for (let k = from; k < y.length; k++) {
    const key = stepKey(y[k]!);
    const c = count.get(key);
    if (!c) return false;
    count.set(key, c - 1);
  }
  return true;
}

/** x[i], which the other log does not have: a parameter-area page or a shared page? */
function lone(x: readonly LogStep[], i: number, lx: string, ly: string): [DivergenceKind, string] | undefined {
  const s = x[i]!;
  const prev = x[i - 1];
  if (s.type === PageType.UNMEASURED && prev?.type === PageType.UNMEASURED && prev.gpa + 4096 === s.gpa) {
    return ['parameter-area', `${lx} measures more pages of the parameter area at ${hexGpa(prev.gpa)} (${describeStep(s)}) than ${ly}, which measures only its first page${hint(ly, ' (as igvmmeasure and Cloud Hypervisor)', ['igvmmeasure', 'cloud-hypervisor'])}`];
  }
  if (/shared/.test(s.origin)) return ['skipped-pages', `${ly} skips ${describeStep(s)}: PAGE_DATA with the shared flag is not measured by ${ly}${hint(ly, ' (as the igvm crate / OpenVMM)', ['openvmm'])}`];
  return undefined;
}

/** `text` unless the label already names one of `names`. */
function hint(label: string, text: string, names: readonly string[]): string {
  return names.some((n) => label.includes(n)) ? '' : text;
}

function short(h: string): string {
  return h.slice(0, 16) + '…';
}

/** `z` is ZERO and `n` is NORMAL with the SHA-384 of a zero page, at the same GPA. */
function zeroVsNormal(z: LogStep, n: LogStep, lz: string, ln: string): string | undefined {
  if (z.type !== PageType.ZERO || n.type !== PageType.NORMAL || n.contents !== ZERO_PAGE_SHA384) return undefined;
  return `the page without data at ${hexGpa(z.gpa)} is measured as ZERO by ${lz} (the firmware zero-page type${hint(lz, ', as igvmmeasure --native-zero', ['native-zero'])}) but as NORMAL with SHA-384 of a zero page by ${ln}${hint(ln, ' (as QEMU and the igvm crate)', ['qemu', 'openvmm'])}`;
}

/** A VMSA at x[i] that y measures elsewhere (e.g. last at 0xFFFFFFFFF000). */
function vmsaPlacement(i: number, x: readonly LogStep[], y: readonly LogStep[], lx: string, ly: string): { kind: DivergenceKind; reason: string } | undefined {
  const v = x[i]!;
  if (v.type !== PageType.VMSA) return undefined;
  let j = -1;
  for (let k = i; k < y.length; k++) if (y[k]!.type === PageType.VMSA && y[k]!.contents === v.contents) { j = k; break; }
  // y's trailing block of VMSAs at KVM's fixed GPA (what upstream KVM adds at LAUNCH_FINISH).
  let tailStart = y.length;
  while (tailStart > i && y[tailStart - 1]!.type === PageType.VMSA && y[tailStart - 1]!.gpa === KVM_VMSA_GPA) tailStart--;
  if (tailStart < y.length && (tailStart > i || v.gpa !== KVM_VMSA_GPA)) {
    const kvm = j >= tailStart ? j : tailStart;
    const same = y[kvm]!.contents === v.contents ? 'the same VMSA' : 'a VMSA';
    return {
      kind: 'vmsa-placement',
      reason: `${lx} measures the VMSA inline at its GPA ${hexGpa(v.gpa)} (step ${i}, in directive order), while ${ly} measures ${same} last at 0xfffffffff000 (step ${kvm}): upstream KVM builds the VMSAs at LAUNCH_FINISH, after all pages, at its fixed GPA`,
    };
  }
  if (j >= 0 && y[j]!.gpa !== v.gpa) {
    return { kind: 'vmsa-gpa', reason: `the same VMSA is measured at ${hexGpa(v.gpa)} by ${lx} (step ${i}) but at ${hexGpa(y[j]!.gpa)} by ${ly} (step ${j})` };
  }
  return undefined;
}

/** y[i..j) are steps x does not have at this point. */
function extra(i: number, j: number, y: readonly LogStep[], ly: string, lx: string): [DivergenceKind, string] {
  const ins = y.slice(i, j);
  const n = ins.length;
  const prev = i > 0 ? y[i - 1] : undefined;
  const contiguousUnmeasured = ins.every((s, k) => s.type === PageType.UNMEASURED && s.gpa === (k === 0 ? prev?.gpa ?? -1 : ins[k - 1]!.gpa) + 4096);
  if (prev?.type === PageType.UNMEASURED && contiguousUnmeasured) {
    return [
      'parameter-area',
      `${ly} measures the whole parameter area as UNMEASURED pages (${n} more after ${hexGpa(prev.gpa)}); ${lx} measures only its first page${hint(lx, ' (as igvmmeasure and Cloud Hypervisor)', ['igvmmeasure', 'cloud-hypervisor'])}`,
    ];
  }
  const shared = /shared/.test(ins[0]!.origin);
  const first = describeStep(ins[0]!);
  if (shared) return ['skipped-pages', `${lx} skips ${n} page${n === 1 ? '' : 's'} that ${ly} measures, starting with ${first}: PAGE_DATA with the shared flag is not measured by ${lx}${hint(lx, ' (as the igvm crate / OpenVMM)', ['openvmm'])}`];
  return ['skipped-pages', `${ly} measures ${n} step${n === 1 ? '' : 's'} that ${lx} does not have here, starting with ${first}`];
}

/** A log that ended: the other has more steps. */
function tail(ctx: Ctx, i: number, longer: readonly LogStep[], lLong: string, lShort: string, side: 'a' | 'b'): Divergence {
  const more = longer.slice(i);
  const n = more.length;
  const s = more[0]!;
  const base = side === 'a' ? { a: s } : { b: s };
  if (more.every((x) => x.type === PageType.VMSA && x.gpa === KVM_VMSA_GPA)) {
    return {
      index: i,
      ...base,
      kind: 'extra-vmsas',
      reason: `${lLong} adds ${n} VMSA${n === 1 ? '' : 's'} at 0xfffffffff000 after the last step of ${lShort}: one per additional vCPU ${
        ctx.ovmf
          ? '(every vCPU\'s VMSA is measured at launch finish, the APs\' starting at OVMF\'s SEV-ES reset-block EIP, so the digest depends on the vCPU count)'
          : '(upstream KVM measures a reset-state VMSA for every AP, so the digest depends on the vCPU count)'
      }`,
    };
  }
  if (more.every((x) => /shared/.test(x.origin))) {
    return { index: i, ...base, kind: 'skipped-pages', reason: `${lShort} skips ${n} page${n === 1 ? '' : 's'} that ${lLong} measures, starting with ${describeStep(s)}: PAGE_DATA with the shared flag is not measured by ${lShort}${hint(lShort, ' (as the igvm crate / OpenVMM)', ['openvmm'])}` };
  }
  return { index: i, ...base, kind: 'extra-steps', reason: `${lLong} measures ${n} more step${n === 1 ? '' : 's'} after the last step of ${lShort}, starting with ${describeStep(s)}` };
}

/** First index (≥ from) of each key. */
function keyIndex(x: readonly LogStep[], from: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let k = x.length - 1; k >= from; k--) m.set(stepKey(x[k]!), k);
  return m;
}

function ascending(x: readonly LogStep[], from: number): boolean {
  for (let k = from + 1; k < x.length; k++) if (x[k]!.gpa < x[k - 1]!.gpa) return false;
  return true;
}
