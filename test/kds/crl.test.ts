/**
 * The CRL parser (src/attestation/crl.ts): the two real AMD CRLs read as vectors/kds/SOURCES.md
 * describes them, and the strict rules on CRLs rebuilt here from the real one's pieces (offsets
 * from `openssl asn1parse` of genoa_crl_9.der) with a small DER writer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsShared } from '../_shared.js';
import { VEC, read } from '../attestation/_vectors.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { loadCrls, parseCrl, MAX_CRL_ENTRIES } from '../../src/attestation/crl.js';
import { toPem } from '../../src/attestation/index.js';

const KDS = (f: string) => VEC(`../kds/${f}`);

test('the real AMD CRLs parse to what SOURCES.md says', { skip: needsShared }, () => {
  const m = parseCrl(read(KDS('milan_crl_9.der')), 'milan');
  assert.equal(m.issuerCN, 'ARK-Milan');
  assert.equal(m.crlNumber, '9');
  assert.equal(m.thisUpdate.toISOString(), '2026-06-22T05:53:52.000Z');
  assert.equal(m.nextUpdate.toISOString(), '2026-08-08T00:00:00.000Z');
  assert.deepEqual(m.revoked, []);
  const g = parseCrl(read(KDS('genoa_crl_9.der')), 'genoa');
  assert.equal(g.issuerCN, 'ARK-Genoa');
  assert.equal(g.crlNumber, '9');
  assert.equal(g.thisUpdate.toISOString(), '2026-07-28T04:07:23.000Z');
  assert.equal(g.nextUpdate.toISOString(), '2026-09-09T00:00:00.000Z');
  assert.deepEqual(g.revoked.map((e) => [e.serial, e.revocationDate.toISOString()]), [['20001', '2022-10-31T12:00:00.000Z']]);
  // openssl: AKI 9F:5D:F9:FE:0D:D8:F3:5A:D0:33:1A:25:EF:81:29:4F:BE:31:A8:5B
  assert.equal(g.authorityKeyId, '9f5df9fe0dd8f35ad0331a25ef81294fbe31a85b');
  assert.deepEqual(g.signatureAlgorithm.pss, { hash: 'SHA-384', mgf1Hash: 'SHA-384', saltLength: 48, trailerField: 1 });
  assert.equal(g.signature.length, 512);
  assert.equal(loadCrls(new TextEncoder().encode(toPem(g.der, 'X509 CRL')), 'g.pem')[0]!.tbs.length, g.tbs.length);
});

/** DER TLV with a minimal length. */
function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const lb: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) lb.unshift(v % 256);
  const head = len < 0x80 ? [tag, len] : [tag, 0x80 | lb.length, ...lb];
  return new Uint8Array(Buffer.concat([Buffer.from(head), ...parts.map((p) => Buffer.from(p))]));
}
const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const utc = (s: string) => tlv(0x17, new TextEncoder().encode(s));
const ext = (oid: string, critical: string | undefined, val: Uint8Array) => tlv(0x30, hex(oid), ...(critical ? [hex(critical)] : []), tlv(0x04, val));

/** The real Genoa CRL's pieces (asn1parse offsets). */
function pieces() {
  const d = read(KDS('genoa_crl_9.der'));
  return { alg: d.subarray(11, 78), issuer: d.subarray(78, 203), thisU: d.subarray(203, 218), nextU: d.subarray(218, 233), revoked: d.subarray(233, 257), exts: d.subarray(261, 306), outerAlg: d.subarray(306, 373), sig: d.subarray(373) };
}

interface Parts { version?: Uint8Array; next?: Uint8Array | null; revoked?: Uint8Array | null; exts?: Uint8Array[] | null; tail?: Uint8Array[]; outerAlg?: Uint8Array }
function build(o: Parts = {}): Uint8Array {
  const p = pieces();
  const extList = o.exts === null ? [] : [tlv(0xa0, tlv(0x30, ...(o.exts ?? [p.exts.subarray(0)])))];
  const tbs = tlv(0x30, o.version ?? hex('020101'), p.alg, p.issuer, p.thisU, ...(o.next === null ? [] : [o.next ?? p.nextU]), ...(o.revoked === null ? [] : [o.revoked ?? p.revoked]), ...extList, ...(o.tail ?? []));
  return tlv(0x30, tbs, o.outerAlg ?? p.outerAlg, p.sig);
}
// Inner extension contents of the real list (AKI + CRL number), unwrapped from their SEQUENCE OF.
const realExts = () => {
  const e = pieces().exts;
  return [e.subarray(0, 33), e.subarray(33)];
};

