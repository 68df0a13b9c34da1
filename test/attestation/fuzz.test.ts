/**
 * Hostile inputs: every truncation and many deterministic random byte changes of the shared
 * certificates and reports. Parsing must either succeed or throw a one-line SnpLaunchError; never
 * another exception type, a hang or a multi-line message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCertificates, parseCertificate, parseReport, parseVek, verifyReport } from '../../src/attestation/index.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { needsShared } from '../_shared.js';
import { VEC, read, vectorCerts } from './_vectors.js';

/** xorshift32: reproducible pseudo-random numbers. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

function onlySnpErrors(fn: () => unknown, what: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SnpLaunchError, `${what}: ${String(e)}`);
    assert.ok(!e.message.includes('\n'), `${what}: multi-line message`);
  }
}

test('certificate parser: every truncation and 3000 random mutations per certificate', { skip: needsShared }, () => {
  const rand = rng(0x5eed);
  for (const f of vectorCerts()) {
    const der = loadCertificates(read(VEC(f)), f)[0]!.der;
    for (let n = 0; n < der.length; n++) onlySnpErrors(() => parseVek(parseCertificate(der.subarray(0, n), f)), `${f} truncated to ${n}`);
    for (let i = 0; i < 3000; i++) {
      const b = der.slice();
      const k = 1 + Math.floor(rand() * 3);
      for (let j = 0; j < k; j++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      onlySnpErrors(() => parseVek(parseCertificate(b, f)), `${f} mutation ${i}`);
    }
  }
});

test('report parser: random inputs and mutations only ever throw SnpLaunchError', { skip: needsShared }, () => {
  const rand = rng(0xc0ffee);
  const rep = read(VEC('mstav_genoa_report.bin'));
  for (let i = 0; i < 3000; i++) {
    const b = rep.slice();
    for (let j = 0; j < 8; j++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    onlySnpErrors(() => parseReport(b), `mutation ${i}`);
  }
  for (const len of [0, 1, 0x2a0, 0x49f, 0x4a0, 0x4c0, 0x4c1, 5000]) {
    onlySnpErrors(() => parseReport(Uint8Array.from({ length: len }, () => Math.floor(rand() * 256))), `random ${len}`);
  }
});

test('verification with mutated certificates resolves with failed checks, never rejects unexpectedly', { skip: needsShared }, async () => {
  const rand = rng(42);
  const report = parseReport(read(VEC('virtee_milan_report.bin')));
  const der = read(VEC('virtee_milan_vcek.der'));
  let verified = 0;
  for (let i = 0; i < 300; i++) {
    const b = der.slice();
    const at = Math.floor(rand() * b.length);
    b[at] = b[at]! ^ (1 << Math.floor(rand() * 8));
    let cert;
    try {
      cert = parseCertificate(b, 'm.der');
      parseVek(cert);
    } catch (e) {
      assert.ok(e instanceof SnpLaunchError);
      continue;
    }
    const res = await verifyReport(report, { vek: cert, now: new Date('2026-06-01') });
    // A changed certificate byte breaks the AMD signature over the TBS (or the outer fields).
    if (res.ok) verified++;
  }
  assert.equal(verified, 0);
});
