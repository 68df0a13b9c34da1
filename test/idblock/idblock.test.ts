// ID_BLOCK / ID_AUTH_INFO against the published vectors of shared/vectors/id-block (virtee/sev and
// virtee/sev-snp-measure), the RFC 6979 A.2.6 known answer, and node:crypto (OpenSSL) verification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { needsShared, shared } from '../_shared.js';
import {
  buildIdAuth, buildIdBlock, createIdBlock, decodeSignature, keyDigest, p384Signer, parseIdAuth, parseIdBlock,
  signatureToCompact, verifyIdAuth,
} from '../../src/idblock/index.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { amdPubToKey, nodeVerify, pemPublic } from './_helpers.js';

const V = () => shared('vectors', 'id-block');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

const A = {
  ld: 'a14d638341e5674628fe1e02fbedebe5e5ab4faf1dd72d8966068e615bb99efd13d214b35c231715b38e263dc6059745',
  idBlock: 'oU1jg0HlZ0Yo/h4C++3r5eWrT68d1y2JZgaOYVu5nv0T0hSzXCMXFbOOJj3GBZdFAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAwAAAAAA',
  idKeyDigest: '59fb2c686dfa4fef49f38339aa775c90051c28d57383ddc3baf3b5eb4b1496df3b0dbbdcbae5fe27677a644820773fe2',
  authorKeyDigest: 'eed81169fb0cb5e0ec34794f128fd4e0c4a46f67c65a1adfa81fcb24bcc088c272369b7ffc3eb2b6af6a4284a1b36c5f',
};
const B = {
  ld: 'B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7t',
  idBlock: 'B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7tAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAwAAAAAA',
  idKeyHash: 'hwt+NcU/inLQ0yL3WrKvgmJ5Kq9leWIs5BMcPyHyied8sFYKXjuQs5MuZ07HCcsU',
  authorKey: 'YxEcNLv8Ckk4+aAJvQdJgNgXIyPmFZnJ/TNtqGcySOHcqY0L6PdjdqEGuK/UwKBX',
};

test('vector A: ID block bytes and both key digests', { skip: needsShared }, () => {
  const block = buildIdBlock({ measurement: Buffer.from(A.ld, 'hex'), familyId: new Uint8Array(16), imageId: new Uint8Array(16), version: 1, guestSvn: 0, policy: 0x30000n });
  assert.equal(b64(block), A.idBlock);
  // Defaults are the reference's values (version 1, SVN 0, policy 0x30000, zero IDs).
  assert.equal(b64(buildIdBlock({ measurement: Buffer.from(A.ld, 'hex') })), A.idBlock);
  const id = pemPublic(`${V()}/virtee_test_id_key.pem`);
  const author = pemPublic(`${V()}/virtee_test_auth_key.pem`);
  assert.equal(hex(keyDigest({ x: id.x, y: id.y })), A.idKeyDigest);
  assert.equal(hex(keyDigest({ x: author.x, y: author.y })), A.authorKeyDigest);
});

test('vector A: ID_AUTH built from the fixed signatures equals virtee_test_auth_block.bin', { skip: needsShared }, () => {
  const id = pemPublic(`${V()}/virtee_test_id_key.pem`);
  const author = pemPublic(`${V()}/virtee_test_auth_key.pem`);
  const idSig = readFileSync(`${V()}/virtee_test_id_sig.bin`);
  const authSig = readFileSync(`${V()}/virtee_test_auth_sig.bin`);
  const auth = buildIdAuth({
    idSignature: decodeSignature(idSig),
    idKey: { x: id.x, y: id.y },
    authorSignature: decodeSignature(authSig),
    authorKey: { x: author.x, y: author.y },
  });
  const expected = readFileSync(`${V()}/virtee_test_auth_block.bin`);
  assert.equal(auth.length, 4096);
  assert.ok(Buffer.from(auth).equals(expected), 'ID_AUTH differs from virtee_test_auth_block.bin');

  // The fixed signatures verify with OpenSSL, and with the library's verifier.
  const block = Buffer.from(A.idBlock, 'base64');
  assert.ok(nodeVerify(id.key, block, idSig));
  assert.ok(nodeVerify(author.key, expected.subarray(0x240, 0x644), authSig));
  const v = verifyIdAuth(block, expected);
  assert.equal(v.valid, true);
  assert.equal(v.idBlockSignatureValid, true);
  assert.equal(v.idKeySignatureValid, true);
  assert.equal(hex(v.idKeyDigest), A.idKeyDigest);
  assert.equal(hex(v.authorKeyDigest!), A.authorKeyDigest);
  assert.equal(v.block.policy, 0x30000n);

  // Tampering with the ID block or the ID key struct breaks the matching signature.
  const bad = Buffer.from(block);
  bad[0]! ^= 1;
  const v2 = verifyIdAuth(bad, expected);
  assert.equal(v2.idBlockSignatureValid, false);
  assert.equal(v2.valid, false);
  const badAuth = Buffer.from(expected);
  badAuth[0x240 + 4]! ^= 1; // QX of the ID key
  const v3 = verifyIdAuth(block, badAuth);
  assert.equal(v3.idKeySignatureValid, false);
  assert.equal(v3.idBlockSignatureValid, false);
});

