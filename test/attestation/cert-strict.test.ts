/**
 * Certificates as strict as Go's x509 plus AMD's KDS profile: a real VCEK with an element appended
 * to a DER SEQUENCE (the certificate, TBSCertificate, validity, an algorithm identifier, an
 * extension) is refused at parse time; test-PKI VCEKs with an unknown critical extension, a wrong
 * subject CN or non-AMD location fields, and an ASK whose CRL distribution point is not KDS's fail
 * "certificate-profile", while the same PKI's well-formed certificates pass it.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadCertificates, parseCertificate, parseReport, verifyReport, type AmdChainCerts, type Certificate } from '../../src/attestation/index.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { concatBytes } from '../../src/core/bytes.js';
import { needsShared } from '../_shared.js';
import { makeTestPki, resign, skipNoOpenssl, type TestPki } from './_testpki.js';
import { AMD, VEC, read } from './_vectors.js';

/** Minimal DER TLV tree for editing (X.690 definite lengths), independent of the library's reader. */
interface Tlv {
  tag: number;
  kids?: Tlv[];
  value?: Uint8Array;
}
function parseTlv(b: Uint8Array, off = 0): { node: Tlv; end: number } {
  const tag = b[off]!;
  let len = b[off + 1]!;
  let hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[off + 2 + i]!;
    hdr += n;
  }
  const start = off + hdr;
  const end = start + len;
  if (tag & 0x20) {
    const kids: Tlv[] = [];
    for (let p = start; p < end; ) {
      const k = parseTlv(b, p);
      kids.push(k.node);
      p = k.end;
    }
    return { node: { tag, kids }, end };
  }
  return { node: { tag, value: b.subarray(start, end) }, end };
}
function encodeTlv(t: Tlv): Uint8Array {
  const body = t.kids ? concat(t.kids.map(encodeTlv)) : t.value!;
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return concat([Uint8Array.of(t.tag, ...len), body]);
}
const concat = (parts: Uint8Array[]): Uint8Array => concatBytes(...parts);
/** The certificate with a NULL appended to the SEQUENCE at `path` (child indices from the root). */
function appendNull(der: Uint8Array, path: number[]): Uint8Array {
  const root = parseTlv(der).node;
  let n = root;
  for (const i of path) n = n.kids![i]!;
  n.kids!.push({ tag: 0x05, value: new Uint8Array(0) });
  return encodeTlv(root);
}

test('DER: an element appended to any SEQUENCE of a real VCEK is refused (the unchanged re-encoding parses)', { skip: needsShared }, () => {
  const der = read(VEC('virtee_milan_vcek.der'));
  const same = encodeTlv(parseTlv(der).node);
  assert.deepEqual(same, der, 'the test re-encoder is byte-exact');
  assert.equal(parseCertificate(same).subjectCN, 'SEV-VCEK');
  // Certificate: [tbs, alg, sig]; TBS: [[0] version, serial, alg, issuer, validity, subject, spki, [3] exts].
  const where: [string, number[], RegExp][] = [
    ['after signatureValue', [], /Certificate has 1 unexpected trailing element/],
    ['after the TBS extensions', [0], /unexpected or out-of-order field with DER tag 0x5 in TBSCertificate/],
    ['in the validity', [0, 4], /validity has 1 unexpected trailing element/],
    ['in the outer signatureAlgorithm', [1], /signatureAlgorithm has 1 unexpected trailing element/],
    ['in the SubjectPublicKeyInfo', [0, 6], /SubjectPublicKeyInfo has 1 unexpected trailing element/],
    ['in an extension', [0, 7, 0, 0], /extension 1\.3\.6\.1\.4\.1\.3704\.1\.1 has 1 unexpected trailing element/],
    ['in a name attribute', [0, 5, 0, 0], /subject attribute has 1 unexpected trailing element/],
  ];
  for (const [what, path, re] of where) {
    assert.throws(() => loadCertificates(appendNull(der, path), 'x.der'), (e: unknown) => e instanceof SnpLaunchError && re.test(e.message), what);
  }
  // A BOOLEAN that is not DER (critical = 0x01) is refused too.
  const root = parseTlv(der).node;
  const ext = root.kids![0]!.kids![7]!.kids![0]!.kids![0]!;
  ext.kids!.splice(1, 0, { tag: 0x01, value: Uint8Array.of(1) });
  assert.throws(() => parseCertificate(encodeTlv(root)), /not a DER BOOLEAN/);
});

