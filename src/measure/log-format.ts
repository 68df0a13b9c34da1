/**
 * The measurement log as an aligned text table (`snp-launch measure --log`), shared by the CLI and
 * the explorer. Browser-safe.
 *
 * Folding: by default, consecutive entries with the same origin and page type at consecutive GPAs
 * (a run of firmware pages, a ZERO section) become one row showing the step and GPA ranges and the
 * page count; the digest shown is the one after the run's last step. `full: true` prints every
 * entry. Folding never changes what is measured; the JSON log always has every entry.
 */
import { toHex } from '../core/bytes.js';
import type { MeasurementLogEntry } from '../firmware/log.js';
import { hasContents, PAGE_SIZE, PAGE_TYPE_NAMES } from '../firmware/page-types.js';

/** One table row: a single entry, or a folded run of entries. */
export interface LogRow {
  first: MeasurementLogEntry;
  last: MeasurementLogEntry;
  count: number;
  /** The common CONTENTS when every entry of the run has the same one, else undefined. */
  contents: Uint8Array | undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Groups consecutive entries of one origin and type at consecutive GPAs. */
export function foldLog(entries: readonly MeasurementLogEntry[]): LogRow[] {
  const rows: LogRow[] = [];
  for (const e of entries) {
    const r = rows[rows.length - 1];
    if (r && r.last.origin === e.origin && r.last.pageType === e.pageType && e.gpa === r.last.gpa + PAGE_SIZE) {
      r.last = e;
      r.count++;
      if (r.contents && !sameBytes(r.contents, e.contents)) r.contents = undefined;
    } else {
      rows.push({ first: e, last: e, count: 1, contents: e.contents });
    }
  }
  return rows;
}

/** First `n` hex digits of a digest followed by an ellipsis. */
export function shortHex(bytes: Uint8Array, n = 12): string {
  const h = toHex(bytes);
  return h.length <= n ? h : h.slice(0, n) + '…';
}

export type Align = 'left' | 'right';

/**
 * Pads cells into aligned columns separated by two spaces; trailing spaces are trimmed.
 * Lengths count UTF-16 code units, which is right for the ASCII and "…" text used here.
 */
export function alignColumns(rows: readonly (readonly string[])[], align: readonly Align[] = []): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) =>
    r
      .map((c, i) => (align[i] === 'right' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

export interface LogTableOptions {
  /** One row per entry instead of folded runs. */
  full?: boolean;
  /** Hex digits shown of each digest (default 12). */
  digestChars?: number;
}

export const LOG_TABLE_HEADER = ['step', 'gpa', 'pages', 'type', 'contents', 'digest after', 'origin'] as const;

/** The log as aligned lines (header first), without a trailing newline. */
export function formatLogTable(entries: readonly MeasurementLogEntry[], opts: LogTableOptions = {}): string[] {
  const n = opts.digestChars ?? 12;
  const rows = opts.full ? entries.map((e) => ({ first: e, last: e, count: 1, contents: e.contents })) : foldLog(entries);
  const cells: string[][] = [[...LOG_TABLE_HEADER]];
  for (const r of rows) {
    const one = r.count === 1;
    const contents = !hasContents(r.first.pageType) ? '-' : r.contents ? shortHex(r.contents, n) : '(differ)';
    cells.push([
      one ? String(r.first.index) : `${r.first.index}-${r.last.index}`,
      one ? hexGpa(r.first.gpa) : `${hexGpa(r.first.gpa)}-${hexGpa(r.last.gpa)}`,
      String(r.count),
      PAGE_TYPE_NAMES[r.first.pageType],
      contents,
      shortHex(r.last.digest, n),
      r.first.origin,
    ]);
  }
  return alignColumns(cells, ['right', 'left', 'right']);
}

function hexGpa(gpa: number): string {
  return '0x' + gpa.toString(16);
}
