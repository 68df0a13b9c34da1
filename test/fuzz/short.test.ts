// Every fuzz target for a short, deterministic budget (docs/fuzzing.md): a parser change that lets a
// hostile input through untyped, unlocated, hanging or leaking fails the build. The deep runs
// (1,000,000 inputs per target) are recorded in docs/fuzzing.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, needsShared } from '../_shared.js';
import { SnpLaunchError, usageError } from '../../src/core/errors.js';
import { rejectionProblem } from '../../tools/fuzz/harness.js';
import { InvariantError } from '../../tools/fuzz/targets.js';
import { parseArgs } from '../../src/cli/args.js';
import { MEASURE_SPEC } from '../../src/cli/commands/measure.js';

const fuzz = (args: string[]) =>
  spawnSync(process.execPath, ['--expose-gc', join(REPO, 'scripts', 'fuzz.mjs'), ...args], { encoding: 'utf8', timeout: 300_000 });

test('fuzz --list names every target', () => {
  const r = fuzz(['--list']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['ovmf', 'igvm', 'report', 'x509', 'pem-key', 'trace', 'measure-json', 'cli-args', 'cert-table', 'id-block', 'kernel-hashes', 'corim', 'crl', 'gce-endorsement', 'hcl-report', 'uvm-endorsement', 'initdata']);
});

test('every target: 4,000 inputs, seed 7, no finding', { skip: needsShared, timeout: 300_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'snp-fuzz-'));
  const r = fuzz(['--target', 'all', '--runs', '4000', '--seed', '7', '--out', out]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const ok = r.stdout.split('\n').filter((l) => / ok — 4000 inputs/.test(l));
  assert.equal(ok.length, 17, r.stdout);
});

test('usage errors of the harness exit 2', () => {
  assert.equal(fuzz(['--target', 'nope', '--runs', '1']).status, 2);
  assert.equal(fuzz(['--runs', 'x']).status, 2);
});

test('what counts as a finding: untyped, unlocated or multi-line errors and broken invariants', () => {
  assert.equal(rejectionProblem(usageError('X', 'bad', '--x')), undefined);
  assert.match(rejectionProblem(new RangeError('Offset is outside the bounds of the DataView'))!, /untyped/);
  assert.match(rejectionProblem(new SnpLaunchError('X', 'no location', {}))!, /unlocated/);
  const multi = usageError('X', 'one line', '--x');
  multi.message = 'two\nlines'; // SnpLaunchError itself folds line breaks; the harness checks anyway
  assert.match(rejectionProblem(multi)!, /multi-line/);
  assert.match(rejectionProblem(new InvariantError('parse(write(x)) != x'))!, /invariant/);
});

// Regression (fuzz target cli-args, seed 1, input 9): a stray positional's usage error had no location.
test('regression: an extra positional argument is named by its usage error', () => {
  assert.throws(
    () => parseArgs(MEASURE_SPEC, ['measure', '--mode', 'snp']),
    (e: unknown) => e instanceof SnpLaunchError && e.code === 'EXTRA_ARGUMENT' && e.location.field === 'measure',
  );
});

// Regression (found by the pem-key target): an EC key whose private scalar is longer than the
// curve order loads in OpenSSL but made Node abort the process (C++ assertion in
// asymmetricKeyDetails). Now one line and exit 1, from both commands that read keys.
test('regression: an EC key with an oversized scalar is rejected, the process does not abort', () => {
  const d = Buffer.alloc(49, 0xff);
  const oid = Buffer.from('06052b81040022', 'hex');
  const body = Buffer.concat([Buffer.from('020101', 'hex'), Buffer.from([0x04, d.length]), d, Buffer.from([0xa0, oid.length]), oid]);
  const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
  const dir = mkdtempSync(join(tmpdir(), 'snp-badkey-'));
  const key = join(dir, 'bad.pem');
  writeFileSync(key, `-----BEGIN EC PRIVATE KEY-----\n${der.toString('base64')}\n-----END EC PRIVATE KEY-----\n`);
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'snp-launch.js'), 'id-block', '--measurement', '00'.repeat(48), '--idkey', key, '--authorkey', key], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.signal, null);
  assert.match(r.stderr.trim(), /^Error: .*bad\.pem.*not a readable PEM private key/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

// Regressions found by the fuzz helper's runs (targets x509 and cli-args).
test('regression: a huge DER INTEGER where a counter is read is refused at once (readUnsigned was quadratic)', async () => {
  const { readUnsigned } = await import('../../src/attestation/der.js');
  const body = new Uint8Array(1 << 20).fill(0x11);
  const n = { buf: body, tag: 0x02, start: 0, valueStart: 0, end: body.length };
  assert.throws(() => readUnsigned({ name: 'big.der' }, n, 'version'), (e: unknown) => e instanceof SnpLaunchError && /too large/.test(e.message));
});

test('regression: a line break in quoted user input does not break the one-line error', () => {
  const e = usageError('BAD_CHOICE', "argument --platform: invalid choice: 'a\nb'", '--platform');
  assert.ok(!/[\r\n]/.test(e.message));
  assert.throws(() => parseArgs(MEASURE_SPEC, ['--mode', 'snp\nx']), (x: unknown) => x instanceof SnpLaunchError && !/[\r\n]/.test(x.message));
});

test('regression: --vcpus -0 is 0 (Python int), not a negative zero', () => {
  const a = parseArgs(MEASURE_SPEC, ['--vcpus', '-0']);
  assert.ok(Object.is(a.values.get('vcpus'), 0));
});
