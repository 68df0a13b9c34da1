/**
 * Forged and hostile attestation input (issue 10 item 3). Every single-byte change of a VCEK, a VLEK
 * and an ASK (TBS, signature and extensions alike) is rejected — by the parser with a one-line
 * SnpLaunchError, or by verification with a failed check and its reason; certificates with absurd
 * length fields, deep nesting or huge integers end in a typed error without allocating what they
 * claim. (Report bytes: test/attestation/verify.test.ts; truncations: fuzz.test.ts; the fuzz targets
 * report and x509: test/fuzz/short.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCertificates, parseCertificate, parseReport, parseVek, verifyReport, type Certificate } from '../../src/attestation/index.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { needsShared } from '../_shared.js';
import { AMD, VEC, read } from './_vectors.js';

interface Verdict {
  stage: 'parse' | 'verify';
  reason: string;
}

/** Parses and verifies `der` as `role` for the report; the verdict when it is rejected, undefined when it passes. */
async function judge(der: Uint8Array, role: 'vek' | 'ask', reportFile: string, vekFile: string, now: Date): Promise<Verdict | undefined> {
  let cert: Certificate;
  try {
    cert = parseCertificate(der, `${role}.der`);
    if (role === 'vek') parseVek(cert);
  } catch (e) {
    assert.ok(e instanceof SnpLaunchError, String(e));
    assert.ok(!e.message.includes('\n'));
    return { stage: 'parse', reason: e.message };
  }
  const report = parseReport(read(VEC(reportFile)));
  const vek = role === 'vek' ? cert : loadCertificates(read(VEC(vekFile)), vekFile)[0]!;
  const res = await verifyReport(report, { vek, now, ...(role === 'ask' ? { chain: [cert] } : {}) });
  if (res.ok) return undefined;
  const failed = res.checks.filter((c) => !c.pass);
  assert.ok(failed.length > 0 && failed.every((c) => c.reason.length > 0));
  return { stage: 'verify', reason: `${failed[0]!.name}: ${failed[0]!.reason}` };
}

const CASES = [
  { what: 'Milan VCEK', role: 'vek' as const, der: () => read(VEC('virtee_milan_vcek.der')), report: 'virtee_milan_report.bin', vek: 'virtee_milan_vcek.der', now: new Date('2026-06-01') },
  { what: 'Milan VLEK', role: 'vek' as const, der: () => read(VEC('trustee_milan_vlek.der')), report: 'trustee_milan_vlek_report.bin', vek: 'trustee_milan_vlek.der', now: new Date('2025-06-01') },
  { what: 'Milan ASK', role: 'ask' as const, der: () => loadCertificates(read(AMD('milan_ask.pem')), 'milan_ask.pem')[0]!.der, report: 'virtee_milan_report.bin', vek: 'virtee_milan_vcek.der', now: new Date('2026-06-01') },
];

for (const c of CASES) {
  test(`${c.what}: every single-byte change is rejected with a reason`, { skip: needsShared, timeout: 600_000 }, async () => {
    const der = c.der();
    assert.equal(await judge(der, c.role, c.report, c.vek, c.now), undefined, 'the unchanged certificate verifies');
    const stages = { parse: 0, verify: 0 };
    for (let off = 0; off < der.length; off++) {
      const b = der.slice();
      b[off] = b[off]! ^ 0x01;
      const v = await judge(b, c.role, c.report, c.vek, c.now);
      assert.ok(v, `${c.what}: flipping bit 0 of byte 0x${off.toString(16)} still verifies`);
      stages[v.stage]++;
    }
    // Both layers take part: framing and encodings fail to parse, values fail the signature or binding.
    assert.ok(stages.parse > 0 && stages.verify > 0, JSON.stringify(stages));
  });
}

/** A DER header for `tag` with a long-form length (`n` length bytes). */
function hdr(tag: number, len: number): number[] {
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return len < 0x80 ? [tag, len] : [tag, 0x80 | bytes.length, ...bytes];
}

test('absurd sizes, deep nesting and huge integers: typed errors, nothing allocated to the claimed size', () => {
  const cases: [string, Uint8Array][] = [
    ['a SEQUENCE claiming 4 GiB', new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00])],
    ['a SEQUENCE claiming 2^40 bytes (5 length octets)', new Uint8Array([0x30, 0x85, 0x01, 0, 0, 0, 0, 0])],
    ['indefinite length (BER)', new Uint8Array([0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00])],
    ['100,000 nested SEQUENCEs', new Uint8Array(Array.from({ length: 100_000 }, (_, i) => [0x30, 0x80][i % 2]!))],
    ['a 1 MiB INTEGER as the whole certificate', new Uint8Array([...hdr(0x02, 1 << 20), ...new Uint8Array(1 << 20).fill(0xff)])],
    ['a certificate whose serial is a 64 KiB INTEGER', new Uint8Array([...hdr(0x30, 65540 + 8), ...hdr(0x30, 65540 + 4), ...hdr(0x02, 65536), ...new Uint8Array(65536).fill(0x7f)])],
    ['a SEQUENCE of 20,000 empty SETs', new Uint8Array([...hdr(0x30, 40000), ...Array.from({ length: 40000 }, (_, i) => (i % 2 === 0 ? 0x31 : 0x00))])],
  ];
  for (const [what, der] of cases) {
    assert.throws(() => parseVek(parseCertificate(der, 'hostile.der')), (e: unknown) => e instanceof SnpLaunchError && !e.message.includes('\n'), what);
  }
  // A PEM bundle of many bogus blocks: one typed error, not one per block.
  const pem = Array.from({ length: 5000 }, () => '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n').join('');
  assert.throws(() => loadCertificates(new TextEncoder().encode(pem), 'many.pem'), (e: unknown) => e instanceof SnpLaunchError);
});