const skip = needsShared || skipNoOpenssl;
let pki: TestPki;
const now = new Date(Date.now() + 3_600_000);
const base = () => read(VEC('mstav_genoa_report.bin'));
const hw = () => Buffer.from(base().subarray(0x1a0, 0x1e0)).toString('hex');
const TCB = { bl: 10, tee: 0, snp: 23, ucode: 84 };

before(() => {
  if (skip) return;
  pki = makeTestPki('Genoa');
});

async function verdict(v: { cert: Certificate; keyPem: string }, roots: AmdChainCerts = pki.roots) {
  const r = parseReport(resign(base(), v.keyPem));
  const res = await verifyReport(r, { vek: v.cert, now, trustedRoots: { Genoa: roots } });
  return Object.fromEntries(res.checks.map((c) => [c.name, c]));
}

test('KDS profile: the test PKI passes; unknown critical extension, wrong CN, wrong location and a non-KDS CRL point fail', { skip }, async () => {
  const good = await verdict(pki.vek({ tcb: TCB, hwId: hw() }));
  assert.ok(Object.values(good).every((c) => c.pass), JSON.stringify(Object.values(good).filter((c) => !c.pass)));
  assert.match(good['certificate-profile']!.reason, /CN SEV-VCEK, AMD location/);
  // A critical extension nobody interprets (1.2.3.4) — Go's x509 refuses it as unhandled.
  const crit = await verdict(pki.vek({ tcb: TCB, hwId: hw(), extra: ['1.2.3.4 = critical,DER:05:00'] }));
  assert.equal(crit['certificate-profile']!.pass, false);
  assert.match(crit['certificate-profile']!.reason, /VCEK has unknown critical extension\(s\) 1\.2\.3\.4/);
  assert.equal(crit['report-signature']!.pass, true, 'only the profile fails');
  // A non-critical unknown extension is fine.
  assert.equal((await verdict(pki.vek({ tcb: TCB, hwId: hw(), extra: ['1.2.3.4 = DER:05:00'] })))['certificate-profile']!.pass, true);
  // Subject CN other than SEV-VCEK / SEV-VLEK.
  const cn = await verdict(pki.vek({ tcb: TCB, hwId: hw(), subject: '/OU=Engineering/C=US/L=Santa Clara/ST=CA/O=Advanced Micro Devices/CN=SEV-VCEX' }));
  assert.match(cn['certificate-profile']!.reason, /VCEK subject CN is 'SEV-VCEX', expected 'SEV-VCEK' or 'SEV-VLEK'/);
  // AMD location fields other than KDS's.
  const loc = await verdict(pki.vek({ tcb: TCB, hwId: hw(), subject: '/OU=Engineering/C=US/L=Austin/ST=TX/O=Advanced Micro Devices/CN=SEV-VCEK' }));
  assert.match(loc['certificate-profile']!.reason, /VCEK subject L is 'Austin', expected 'Santa Clara'; VCEK subject ST is 'TX', expected 'CA'/);
  const noOu = await verdict(pki.vek({ tcb: TCB, hwId: hw(), subject: '/C=US/L=Santa Clara/ST=CA/O=Advanced Micro Devices/CN=SEV-VCEK' }));
  assert.match(noOu['certificate-profile']!.reason, /VCEK subject has 0 OU attribute\(s\), expected 1 \(OU=Engineering\)/);
});

test('KDS profile: an ASK whose CRL distribution point is not KDS\'s fails; the real AMD ASK/ARK/ASVK pass', { skip }, async () => {
  const badAsk = pki.intermediate({ kind: 'VCEK', crl: 'https://example.com/crl' });
  const v = pki.vek({ tcb: TCB, hwId: hw() });
  const res = await verdict(v, { ...pki.roots, ask: badAsk });
  assert.equal(res['certificate-profile']!.pass, false);
  assert.match(res['certificate-profile']!.reason, /ASK CRL distribution point is 'https:\/\/example\.com\/crl', expected 'https:\/\/kdsintf\.amd\.com\/vcek\/v1\/Genoa\/crl'/);
  // The real certificates carry exactly KDS's CRL points (checked independently of our parser by their PEM text).
  for (const [file, url] of [['milan_ask.pem', 'https://kdsintf.amd.com/vcek/v1/Milan/crl'], ['milan_asvk.pem', 'https://kdsintf.amd.com/vlek/v1/Milan/crl'], ['turin_ark.pem', 'https://kdsintf.amd.com/vcek/v1/Turin/crl']] as const) {
    const c = loadCertificates(read(AMD(file)), file)[0]!;
    assert.deepEqual(c.crlUris, [url], file);
    assert.equal(c.keyCertSign, true, file);
  }
});
