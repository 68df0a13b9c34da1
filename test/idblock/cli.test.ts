// `snp-launch id-block` end to end (needs `npm run build`): the reference's 3-line output for
// vector B, determinism, OpenSSL verification of what it signs, raw outputs, and one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, needsShared, shared } from '../_shared.js';
import { nodeVerify, pemPublic } from './_helpers.js';

const LD_B = 'B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7t';
const ID_KEY = () => shared('fixtures', 'sev-snp-measure', 'id_key_test.pem');
const AUTHOR_KEY = () => shared('fixtures', 'sev-snp-measure', 'author_key_test.pem');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'id-block', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function parseLines(out: string) {
  const m = /^id-block=([A-Za-z0-9+/=]+),id-auth=([A-Za-z0-9+/=]+)\nid_key_hash: (\S+)\nauthor_key: (\S+)\n$/.exec(out);
  assert.ok(m, `unexpected output:\n${out}`);
  return { block: Buffer.from(m[1]!, 'base64'), auth: Buffer.from(m[2]!, 'base64'), idHash: m[3]!, authorHash: m[4]! };
}

test('vector B: the reference 3-line output; signatures verify with OpenSSL', { skip: needsShared }, () => {
  const r = cli('--measurement', LD_B, '--idkey', ID_KEY(), '--authorkey', AUTHOR_KEY());
  assert.equal(r.code, 0, r.err);
  const o = parseLines(r.out);
  assert.equal(o.block.toString('base64'), 'B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7tAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAwAAAAAA');
  assert.equal(o.idHash, 'hwt+NcU/inLQ0yL3WrKvgmJ5Kq9leWIs5BMcPyHyied8sFYKXjuQs5MuZ07HCcsU');
  assert.equal(o.authorHash, 'YxEcNLv8Ckk4+aAJvQdJgNgXIyPmFZnJ/TNtqGcySOHcqY0L6PdjdqEGuK/UwKBX');
  assert.equal(o.auth.length, 4096);
  assert.ok(nodeVerify(pemPublic(ID_KEY()).key, o.block, o.auth.subarray(0x40, 0x240)));
  assert.ok(nodeVerify(pemPublic(AUTHOR_KEY()).key, o.auth.subarray(0x240, 0x644), o.auth.subarray(0x680, 0x880)));
  assert.equal(r.err, '');
});

test('--deterministic is byte-identical across runs; random runs differ; both verify', { skip: needsShared }, () => {
  const args = ['--measurement', LD_B, '--idkey', ID_KEY(), '--authorkey', AUTHOR_KEY()];
  const d1 = cli(...args, '--deterministic');
  const d2 = cli(...args, '--deterministic');
  const r1 = cli(...args);
  assert.equal(d1.code, 0, d1.err);
  assert.equal(d1.out, d2.out);
  assert.notEqual(parseLines(r1.out).auth.toString('hex'), parseLines(d1.out).auth.toString('hex'));
  const o = parseLines(d1.out);
  assert.ok(nodeVerify(pemPublic(ID_KEY()).key, o.block, o.auth.subarray(0x40, 0x240)));
  assert.ok(nodeVerify(pemPublic(AUTHOR_KEY()).key, o.auth.subarray(0x240, 0x644), o.auth.subarray(0x680, 0x880)));
});

