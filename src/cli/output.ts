/**
 * Terminal output helpers for the CLI: optional styling (bold/dim/colour only on a TTY, never
 * with NO_COLOR or --no-color, https://no-color.org) and aligned tables whose alignment ignores
 * the escape codes.
 */
import type { Align } from '../measure/log-format.js';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
}

const plain: Style = { bold: (s) => s, dim: (s) => s, green: (s) => s, yellow: (s) => s, red: (s) => s };
const sgr = (open: number, close: number) => (s: string) => (s === '' ? s : `\x1b[${open}m${s}\x1b[${close}m`);
const ansi: Style = { bold: sgr(1, 22), dim: sgr(2, 22), green: sgr(32, 39), yellow: sgr(33, 39), red: sgr(31, 39) };

/** Styling for a stream: ANSI on a TTY unless NO_COLOR is set (any value) or `disable` is true. */
export function styleFor(stream: NodeJS.WriteStream, disable = false): Style {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  return !disable && stream.isTTY === true && !noColor ? ansi : plain;
}

/** A cell with an optional style applied after alignment (so padding stays correct). */
export interface Cell {
  text: string;
  style?: (s: string) => string;
}

/**
 * Aligned rows of cells separated by two spaces: widths from the plain text, styles applied to the
 * padded text. The first row is the header (bold).
 */
export function renderTable(rows: readonly (readonly (Cell | string)[])[], align: readonly Align[], style: Style, indent = ''): string[] {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'string' ? { text: c } : c)));
  const widths: number[] = [];
  for (const r of cells) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.text.length)));
  return cells.map((r, ri) => {
    const parts = r.map((c, i) => {
      const padded = align[i] === 'right' ? c.text.padStart(widths[i]!) : i === r.length - 1 ? c.text : c.text.padEnd(widths[i]!);
      const st = ri === 0 ? style.bold : c.style;
      return st ? st(padded) : padded;
    });
    return (indent + parts.join('  ')).trimEnd();
  });
}
