/**
 * Turin end to end without AMD's keys (no public Turin report is in shared/): a test AMD PKI for
 * Turin (test/attestation/_testpki.ts, trusted through VerifyOptions.trustedRoots only) issues a
 * VCEK with the Turin extensions (structVersion 1, fmcSPL, 8-byte hwID), node:crypto signs a Turin
 * v5 report with its key, and every check must pass; binding mismatches (FMC SPL, CHIP_ID) must
 * fail by name; with AMD's roots (the CLI's only choice) the chain fails.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { parseReport, validateReport, verifyReport, type Certificate, type VerifyOptions } from '../../src/attestation/index.js';
import { makeTestPki, resign, skipNoOpenssl, type TestPki } from './_testpki.js';
import { turinV5Report } from './_vectors.js';

const skip = skipNoOpenssl;
const HWID = '59790fb1c39f35c1'; // the Turin VCEK hwID named in specs/attestation.md §4

let pki: TestPki;
let keyPem = '';
let vek: Certificate;

before(() => {
  if (skip) return;
  pki = makeTestPki('Turin');
  // fmc 1, bl 1, tee 1, snp 4, ucode 81 = TCB 0x5100000004010101 (specs/attestation.md §1.3).
  const v = pki.vek({ tcb: { fmc: 1, bl: 1, tee: 1, snp: 4, ucode: 81 }, hwId: HWID, productName: 'Turin' });
  vek = v.cert;
  keyPem = v.keyPem;
});

/** The synthetic Turin v5 report (CHIP_ID = HWID), optionally changed, then signed with the test key. */
function turinReport(mutate?: (b: Uint8Array, dv: DataView) => void): Uint8Array {
  const b = turinV5Report();
  mutate?.(b, new DataView(b.buffer));
  return resign(b, keyPem);
}

const opts = (): VerifyOptions => ({ vek, now: new Date(Date.now() + 3_600_000), trustedRoots: { Turin: pki.roots } });

test('synthetic Turin v5 report: every check passes with the test PKI; with AMD roots only the chain fails', { skip }, async () => {
  const r = parseReport(turinReport());
  const res = await verifyReport(r, opts());
  const verdict = Object.fromEntries(res.checks.map((c) => [c.name, c.pass]));
  assert.deepEqual(verdict, {
    product: true,
    'signing-key': true,
    'certificate-extensions': true,
    'certificate-chain': true,
    'certificate-profile': true,
    'certificate-validity': true,
    'report-signature': true,
    'reported-tcb': true,
    'chip-id': true,
  });
  assert.deepEqual(validateReport(res.report, { minLaunchMitVector: 0x3fn, minCurrentMitVector: 0x1n }).filter((c) => !c.pass), []);
  assert.match(validateReport(res.report, { minLaunchMitVector: 0x40n }).at(-1)!.reason, /LAUNCH_MIT_VECTOR 0x3f lacks 0x40/);
  const amd = await verifyReport(r, { vek, now: new Date() });
  assert.match(amd.checks.find((c) => c.name === 'certificate-chain')!.reason, /the supplied|is not signed by|not AMD's|SEV-Turin/);
  assert.equal(amd.checks.find((c) => c.name === 'certificate-chain')!.pass, false);
  assert.match(res.checks.find((c) => c.name === 'chip-id')!.reason, /CHIP_ID\[0\.\.8\] = hwID \(8 bytes\)/);
  // KDS format of specs/attestation.md §3 for Turin: 16 hex characters, fmcSPL first.
  assert.equal(res.kdsUrl, `https://kdsintf.amd.com/vcek/v1/Turin/${HWID}?fmcSPL=1&blSPL=1&teeSPL=1&snpSPL=4&ucodeSPL=81`);
});

test('Turin binding mismatches fail by name (FMC SPL, CHIP_ID, extra CHIP_ID bytes)', { skip }, async () => {
  const fmc2 = parseReport(turinReport((_b, dv) => dv.setBigUint64(0x180, 0x5100000004010102n, true)));
  const r1 = await verifyReport(fmc2, opts());
  assert.equal(r1.checks.find((c) => c.name === 'report-signature')!.pass, true);
  assert.match(r1.checks.find((c) => c.name === 'reported-tcb')!.reason, /differ in fmc/);
  const otherChip = parseReport(turinReport((b) => (b[0x1a0] = 0)));
  assert.equal((await verifyReport(otherChip, opts())).checks.find((c) => c.name === 'chip-id')!.pass, false);
  const longChip = parseReport(turinReport((b) => (b[0x1a0 + 20] = 1)));
  assert.match((await verifyReport(longChip, opts())).checks.find((c) => c.name === 'chip-id')!.reason, /bytes 8\.\.63 are not zero/);
});

test('v2 Turin report: product and TCB layout come from the certificate', { skip }, async () => {
  const v2 = turinReport((b, dv) => {
    dv.setUint32(0, 2, true);
    b.fill(0, 0x188, 0x18b);
    b.fill(0, 0x1f8, 0x208);
    b.fill(0, 0x1a0, 0x1e0); // masked CHIP_ID: no heuristic either
  });
  const r = parseReport(v2);
  assert.equal(r.product, undefined);
  const res = await verifyReport(r, opts());
  assert.equal(res.product, 'Turin');
  assert.equal(res.report.reportedTcb.fmc, 1);
  assert.equal(res.checks.find((c) => c.name === 'reported-tcb')!.pass, true);
  assert.match(res.checks.find((c) => c.name === 'chip-id')!.reason, /masked/);
  assert.equal(res.kdsUrl, undefined, 'no VCEK URL without a CHIP_ID');
});
