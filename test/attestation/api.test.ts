/**
 * The one-call API (checkAttestation) and the KDS URL helpers, on the shared vectors; expected URLs
 * follow the formats of specs/attestation.md §3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { certChainUrl, checkAttestation, crlUrl, vcekUrl, vlekUrl, toPem } from '../../src/attestation/index.js';
import { fromHex, toHex } from '../../src/core/bytes.js';
import { needsShared } from '../_shared.js';
import { AMD, VEC, read } from './_vectors.js';

test('checkAttestation: bytes in, named checks out (hex report text, PEM bundle, chain bytes)', { skip: needsShared }, async () => {
  const report = read(VEC('mstav_genoa_report.bin'));
  const hexText = new TextEncoder().encode(toHex(report));
  const res = await checkAttestation(hexText, read(VEC('mstav_genoa_vcek.pem')), {
    now: new Date('2026-06-01T00:00:00Z'),
    chain: [read(AMD('genoa_ask_ark.pem'))],
    measurements: [fromHex('5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f98189887920ab2fa0096903a0c23fca1')!],
    vmpl: 0,
  });
  assert.equal(res.ok, true, JSON.stringify(res.checks.filter((c) => !c.pass)));
  assert.equal(res.product, 'Genoa');
  assert.deepEqual(res.checks.slice(-2).map((c) => c.name), ['measurement', 'vmpl']);
  // A VCEK + ASVK bundle: the ASVK is not the ASK, so the chain fails by name.
  const bundle = new TextEncoder().encode(toPem(read(VEC('virtee_milan_vcek.der'))) + new TextDecoder().decode(read(AMD('milan_asvk.pem'))));
  const bad = await checkAttestation(read(VEC('virtee_milan_report.bin')), bundle, { now: new Date('2026-06-01') });
  assert.equal(bad.ok, false);
  assert.match(bad.checks.find((c) => c.name === 'certificate-chain')!.reason, /no ASK 'SEV-Milan' \(found 'SEV-VLEK-Milan'\)/);
});

test('KDS URLs (spec §3 formats)', () => {
  assert.equal(certChainUrl('Genoa'), 'https://kdsintf.amd.com/vcek/v1/Genoa/cert_chain');
  assert.equal(certChainUrl('Turin', 'VLEK'), 'https://kdsintf.amd.com/vlek/v1/Turin/cert_chain');
  assert.equal(crlUrl('Milan'), 'https://kdsintf.amd.com/vcek/v1/Milan/crl');
  assert.equal(vlekUrl('Milan', { bl: 4, tee: 0, snp: 24, ucode: 217 }), 'https://kdsintf.amd.com/vlek/v1/Milan/cert?blSPL=4&teeSPL=0&snpSPL=24&ucodeSPL=217');
  const chip = new Uint8Array(64);
  assert.equal(vcekUrl('Milan', chip, { bl: 1, tee: 0, snp: 1, ucode: 1 }), undefined, 'masked CHIP_ID: no URL');
  chip.set([0xaa, 0xbb], 0);
  assert.equal(vcekUrl('Turin', chip, { fmc: 2, bl: 3, tee: 4, snp: 5, ucode: 6 }), 'https://kdsintf.amd.com/vcek/v1/Turin/aabb000000000000?fmcSPL=2&blSPL=3&teeSPL=4&snpSPL=5&ucodeSPL=6');
  assert.match(vcekUrl('Genoa', chip, { bl: 3, tee: 4, snp: 5, ucode: 6 })!, /^https:\/\/kdsintf\.amd\.com\/vcek\/v1\/Genoa\/aabb0{124}\?blSPL=3&teeSPL=4&snpSPL=5&ucodeSPL=6$/);
});