test('vector B: ID block and digests from the sev-snp-measure test keys', { skip: needsShared }, async () => {
  const idPem = shared('fixtures', 'sev-snp-measure', 'id_key_test.pem');
  const authorPem = shared('fixtures', 'sev-snp-measure', 'author_key_test.pem');
  const id = pemPublic(idPem);
  const author = pemPublic(authorPem);
  for (const deterministic of [false, true]) {
    const res = await createIdBlock({ measurement: Buffer.from(B.ld, 'base64') }, p384Signer(id.d, { deterministic }), p384Signer(author.d, { deterministic }));
    assert.equal(b64(res.idBlock), B.idBlock);
    assert.equal(b64(res.idKeyDigest), B.idKeyHash);
    assert.equal(b64(res.authorKeyDigest!), B.authorKey);
    // Signatures made here verify with OpenSSL against the PEM keys (not the embedded ones).
    assert.ok(nodeVerify(id.key, res.idBlock, res.idAuth.subarray(0x40, 0x240)), 'ID block signature');
    assert.ok(nodeVerify(author.key, res.idAuth.subarray(0x240, 0x644), res.idAuth.subarray(0x680, 0x880)), 'ID key signature');
    // The embedded keys are the PEM keys.
    assert.ok(amdPubToKey(res.idAuth.subarray(0x240, 0x644)).equals(id.key));
    assert.ok(amdPubToKey(res.idAuth.subarray(0x880, 0xc84)).equals(author.key));
    // Fixed header and reserved areas (attestation.md §5.2).
    const dv = Buffer.from(res.idAuth);
    assert.equal(dv.readUInt32LE(0), 1);
    assert.equal(dv.readUInt32LE(4), 1);
    for (const [s, e] of [[8, 0x40], [0x644, 0x680], [0xc84, 0x1000]] as const) assert.ok(dv.subarray(s, e).every((b) => b === 0));
    assert.equal(verifyIdAuth(res.idBlock, res.idAuth).valid, true);
  }
});

test('deterministic signing is byte-identical across runs; random signing is not', { skip: needsShared }, async () => {
  const id = pemPublic(`${V()}/virtee_test_id_key.pem`);
  const author = pemPublic(`${V()}/virtee_test_auth_key.pem`);
  const f = { measurement: Buffer.from(A.ld, 'hex'), familyId: Buffer.alloc(16, 0xaa), imageId: Buffer.alloc(16, 0x55), guestSvn: 7, policy: 0x3001fn };
  const det = () => createIdBlock(f, p384Signer(id.d, { deterministic: true }), p384Signer(author.d, { deterministic: true }));
  const rnd = () => createIdBlock(f, p384Signer(id.d), p384Signer(author.d));
  const [d1, d2, r1, r2] = await Promise.all([det(), det(), rnd(), rnd()]);
  assert.ok(Buffer.from(d1.idAuth).equals(Buffer.from(d2.idAuth)));
  assert.ok(!Buffer.from(r1.idAuth).equals(Buffer.from(r2.idAuth)));
  for (const r of [d1, r1, r2]) {
    assert.ok(nodeVerify(id.key, r.idBlock, r.idAuth.subarray(0x40, 0x240)));
    assert.ok(nodeVerify(author.key, r.idAuth.subarray(0x240, 0x644), r.idAuth.subarray(0x680, 0x880)));
  }
  // Field placement, checked with Buffer reads at the spec offsets.
  const blk = Buffer.from(d1.idBlock);
  assert.equal(blk.subarray(0x30, 0x40).toString('hex'), 'aa'.repeat(16));
  assert.equal(blk.subarray(0x40, 0x50).toString('hex'), '55'.repeat(16));
  assert.equal(blk.readUInt32LE(0x50), 1);
  assert.equal(blk.readUInt32LE(0x54), 7);
  assert.equal(blk.readBigUInt64LE(0x58), 0x3001fn);
  assert.deepEqual(parseIdBlock(d1.idBlock), { measurement: new Uint8Array(Buffer.from(A.ld, 'hex')), familyId: new Uint8Array(16).fill(0xaa), imageId: new Uint8Array(16).fill(0x55), version: 1, guestSvn: 7, policy: 0x3001fn });
});

