/**
 * `snp-launch portability --fix --igvm FILE --for P1,P2,... -o OUT`: rewrites an IGVM file with the
 * fewest edits so that the listed platforms measure the same digest (src/portable/fix.ts), prints
 * each edit in words, writes the result only when they agree, then measures the written file on
 * every listed platform. Exit 0 when written and verified, 1 when the platforms cannot agree.
 */
import { inputError, usageError } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';
import { writeIgvmLayout } from '../../images/igvm/stream-write.js';
import { openFileSource } from '../../node/file-source.js';
import { createOutputFile } from '../../node/output-file.js';
import { conflictLine } from '../../portable/conflicts.js';
import { fixIgvm } from '../../portable/fix.js';
import { proveIgvm } from '../../portable/proof.js';
import { parseTargets } from '../../portable/targets.js';
import { get, type ParsedArgs } from '../args.js';
import { renderProof, signature } from './portable-output.js';
import { writeStdout } from '../stdout.js';
import { fitLines, formatJsonDoc } from '../output.js';

export async function runFix(args: ParsedArgs, path: string): Promise<number> {
  const out = get.str(args, 'output');
  if (out === undefined) throw usageError('MISSING_OPTION', '--fix needs -o/--output FILE', '--output');
  if (get.list(args, 'platform').length > 0) throw usageError('OPTION_CONFLICT', 'with --fix, list the platforms with --for', '--platform');
  const targets = parseTargets(get.list(args, 'for'), get.flag(args, 'native-zero'));
  const vcpus = get.num(args, 'vcpus');
  if (vcpus !== undefined && vcpus < 1) throw usageError('BAD_VCPUS', `argument --vcpus: must be at least 1, got ${vcpus}`, '--vcpus');
  const gf = get.big(args, 'guest-features');
  if (gf !== undefined && (gf < 0n || gf >= 1n << 64n)) throw usageError('BAD_VALUE', `argument --guest-features: must be a 64-bit value, got ${gf}`, '--guest-features');
  const sig = signature(args);
  const launch = { vcpus: vcpus ?? 1, ...(sig !== undefined ? { vcpuSig: sig } : {}), ...(gf !== undefined ? { guestFeatures: gf } : {}) };

  const opened: ByteSource[] = [];
  const src = await openFileSource(path);
  opened.push(src);
  const output = await createOutputFile(out);
  try {
    const r = await fixIgvm(src, targets, launch);
    const edits = r.edits.map((e) => `  - ${e.text}`);
    if (!r.ok) throw inputError('PORTABILITY_CONFLICT', conflictLine(r.conflict) + (r.edits.length ? ` (after ${r.edits.length} edit${r.edits.length === 1 ? '' : 's'})` : ''), { file: path });
    await writeIgvmLayout(r.layout, (c) => output.write(c));
    await output.commit();
    const written = await openFileSource(out);
    opened.push(written);
    const proof = await proveIgvm(written, targets, launch);
    if (get.flag(args, 'json')) {
      writeStdout(formatJsonDoc('portability-fix', 1, { file: path, output: out, changed: r.changed, edits: r.edits, rules: r.rules, ...proof }));
    } else {
      const head = r.changed ? [`${path}: ${r.edits.length} edit${r.edits.length === 1 ? '' : 's'} for ${targets.map((t) => t.label).join(', ')}:`, ...edits] : [`${path}: already portable for ${targets.map((t) => t.label).join(', ')}; written unchanged`];
      const wide = get.flag(args, 'wide');
      writeStdout(fitLines([...head, `wrote ${out} (${r.layout.totalSize} bytes)`, ''], wide).join('\n') + '\n' + renderProof(proof, targets.length, wide));
    }
    return proof.measurement.agree ? 0 : 1;
  } finally {
    await output.discard();
    for (const s of opened) await s.close?.();
  }
}