const rejects = (der: Uint8Array, re: RegExp) =>
  assert.throws(() => parseCrl(der, 'x.crl'), (e: unknown) => e instanceof SnpLaunchError && re.test(e.message) && typeof e.location.offset === 'number' && e.location.file === 'x.crl');

test('the writer rebuilds the real CRL byte for byte (so the edits below change only what they say)', { skip: needsShared }, () => {
  assert.deepEqual(build({ exts: realExts() }), read(KDS('genoa_crl_9.der')));
});

test('strict: version, nextUpdate, extensions, entries, trailing data, algorithm identifiers', { skip: needsShared }, () => {
  const d = read(KDS('genoa_crl_9.der'));
  rejects(new Uint8Array([...d, 0]), /1 unexpected bytes after the DER structure/);
  rejects(d.subarray(0, d.length - 1), /runs past the end/);
  rejects(build({ version: hex('020100'), exts: realExts() }), /CRL version 1 \(only v2/);
  rejects(build({ next: null, exts: realExts() }), /nextUpdate is missing/);
  rejects(build({ next: utc('260101000000Z'), exts: realExts() }), /nextUpdate 2026-01-01.* is before thisUpdate/);
  rejects(build({ revoked: tlv(0x30), exts: realExts() }), /empty revokedCertificates list/);
  rejects(build({ exts: [] }), /empty extension list/);
  // issuingDistributionPoint (2.5.29.28), critical: a partitioned CRL cannot clear a serial.
  rejects(build({ exts: [...realExts(), ext('0603551d1c', '0101ff', tlv(0x30))] }), /unknown critical CRL extension 2\.5\.29\.28/);
  rejects(build({ exts: [...realExts(), ext('0603551d1c', '010101', tlv(0x30))] }), /critical flag is not a DER TRUE/);
  rejects(build({ exts: [realExts()[0]!, realExts()[0]!] }), /duplicate extension 2\.5\.29\.35/);
  // A non-critical unknown extension is ignored.
  assert.equal(parseCrl(build({ exts: [...realExts(), ext('0603551d1c', undefined, tlv(0x30))] })).crlNumber, '9');
  rejects(build({ exts: realExts(), tail: [hex('0500')] }), /unexpected field with DER tag 0x5 in TBSCertList/);
  const entry = (serial: string, exts?: Uint8Array) => tlv(0x30, tlv(0x02, hex(serial)), utc('221031120000Z'), ...(exts ? [tlv(0x30, exts)] : []));
  rejects(build({ revoked: tlv(0x30, entry('80')), exts: realExts() }), /negative serial number/);
  rejects(build({ revoked: tlv(0x30, entry('0001')), exts: realExts() }), /non-minimal INTEGER encoding/);
  rejects(build({ revoked: tlv(0x30, entry('01'.repeat(22))), exts: realExts() }), /serial number of 22 bytes/);
  rejects(build({ revoked: tlv(0x30, entry('020002', ext('060355047f', '0101ff', hex('0500')))), exts: realExts() }), /unknown critical CRL entry extension 2\.5\.4\.127/);
  // reasonCode keyCompromise (1) is read.
  const withReason = parseCrl(build({ revoked: tlv(0x30, entry('020002', ext('0603551d15', undefined, hex('0a0101')))), exts: realExts() }));
  assert.deepEqual([withReason.revoked[0]!.serial, withReason.revoked[0]!.reason], ['20002', 1]);
  // The outer AlgorithmIdentifier must be the TBS one, byte for byte (salt 48 → 32 here).
  const outer = new Uint8Array(pieces().outerAlg);
  const salt = Buffer.from(outer).lastIndexOf(Buffer.from('a203020130', 'hex'));
  outer[salt + 4] = 0x20;
  rejects(build({ exts: realExts(), outerAlg: outer }), /signatureAlgorithm differs from the TBS signature algorithm/);
});

test('bounded: more than MAX_CRL_ENTRIES entries are refused at the first one too many, quickly', { skip: needsShared }, () => {
  const one = tlv(0x30, tlv(0x02, hex('01')), utc('221031120000Z'));
  const many = new Uint8Array(one.length * (MAX_CRL_ENTRIES + 1));
  for (let i = 0; i <= MAX_CRL_ENTRIES; i++) many.set(one, i * one.length);
  const t0 = performance.now();
  rejects(build({ revoked: tlv(0x30, many), exts: realExts() }), /more than 100000 revoked certificates/);
  assert.ok(performance.now() - t0 < 5000);
  assert.throws(() => parseCrl(new Uint8Array(5 << 20).fill(0x30), 'big.crl'), /larger than/);
});
