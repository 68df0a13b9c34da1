/**
 * Every row of shared/vectors/sev-snp-measure/reference.tsv (outputs of sev-snp-measure 0.0.13)
 * through the built CLI: rc 0 rows must print exactly `expected`; the others must exit with `rc`
 * and print one clear stderr line (no stack trace).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SHARED, needsShared, shared } from '../_shared.js';
import { assertOneLineError, cliBuilt, pool, runCli, shellWords } from './_cli.js';
import { vcpuTypeSignature } from '../../src/vmsa/vcpu-types.js';

interface Row {
  line: number;
  args: string;
  expected: string;
  rc: number;
  note: string;
}

function readTable(): Row[] {
  const lines = readFileSync(shared('vectors', 'sev-snp-measure', 'reference.tsv'), 'utf8').split('\n');
  assert.deepEqual(lines[0]!.split('\t'), ['args', 'expected', 'rc', 'note']);
  return lines
    .slice(1)
    .map((l, i) => ({ l, i }))
    .filter(({ l }) => l.trim() !== '')
    .map(({ l, i }) => {
      const [args, expected, rc, note] = l.split('\t');
      return { line: i + 2, args: args!, expected: expected!, rc: Number(rc), note: note ?? '' };
    });
}

test('shellWords splits like a POSIX shell', () => {
  assert.deepEqual(shellWords(`--a 'x y' "p\\"q" r\\ s '' --b=é☃`), ['--a', 'x y', 'p"q', 'r s', '', '--b=é☃']);
});

test('reference.tsv: every row through the built CLI', { skip: needsShared, timeout: 900_000 }, async () => {
  cliBuilt();
  const rows = readTable();
  assert.equal(rows.length, 289, 'reference.tsv row count (README says 289)');
  const failures: string[] = [];
  await pool(rows, async (row) => {
    const r = await runCli(['measure', ...shellWords(row.args)], SHARED);
    try {
      if (row.rc === 0) {
        assert.equal(r.code, 0, `exit status ${r.code}, stderr: ${r.stderr.trim()}`);
        assert.equal(r.stdout, row.expected + '\n');
      } else if (row.note.startsWith('ours: may accept extra vCPU types') && r.code === 0) {
        // The README allows a superset of vCPU types: an accepted name must digest like its signature.
        const name = /--vcpu-type (\S+)/.exec(row.args)![1]!;
        const sig = vcpuTypeSignature(name);
        assert.ok(sig !== undefined, `${name} accepted but not in the vCPU table`);
        const bySig = await runCli(['measure', ...shellWords(row.args.replace(`--vcpu-type ${name}`, `--vcpu-sig 0x${sig.toString(16)}`))], SHARED);
        assert.equal(bySig.code, 0, bySig.stderr);
        assert.equal(r.stdout, bySig.stdout);
      } else {
        assert.equal(r.code, row.rc, `exit status ${r.code} (want ${row.rc}), stdout: ${r.stdout.trim()} stderr: ${r.stderr.trim()}`);
        assertOneLineError(r, 'error row');
      }
    } catch (e) {
      failures.push(`line ${row.line}: measure ${row.args}\n    ${(e as Error).message.split('\n').slice(0, 4).join('\n    ')}`);
    }
  });
  failures.sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]));
  assert.equal(failures.length, 0, `${failures.length} of ${rows.length} rows failed:\n${failures.slice(0, 15).join('\n')}`);
});
