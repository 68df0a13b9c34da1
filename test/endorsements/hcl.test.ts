/**
 * Azure HCL reports (issue 19 item 3) on Trustee's and kinvolk's real blobs: the runtime-data
 * binding (the test hashes the runtime data itself with node:crypto), the AK pin, report show.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { hclBindingCheck, parseHclReport } from '../../src/endorsements/index.js';
import { needsShared } from '../_shared.js';
import { cliBuilt } from '../cli/_cli.js';
import { cli, HCL, read, tmp } from './_endorsements.js';

before(() => cliBuilt());

/** Runtime data per the layout in shared/vectors/azure-hcl/SOURCES.md: size u32 at 0x4D0, data at 0x4D4. */
function runtimeData(b: Uint8Array): Uint8Array {
  const size = Buffer.from(b).readUInt32LE(0x4d0);
  return b.subarray(0x4d4, 0x4d4 + size);
}
const reportData = (b: Uint8Array) => b.subarray(0x20 + 0x50, 0x20 + 0x90);

test('the binding holds on both real HCL reports (independent SHA-256 of the runtime data)', { skip: needsShared }, () => {
  for (const f of ['trustee/hcl-report.bin', 'kinvolk/hcl-report-snp.bin']) {
    const b = read(HCL(f));
    const want = createHash('sha256').update(runtimeData(b)).digest();
    assert.deepEqual(Buffer.from(reportData(b).subarray(0, 32)), want, f);
    const c = hclBindingCheck(parseHclReport(b, f));
    assert.equal(c.pass, true, c.reason);
    assert.ok(c.reason.includes(want.toString('hex')));
  }
});

test("report verify on Trustee's HCL report: signature and binding pass; one runtime-data byte changed fails the binding", { skip: needsShared }, async () => {
  // The report runs on provisional firmware (COMMITTED ucode 115 < CURRENT 210), refused by default.
  const args = ['--cert', HCL('trustee/vcek.pem'), '--at', '2024-01-01', '--allow-provisional-firmware'];
  const ok = await cli('report', 'verify', HCL('trustee/hcl-report.bin'), ...args, '--json');
  const j = JSON.parse(ok.stdout);
  const by = new Map(j.checks.map((c: { name: string; pass: boolean }) => [c.name, c.pass]));
  assert.equal(by.get('report-signature'), true);
  assert.equal(by.get('hcl.runtime-data'), true);
  assert.equal(ok.code, 0, ok.stdout);
  assert.ok(!j.not_checked.includes('REPORT_DATA'), 'the binding pins REPORT_DATA');
  const strict = await cli('report', 'verify', HCL('trustee/hcl-report.bin'), '--cert', HCL('trustee/vcek.pem'), '--at', '2024-01-01');
  assert.equal(strict.code, 1, 'provisional firmware fails by default (issue 16)');
  assert.match(strict.stdout, /PASS {2}hcl\.runtime-data/);

  const b = read(HCL('trustee/hcl-report.bin'));
  const m = b.slice();
  const at = 0x4d4 + 100;
  m[at] = m[at]! ^ 0x01;
  const bad = await cli('report', 'verify', tmp('hcl-bad.bin', m), ...args);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /PASS {2}report-signature/);
  assert.match(bad.stdout, /FAIL {2}hcl\.runtime-data/);
});

test('--ak-pub pins the attestation key; report show decodes the HCL blob', { skip: needsShared }, async () => {
  const b = read(HCL('trustee/hcl-report.bin'));
  const doc = JSON.parse(Buffer.from(runtimeData(b)).toString('utf8'));
  const pem = (kid: string) => createPublicKey({ key: { ...doc.keys.find((k: { kid: string }) => k.kid === kid), key_ops: undefined, kid: undefined }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  const ak = tmp('ak.pem', pem('HCLAkPub'));
  const ek = tmp('ek.pem', pem('HCLEkPub'));
  const args = [HCL('trustee/hcl-report.bin'), '--cert', HCL('trustee/vcek.pem'), '--at', '2024-01-01', '--allow-provisional-firmware'];
  const ok = await cli('report', 'verify', ...args, '--ak-pub', ak);
  assert.equal(ok.code, 0, ok.stdout);
  assert.match(ok.stdout, /PASS {2}hcl\.ak-pub/);
  const wrong = await cli('report', 'verify', ...args, '--ak-pub', ek);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stdout, /FAIL {2}hcl\.ak-pub/);
  const notHcl = await cli('report', 'verify', tmp('plain.bin', b.subarray(0x20, 0x20 + 1184)), '--no-cert', '--ak-pub', ak);
  assert.equal(notHcl.code, 2);

  const show = await cli('report', 'show', HCL('kinvolk/hcl-report-snp.bin'), '--json');
  assert.equal(show.code, 0, show.stderr);
  const s = JSON.parse(show.stdout);
  assert.equal(s.hcl.request.report_type, 2);
  assert.equal(s.hcl.runtime_data.keys[0].kid, 'HCLAkPub');
  assert.equal(s.hcl.runtime_data['vm-configuration'].vmUniqueId, 'BAEFD3E1-184B-4C4C-AB88-0BDAD260505F');
  assert.equal(s.hcl.binding.pass, true);
  const text = await cli('report', 'show', HCL('trustee/hcl-report.bin'));
  assert.match(text.stdout, /KEY HCLAkPub +RSA-2048/);
});
