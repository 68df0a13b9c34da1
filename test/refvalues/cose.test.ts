// Signed CoRIM (COSE_Sign1, ES384): the signature is checked here with node:crypto over a
// Sig_structure the test builds itself with cborg (RFC 9052 §4.4), not with the library's verifier;
// then the library's verifier accepts the right key and rejects another key and every changed byte.
// The shared Sig_structure builder is compared with CBOR bytes written by hand; input that is not
// one CBOR item fails with our one-line reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, verify as nodeVerify } from 'node:crypto';
import { decode as cborgDecode, encode as cborgEncode } from 'cborg';
import { coseSign1ToBeSigned } from '../../src/core/cbor.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { coseToBeSigned } from '../../src/endorsements/index.js';
import { decodeReferenceValues, encodeCorim, signCorim, verifySignedCorim, type ReferenceValues } from '../../src/refvalues/index.js';

const RV: ReferenceValues = {
  tool: 'snp-launch test',
  inputs: {},
  pinned: { policy: 0x30000n },
  cells: [{ platform: 'qemu-kvm', vcpus: 4, vcpuSig: 0xa00f11, guestFeatures: 1n, kvm: 'init2', measurement: new Uint8Array(createHash('sha384').update('x').digest()) }],
};

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const d = new Uint8Array(Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url'));
  const jwk = publicKey.export({ format: 'jwk' });
  const pub = new Uint8Array([4, ...Buffer.from(jwk.x!, 'base64url'), ...Buffer.from(jwk.y!, 'base64url')]);
  return { d, pub, publicKey };
}

const tags: ((decode: () => unknown) => unknown)[] = [];
tags[18] = (decode) => ({ tag: 18, v: decode() });

test('signed CoRIM: COSE_Sign1 tag 18, protected {1: -35, 3: application/rim+cbor}, ES384 verified by node:crypto', () => {
  const k = keyPair();
  const corim = encodeCorim(RV);
  const signed = signCorim(corim, k.d);
  const top = cborgDecode(signed, { useMaps: true, tags }) as { tag: number; v: [Uint8Array, Map<number, unknown>, Uint8Array, Uint8Array] };
  assert.equal(top.tag, 18);
  const [prot, unprot, payload, sig] = top.v;
  assert.deepEqual(cborgDecode(prot, { useMaps: true }), new Map<number, unknown>([[1, -35], [3, 'application/rim+cbor']]));
  assert.equal(unprot.size, 0);
  assert.deepEqual(payload, corim);
  assert.equal(sig.length, 96);
  const tbs = cborgEncode(['Signature1', prot, new Uint8Array(0), payload]);
  assert.ok(nodeVerify('sha384', tbs, { key: k.publicKey, dsaEncoding: 'ieee-p1363' }, sig), 'node:crypto verifies the ES384 signature');
  assert.ok(!nodeVerify('sha384', tbs, { key: keyPair().publicKey, dsaEncoding: 'ieee-p1363' }, sig));
});

test('signed CoRIM: verifies with the right key, fails with another key and after any byte change', () => {
  const k = keyPair();
  const signed = signCorim(encodeCorim(RV), k.d);
  assert.deepEqual(decodeReferenceValues(signed, 's.cbor', k.pub).cells, RV.cells);
  const fails = (bytes: Uint8Array, key: Uint8Array, what: string) =>
    assert.throws(() => decodeReferenceValues(bytes, 's.cbor', key), (e: unknown) => e instanceof SnpLaunchError && e.kind === 'input' && !e.message.includes('\n'), what);
  fails(signed, keyPair().pub, 'another key');
  for (let i = 0; i < signed.length; i++) {
    const b = signed.slice();
    b[i]! ^= 0x01;
    fails(b, k.pub, `byte ${i} changed`);
  }
  assert.throws(() => decodeReferenceValues(signed, 's.cbor'), /signed CoRIM .*--refvalues-key/);
  assert.throws(() => verifySignedCorim(encodeCorim(RV), k.pub, 'u.cbor'), /not a COSE_Sign1/);
});

// CBOR written byte by byte (RFC 8949 §3.1): major type in the top three bits, then the argument in
// its shortest form (< 24 in the initial byte, else 1, 2 or 4 bytes big-endian).
function head(major: number, n: number): Buffer {
  const m = major << 5;
  if (n < 24) return Buffer.from([m | n]);
  if (n < 0x100) return Buffer.from([m | 24, n]);
  if (n < 0x10000) return Buffer.from([m | 25, n >> 8, n & 0xff]);
  return Buffer.from([m | 26, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}
const bstr = (b: Uint8Array) => Buffer.concat([head(2, b.length), b]);

test('Sig_structure: one builder for the CoRIM signer and the endorsement verifier, bytes as written by hand', () => {
  // RFC 9052 §4.4: array(4) ["Signature1", protected, external_aad h'', payload].
  const byHand = (prot: Uint8Array, payload: Uint8Array) =>
    Buffer.concat([Buffer.from([0x84]), head(3, 10), Buffer.from('Signature1', 'ascii'), bstr(prot), Buffer.from([0x40]), bstr(payload)]);
  assert.equal(coseToBeSigned, coseSign1ToBeSigned, 'src/endorsements exports the shared builder');
  // Lengths on each side of every argument width.
  for (const p of [0, 5, 23, 24, 300]) {
    for (const n of [0, 1, 23, 24, 255, 256, 65535, 65536, 70000]) {
      const prot = new Uint8Array(p).map((_, i) => i * 7);
      const payload = new Uint8Array(n).map((_, i) => i * 13);
      assert.ok(Buffer.from(coseSign1ToBeSigned(prot, payload)).equals(byHand(prot, payload)), `protected ${p} bytes, payload ${n} bytes`);
    }
  }
});

test('signed CoRIM that is not one CBOR item: one line in our words, not the CBOR library\'s', () => {
  const k = keyPair();
  const signed = signCorim(encodeCorim(RV), k.d);
  const msg = (bytes: Uint8Array) => {
    try {
      verifySignedCorim(bytes, k.pub, 's.cbor');
    } catch (e) {
      assert.ok(e instanceof SnpLaunchError && e.code === 'BAD_CBOR' && e.kind === 'input', String(e));
      return e.message;
    }
    assert.fail('accepted');
  };
  assert.equal(msg(new Uint8Array([0xa1, 0x01])), 's.cbor: is not valid COSE_Sign1: truncated CBOR (ends inside an item)');
  assert.equal(msg(signed.subarray(0, signed.length >> 1)), 's.cbor: is not valid COSE_Sign1: truncated CBOR (ends inside an item)');
  assert.equal(msg(new Uint8Array([...signed, 0x00])), 's.cbor: is not valid COSE_Sign1: trailing bytes after the CBOR item');
  assert.equal(msg(new Uint8Array(0)), 's.cbor: is not valid COSE_Sign1: empty input (no CBOR item)');
});
