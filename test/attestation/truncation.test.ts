/**
 * Truncations at every length (issue 10 item 3) for what fuzz.test.ts does not cover: every shared
 * report cut at each length below 0x4A0 (bare, and inside a MSG_REPORT_RSP), and every AMD ASK/ARK/
 * ASVK certificate cut at each length. Each is rejected with a one-line SnpLaunchError that names
 * the file and an offset — never accepted, never another exception.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { decodeReportInput, loadCertificates, parseCertificate, parseReport, REPORT_SIZE } from '../../src/attestation/index.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { needsShared, shared } from '../_shared.js';
import { AMD, VEC, read } from './_vectors.js';

function rejected(fn: () => unknown, what: string, code?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SnpLaunchError, `${what}: ${String(e)}`);
    assert.ok(!e.message.includes('\n'), `${what}: multi-line message`);
    assert.ok(e.location.file !== undefined && typeof e.location.offset === 'number', `${what}: no file and offset in ${JSON.stringify(e.location)}`);
    if (code) assert.equal(e.code, code, what);
    return true;
  }, what);
}

test('reports: every truncation below 0x4A0 bytes, bare and in a MSG_REPORT_RSP, is rejected', { skip: needsShared }, () => {
  const reports = ['mstav_genoa_report.bin', 'virtee_milan_report.bin', 'trustee_milan_vcek_report.bin', 'trustee_milan_vlek_report.bin'];
  for (const f of reports) {
    const { bytes } = decodeReportInput(read(VEC(f)));
    const rep = parseReport(bytes, { name: f }).bytes;
    for (let n = 0; n < REPORT_SIZE; n++) rejected(() => parseReport(rep.slice(0, n), { name: f }), `${f} cut to ${n}`, 'REPORT_TRUNCATED');
    // A MSG_REPORT_RSP header (status 0, size 0x4A0) followed by a cut report: never read past the end.
    const rsp = new Uint8Array(0x20 + REPORT_SIZE);
    new DataView(rsp.buffer).setUint32(4, REPORT_SIZE, true);
    rsp.set(rep, 0x20);
    for (let n = REPORT_SIZE; n < rsp.length; n += 7) {
      try {
        // Up to 0x4A0 bytes it can only be read as a bare report (whose version is 0): rejected.
        parseReport(rsp.slice(0, n), { name: f });
        assert.fail(`${f}: MSG_REPORT_RSP cut to ${n} was accepted`);
      } catch (e) {
        assert.ok(e instanceof SnpLaunchError && !e.message.includes('\n'), `${f} rsp cut to ${n}: ${String(e)}`);
      }
    }
  }
});

test('AMD ASK, ARK and ASVK certificates: every truncation is rejected', { skip: needsShared }, () => {
  const pems = readdirSync(shared('certs', 'amd')).filter((f) => /^(milan|genoa|turin)_(ask|ark|asvk)\.pem$/.test(f)).sort();
  assert.ok(pems.length >= 9, 'the shared AMD certificates are missing');
  for (const f of pems) {
    const der = loadCertificates(read(AMD(f)), f)[0]!.der;
    for (let n = 0; n < der.length; n++) rejected(() => parseCertificate(der.subarray(0, n), f), `${f} cut to ${n}`);
  }
});
