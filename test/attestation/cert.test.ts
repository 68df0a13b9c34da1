/**
 * Certificates: the embedded AMD roots against the fingerprints in shared/certs/amd/README.md
 * (node:crypto SHA-256), VCEK/VLEK extension parsing (facts from the vectors README and
 * specs/attestation.md §2.2), and clear errors for bad DER/PEM and wrong key types.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { amdRoots, loadCertificates, parseCertificate, parseVek, unwrapHwId, toPem } from '../../src/attestation/index.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { toHex } from '../../src/core/bytes.js';
import { needsShared, shared } from '../_shared.js';
import { AMD, VEC, read } from './_vectors.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('embedded AMD ARK/ASK/ASVK match the published SHA-256 fingerprints and facts', { skip: needsShared }, () => {
  const md = readFileSync(AMD('README.md'), 'utf8');
  for (const line of ['Milan', 'Genoa', 'Turin'] as const) {
    const r = amdRoots(line)!;
    for (const [k, c] of Object.entries(r)) {
      const row = md.split('\n').find((l) => l.startsWith(`| ${line.toLowerCase()}_${k}.pem |`))!;
      const cells = row.split('|').map((s) => s.trim());
      assert.equal(sha256(c.der), cells[5], `${line} ${k} DER`);
      assert.equal(sha256(c.spki), cells[6], `${line} ${k} SPKI`);
      assert.equal(c.subjectCN, cells[2]!.replace(' (self-signed)', ''));
      assert.equal('0x' + c.serial.padStart(6, '0'), cells[3]);
      assert.equal(c.signatureAlgorithm.name, 'RSASSA-PSS');
      assert.deepEqual(c.signatureAlgorithm.pss, { hash: 'SHA-384', mgf1Hash: 'SHA-384', saltLength: 48, trailerField: 1 });
      assert.deepEqual(c.publicKey, { type: 'rsa', modulusBits: 4096 });
      assert.equal(c.isCa, true);
      // Validity agrees with node's own X.509 parser.
      const x = new X509Certificate(c.der);
      assert.equal(c.notBefore.getTime(), new Date(x.validFrom).getTime());
      assert.equal(c.notAfter.getTime(), new Date(x.validTo).getTime());
    }
  }
});

test('KDS cert_chain bundles load as two certificates (intermediate, then ARK)', { skip: needsShared }, () => {
  const certs = loadCertificates(read(AMD('turin_asvk_ark.pem')), 'turin_asvk_ark.pem');
  assert.deepEqual(certs.map((c) => c.subjectCN), ['SEV-VLEK-Turin', 'ARK-Turin']);
});

test('VCEK/VLEK extensions: serial 0, SPLs (leading zero byte), productName, hwID, cspID', { skip: needsShared }, () => {
  const vlekCert = loadCertificates(read(VEC('trustee_milan_vlek.der')), 'vlek')[0]!;
  assert.equal(vlekCert.serial, '0');
  const vlek = parseVek(vlekCert);
  assert.equal(vlek.kind, 'VLEK');
  assert.equal(vlek.productName, 'Milan');
  assert.equal(vlek.cspId, 'CN=cc-us-east-2.amazonaws.com');
  assert.equal(vlek.hwId, undefined);
  // Vectors README: the VLEK says ucode 217 (encoded 02 02 00 d9).
  assert.deepEqual(vlek.tcb, { bl: 4, tee: 0, snp: 24, ucode: 217 });
  assert.deepEqual(vlek.problems, []);

  const go = parseVek(parseCertificate(read(VEC('gosevguest_milan_vcek.der'))));
  assert.equal(go.kind, 'VCEK');
  assert.equal(go.productName, 'Milan-B0');
  // hwID = the report's CHIP_ID (vectors README, gosevguest chip_id).
  assert.equal(toHex(go.hwId!), '3ac3fe21e13fb0990eb28a802e3fb6a29483a6b0753590c951bdd3b8e53786184ca39e359669a2b76a1936776b564ea464cdce40c05f63c9b610c5068b006b5d');

  const genoa = parseVek(loadCertificates(read(VEC('mstav_genoa_vcek.pem')))[0]!);
  assert.equal(genoa.productName, 'Genoa');
  assert.equal(genoa.productLine, 'Genoa');
});

test('Turin VCEK: structVersion 1, fmcSPL, 8-byte hwID', { skip: needsShared }, () => {
  const t = parseVek(parseCertificate(read(VEC('virtee_turin_vcek.der'))));
  assert.equal(t.structVersion, 1);
  assert.equal(t.tcbLayout, 'turin');
  assert.equal(t.productLine, 'Turin');
  assert.equal(t.tcb.fmc, 0);
  assert.equal(t.hwId!.length, 8);
  assert.equal(t.hwIdWrapped, false);
  assert.deepEqual(t.problems, []);
});

test('synthetic variant VCEKs: hwID raw and DER-wrapped both give 64 bytes', { skip: needsShared }, () => {
  const legacy = parseVek(parseCertificate(read(VEC('trustee_milan_vcek_variant_legacy.der'))));
  assert.equal(legacy.hwId!.length, 64);
  assert.equal(legacy.hwIdWrapped, false);
  // Vectors README: hwID raw 64 bytes 00..3f.
  assert.equal(toHex(legacy.hwId!), toHex(Uint8Array.from({ length: 64 }, (_, i) => i)));
  const wrapped = parseVek(parseCertificate(read(VEC('trustee_milan_vcek_variant_new.der'))));
  assert.equal(wrapped.hwId!.length, 64);
  assert.equal(wrapped.hwIdWrapped, true);
});

test('hwID is decided by length, never by the first byte', () => {
  const raw = new Uint8Array(64);
  raw[0] = 0x04;
  raw[1] = 0x40;
  assert.equal(unwrapHwId(raw).wrapped, false);
  const w8 = Uint8Array.from([0x04, 0x08, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(unwrapHwId(w8), { hwId: w8.subarray(2), wrapped: true });
  assert.throws(() => unwrapHwId(new Uint8Array(65)), /65 bytes/);
});

const isOneLine = (re: RegExp) => (e: unknown) => e instanceof SnpLaunchError && re.test(e.message) && !e.message.includes('\n');

test('truncated, garbage and oversized DER give one-line errors with the offset', { skip: needsShared }, () => {
  const der = read(VEC('gosevguest_milan_vcek.der'));
  assert.throws(() => parseCertificate(der.subarray(0, 700), 'v.der'), isOneLine(/^v\.der: offset 0x0: DER value of \d+ bytes runs past the end/));
  assert.throws(() => parseCertificate(Uint8Array.of(...der, 0, 0), 'v.der'), isOneLine(/2 unexpected bytes after the DER structure/));
  assert.throws(() => parseCertificate(new Uint8Array(50).fill(0x30), 'g.der'), isOneLine(/g\.der/));
  assert.throws(() => loadCertificates(new TextEncoder().encode('hello world'), 'h.pem'), isOneLine(/neither a DER certificate nor PEM/));
  assert.throws(() => loadCertificates(new Uint8Array(0), 'e.der'), isOneLine(/empty file/));
});

test('a PEM with a private key, or a certificate with the wrong key type, is rejected by name', { skip: needsShared }, () => {
  const pk = new TextEncoder().encode(readFileSync(shared('fixtures', 'sev-snp-measure', 'id_key_test.pem'), 'utf8'));
  assert.throws(() => loadCertificates(pk, 'k.pem'), isOneLine(/PEM '(EC )?PRIVATE KEY' block/));
  // The ARK given as --cert: an RSA CA certificate, not a VCEK.
  assert.throws(() => parseVek(amdRoots('Milan')!.ark), isOneLine(/not a VCEK or VLEK.*CA certificate/));
  // A VCEK whose curve OID is changed from secp384r1 (1.3.132.0.34) to secp521r1 (1.3.132.0.35).
  const der = read(VEC('virtee_milan_vcek.der')).slice();
  const oid = Uint8Array.of(0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22);
  const at = Buffer.from(der).indexOf(Buffer.from(oid));
  assert.ok(at > 0);
  der[at + 6] = 0x23;
  const cert = loadCertificates(new TextEncoder().encode(toPem(der)), 'wrong.pem')[0]!;
  assert.throws(() => parseVek(cert), isOneLine(/wrong\.pem: subjectPublicKey: has a EC .* key; a VCEK must have an ECDSA P-384 key/));
});
