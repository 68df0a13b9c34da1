// Signed CoRIM (COSE_Sign1, ES384): the signature is checked here with node:crypto over a
// Sig_structure the test builds itself with cborg (RFC 9052 §4.4), not with the library's verifier;
// then the library's verifier accepts the right key and rejects another key and every changed byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, verify as nodeVerify } from 'node:crypto';
import { decode as cborgDecode, encode as cborgEncode } from 'cborg';
import { SnpLaunchError } from '../../src/core/errors.js';
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
