/**
 * Revocation (issue 16 item 7): real AMD CRLs through `report verify --crl`, and the rules of
 * checkRevocation on CRLs signed by a test ARK (the library's test-only root injection: the real
 * Genoa ARK with its key replaced by a fresh RSA-4096 key and re-signed, so names and key
 * identifiers stay AMD's). Signatures are made with node:crypto, independently of the library.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify, constants, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsShared } from '../_shared.js';
import { VEC, read } from '../attestation/_vectors.js';
import { amdRoots, parseCertificate, toPem, type Certificate } from '../../src/attestation/index.js';
import { parseCrl, type Crl } from '../../src/attestation/crl.js';
import { checkRevocation } from '../../src/attestation/revocation.js';
import { runCli, tempDir } from './_cli.js';

const KDS = (f: string) => VEC(`../kds/${f}`);
const GENOA = ['report', 'verify', VEC('mstav_genoa_report.bin'), '--cert', VEC('mstav_genoa_vcek.pem')];
const line = (out: string) => out.split('\n').find((l) => /^(PASS|FAIL)\s+revocation\s/.test(l)) ?? '';

test('--crl: the Genoa CRL passes for a Genoa report; the Milan CRL fails (wrong issuer); a CRL past its nextUpdate fails', { skip: needsShared, timeout: 60_000 }, async () => {
  const cache = tempDir();
  const ok = await runCli([...GENOA, '--crl', KDS('genoa_crl_9.der'), '--at', '2026-08-01'], cache);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  // SOURCES.md: CRL #9 revokes 0x020001; the current Genoa ASK is 0x020002.
  assert.match(line(ok.stdout), /^PASS .*SEV-Genoa \(serial 0x20002\) is not revoked: ARK-Genoa CRL #9 \(2026-07-28T04:07:23\.000Z \.\. 2026-09-09T00:00:00\.000Z, 1 revoked serial/);
  const milan = await runCli([...GENOA, '--crl', KDS('milan_crl_9.der'), '--at', '2026-08-01'], cache);
  assert.equal(milan.status, 1);
  assert.match(line(milan.stdout), /^FAIL .*milan_crl_9\.der: issued by 'ARK-Milan', not by ARK-Genoa/);
  const late = await runCli([...GENOA, '--crl', KDS('genoa_crl_9.der'), '--at', '2026-09-10'], cache);
  assert.equal(late.status, 1);
  assert.match(line(late.stdout), /^FAIL .*out of date since its nextUpdate 2026-09-09T00:00:00\.000Z \(checked at 2026-09-10/);
  const early = await runCli([...GENOA, '--crl', KDS('genoa_crl_9.der'), '--at', '2026-07-01'], cache);
  assert.equal(early.status, 1);
  assert.match(line(early.stdout), /^FAIL .*not valid before its thisUpdate 2026-07-28/);
  // PEM works too, and any one bad --crl among several fails the check.
  const dir = tempDir();
  const pem = join(dir, 'genoa.pem');
  writeFileSync(pem, toPem(read(KDS('genoa_crl_9.der')), 'X509 CRL'));
  const p = await runCli([...GENOA, '--crl', pem, '--at', '2026-08-01'], cache);
  assert.equal(p.status, 0, p.stdout + p.stderr);
  const both = await runCli([...GENOA, '--crl', pem, '--crl', KDS('milan_crl_9.der'), '--at', '2026-08-01'], cache);
  assert.equal(both.status, 1);
  // Not a CRL at all: one line, exit 1.
  const bad = await runCli([...GENOA, '--crl', VEC('mstav_genoa_vcek.pem'), '--at', '2026-08-01'], cache);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^Error: .*mstav_genoa_vcek\.pem: holds a PEM 'CERTIFICATE' block; expected X509 CRL blocks\n$/);
  // --crl with --no-cert is a usage error (there is no chain to check).
  const nc = await runCli(['report', 'verify', VEC('mstav_genoa_report.bin'), '--no-cert', '--vmpl', '0', '--crl', KDS('genoa_crl_9.der')], cache);
  assert.equal(nc.status, 2);
});

/** DER TLV header length at `off` (short or long form). */
function hdrLen(b: Uint8Array, off: number): number {
  return b[off + 1]! < 0x80 ? 2 : 2 + (b[off + 1]! & 0x7f);
}
const pss = (key: KeyObject, data: Uint8Array) => new Uint8Array(sign('sha384', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 }));

