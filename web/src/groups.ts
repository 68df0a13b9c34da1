/**
 * Digest groups (issue 17 item 5): equal digests in one table share a letter and a colour, so a
 * reader compares letters instead of 96 hex digits. DOM-free (tested in Node).
 */
import { headerList } from '../../src/portable/fix.js';

export interface DigestGroup {
  /** "A", "B", … "Z", "AA", … in order of first appearance. */
  letter: string;
  digest: string;
  /** Row ids (or labels) that measured this digest, in table order. */
  members: string[];
  /** CSS colour, unique per group in the table. */
  colour: string;
}

export interface Grouping {
  groups: DigestGroup[];
  /** Member id → its group. */
  of: Map<string, DigestGroup>;
}

/**
 * Dark enough that white text on them is at least 4.5:1 (WCAG AA for small text), and apart in
 * hue. Past the palette, hues go round the circle by the golden angle at the same darkness.
 */
const PALETTE = ['#1d5fa8', '#a34900', '#1b7a3a', '#8a2b9e', '#9c1f4d', '#00707a', '#6b5a00', '#4b4fc4', '#7a4a2a', '#3d6b00', '#a3187a', '#2f5f6f'];

export function groupColour(i: number): string {
  return PALETTE[i] ?? `hsl(${Math.round((i * 137.508) % 360)}, 65%, 30%)`;
}

export function groupLetter(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Groups the items that have a digest (compared as lowercase hex); items without one get none. */
export function groupDigests(items: readonly { id: string; digest?: string | null | undefined }[]): Grouping {
  const byDigest = new Map<string, DigestGroup>();
  const of = new Map<string, DigestGroup>();
  for (const it of items) {
    if (!it.digest) continue;
    const d = it.digest.toLowerCase();
    let g = byDigest.get(d);
    if (!g) {
      const i = byDigest.size;
      g = { letter: groupLetter(i), digest: d, members: [], colour: groupColour(i) };
      byDigest.set(d, g);
    }
    g.members.push(it.id);
    of.set(it.id, g);
  }
  return { groups: [...byDigest.values()], of };
}

/** "3 groups: A = openvmm, igvmmeasure · B = qemu-kvm · C = …" (or "1 group: all agree"). */
export function legendText(groups: readonly DigestGroup[]): string {
  if (groups.length === 0) return 'no digests';
  const head = `${groups.length} group${groups.length === 1 ? '' : 's'}`;
  return `${head}: ${groups.map((g) => `${g.letter} = ${g.members.join(', ')}`).join(' · ')}`;
}

/** The short form of a digest: first and last 8 hex digits. */
export function shortDigest(hex: string): string {
  return hex.length <= 20 ? hex : `${hex.slice(0, 8)}…${hex.slice(-8)}`;
}

/** The full digest in blocks of 8 hex digits (wraps between blocks, never inside one). */
export function blockDigest(hex: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < hex.length; i += 8) out.push(hex.slice(i, i + 8));
  return out;
}

/**
 * One line for a list of `portability --fix` edits (src/portable/fix.ts wording): moves are
 * counted per reason ("9 headers moved (headers 18-22, 25-29): cloud-hypervisor-mshv measures in
 * ascending GPA order …"), every other edit keeps its first clause.
 */
export function summarizeEdits(edits: readonly string[]): string {
  if (edits.length === 0) return 'no edit needed';
  const moved = new Map<string, number[]>();
  const other: string[] = [];
  for (const e of edits) {
    const m = /^header (\d+) \([^)]*\) moved.*? — (.*)$/.exec(e);
    if (m) {
      const list = moved.get(m[2]!) ?? [];
      list.push(Number(m[1]));
      moved.set(m[2]!, list);
    } else other.push(e.split(' — ')[0]!);
  }
  const parts = [...other];
  for (const [why, ix] of moved) parts.push(`${ix.length} header${ix.length === 1 ? '' : 's'} moved (${headerList([...ix].sort((a, b) => a - b))}): ${why}`);
  return parts.join('; ');
}
