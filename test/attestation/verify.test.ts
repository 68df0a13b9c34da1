/**
 * Verification against the shared real reports: each verifies with exactly the certificate named in
 * the vectors README and no other; every single-byte change of the signed region or of R/S fails;
 * chain rules (VCEK never via ASVK, Milan never via Genoa, variants never chain, VLEK validity);
 * and an independent node:crypto check of the signature encoding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, verify as nodeVerify } from 'node:crypto';
import { amdRoots, loadCertificates, parseReport, verifyCertSignature, verifyChain, verifyReport, verifyReportSignature, signatureToP1363, type Certificate } from '../../src/attestation/index.js';
import { needsShared } from '../_shared.js';
import { AMD, VEC, expectedReports, read, vectorCerts } from './_vectors.js';

const cert = (f: string): Certificate => loadCertificates(read(VEC(f)), f)[0]!;
const AT_VCEK = new Date('2026-06-01T00:00:00Z');
const AT_VLEK = new Date('2025-06-01T00:00:00Z');

for (const e of expectedReports()) {
  test(`${e.file} verifies with ${e.cert} and with no other certificate`, async () => {
    const r = parseReport(read(VEC(e.file)), { name: e.file });
    for (const c of vectorCerts()) {
      const ok = await verifyReportSignature(r, cert(c));
      assert.equal(ok, c === e.cert, `${e.file} with ${c}`);
    }
    const res = await verifyReport(r, { vek: cert(e.cert), now: e.cert.includes('vlek') ? AT_VLEK : AT_VCEK });
    assert.deepEqual(res.checks.filter((c) => !c.pass), [], 'every check passes');
    assert.ok(res.ok);
  });

  test(`${e.file}: every single-byte change of 0x000..0x29F or R/S fails`, async () => {
    const bytes = read(VEC(e.file));
    const vek = cert(e.cert);
    const base = parseReport(bytes);
    assert.ok(await verifyReportSignature(base, vek));
    let checked = 0;
    // R is 0x2A0..0x2E7, S 0x2E8..0x32F (72 bytes each, little-endian).
    for (let off = 0; off < 0x330; off++) {
      const b = bytes.slice();
      b[off] = b[off]! ^ 0x01;
      // Built directly from the bytes: a change of e.g. VERSION must not be caught by the parser instead.
      const view = { signed: b.subarray(0, 0x2a0), signature: { r: b.subarray(0x2a0, 0x2e8), s: b.subarray(0x2e8, 0x330) } };
      assert.equal(await verifyReportSignature(view, vek), false, `flip at 0x${off.toString(16)}`);
      checked++;
    }
    assert.equal(checked, 0x330);
  });
}

test('R/S conversion agrees with node:crypto (IEEE P1363) for every vector', { skip: needsShared }, () => {
  for (const e of expectedReports()) {
    const r = parseReport(read(VEC(e.file)));
    const key = new X509Certificate(cert(e.cert).der).publicKey;
    assert.ok(nodeVerify('sha384', r.signed, { key, dsaEncoding: 'ieee-p1363' }, signatureToP1363(r)!), e.file);
  }
});

test('non-zero high bytes of R are rejected without calling WebCrypto', { skip: needsShared }, () => {
  const b = read(VEC('virtee_milan_report.bin')).slice();
  b[0x2a0 + 60] = 1;
  assert.equal(signatureToP1363(parseReport(b)), undefined);
});

test('chain rules: VCEK via ASK only; VLEK via ASVK only; no cross-product chains', { skip: needsShared }, async () => {
  const milan = amdRoots('Milan')!;
  const genoa = amdRoots('Genoa')!;
  const turin = amdRoots('Turin')!;
  const vcek = cert('gosevguest_milan_vcek.der');
  const vlek = cert('trustee_milan_vlek.der');
  assert.equal(await verifyCertSignature(vcek, milan.ask), true);
  assert.equal(await verifyCertSignature(vcek, milan.asvk), false);
  assert.equal(await verifyCertSignature(vcek, genoa.ask), false);
  assert.equal(await verifyCertSignature(vlek, milan.asvk), true);
  assert.equal(await verifyCertSignature(vlek, milan.ask), false);
  assert.equal(await verifyCertSignature(cert('mstav_genoa_vcek.pem'), genoa.ask), true);
  assert.equal(await verifyCertSignature(cert('mstav_genoa_vcek.pem'), milan.ask), false);
  assert.equal(await verifyCertSignature(cert('virtee_turin_vcek.der'), turin.ask), true);
  for (const l of [milan, genoa, turin]) {
    assert.equal(await verifyCertSignature(l.ark, l.ark), true);
    assert.equal(await verifyCertSignature(l.ask, l.ark), true);
    assert.equal(await verifyCertSignature(l.asvk, l.ark), true);
  }
  assert.equal(await verifyCertSignature(genoa.ask, milan.ark), false);
  // The two synthetic variants parse but do not chain.
  for (const f of ['trustee_milan_vcek_variant_legacy.der', 'trustee_milan_vcek_variant_new.der']) {
    assert.equal(await verifyCertSignature(cert(f), milan.ask), false, f);
    const res = await verifyChain(cert(f), 'VCEK', 'Milan', { now: AT_VCEK });
    assert.equal(res.checks[0]!.pass, false);
    assert.match(res.checks[0]!.reason, /not signed by SEV-Milan/);
  }
  // A user chain with the ASVK for a VCEK, or another product's ARK, fails by name.
  const asvkChain = loadCertificates(read(AMD('milan_asvk_ark.pem')));
  const bad = await verifyChain(vcek, 'VCEK', 'Milan', { now: AT_VCEK, chain: asvkChain });
  assert.match(bad.checks[0]!.reason, /no ASK 'SEV-Milan'/);
  const genoaChain = loadCertificates(read(AMD('genoa_ask_ark.pem')));
  const bad2 = await verifyChain(vcek, 'VCEK', 'Milan', { now: AT_VCEK, chain: genoaChain });
  assert.match(bad2.checks[0]!.reason, /not AMD's ARK-Milan/);
  const good = await verifyChain(vcek, 'VCEK', 'Milan', { now: AT_VCEK, chain: loadCertificates(read(AMD('milan_ask_ark.pem'))) });
  assert.ok(good.checks.every((c) => c.pass));
});

test('the VLEK verifies only at a time inside its validity', { skip: needsShared }, async () => {
  const r = parseReport(read(VEC('trustee_milan_vlek_report.bin')));
  const vek = cert('trustee_milan_vlek.der');
  const at = async (iso: string) => (await verifyReport(r, { vek, now: new Date(iso) })).ok;
  assert.equal(await at('2025-06-01T00:00:00Z'), true);
  assert.equal(await at('2024-12-10T22:14:22Z'), true);
  assert.equal(await at('2024-12-10T22:14:20Z'), false);
  assert.equal(await at('2025-12-10T22:14:22Z'), false);
  assert.equal(await at('2026-06-01T00:00:00Z'), false);
});

test('certificate of the wrong product or kind fails the binding checks by name', { skip: needsShared }, async () => {
  const genoaReport = parseReport(read(VEC('mstav_genoa_report.bin')));
  const res = await verifyReport(genoaReport, { vek: cert('virtee_milan_vcek.der'), now: AT_VCEK });
  const failed = res.checks.filter((c) => !c.pass).map((c) => c.name);
  assert.ok(failed.includes('product') && failed.includes('report-signature') && failed.includes('chip-id'), failed.join());
  const vlekReport = parseReport(read(VEC('trustee_milan_vlek_report.bin')));
  const res2 = await verifyReport(vlekReport, { vek: cert('trustee_milan_vcek.der'), now: AT_VCEK });
  assert.match(res2.checks.find((c) => c.name === 'signing-key')!.reason, /SIGNING_KEY is VLEK .* certificate is a VCEK/);
  // v2 report, user says Genoa, certificate says Milan.
  const v2 = parseReport(read(VEC('virtee_milan_report.bin')));
  const res3 = await verifyReport(v2, { vek: cert('virtee_milan_vcek.der'), now: AT_VCEK, product: 'Genoa' });
  assert.match(res3.checks.find((c) => c.name === 'product')!.reason, /--product Genoa conflicts/);
});

test('REPORTED_TCB, not CURRENT_TCB, is bound to the certificate', { skip: needsShared }, async () => {
  // trustee VCEK sample: current ucode 206, reported 115 = certificate.
  const r = parseReport(read(VEC('trustee_milan_vcek_report.bin')));
  assert.equal(r.currentTcb.ucode, 206);
  const res = await verifyReport(r, { vek: cert('trustee_milan_vcek.der'), now: AT_VCEK });
  assert.equal(res.checks.find((c) => c.name === 'reported-tcb')!.pass, true);
});

test('KDS VCEK URL matches the vectors README', { skip: needsShared }, async () => {
  const r = parseReport(read(VEC('gosevguest_milan_attestation.bin')));
  const res = await verifyReport(r, { vek: cert('gosevguest_milan_vcek.der'), now: AT_VCEK });
  assert.equal(
    res.kdsUrl,
    'https://kdsintf.amd.com/vcek/v1/Milan/3ac3fe21e13fb0990eb28a802e3fb6a29483a6b0753590c951bdd3b8e53786184ca39e359669a2b76a1936776b564ea464cdce40c05f63c9b610c5068b006b5d?blSPL=2&teeSPL=0&snpSPL=5&ucodeSPL=68',
  );
});
