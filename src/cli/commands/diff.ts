/**
 * `snp-launch diff A.json B.json`: compares two `snp-launch measure --log --json` outputs and
 * explains the first measurement step where they diverge (src/explain). Exit status 0 when the
 * digests are equal, 1 when they differ (or an input is invalid), 2 for usage errors.
 */
import { usageError } from '../../core/errors.js';
import { describeStep } from '../../explain/entries.js';
import { diffMeasuredDocs, readMeasuredDoc, type MeasuredDoc } from '../../explain/measure-json.js';
import { readSmallFile } from '../../node/file-source.js';
import { formatHelp, get, parseArgs, type CommandSpec } from '../args.js';
import { writeStdout } from '../stdout.js';
import { fitLines, formatJsonDoc } from '../output.js';

const SPEC: CommandSpec = {
  usage: 'snp-launch diff A.json B.json [--json]',
  summary: 'Compare two `snp-launch measure --log --json` outputs and explain the first measurement step where they diverge.',
  positionals: ['A.json', 'B.json'],
  options: [
    { name: 'json', type: 'flag', help: 'print the comparison as JSON (format "snp-launch.diff/1")' },
    { name: 'wide', type: 'flag', help: 'do not fold long lines to 100 columns' },
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
  ],
};

const MAX_JSON = 512 << 20;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(SPEC, argv);
  if (get.flag(args, 'help')) {
    writeStdout(formatHelp(SPEC));
    return 0;
  }
  const [pa, pb] = args.positionals;
  if (pa === undefined || pb === undefined) throw usageError('MISSING_ARGUMENT', `the following arguments are required: ${pa === undefined ? 'A.json B.json' : 'B.json'}`, pa === undefined ? 'A.json' : 'B.json');
  const dec = new TextDecoder();
  const a = readMeasuredDoc(dec.decode(await readSmallFile(pa, MAX_JSON)), pa);
  const b = readMeasuredDoc(dec.decode(await readSmallFile(pb, MAX_JSON)), pb);
  const la = label(a, 'A', b);
  const lb = label(b, 'B', a);
  const d = diffMeasuredDocs(a, b, la, lb);
  if (get.flag(args, 'json')) {
    writeStdout(formatJsonDoc('diff', 1, { a: { file: a.file, digest: a.digest, label: la }, b: { file: b.file, digest: b.digest, label: lb }, ...d }));
    return d.same ? 0 : 1;
  }
  const head = (letter: string, doc: MeasuredDoc) => `${letter}: ${doc.file}${doc.platform ? ` (${doc.platform})` : ''}`;
  const out = [head('A', a), `   ${a.digest}`, head('B', b), `   ${b.digest}`, ''];
  out.push(d.same ? 'The launch digests are equal.' : 'The launch digests differ.');
  if (d.divergence) {
    const v = d.divergence;
    out.push(`First diverging step: ${v.index}`);
    out.push(`  A: ${v.a ? describeStep(v.a) : '(no more steps)'}`);
    out.push(`  B: ${v.b ? describeStep(v.b) : '(no more steps)'}`);
    out.push(`  why: ${v.reason}`);
  }
  if (d.note) out.push(d.note);
  writeStdout(fitLines(out, get.flag(args, 'wide')).join('\n') + '\n');
  return d.same ? 0 : 1;
}

/**
 * How the explanation names each side: its platform (it tells the reader more than a letter), or
 * "A"/"B" (with the platform) when both sides name the same platform or none.
 */
function label(doc: MeasuredDoc, letter: string, other: MeasuredDoc): string {
  if (doc.platform && doc.platform !== other.platform) return doc.platform;
  return doc.platform ? `${letter} (${doc.platform})` : letter;
}
