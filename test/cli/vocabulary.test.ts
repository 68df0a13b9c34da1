// One vocabulary across commands (issue 17 items 3 and 4): list options take comma lists and
// repeats alike, --id-key/--author-key everywhere (the reference's names as aliases), errors name
// the option or file and say what is accepted, and terminal output fits 100 columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsShared } from '../_shared.js';
import { assertOneLineError, cliBuilt, runCli } from './_cli.js';
import { workspace } from './_workspace.js';
import { foldLine, parseArgs, splitList } from '../../src/cli/args.js';
import { describeRefCell } from '../../src/refvalues/check.js';

const fits = (out: string, what: string) => {
  for (const l of out.split('\n')) assert.ok([...l].length <= 100, `${what}: a line of ${[...l].length} columns:\n${l}`);
};

test('list options: a comma list equals the same items repeated; an empty item names the option', () => {
  const spec = { usage: 'x', summary: 'x', options: [{ name: 'for', type: 'list' as const, help: '' }] };
  assert.deepEqual(parseArgs(spec, ['--for', 'a, b', '--for', 'c']).values.get('for'), ['a', 'b', 'c']);
  assert.deepEqual(parseArgs(spec, ['--for=a,b,c']).values.get('for'), ['a', 'b', 'c']);
  assert.throws(() => splitList('a,,b', 'for'), /argument --for: empty item in 'a,,b'/);
  assert.throws(() => splitList(' ', 'for'), /argument --for: empty list/);
});

test('aliases: --idkey is --id-key, prefixes of either resolve, help names the alias', () => {
  const spec = { usage: 'x', summary: 'x', options: [{ name: 'id-key', aliases: ['idkey'], type: 'string' as const, help: 'h' }, { name: 'image-id', type: 'string' as const, help: 'h' }] };
  for (const a of ['--idkey', '--id-key', '--idk', '--id-k']) assert.equal(parseArgs(spec, [a, 'k.pem']).values.get('id-key'), 'k.pem', a);
  assert.throws(() => parseArgs(spec, ['--i', 'x']), /ambiguous option: --i could match --id-key, --image-id/);
});

test('foldLine: prose folds under its indentation, commands fold with a shell continuation outside quotes', () => {
  const cmd = '   snp-launch measure --mode snp --vcpus 8 --vcpu-type EPYC-Milan --ovmf /a/long/path/to/OVMF.fd --append "console=ttyS0 root=/dev/vda1"';
  const f = foldLine(cmd);
  assert.ok(f.length > 1 && f.every((l) => l.length <= 100));
  assert.ok(f.slice(0, -1).every((l) => l.endsWith(' \\')));
  assert.ok(f.some((l) => l.includes('"console=ttyS0 root=/dev/vda1"')), 'a quoted argument is never split');
  const digest = 'ab'.repeat(48);
  assert.deepEqual(foldLine(`measurement ${digest}`), ['measurement', `  ${digest}`]);
});

test('a CoRIM triple without a cell description is named as the triple, not "triple 0"', () => {
  const d = describeRefCell({ platform: 'reference-triples[0]', measurement: new Uint8Array(48) });
  assert.match(d, /^the CoRIM's reference-triples\[0\], whose MEASUREMENT this is/);
});

test('every list option of every command takes a comma list and a repeat', { skip: needsShared }, async () => {
  cliBuilt();
  const dir = await workspace();
  const runs: [string[], number][] = [
    [['portability', '--igvm', 'guest.igvm', '--platform', 'openvmm,qemu-kvm', '--platform', 'igvmmeasure'], 0],
    [['portability', '--fix', '--igvm', 'old.igvm', '--for', 'openvmm', '--for', 'kvm-vmsa-page', '-o', 'f.igvm'], 0],
    [['igvm', 'build', '--ovmf', 'OVMF.fd', '--vcpu-type', 'EPYC-v4', '--for', 'openvmm', '--for', 'igvmmeasure,kvm-vmsa-page', '-o', 'l.igvm'], 0],
    [['match', '--measurement', 'ab'.repeat(48), '--ovmf', 'OVMF.fd', '--platform', 'qemu-kvm', '--platform', 'ec2', '--vcpus', '1-2', '--vcpus', '4', '--vcpu-type', 'EPYC-v4', '--vcpu-type', 'EPYC-Milan', '--guest-features', '0x1', '--guest-features', '0x21', '--kvm', 'init2', '--kvm', 'legacy'], 1],
    [['refvalues', '--ovmf', 'OVMF.fd', '--platform', 'qemu-kvm', '--platform', 'ec2', '--vcpus', '1', '--vcpus', '2,3', '--vcpu-type', 'EPYC-v4', '--vcpu-sig', '0xa00f11', '--vcpu-sig', '0xa10f11', '--kvm', 'init2,legacy'], 0],
    [['refvalues', '--measurement', `${'ab'.repeat(48)},${'cd'.repeat(48)}`, '--measurement', 'ef'.repeat(48)], 0],
  ];
  for (const [argv, code] of runs) {
    const r = await runCli(argv, dir);
    assert.equal(r.code, code, `${argv.join(' ')}: ${r.stderr}`);
    if (argv[0] === 'match') assert.match(r.stdout, /searched 2 x|searched [\d,]+ configurations/);
  }
  // The repeats give exactly what one comma list per option gives.
  const rv = (await runCli(runs[4]![0], dir)).stdout;
  const commas = ['refvalues', '--ovmf', 'OVMF.fd', '--platform', 'qemu-kvm,ec2', '--vcpus', '1,2,3', '--vcpu-type', 'EPYC-v4', '--vcpu-sig', '0xa00f11,0xa10f11', '--kvm', 'init2,legacy'];
  assert.equal(rv, (await runCli(commas, dir)).stdout);
  assert.ok((JSON.parse(rv) as { cells: unknown[] }).cells.length >= 2 * 3 * 3, rv.slice(0, 200));
  const ext = JSON.parse((await runCli(runs[5]![0], dir)).stdout) as { cells: unknown[] };
  assert.equal(ext.cells.length, 3);
});

test('id-block: --id-key/--author-key, the reference names as aliases, a missing key named', { skip: needsShared }, async () => {
  cliBuilt();
  const dir = await workspace();
  const m = 'q'.repeat(64);
  const a = await runCli(['id-block', '--measurement', m, '--id-key', 'id.pem', '--author-key', 'author.pem', '--deterministic'], dir);
  const b = await runCli(['id-block', '--measurement', m, '--idkey', 'id.pem', '--authorkey', 'author.pem', '--deterministic'], dir);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout, 'the aliases are the same options');
  const miss = await runCli(['id-block', '--measurement', m, '--idkey', 'id.pem'], dir);
  assert.equal(miss.code, 2);
  assert.equal(assertOneLineError(miss, 'missing author key'), 'snp-launch id-block: error: missing key files for id block: --author-key (or --authorkey) not given');
  const none = assertOneLineError(await runCli(['id-block', '--measurement', m], dir), 'no keys');
  assert.match(none, /--id-key and --author-key \(or --idkey and --authorkey\) not given/);
  const help = await runCli(['id-block', '--help'], dir);
  assert.match(help.stdout, /--id-key PEM .*\(also --idkey\)/);
});

