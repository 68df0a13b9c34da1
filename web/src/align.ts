/**
 * Aligns two measurement logs for the diff view: steps that measure the same page the same way
 * (GPA, page type, contents) are paired; the rest appear as one-sided rows. The launch digest is a
 * hash chain, so the two digests differ from the first unpaired or mismatched step onwards.
 */
import type { AlignedPair, DivergenceData, LogEntryData, RowData } from './protocol.js';
import { explainRows } from './explain.js';

/** Above this many cells the middle part is paired by position instead of by LCS. */
const LCS_LIMIT = 4_000_000;

function key(e: LogEntryData): string {
  let h = '';
  for (const x of e.contents) h += x.toString(16).padStart(2, '0');
  return `${e.gpa}:${e.pageType}:${h}`;
}

export function alignLogs(a: LogEntryData[], b: LogEntryData[]): AlignedPair[] {
  const ka = a.map(key);
  const kb = b.map(key);
  let pre = 0;
  while (pre < a.length && pre < b.length && ka[pre] === kb[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && ka[a.length - 1 - suf] === kb[b.length - 1 - suf]) suf++;
  const out: AlignedPair[] = [];
  for (let i = 0; i < pre; i++) out.push({ a: a[i]!, b: b[i]!, same: true });
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  out.push(...alignMiddle(am, bm, ka.slice(pre, a.length - suf), kb.slice(pre, b.length - suf)));
  for (let i = suf; i > 0; i--) out.push({ a: a[a.length - i]!, b: b[b.length - i]!, same: true });
  return out;
}

function alignMiddle(a: LogEntryData[], b: LogEntryData[], ka: string[], kb: string[]): AlignedPair[] {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0 || n * m > LCS_LIMIT) {
    const out: AlignedPair[] = [];
    for (let i = 0; i < Math.max(n, m); i++) {
      const p: AlignedPair = { same: false };
      if (i < n) p.a = a[i]!;
      if (i < m) p.b = b[i]!;
      out.push(p);
    }
    return out;
  }
  // Classic LCS table from the end, then a forward walk that prefers pairing mismatches in place.
  const w = m + 1;
  const t = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      t[i * w + j] = ka[i] === kb[j] ? t[(i + 1) * w + j + 1]! + 1 : Math.max(t[(i + 1) * w + j]!, t[i * w + j + 1]!);
    }
  }
  const out: AlignedPair[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && ka[i] === kb[j]) {
      out.push({ a: a[i++]!, b: b[j++]!, same: true });
    } else if (i < n && j < m && t[(i + 1) * w + j + 1] === t[i * w + j]) {
      out.push({ a: a[i++]!, b: b[j++]!, same: false });
    } else if (j >= m || (i < n && t[(i + 1) * w + j]! >= t[i * w + j + 1]!)) {
      out.push({ a: a[i++]!, same: false });
    } else {
      out.push({ b: b[j++]!, same: false });
    }
  }
  return out;
}

/**
 * The explanation of the first divergence (src/explain) and its row in the alignment: the common
 * prefix of the alignment has the length of the logs' common prefix, so the first differing step
 * is in the first unpaired row.
 */
export function explainDivergence(a: RowData, b: RowData, pairs: AlignedPair[]): DivergenceData {
  const e = explainRows(a, b);
  return { ...e, alignedIndex: e.index === undefined ? -1 : pairs.findIndex((p) => !p.same) };
}
