/** Writing a refvalues document: stdout or -o FILE; binary (CBOR) output refuses a terminal. */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inputError, usageError } from '../core/errors.js';
import { get, type ParsedArgs } from './args.js';
import { writeStdout } from './stdout.js';

export async function writeOutput(args: ParsedArgs, bytes: Uint8Array, binary: boolean): Promise<void> {
  const out = get.str(args, 'output');
  if (out === undefined) {
    if (binary && process.stdout.isTTY) throw usageError('BINARY_TO_TERMINAL', `argument -o/--output: --format ${get.str(args, 'format')} writes binary CBOR, not for a terminal; give -o FILE or redirect stdout`, '--output');
    writeStdout(bytes);
    return;
  }
  try {
    await writeFile(out, bytes);
  } catch (e) {
    throw inputError('WRITE_FAILED', `cannot write (${(e as { code?: string }).code ?? (e as Error).message})`, { file: out });
  }
}

/**
 * go-sev-guest configurations: one cell → one file (or stdout); more cells need -o DIRECTORY, one
 * `<cell>.textproto` each, since a check.Config pins a single MEASUREMENT.
 */
export async function writeGsg(args: ParsedArgs, files: [string, string][]): Promise<void> {
  const enc = new TextEncoder();
  const dir = get.str(args, 'output');
  const isDir = dir !== undefined && (/[/\\]$/.test(dir) || (await stat(dir).catch(() => undefined))?.isDirectory() === true);
  if (files.length === 1 && !isDir) return writeOutput(args, enc.encode(files[0]![1]), false);
  if (dir === undefined) throw usageError('NEEDS_DIRECTORY', `argument -o/--output: with --format gsg, ${files.length} cells need -o DIRECTORY (one .textproto per cell: go-sev-guest's check policy pins one MEASUREMENT)`, '--output');
  try {
    await mkdir(dir, { recursive: true });
    for (const [name, text] of files) await writeFile(join(dir, name), text);
  } catch (e) {
    throw inputError('WRITE_FAILED', `cannot write (${(e as { code?: string }).code ?? (e as Error).message})`, { file: dir });
  }
  process.stderr.write(`snp-launch: wrote ${files.length} go-sev-guest configurations to ${dir}\n`);
}
