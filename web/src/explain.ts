/**
 * The words for the diff panel, from src/explain: the same first-divergence analysis and wording
 * as `snp-launch portability` (firstDivergence over the two logs, sides named by their row labels)
 * and `snp-launch diff` (diffMeasuredDocs, which also covers rows without a log).
 */
import { describeStep, diffMeasuredDocs, type LogStep, type MeasuredDoc } from '../../src/explain/index.js';
import { hexOf } from './dom-free.js';
import type { DivergenceData, LogEntryData, RowData } from './protocol.js';

export function toStep(e: LogEntryData): LogStep {
  return { index: e.index, gpa: e.gpa, type: e.pageType, contents: hexOf(e.contents), digest: hexOf(e.digest), origin: e.origin };
}

/**
 * Row labels: the platform (IGVM) or platform/mode (OVMF) as in portability; the vCPU count is
 * added only when the two sides differ in it.
 */
export function sideLabels(a: RowData, b: RowData): [string, string] {
  if (a.vcpus === b.vcpus) return a.id === b.id ? [`A ${a.id}`, `B ${b.id}`] : [a.id, b.id];
  const v = (r: RowData) => `${r.id} (${r.vcpus} vCPU${r.vcpus === 1 ? '' : 's'})`;
  return [v(a), v(b)];
}

function doc(r: RowData): MeasuredDoc {
  const d: MeasuredDoc = { file: r.id, digest: r.digest ?? '', platform: r.platform, mode: r.mode };
  if (r.log) d.log = r.log.map(toStep);
  return d;
}

/** The explanation of the first divergence; alignedIndex is filled in by the caller. */
export function explainRows(a: RowData, b: RowData): Omit<DivergenceData, 'alignedIndex'> {
  const [la, lb] = sideLabels(a, b);
  if (!a.digest || !b.digest) return { labelA: la, labelB: lb, text: `${!a.digest ? la : lb} cannot launch this input: ${(!a.digest ? a : b).reason ?? ''}` };
  const d = diffMeasuredDocs(doc(a), doc(b), la, lb);
  if (d.divergence) {
    const v = d.divergence;
    return {
      labelA: la,
      labelB: lb,
      index: v.index,
      kind: v.kind,
      stepA: v.a ? describeStep(v.a) : '(no more steps)',
      stepB: v.b ? describeStep(v.b) : '(no more steps)',
      text: v.reason,
    };
  }
  return { labelA: la, labelB: lb, text: d.note ?? `${la} and ${lb} have the same launch digest.` };
}
