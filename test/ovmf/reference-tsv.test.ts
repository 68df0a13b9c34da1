// Runs every row of shared/vectors/sev-snp-measure/reference.tsv (outputs of the reference tool
// virtee/sev-snp-measure 0.0.13) through measureOvmf, with a minimal argparse-like reading of the
// arguments written here. Rows the CLI rejects while parsing (invalid choices, missing --ovmf,
// unknown options, bad integers) only need exit status 2 and are counted as parser rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SnpLaunchError } from '../../src/core/errors.js';
import type { ByteSource } from '../../src/core/source.js';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { measureOvmf } from '../../src/measure/ovmf.js';
import { needsShared, shared } from '../_shared.js';
import { parse, ParseError, rowOptions, split, type Parsed } from './_reference-rows.js';

const VERBOSE: Record<string, string> = { sev: 'SEV', seves: 'SEV_ES', snp: 'SEV_SNP', 'snp:svsm': 'SEV_SNP_SVSM' };

/** Returns [stdout, rc]. */
async function run(args: string): Promise<[string, number]> {
  let p: Parsed;
  try {
    p = parse(split(args));
  } catch (e) {
    if (e instanceof ParseError) return ['(parser)', 2];
    throw e;
  }
  const { a, flags } = p;
  const sources: ByteSource[] = [];
  try {
    if (a['--vcpu-family'] !== undefined && (a['--vcpu-model'] === undefined || a['--vcpu-stepping'] === undefined)) return ['(family)', 2];
    const built = await rowOptions(p, sources);
    if (!('mode' in built)) return built;
    const opts = built;
    if (flags.has('--dump-vmsa') && opts.mode === 'sev') return ['(dump-vmsa)', 2];
    const r = await measureOvmf(opts);
    const hex = Buffer.from(r.digest).toString('hex');
    if (opts.mode === 'snp:ovmf-hash') return [hex, 0];
    const value = a['--output-format'] === 'base64' ? Buffer.from(r.digest).toString('base64') : hex;
    return [flags.has('-v') ? `Calculated ${VERBOSE[opts.mode]} guest measurement: ${value}` : value, 0];
  } catch (e) {
    if (e instanceof ParseError) return ['(parser)', 2];
    if (e instanceof SnpLaunchError) return [`ERROR: ${e.message}`, e.kind === 'usage' ? 2 : 1];
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ['(missing file)', 1];
    throw e;
  } finally {
    for (const s of sources) await s.close?.();
  }
}

test('every row of reference.tsv through measureOvmf', { skip: needsShared }, async () => {
  setHashProvider(nodeHashProvider);
  const rows = readFileSync(shared('vectors', 'sev-snp-measure', 'reference.tsv'), 'utf8').trim().split('\n').slice(1);
  assert.equal(rows.length, 289);
  const failures: string[] = [];
  let digests = 0;
  for (const row of rows) {
    const [args, expected, rc] = row.split('\t') as [string, string, string];
    const [out, code] = await run(args);
    if (code !== Number(rc)) failures.push(`${args}\n   rc ${code} (want ${rc}): ${out}`);
    else if (code === 0) {
      digests++;
      if (out !== expected) failures.push(`${args}\n   got  ${out}\n   want ${expected}`);
    } else if (expected.startsWith('ERROR: Error: ')) {
      // Reference RuntimeError messages must be reused as our reasons.
      const msg = expected.slice('ERROR: Error: '.length);
      if (!out.includes(msg)) failures.push(`${args}\n   message ${out}\n   want    ${msg}`);
    } else if (/ValueError: \d+ is not a valid SectionType/.test(expected)) {
      if (!out.includes(expected.replace(/^ERROR: ValueError: /, ''))) failures.push(`${args}\n   message ${out}`);
    }
  }
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.ok(digests > 240, `only ${digests} digest rows checked`);
});