/** The real Genoa ARK with `pub` as its key, self-signed with `priv`. */
function testArk(pub: KeyObject, priv: KeyObject): Certificate {
  const real = amdRoots('Genoa')!.ark;
  const der = new Uint8Array(real.der);
  const spki = new Uint8Array(pub.export({ type: 'spki', format: 'der' }));
  assert.equal(spki.length, real.spki.length, 'an RSA-4096 SPKI has the same length');
  der.set(spki, real.spki.byteOffset - real.der.byteOffset);
  const tbsAt = real.tbs.byteOffset - real.der.byteOffset;
  const sig = pss(priv, der.subarray(tbsAt, tbsAt + real.tbs.length));
  der.set(sig, der.length - sig.length); // signatureValue is last: BIT STRING 00 || 512 bytes
  return parseCertificate(der, 'test-ARK-Genoa');
}

/** The real Genoa CRL with edits to its TBS, re-signed with `priv`. */
function testCrl(priv: KeyObject, edit: (tbs: Uint8Array) => void, name: string): Crl {
  const der = new Uint8Array(read(KDS('genoa_crl_9.der')));
  const tbsAt = hdrLen(der, 0);
  const tbsEnd = tbsAt + hdrLen(der, tbsAt) + (((der[tbsAt + 2]! << 8) | der[tbsAt + 3]!) >>> 0);
  const tbs = der.subarray(tbsAt, tbsEnd);
  edit(tbs);
  const sig = pss(priv, tbs);
  der.set(sig, der.length - sig.length);
  return parseCrl(der, name);
}

/** Replaces the unique occurrence of `from` by `to` (same length) inside `b`. */
function replace(b: Uint8Array, from: string, to: string): void {
  const hay = Buffer.from(b).toString('latin1');
  const at = hay.indexOf(Buffer.from(from, 'hex').toString('latin1'));
  assert.ok(at >= 0 && hay.indexOf(Buffer.from(from, 'hex').toString('latin1'), at + 1) < 0, `unique ${from}`);
  b.set(Buffer.from(to, 'hex'), at);
}

test('checkRevocation with a test ARK: revoked ASK, tampered signature, the real CRL under a foreign root, time window', { skip: needsShared, timeout: 120_000 }, async () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 4096, publicExponent: 65537 });
  const ark = testArk(publicKey, privateKey);
  const ask = amdRoots('Genoa')!.ask; // serial 0x020002 (certs/amd/README.md)
  const base = { intermediate: ask, kind: 'VCEK' as const, line: 'Genoa' as const, testArk: ark, at: new Date('2026-08-01T00:00:00Z') };

  // As published (revokes 0x020001 only), re-signed: the ASK passes.
  const same = testCrl(privateKey, () => {}, 'resigned.der');
  assert.ok(verify('sha384', same.tbs, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 }, same.signature), 'node:crypto agrees the CRL is signed');
  assert.equal((await checkRevocation({ ...base, crls: [same] })).pass, true);

  // The entry's serial INTEGER 02 03 020001 becomes 020002: the current ASK is revoked.
  const revoking = testCrl(privateKey, (t) => replace(t, '0203020001', '0203020002'), 'revokes-ask.der');
  const r = await checkRevocation({ ...base, crls: [revoking] });
  assert.equal(r.pass, false);
  assert.match(r.reason, /SEV-Genoa \(serial 0x20002\) is REVOKED since 2022-10-31T12:00:00\.000Z \(revokes-ask\.der, CRL #9\)/);

  // A flipped signature bit, and the real AMD CRL when the test ARK is the root: not signed by it.
  const tampered = parseCrl(new Uint8Array(same.der).map((v, i, a) => (i === a.length - 1 ? v ^ 1 : v)), 'tampered.der');
  assert.match((await checkRevocation({ ...base, crls: [tampered] })).reason, /tampered\.der: the signature does not verify with ARK-Genoa/);
  assert.match((await checkRevocation({ ...base, crls: [parseCrl(read(KDS('genoa_crl_9.der')), 'amd.der')] })).reason, /amd\.der: the signature does not verify/);

  // nextUpdate 260909000000Z moved to 260801000000Z: current at 08-01T00:00:00, not a second later.
  const short = testCrl(privateKey, (t) => replace(t, '170d3236303930393030303030305a', '170d3236303830313030303030305a'), 'short.der');
  assert.equal((await checkRevocation({ ...base, crls: [short] })).pass, true);
  const after = await checkRevocation({ ...base, at: new Date('2026-08-01T00:00:01Z'), crls: [short] });
  assert.match(after.reason, /short\.der: out of date since its nextUpdate 2026-08-01T00:00:00\.000Z/);

  // No CRL at all.
  assert.match((await checkRevocation({ ...base, crls: [] })).reason, /no CRL for Genoa is at hand/);
  // Without the injected root, the re-signed CRL is not AMD's.
  const { testArk: _, ...pinned } = base;
  assert.equal((await checkRevocation({ ...pinned, crls: [same] })).pass, false);
});
