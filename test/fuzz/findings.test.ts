/**
 * End-to-end forms of fuzz findings: the quadratic readUnsigned (unit regression in short.test.ts),
 * reached through a whole certificate (the field a real input gets there by), and the UVM
 * endorsement whose bigint content type broke the error message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCertificates, parseCertificate } from '../../src/attestation/index.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { readFileSync } from 'node:fs';
import { needsShared, shared } from '../_shared.js';
import { parseUvmEndorsement } from '../../src/endorsements/index.js';
import { describeCbor } from '../../src/core/cbor.js';
import { VEC, read } from '../attestation/_vectors.js';

/** DER tag + definite length (long form as needed). */
function hdr(tag: number, len: number): number[] {
  if (len < 0x80) return [tag, len];
  const b: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) b.unshift(v % 256);
  return [tag, 0x80 | b.length, ...b];
}

// Found by x509 (a DER INTEGER of 160 KB took 89 s): readUnsigned built its bigint one byte at a
// time, quadratic in the length. The version field of a certificate reached it.
test('x509: a certificate whose version is a 256 KiB INTEGER is rejected at once, naming the field', { skip: needsShared }, () => {
  const der = loadCertificates(read(VEC('virtee_milan_vcek.der')), 'vcek.der')[0]!.der;
  // Certificate = 30 82 LLLL { TBS = 30 82 LLLL { [0] { INTEGER 2 } ... } alg sig }
  assert.deepEqual([...der.subarray(0, 2), ...der.subarray(4, 6), ...der.subarray(8, 13)], [0x30, 0x82, 0x30, 0x82, 0xa0, 0x03, 0x02, 0x01, 0x02]);
  const tbsEnd = 8 + ((der[6]! << 8) | der[7]!);
  const big = new Uint8Array(256 * 1024).fill(0x01);
  const version = [...hdr(0xa0, hdr(0x02, big.length).length + big.length), ...hdr(0x02, big.length)];
  const tbsBody = [...version, ...big, ...der.subarray(13, tbsEnd)];
  const tbs = [...hdr(0x30, tbsBody.length), ...tbsBody];
  const body = [...tbs, ...der.subarray(tbsEnd)];
  const hostile = new Uint8Array([...hdr(0x30, body.length), ...body]);
  const t0 = performance.now();
  assert.throws(
    () => parseCertificate(hostile, 'big-version.der'),
    (e: unknown) => e instanceof SnpLaunchError && e.code === 'BAD_DER' && /version: INTEGER of 262144 bytes is too large/.test(e.message) && typeof e.location.offset === 'number',
  );
  // A hang bound, not a timing target: before the fix this input took minutes.
  assert.ok(performance.now() - t0 < 5000);
});

// Found by uvm-endorsement (seed 20261205, input 307,523): a content type decoded as a bigint
// (text head 0x70 mutated to 0x1b, a uint64) made the error message's JSON.stringify throw a
// TypeError instead of the located input error. The same for a crit list or an unprotected label.
test('uvm-endorsement: a bigint content type is a located BAD_UVM_ENDORSEMENT, not a TypeError', { skip: needsShared }, () => {
  const raw = new Uint8Array(Buffer.from(readFileSync(shared('vectors', 'aci', 'reference-info-base64'), 'utf8').trim(), 'base64'));
  // d2 84 59 13 ce | a7 01 38 25 03 70 "application/json": label 3 at 9, its text head at 10.
  assert.deepEqual([raw[9], raw[10]], [0x03, 0x70]);
  const bad = raw.slice();
  bad[10] = 0x1b;
  assert.throws(
    () => parseUvmEndorsement(bad, 'e.cose'),
    (e: unknown) => e instanceof SnpLaunchError && e.code === 'BAD_UVM_ENDORSEMENT' && /protected\.content_type: is "\d+n", expected "application\/json"/.test(e.message),
  );
  assert.equal(describeCbor(new Map<unknown, unknown>([[1n, new Uint8Array(40)]])), `{"1":"h'${'00'.repeat(16)}…'"}`);
  assert.equal(describeCbor('x'.repeat(200)).length, 80);
});
