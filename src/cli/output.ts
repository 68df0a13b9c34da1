/**
 * Terminal output helpers for the CLI: optional styling (bold/dim/colour only on a TTY, never
 * with NO_COLOR or --no-color, https://no-color.org) and aligned tables whose alignment ignores
 * the escape codes.
 */
import type { Align } from '../measure/log-format.js';
import { foldLine, TERMINAL_WIDTH } from './args.js';
import { SNP_LAUNCH_VERSION } from './version.js';

/**
 * The head of every `--json` document: `format` names the kind and its version
 * ("snp-launch.<kind>/<n>", schema docs/schemas/<kind>.schema.json), then the tool and its
 * version. A reader checks `format` first; new keys may appear in a version, removing or changing
 * one bumps <n> (docs/json-output.md).
 */
export function jsonEnvelope(kind: string, n: number): { format: string; tool: 'snp-launch'; version: string } {
  return { format: `snp-launch.${kind}/${n}`, tool: 'snp-launch', version: SNP_LAUNCH_VERSION };
}

/** One `--json` document as printed: the envelope, then the body's keys; two-space indented. */
export function formatJsonDoc(kind: string, n: number, body: object): string {
  return JSON.stringify({ ...jsonEnvelope(kind, n), ...body }, null, 2) + '\n';
}

/** Lines for the terminal, each folded to 100 columns (foldLine); `wide` (the `--wide` option) keeps them whole. */
export function fitLines(lines: readonly string[], wide = false): string[] {
  return wide ? [...lines] : lines.flatMap((l) => l.split('\n')).flatMap((l) => foldLine(l));
}

/** "1 cell", "2 cells": a count with its noun (add "s" unless `many` is given). */
export function plural(n: number, one: string, many = one + 's'): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** A digest for a terminal line: the first 16 hex digits and "…", or all of it with --wide. */
export function shortDigest(hex: string, wide = false): string {
  return wide || hex.length <= 20 ? hex : hex.slice(0, 16) + '…';
}

/**
 * Words folded to `width` columns: the first line starts with `first`, the others with `rest`
 * (usually spaces). A word longer than a line stays whole.
 */
export function wrapText(text: string, first: string, rest: string, width = TERMINAL_WIDTH): string[] {
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/ +/)) {
    if (!empty && line.length + 1 + word.length > width) {
      out.push(line);
      line = rest + word;
    } else line += (empty ? '' : ' ') + word;
    empty = false;
  }
  out.push(line);
  return out;
}

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
 * padded text. The first row is the header (bold). With `maxWidth`, a last column that would run
 * past it is folded onto continuation lines that start under that column.
 */
export function renderTable(rows: readonly (readonly (Cell | string)[])[], align: readonly Align[], style: Style, indent = '', maxWidth?: number): string[] {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'string' ? { text: c } : c)));
  const widths: number[] = [];
  for (const r of cells) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.text.length)));
  return cells.map((r, ri) => {
    const parts = r.map((c, i) => {
      const padded = align[i] === 'right' ? c.text.padStart(widths[i]!) : i === r.length - 1 ? c.text : c.text.padEnd(widths[i]!);
      const st = ri === 0 ? style.bold : c.style;
      return st ? st(padded) : padded;
    });
    const last = r[r.length - 1];
    const lead = indent.length + widths.slice(0, r.length - 1).reduce((a, x) => a + x + 2, 0);
    if (maxWidth === undefined || !last || lead + last.text.length <= maxWidth) return (indent + parts.join('  ')).trimEnd();
    const st = (ri === 0 ? style.bold : last.style) ?? ((x: string) => x);
    // Room for 30 columns beside the others: fold there; else the last column goes under the row,
    // from the second column on, folded to maxWidth.
    const beside = maxWidth - lead >= 30;
    const at = beside ? lead : indent.length + (widths[0] ?? 0) + 2;
    const pad = ' '.repeat(at);
    const folded = wrapText(last.text, pad, pad, maxWidth).map((l) => pad + st(l.slice(at)));
    if (!beside) return [(indent + parts.slice(0, -1).join('  ')).trimEnd(), ...folded].join('\n');
    return [indent + parts.slice(0, -1).join('  ') + '  ' + folded[0]!.slice(at), ...folded.slice(1)]
      .join('\n');
  });
}
