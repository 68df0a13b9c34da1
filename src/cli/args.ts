/**
 * A small, strict option parser shared by every command. It follows Python argparse's conventions
 * where users of sev-snp-measure rely on them: `--opt value` and `--opt=value`, unique prefixes of
 * long options (`--guest` = `--guest-features`; an ambiguous prefix is an error), and exit status 2
 * for every usage error. Values are validated here so that commands receive typed values only.
 */
import { usageError } from '../core/errors.js';

export type OptionType =
  | 'flag' // boolean switch
  | 'string'
  | 'decimal' // Python int(x): optional sign, decimal digits only
  | 'auto' // Python int(x, 0): 0x / 0o / 0b / decimal without leading zeros; returns bigint
  | 'choice'
  | 'list'; // a list: comma-separated and/or repeated (`--for a,b` = `--for a --for b`), in order

export interface OptionSpec {
  /** Long name without dashes, e.g. "vcpu-type". */
  name: string;
  type: OptionType;
  short?: string;
  choices?: readonly string[];
  metavar?: string;
  help: string;
  /** Hidden from --help (compatibility aliases). */
  hidden?: boolean;
  /**
   * Other long names for the same option (e.g. snp-create-id-block's `idkey` for `id-key`): the
   * value is stored under `name`, and prefixes of an alias resolve like prefixes of the name.
   */
  aliases?: readonly string[];
  /**
   * An option added on top of a reference tool's interface (e.g. `measure --log` beside the
   * sev-snp-measure options). When a prefix matches both, the reference options win, so every
   * abbreviation the reference accepted keeps its meaning (`--dump` stays `--dump-vmsa`).
   */
  extension?: boolean;
}

export type ParsedValue = boolean | string | bigint | number | string[];

export interface ParsedArgs {
  /** Values by long option name; absent when not given (flags: true when given). */
  values: Map<string, ParsedValue>;
  positionals: string[];
}

export interface CommandSpec {
  /** e.g. "snp-launch measure" */
  usage: string;
  summary: string;
  options: OptionSpec[];
  /** Names of positionals, for help and count checks; "..." suffix allows many. */
  positionals?: string[];
  /** Extra help text printed after the options. */
  epilog?: string;
}

/** Python int(x): optional sign and decimal digits (underscores between digits allowed). */
export function parseDecimal(text: string, opt: string): number {
  const t = text.trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(t)) throw usageError('BAD_INT', `argument --${opt}: invalid int value: '${text}'`, `--${opt}`);
  const v = Number(t.replace(/_/g, ''));
  if (!Number.isSafeInteger(v)) throw usageError('BAD_INT', `argument --${opt}: value '${text}' is out of range`, `--${opt}`);
  return v === 0 ? 0 : v; // Python's int('-0') is 0, not a negative zero
}

/** Python int(x, 0): 0x.. / 0o.. / 0b.. / decimal (no leading zeros except "0"), optional sign. */
export function parseAutoInt(text: string, opt: string): bigint {
  // Python allows one underscore between digits and right after the base prefix (0x_ff).
  const t = text.trim().replace(/(?<=[0-9a-fA-F]|^[+-]?0[xXoObB])_(?=[0-9a-fA-F])/g, '');
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[1-9]\d*|0+)$/.exec(t);
  if (!m) throw usageError('BAD_INT', `argument --${opt}: invalid int value: '${text}'`, `--${opt}`);
  const body = m[2]!;
  const lower = body.toLowerCase();
  const v = lower.startsWith('0o') ? BigInt('0o' + body.slice(2)) : lower.startsWith('0x') || lower.startsWith('0b') ? BigInt(lower) : BigInt(body);
  return m[1] === '-' ? -v : v;
}

