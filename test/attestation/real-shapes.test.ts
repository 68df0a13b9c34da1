/**
 * Properties seen in public real reports that the shared vectors do not cover (Genoa v5 with
 * non-zero mitigation vectors, Turin v5 with PLATFORM_INFO bit 6, VLEK-signed reports on other
 * products, CPUID bytes that name no known product). The reports themselves are not embedded:
 * each test builds a report-shaped buffer with the relevant field values (specs/attestation.md §1).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeReportInput, parseReport } from '../../src/attestation/index.js';
import { cliBuilt, runCli } from '../cli/_cli.js';
import { turinV5Report } from './_vectors.js';

let dir = '';
before(() => {
  cliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'snp-launch-shapes-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
});

/** A Genoa v5 report shape: CPUID 0x19/0x11/1, Milan/Genoa TCB layout, MIT vectors 0xb. */
function genoaV5(): Uint8Array {
  const b = new Uint8Array(0x4a0);
  const dv = new DataView(b.buffer);
  dv.setUint32(0x000, 5, true);
  dv.setBigUint64(0x008, 0x30000n, true);
  dv.setUint32(0x034, 1, true);
  // bl 10, snp 27, ucode 88 in the §1.3 Milan/Genoa byte positions (0, 6, 7).
  for (const off of [0x038, 0x180, 0x1e0, 0x1f0]) b.set([10, 0, 0, 0, 0, 0, 27, 88], off);
  dv.setBigUint64(0x040, 0x25n, true);
  b.set([0x19, 0x11, 0x01], 0x188);
  for (let i = 0; i < 64; i++) b[0x1a0 + i] = i + 1;
  b.set([49, 55, 1, 0, 49, 55, 1], 0x1e8);
  dv.setBigUint64(0x1f8, 0xbn, true);
  dv.setBigUint64(0x200, 0xbn, true);
  return b;
}

test('Genoa v5: Milan/Genoa TCB layout, non-zero mitigation vectors, no warnings', () => {
  const r = parseReport(genoaV5());
  assert.equal(r.product?.line, 'Genoa');
  assert.equal(r.tcbLayout, 'milan');
  assert.deepEqual([r.reportedTcb.bl, r.reportedTcb.tee, r.reportedTcb.snp, r.reportedTcb.ucode, r.reportedTcb.fmc], [10, 0, 27, 88, undefined]);
  assert.equal(r.launchMitVector, 0xbn);
  assert.equal(r.currentMitVector, 0xbn);
  assert.deepEqual(r.warnings, []);
});

test('Turin PLATFORM_INFO 0x67 (bit 6 set) decodes without an unknown-bit warning', () => {
  const b = turinV5Report();
  new DataView(b.buffer).setBigUint64(0x040, 0x67n, true);
  const r = parseReport(b);
  assert.deepEqual(r.platformInfo.unknownBits, []);
  assert.deepEqual(r.warnings, []);
});

test('CHIP_ID heuristic on a v3+ report names the real reason, not "v2"', () => {
  const b = turinV5Report();
  b[0x188] = 0x1b; // a family no table knows
  b[0x189] = 0x00;
  const r = parseReport(b);
  assert.equal(r.product?.source, 'chip-id-heuristic');
  const guess = r.warnings.find((w) => w.includes('guessed as Turin'));
  assert.ok(guess, r.warnings.join('; '));
  assert.doesNotMatch(guess, /v2/);
  assert.match(guess, /CPUID/);
  // A real v2 report still says why.
  const v2 = turinV5Report();
  new DataView(v2.buffer).setUint32(0, 2, true);
  v2.fill(0, 0x188, 0x18b);
  v2.fill(0, 0x1f8, 0x208);
  assert.ok(parseReport(v2).warnings.some((w) => /guessed as Turin .*v2/.test(w)));
});

test('report show: a VLEK-signed report prints the KDS VLEK URL (text and JSON)', async () => {
  const b = turinV5Report();
  new DataView(b.buffer).setUint32(0x048, 1 << 2, true); // SIGNING_KEY = 1 (VLEK), §1.6
  b.fill(0, 0x1a0, 0x1e0); // AWS VLEK samples have a masked CHIP_ID
  const p = join(dir, 'vlek.bin');
  writeFileSync(p, b);
  // §3 URL with the §1.3 Turin example TCB 0x5100000004010101 = fmc 1, bl 1, tee 1, snp 4, ucode 81.
  const expected = 'https://kdsintf.amd.com/vlek/v1/Turin/cert?fmcSPL=1&blSPL=1&teeSPL=1&snpSPL=4&ucodeSPL=81';
  const text = await runCli(['report', 'show', p], dir);
  assert.equal(text.code, 0, text.stderr);
  assert.ok(text.stdout.includes(`KDS VLEK URL       ${expected}`), text.stdout);
  assert.doesNotMatch(text.stdout, /KDS VCEK URL/);
  const json = await runCli(['report', 'show', p, '--json'], dir);
  assert.equal(json.code, 0, json.stderr);
  const j = JSON.parse(json.stdout);
  assert.equal(j.kds_vlek_url, expected);
  assert.equal(j.kds_vcek_url, null);
  assert.equal(j.signer_info.signing_key, 'VLEK');
});