test('refvalues --sign with a P-256 key says what refvalues --sign accepts', { skip: needsShared }, async () => {
  cliBuilt();
  const dir = await workspace();
  writeFileSync(join(dir, 'p256.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const r = await runCli(['refvalues', '--ovmf', 'OVMF.fd', '--vcpus', '1', '--vcpu-type', 'EPYC-v4', '--format', 'corim', '--sign', 'p256.pem', '-o', 'rv.cbor'], dir);
  assert.equal(r.code, 1);
  const line = assertOneLineError(r, 'P-256 signer');
  assert.match(line, /p256\.pem: is an EC key on prime256v1; refvalues --sign needs an EC P-384 private key \(the CoRIM is signed with ES384\)/);
  assert.doesNotMatch(line, /ID and author keys/);
});

test('terminal output fits 100 columns; --wide gives whole digests', { skip: needsShared }, async () => {
  cliBuilt();
  const dir = await workspace();
  const d = (await runCli(['measure', '--mode', 'snp', '--vcpus', '2', '--vcpu-type', 'EPYC-v4', '--ovmf', 'OVMF.fd'], dir)).stdout.trim();
  for (const argv of [
    ['portability', '--igvm', 'old.igvm', '--vcpus', '4', '--vcpu-type', 'EPYC-v4', '--native-zero'],
    ['portability', '--igvm', 'guest.igvm', '--vcpus', '4'],
    ['igvm', 'inspect', 'guest.igvm'],
    ['igvm', 'inspect', 'old.igvm'],
    ['match', '--measurement', d, '--ovmf', 'OVMF.fd', '--kernel', 'vmlinuz', '--vcpus', '1-4'],
    ['replay', 'trace.json', '--log'],
    ['demo'],
  ]) {
    const r = await runCli(argv, dir);
    assert.ok(r.code === 0 || r.code === 1, `${argv.join(' ')}: ${r.stderr}`);
    fits(r.stdout, argv.join(' '));
  }
  const wide = await runCli(['portability', '--igvm', 'old.igvm', '--wide'], dir);
  assert.ok(wide.stdout.split('\n').some((l) => /^ {2}openvmm\s+A {2}[0-9a-f]{96}$/.test(l)), wide.stdout);
});

test('igvm inspect: page-data and platform columns align', { skip: needsShared }, async () => {
  cliBuilt();
  const dir = await workspace();
  const r = await runCli(['igvm', 'inspect', 'guest.igvm'], dir);
  const rows = r.stdout.split('\n').filter((l) => /^ {2}\[\d+(-\d+)?\]\s+0x[0-9a-f]+-0x/.test(l));
  assert.ok(rows.length >= 4, r.stdout);
  for (const col of [/ 0x/, /\bpages?\b/, /mask /]) {
    assert.equal(new Set(rows.map((l) => l.search(col))).size, 1, `column ${col} aligned:\n${rows.join('\n')}`);
  }
});

test('igvm build for one platform says "the launch digest on P", not "all 1 agree"', { skip: needsShared }, async () => {
  cliBuilt();
  const dir = await workspace();
  const r = await runCli(['igvm', 'build', '--ovmf', 'OVMF.fd', '--vcpu-type', 'EPYC-v4', '--for', 'igvmmeasure', '-o', 'one.igvm'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /the launch digest on igvmmeasure:\n {2}[0-9a-f]{96}\n/);
  assert.doesNotMatch(r.stdout, /all 1 /);
});

test('an argparse-style reason is printed once, never after its option again ("--output: argument --format: ...")', async () => {
  const { reportError } = await import('../../src/cli/main.js');
  const { usageError } = await import('../../src/core/errors.js');
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => (lines.push(s), true)) as typeof process.stderr.write;
  try {
    assert.equal(reportError('refvalues', usageError('BINARY_TO_TERMINAL', 'argument --format: CBOR output is binary', '--output')), 2);
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(lines, ['snp-launch refvalues: error: argument --format: CBOR output is binary\n']);
});