export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const values = new Map<string, ParsedValue>();
  const positionals: string[] = [];
  const byName = new Map<string, OptionSpec>();
  for (const o of spec.options) for (const n of [o.name, ...(o.aliases ?? [])]) byName.set(n, o);
  const byShort = new Map(spec.options.filter((o) => o.short).map((o) => [o.short!, o]));

  const resolve = (raw: string): OptionSpec => {
    const exact = byName.get(raw);
    if (exact) return exact;
    // Candidates by option (an option whose name and alias both match counts once).
    const cands = [...new Set([...byName].filter(([n]) => n.startsWith(raw)).map(([, o]) => o))];
    if (cands.length === 1) return cands[0]!;
    const base = cands.filter((o) => !o.extension);
    if (base.length === 1 && cands.length > 1) return base[0]!;
    if (cands.length > 1) {
      throw usageError('AMBIGUOUS_OPTION', `ambiguous option: --${raw} could match ${cands.map((c) => '--' + c.name).join(', ')}`, `--${raw}`);
    }
    throw usageError('UNKNOWN_OPTION', `unrecognized argument: --${raw}`, `--${raw}`);
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let opt: OptionSpec;
    let inline: string | undefined;
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const raw = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
      opt = resolve(raw);
    } else if (a.startsWith('-') && a.length === 2 && a !== '-') {
      const o = byShort.get(a.slice(1));
      if (!o) throw usageError('UNKNOWN_OPTION', `unrecognized argument: ${a}`, a);
      opt = o;
    } else {
      positionals.push(a);
      continue;
    }
    if (opt.type === 'flag') {
      if (inline !== undefined) throw usageError('FLAG_VALUE', `argument --${opt.name}: ignored explicit argument '${inline}'`, `--${opt.name}`);
      values.set(opt.name, true);
      continue;
    }
    let text = inline;
    if (text === undefined) {
      const next = argv[i + 1];
      // argparse treats a following "-x"/"--x" token as the next option, except negative numbers.
      if (next === undefined || (next.startsWith('-') && next.length > 1 && !/^-\d/.test(next))) {
        throw usageError('MISSING_VALUE', `argument --${opt.name}: expected one argument`, `--${opt.name}`);
      }
      text = next;
      i++;
    }
    values.set(opt.name, convert(opt, text, values.get(opt.name)));
  }

  const posNames = spec.positionals ?? [];
  const variadic = posNames.some((p) => p.endsWith('...'));
  if (!variadic && positionals.length > posNames.length) {
    throw usageError('EXTRA_ARGUMENT', `unrecognized argument: ${positionals[posNames.length]}`, positionals[posNames.length]);
  }
  return { values, positionals };
}

function convert(opt: OptionSpec, text: string, prev: ParsedValue | undefined): ParsedValue {
  switch (opt.type) {
    case 'string':
      return text;
    case 'decimal':
      return parseDecimal(text, opt.name);
    case 'auto':
      return parseAutoInt(text, opt.name);
    case 'choice':
      if (!opt.choices!.includes(text)) {
        throw usageError(
          'BAD_CHOICE',
          `argument --${opt.name}: invalid choice: '${text}' (choose from ${opt.choices!.map((c) => `'${c}'`).join(', ')})`,
          `--${opt.name}`,
        );
      }
      return text;
    case 'list':
      return [...((prev as string[] | undefined) ?? []), ...splitList(text, opt.name)];
    case 'flag':
      return true;
  }
}

/**
 * The one list syntax of every command: items separated by commas (spaces around them ignored);
 * an empty item is a usage error naming the option. A `list` option may also be repeated.
 */
export function splitList(text: string, opt: string): string[] {
  if (text.trim() === '') throw usageError('BAD_LIST', `argument --${opt}: empty list`, `--${opt}`);
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw usageError('BAD_LIST', `argument --${opt}: empty item in '${text}'`, `--${opt}`);
  return items;
}