test('deterministic signatures are RFC 6979: A.2.6 P-384/SHA-384 "sample" known answer', () => {
  const d = Buffer.from('6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D896D5724E4C70A825F872C9EA60D2EDF5', 'hex');
  const s = p384Signer(d, { deterministic: true });
  assert.equal(hex(s.publicKey.x), 'ec3a4e415b4e19a4568618029f427fa5da9a8bc4ae92e02e06aae5286b300c64def8f0ea9055866064a254515480bc13');
  const sig = s.sign(new TextEncoder().encode('sample'));
  assert.ok(!(sig instanceof Promise));
  assert.equal(hex(signatureToCompact(sig)),
    '94edbb92a5ecb8aad4736e56c691916b3f88140666ce9fa73d64c4ea95ad133c81a648152e44acf96e36dd1e80fabe46' +
    '99ef4aeb15f178cea1fe40db2603138f130e740a19624526203b6351d0a3a94fa329c145786e679e7b82c71a38628ac8');
});

test('key digest is SHA-384 of the 0x404-byte struct (independent construction)', () => {
  const x = Buffer.alloc(48, 0x11); x[0] = 0x01; x[47] = 0xfe;
  const y = Buffer.alloc(48, 0x22);
  const struct = Buffer.alloc(0x404);
  struct.writeUInt32LE(2, 0);
  Buffer.from(x).reverse().copy(struct, 4);
  Buffer.from(y).reverse().copy(struct, 0x4c);
  assert.equal(hex(keyDigest({ x, y })), createHash('sha384').update(struct).digest('hex'));
});

test('builders reject bad field sizes and ranges', () => {
  const m = new Uint8Array(48);
  const bad: [string, () => unknown][] = [
    ['short LD', () => buildIdBlock({ measurement: new Uint8Array(47) })],
    ['family id', () => buildIdBlock({ measurement: m, familyId: new Uint8Array(15) })],
    ['image id', () => buildIdBlock({ measurement: m, imageId: new Uint8Array(17) })],
    ['svn', () => buildIdBlock({ measurement: m, guestSvn: 2 ** 32 })],
    ['negative svn', () => buildIdBlock({ measurement: m, guestSvn: -1 })],
    ['policy', () => buildIdBlock({ measurement: m, policy: 1n << 64n })],
    ['key size', () => p384Signer(new Uint8Array(32))],
    ['zero key', () => p384Signer(new Uint8Array(48))],
    ['author key without signature', () => buildIdAuth({ idSignature: { r: m, s: m }, idKey: { x: m, y: m }, authorKey: { x: m, y: m } })],
  ];
  for (const [what, f] of bad) assert.throws(f, SnpLaunchError, what);
});

test('parseIdAuth rejects malformed structures with an offset', { skip: needsShared }, () => {
  const good = readFileSync(`${V()}/virtee_test_auth_block.bin`);
  const p = parseIdAuth(good, 'auth.bin');
  assert.equal(p.idKeyAlgo, 1);
  assert.ok(p.authorKey);
  const mutate = (off: number, v: number) => { const b = Buffer.from(good); b[off] = v; return b; };
  const cases: [string, Uint8Array, number | undefined][] = [
    ['size', good.subarray(0, 4095), undefined],
    ['reserved 1', mutate(0x10, 1), 0x8],
    ['reserved 2', mutate(0x650, 1), 0x644],
    ['reserved 3', mutate(0xfff, 1), 0xc84],
    ['id algo', mutate(0x0, 2), 0x0],
    ['author algo', mutate(0x4, 7), 0x4],
    ['curve', mutate(0x240, 3), 0x240],
    ['sig reserved', mutate(0x40 + 0x100, 1), 0x40 + 0x90],
    ['QX high bytes', mutate(0x240 + 4 + 60, 1), 0x244],
  ];
  for (const [what, bytes, off] of cases) {
    assert.throws(() => parseIdAuth(bytes, 'auth.bin'), (e: unknown) => {
      assert.ok(e instanceof SnpLaunchError, what);
      assert.equal(e.location.file, 'auth.bin', what);
      if (off !== undefined) assert.equal(e.location.offset, off, what);
      return true;
    });
  }
});

test('ID auth without an author key: author areas zero, only the ID signature checked', async () => {
  const d = Buffer.alloc(48, 3);
  const res = await createIdBlock({ measurement: new Uint8Array(48).fill(9) }, p384Signer(d, { deterministic: true }));
  assert.equal(res.authorKeyDigest, undefined);
  assert.ok(res.idAuth.subarray(0x680).every((b) => b === 0));
  assert.equal(Buffer.from(res.idAuth).readUInt32LE(4), 0);
  const v = verifyIdAuth(res.idBlock, res.idAuth);
  assert.equal(v.valid, true);
  assert.equal(v.idKeySignatureValid, undefined);
  assert.ok(nodeVerify(amdPubToKey(res.idAuth.subarray(0x240, 0x644)), res.idBlock, res.idAuth.subarray(0x40, 0x240)));
});