test('fields, --json and raw outputs', { skip: needsShared }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'idblock-'));
  try {
    const r = cli('--measurement', LD_B, '--idkey', ID_KEY(), '--authorkey', AUTHOR_KEY(), '--family-id', '00112233445566778899aabbccddeeff',
      '--image-id', '0xFFEEDDCCBBAA99887766554433221100', '--guest-svn', '0x10', '--policy', '0x3001f', '--deterministic', '--json',
      '--out-id-block', join(dir, 'blk.bin'), '--out-id-auth', join(dir, 'auth.bin'));
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    const blk = readFileSync(join(dir, 'blk.bin'));
    const auth = readFileSync(join(dir, 'auth.bin'));
    assert.equal(doc.idBlock, blk.toString('base64'));
    assert.equal(doc.idAuth, auth.toString('base64'));
    assert.equal(blk.length, 96);
    assert.equal(blk.subarray(0, 48).toString('base64'), LD_B);
    assert.equal(blk.subarray(0x30, 0x40).toString('hex'), '00112233445566778899aabbccddeeff');
    assert.equal(blk.subarray(0x40, 0x50).toString('hex'), 'ffeeddccbbaa99887766554433221100');
    assert.equal(blk.readUInt32LE(0x50), 1);
    assert.equal(blk.readUInt32LE(0x54), 16);
    assert.equal(blk.readBigUInt64LE(0x58), 0x3001fn);
    assert.equal(Buffer.from(doc.idKeyDigest, 'hex').toString('base64'), 'hwt+NcU/inLQ0yL3WrKvgmJ5Kq9leWIs5BMcPyHyied8sFYKXjuQs5MuZ07HCcsU');
    assert.equal(doc.fields.policy, '0x3001f');
    assert.equal(doc.fields.guestSvn, 16);
    assert.equal(doc.signatures, 'rfc6979');
    assert.ok(nodeVerify(pemPublic(ID_KEY()).key, blk, auth.subarray(0x40, 0x240)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Vector A (../vectors/id-block/README.md): the launch digest as hex and the ID block it gives.
const LD_A_HEX = 'a14d638341e5674628fe1e02fbedebe5e5ab4faf1dd72d8966068e615bb99efd13d214b35c231715b38e263dc6059745';
const ID_BLOCK_A = 'oU1jg0HlZ0Yo/h4C++3r5eWrT68d1y2JZgaOYVu5nv0T0hSzXCMXFbOOJj3GBZdFAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAwAAAAAA';

test('--measurement as hex (what measure prints) or base64: byte-identical ID blocks (vector A)', { skip: needsShared }, () => {
  const k = ['--idkey', ID_KEY(), '--authorkey', AUTHOR_KEY(), '--deterministic'];
  const hex = cli('--measurement', LD_A_HEX, ...k);
  const b64 = cli('--measurement', Buffer.from(LD_A_HEX, 'hex').toString('base64'), ...k);
  const upper = cli('--measurement', '0x' + LD_A_HEX.toUpperCase(), ...k);
  for (const r of [hex, b64, upper]) assert.equal(r.code, 0, r.err);
  // Base64 that looks like hex: 64 'A's are 48 zero bytes, not 32 bytes of hex.
  const zeros = cli('--measurement', 'A'.repeat(64), ...k);
  assert.equal(zeros.code, 0, zeros.err);
  assert.deepEqual(parseLines(zeros.out).block.subarray(0, 48), Buffer.alloc(48));
  assert.equal(parseLines(hex.out).block.toString('base64'), ID_BLOCK_A);
  assert.equal(hex.out, b64.out, 'deterministic signatures: the whole output is identical');
  assert.equal(upper.out, hex.out);
  assert.equal(hex.err, '');
});

test('id-block --measurement $(measure ...): the digest measure printed is the ID block LD', { skip: needsShared }, () => {
  // sev-snp-measure known answer (specs/ovmf.md §11, snp_without_kernel_default).
  const want = 'e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b';
  const ovmf = shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin');
  const m = spawnSync(process.execPath, [CLI, 'measure', '--mode', 'snp', '--vcpus', '1', '--vcpu-type', 'EPYC-v4', '--guest-features', '0x21', '--ovmf', ovmf], { encoding: 'utf8' });
  assert.equal(m.stdout, want + '\n', m.stderr);
  const k = ['--idkey', ID_KEY(), '--authorkey', AUTHOR_KEY(), '--deterministic'];
  const fromHex = cli('--measurement', m.stdout.trim(), ...k);
  const fromB64 = cli('--measurement', Buffer.from(want, 'hex').toString('base64'), ...k);
  assert.equal(fromHex.code, 0, fromHex.err);
  assert.equal(fromHex.out, fromB64.out);
  assert.equal(parseLines(fromHex.out).block.subarray(0, 48).toString('hex'), want);
});

test('--measurement that is not exactly 48 bytes exits 1 naming the option and the byte count', { skip: needsShared }, () => {
  const k = ['--idkey', ID_KEY(), '--authorkey', AUTHOR_KEY()];
  const ld = Buffer.from(LD_B, 'base64');
  const cases: [string, RegExp][] = [
    [ld.subarray(0, 47).toString('hex'), /--measurement: decodes to 47 bytes \(94 hex digits\)/],
    [Buffer.concat([ld, Buffer.from([1])]).toString('hex'), /--measurement: decodes to 49 bytes \(98 hex digits\)/],
    [ld.subarray(0, 47).toString('base64'), /--measurement: decodes to 47 bytes \(base64\)/],
    [Buffer.concat([ld, Buffer.from([1])]).toString('base64'), /--measurement: decodes to 49 bytes \(base64\)/],
    // The reference's mistake this replaces: 96 hex digits read as base64 (72 bytes, first 48 used).
    [Buffer.concat([ld, Buffer.from('extra')]).toString('base64'), /decodes to 53 bytes/],
    ['not*base64', /--measurement: 'not\*base64' is neither hex nor base64/],
  ];
  for (const [value, re] of cases) {
    const r = cli('--measurement', value, ...k);
    assert.equal(r.code, 1, `${value}: ${r.err}`);
    assert.match(r.err, re);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.equal(r.out, '');
  }
});

test('usage errors exit 2 with one line', { skip: needsShared }, () => {
  const k = ['--idkey', ID_KEY(), '--authorkey', AUTHOR_KEY()];
  const cases: [string[], RegExp][] = [
    [[...k], /required: --measurement/],
    [['--measurement', LD_B, '--idkey', ID_KEY()], /missing key files for id block/],
    [['--measurement', LD_B, ...k, '--family-id', 'abcd'], /--family-id: expected 16 bytes/],
    [['--measurement', LD_B, ...k, '--image-id', 'zz'.repeat(16)], /--image-id: expected 16 bytes/],
    [['--measurement', LD_B, ...k, '--guest-svn', '4294967296'], /--guest-svn: 4294967296 is outside 0..2\^32-1/],
    [['--measurement', LD_B, ...k, '--guest-svn', '-1'], /--guest-svn/],
    [['--measurement', LD_B, ...k, '--policy', '0x10000000000000000'], /--policy: .* is outside 0..2\^64-1/],
    [['--measurement', LD_B, ...k, '--policy', 'abc'], /--policy: invalid int value/],
  ];
  for (const [args, re] of cases) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.equal(r.out, '');
  }
});

test('key problems exit 1 naming the file', { skip: needsShared }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'idblock-keys-'));
  try {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const files: Record<string, string> = {
      pub: p384.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      enc: p384.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string,
      p256: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      rsa: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      junk: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
    };
    for (const [n, t] of Object.entries(files)) writeFileSync(join(dir, n + '.pem'), t);
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.pem'), /missing\.pem: no such file/],
      [join(dir, 'pub.pem'), /pub\.pem: is a public key/],
      [join(dir, 'enc.pem'), /enc\.pem: is an encrypted private key/],
      [join(dir, 'p256.pem'), /p256\.pem: is an EC key on prime256v1; .* P-384/],
      [join(dir, 'rsa.pem'), /rsa\.pem: is a key of type RSA; .* EC P-384/],
      [join(dir, 'junk.pem'), /junk\.pem: is not a readable PEM private key/],
      [dir, /is a directory/],
    ];
    for (const [file, re] of cases) {
      for (const which of ['id', 'author']) {
        const r = which === 'id'
          ? cli('--measurement', LD_B, '--idkey', file, '--authorkey', AUTHOR_KEY())
          : cli('--measurement', LD_B, '--idkey', ID_KEY(), '--authorkey', file);
        assert.equal(r.code, 1, `${file}: ${r.err}`);
        assert.match(r.err, re);
        assert.match(r.err, /^Error: /);
        assert.equal(r.err.trim().split('\n').length, 1, r.err);
        assert.equal(r.out, '');
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--help exits 0', () => {
  const r = cli('--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /--measurement DIGEST/);
  assert.match(r.out, /--deterministic/);
});
