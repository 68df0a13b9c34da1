/** Writing a refvalues document: stdout or -o FILE; binary (CBOR) output refuses a terminal. */
import { writeFile } from 'node:fs/promises';
import { inputError, usageError } from '../core/errors.js';
import { get, type ParsedArgs } from './args.js';

export async function writeOutput(args: ParsedArgs, bytes: Uint8Array, binary: boolean): Promise<void> {
  const out = get.str(args, 'output');
  if (out === undefined) {
    if (binary && process.stdout.isTTY) throw usageError('BINARY_TO_TERMINAL', 'argument --format: CBOR output is binary; give -o FILE or redirect stdout', '--output');
    await new Promise<void>((resolve, reject) => process.stdout.write(bytes, (e) => (e ? reject(e) : resolve())));
    return;
  }
  try {
    await writeFile(out, bytes);
  } catch (e) {
    throw inputError('WRITE_FAILED', `cannot write (${(e as { code?: string }).code ?? (e as Error).message})`, { file: out });
  }
}
