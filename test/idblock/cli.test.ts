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

test('a measurement longer than 48 bytes uses the first 48, with a warning', { skip: needsShared }, () => {
  const long = Buffer.concat([Buffer.from(LD_B, 'base64'), Buffer.from('extra')]).toString('base64');
  const r = cli('--measurement', long, '--idkey', ID_KEY(), '--authorkey', AUTHOR_KEY());
  assert.equal(r.code, 0, r.err);
  assert.equal(parseLines(r.out).block.subarray(0, 48).toString('base64'), LD_B);
  assert.match(r.err, /warning: --measurement decodes to 53 bytes; using the first 48/);
});

test('usage errors exit 2 with one line', { skip: needsShared }, () => {
  const k = ['--idkey', ID_KEY(), '--authorkey', AUTHOR_KEY()];
  const cases: [string[], RegExp][] = [
    [['--measurement', 'not*base64', ...k], /--measurement: 'not\*base64' is not valid base64/],
    [['--measurement', Buffer.alloc(47).toString('base64'), ...k], /decodes to 47 bytes/],
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
  assert.match(r.out, /--measurement B64/);
  assert.match(r.out, /--deterministic/);
});