/** A 2022 Azure (pre-release firmware) report shape: VERSION 1, no CPUID, no committed/launch fields. */
function milanV1(): Uint8Array {
  const b = new Uint8Array(0x4a0);
  const dv = new DataView(b.buffer);
  dv.setUint32(0x000, 1, true);
  dv.setUint32(0x004, 1, true);
  dv.setBigUint64(0x008, 0x3001fn, true);
  dv.setUint32(0x034, 1, true);
  for (const off of [0x038, 0x180]) b.set([2, 0, 0, 0, 0, 0, 2, 0x37], off);
  dv.setBigUint64(0x040, 1n, true);
  for (let i = 0; i < 64; i++) b[0x1a0 + i] = 0x80 | i;
  return b;
}

test('version 1 (pre-release SNP firmware) parses with the version 2 layout and a warning', () => {
  const r = parseReport(milanV1());
  assert.equal(r.version, 1);
  assert.equal(r.policy.raw, 0x3001fn);
  assert.equal(r.guestSvn, 1);
  assert.deepEqual([r.reportedTcb.bl, r.reportedTcb.snp, r.reportedTcb.ucode], [2, 2, 0x37]);
  assert.equal(r.cpuid, undefined);
  assert.equal(r.launchMitVector, undefined);
  assert.ok(r.warnings.some((w) => /version 1/.test(w)), r.warnings.join('; '));
});

test('base64url text input (Azure tools) decodes like base64', () => {
  const b = milanV1();
  // Independent base64url encoding with node's Buffer, not the library's.
  const text = Buffer.from(b).toString('base64url');
  assert.match(text, /[-_]/, 'the sample exercises the url alphabet');
  const d = decodeReportInput(new TextEncoder().encode(text + '\n'));
  assert.equal(d.encoding, 'base64');
  assert.deepEqual(d.bytes, b);
});

test('report show on an Azure HCL blob carrying a version 1 report', async () => {
  const hcl = new Uint8Array(0x20 + 0x4a0 + 64);
  const dv = new DataView(hcl.buffer);
  dv.setUint32(0, 0x414c4348, true); // 'HCLA' (§ parseReport header comment)
  dv.setUint32(4, 1, true);
  hcl.set(milanV1(), 0x20);
  const p = join(dir, 'hcl.bin');
  writeFileSync(p, hcl);
  const r = await runCli(['report', 'show', p, '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.version, 1);
  assert.equal(j.policy.raw, '0x3001f');
  assert.equal(j.container.wrapper, 'AZURE_HCL');
  const text = await runCli(['report', 'show', p], dir);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /CPUID\s+\(not in version 1\)/);
  assert.match(text.stdout, /PRODUCT\s+unknown \(version 1 reports do not say/);
});

test('certificates and JSON given as the report get a one-line error saying what they are', () => {
  const msg = (b: Uint8Array): string => {
    try {
      parseReport(b, { name: 'x' });
    } catch (e) {
      assert.ok(e instanceof Error);
      assert.ok(!e.message.includes('\n'));
      return e.message;
    }
    assert.fail('parsed');
  };
  // A DER certificate: SEQUENCE, 2-byte length covering the rest (X.690 §8.1.3.5).
  const der = new Uint8Array(1319);
  der.set([0x30, 0x82, (1319 - 4) >> 8, (1319 - 4) & 0xff, 0x30, 0x82]);
  assert.match(msg(der), /DER structure.*--cert/);
  const pem = new TextEncoder().encode('-----BEGIN CERTIFICATE-----\n' + 'MIIF'.repeat(400) + '\n-----END CERTIFICATE-----\n');
  assert.match(msg(pem), /PEM text.*--cert/);
  assert.match(msg(new TextEncoder().encode('{"snp_report":"AAAA"}')), /JSON text/);
  // Unrecognised garbage keeps the generic wording.
  assert.match(msg(new Uint8Array(0x4a0).fill(0x41)), /not an SEV-SNP attestation report \(not a report, or garbage\?\)/);
});