/** Typed accessors (the parser already validated the type). */
export const get = {
  str: (a: ParsedArgs, n: string) => a.values.get(n) as string | undefined,
  num: (a: ParsedArgs, n: string) => a.values.get(n) as number | undefined,
  big: (a: ParsedArgs, n: string) => a.values.get(n) as bigint | undefined,
  flag: (a: ParsedArgs, n: string) => a.values.get(n) === true,
  list: (a: ParsedArgs, n: string) => (a.values.get(n) as string[] | undefined) ?? [],
  /** A list option as one comma-joined text (for parsers of list text such as narrowSpace), or undefined when not given. */
  csv: (a: ParsedArgs, n: string) => (a.values.has(n) ? (a.values.get(n) as string[]).join(',') : undefined),
};

/** Terminal output fits this many columns (help, tables, messages); `--wide` where offered lifts it. */
export const TERMINAL_WIDTH = 100;

export function formatHelp(spec: CommandSpec): string {
  const lines = [...spec.usage.split('\n').map((u, i) => (i === 0 ? `usage: ${u}` : u)), '', spec.summary, '', 'options:'];
  const rows = spec.options
    .filter((o) => !o.hidden)
    .map((o) => {
      const mv = o.type === 'flag' ? '' : ' ' + (o.metavar ?? (o.choices ? `{${o.choices.join(',')}}` : o.name.toUpperCase().replace(/-/g, '_')));
      const also = o.aliases?.length ? ` (also ${o.aliases.map((a) => '--' + a).join(', ')})` : '';
      return [`${o.short ? `-${o.short}, ` : '    '}--${o.name}${mv}`, o.help + also] as const;
    });
  const w = Math.min(34, Math.max(...rows.map((r) => r[0].length)) + 2);
  for (const [l, h] of rows) lines.push(l.length + 2 > w ? `  ${l}\n  ${' '.repeat(w)}${h}` : `  ${l.padEnd(w)}${h}`);
  if (spec.epilog) lines.push('', spec.epilog);
  return lines.join('\n').split('\n').flatMap((l) => foldLine(l, TERMINAL_WIDTH, 0)).join('\n') + '\n';
}

/**
 * One line of terminal output folded to TERMINAL_WIDTH at spaces. An option's help continues under
 * its help column; a command (`  snp-launch ...`, `sev-snp-measure ...`) continues after a shell
 * line break (` \`) before an option, so it can still be pasted; a list item (`1. `, `- `) under
 * its text; any other line under its own indentation plus `hang` spaces (a 96-digit digest that
 * does not fit moves whole to the next line).
 */
export function foldLine(line: string, width = TERMINAL_WIDTH, hang = 2): string[] {
  if (line.length <= width) return [line];
  const indent = /^ */.exec(line)![0].length;
  const command = /^ *(\$ )?(snp-launch|sev-snp-measure) /.test(line);
  const opt = /^ {2}(-\w, | {4})--\S+( \S+)? {2,}/.exec(line);
  const bullet = /^ *(\d+\.|-|\*) /.exec(line);
  const cont = ' '.repeat(line.startsWith('usage: ') ? 7 : command ? indent + 4 : opt ? opt[0].length : bullet ? bullet[0].length : indent >= 8 ? indent : indent + hang);
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    // Break points: spaces after the indentation, in a command outside quotes (it stays pasteable).
    const spaces: number[] = [];
    let quote = '';
    for (let i = 0; i < rest.length; i++) {
      const c = rest[i]!;
      if (quote) quote = c === quote ? '' : quote;
      else if (command && (c === '"' || c === "'")) quote = c;
      else if (c === ' ' && i > cont.length && rest[i - 1] !== ' ') spaces.push(i);
    }
    const room = command ? width - 2 : width;
    // A command breaks before an option where it can, so an option stays with its value.
    const fit = spaces.filter((i) => i <= room);
    const cut = (command ? fit.filter((i) => rest[i + 1] === '-').pop() : undefined) ?? fit.pop() ?? spaces.find((i) => i > room);
    if (cut === undefined) break;
    out.push(rest.slice(0, cut).trimEnd() + (command ? ' \\' : ''));
    rest = cont + rest.slice(cut + 1).trimStart();
  }
  out.push(rest);
  return out;
}
