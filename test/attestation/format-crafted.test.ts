/**
 * Each canonical-format rule (report-format.ts) on a crafted report that is re-signed, so the
 * signature, the chain and every binding check still pass and only the rule under test fails:
 * the real Genoa report's bytes, changed, signed by a VCEK of a test PKI that the library trusts
 * through VerifyOptions.trustedRoots (a test-only root injection the CLI cannot reach). Also the
 * whole-64-bit TCB binding and the provisional-firmware rule in both directions.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { parseReport, validateReport, verifyReport, type Certificate, type Check } from '../../src/attestation/index.js';
import { needsShared } from '../_shared.js';
import { makeTestPki, resign, skipNoOpenssl, type TestPki } from './_testpki.js';
import { VEC, read } from './_vectors.js';

const skip = needsShared || skipNoOpenssl;
let pki: TestPki;
let vcek: { cert: Certificate; keyPem: string };
let base: Uint8Array;
// An hour ahead: the test certificates are made during the run.
const now = new Date(Date.now() + 3_600_000);

before(() => {
  if (skip) return;
  pki = makeTestPki('Genoa');
  base = read(VEC('mstav_genoa_report.bin'));
  // REPORTED_TCB bl=10 tee=0 snp=23 ucode=84 and CHIP_ID from the vectors README.
  vcek = pki.vek({ tcb: { bl: 10, tee: 0, snp: 23, ucode: 84 }, hwId: Buffer.from(base.subarray(0x1a0, 0x1e0)).toString('hex') });
});

const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Verify + validate a changed, re-signed copy of the Genoa report. */
async function judge(mutate: (b: Uint8Array) => void, opts: { lenient?: boolean; allowProvisionalFirmware?: boolean; key?: { cert: Certificate; keyPem: string }; sign?: boolean } = {}): Promise<Check[]> {
  const b = base.slice();
  mutate(b);
  const key = opts.key ?? vcek;
  const bytes = opts.sign === false ? b : resign(b, key.keyPem);
  const r = parseReport(bytes);
  const v = await verifyReport(r, { vek: key.cert, now, trustedRoots: { Genoa: pki.roots } });
  return [...v.checks, ...validateReport(v.report, { ...(opts.lenient ? { lenient: true } : {}), ...(opts.allowProvisionalFirmware ? { allowProvisionalFirmware: true } : {}) }, { vek: v.vek })];
}
const failing = (cs: Check[]) => cs.filter((c) => !c.pass).map((c) => c.name);
const by = (cs: Check[], n: string) => cs.find((c) => c.name === n)!;

test('the re-signed, unchanged report passes every check with the test PKI (and not with AMD roots)', { skip }, async () => {
  const cs = await judge(() => {});
  assert.deepEqual(failing(cs), []);
  assert.match(by(cs, 'certificate-chain').reason, /caller-supplied root/);
  const r = parseReport(resign(base, vcek.keyPem));
  const amd = await verifyReport(r, { vek: vcek.cert, now });
  assert.equal(by(amd.checks, 'certificate-chain').pass, false, 'the CLI path (AMD roots) never trusts the test ARK');
});

const RULES: [string, (b: Uint8Array) => void, RegExp][] = [
  ['SIGNATURE_ALGO 0', (b) => dv(b).setUint32(0x34, 0, true), /SIGNATURE_ALGO 0 is not 1/],
  ['SIGNATURE_ALGO 2', (b) => dv(b).setUint32(0x34, 2, true), /SIGNATURE_ALGO 2 is not 1/],
  ['POLICY bit 17 clear', (b) => dv(b).setBigUint64(0x08, dv(b).getBigUint64(0x08, true) & ~(1n << 17n), true), /policy bit 17 \(reserved, must be one\) is zero/],
  ['POLICY bit 40 set', (b) => dv(b).setBigUint64(0x08, dv(b).getBigUint64(0x08, true) | (1n << 40n), true), /policy reserved bits 63:26 are not zero \(0x10000000000\)/],
  ['SIGNER_INFO bit 5 set', (b) => dv(b).setUint32(0x48, 0x20, true), /SIGNER_INFO reserved bits 31:5 are not zero \(0x20\)/],
  ['VERSION 6', (b) => dv(b).setUint32(0x00, 6, true), /VERSION 6 is outside 2–5/],
  ['VERSION 1', (b) => dv(b).setUint32(0x00, 1, true), /VERSION 1 is outside 2–5/],
  ['reserved 0x1EB', (b) => (b[0x1eb] = 1), /reserved 0x1EB\.\.0x1EB is not zero/],
  ['reserved 0x04C', (b) => (b[0x4d] = 1), /reserved 0x04C\.\.0x4F is not zero/],
  ['reserved 0x208 (v3: mitigation vectors reserved)', (b) => (b[0x1f8] = 1), /reserved 0x1F8 \(mitigation vectors are v5\+\)/],
  ['unsigned tail 0x330', (b) => (b[0x330] = 0xff), /unsigned bytes 0x330\.\.0x49F are not zero \(first at 0x330\)/],
  ['unsigned tail 0x49F', (b) => (b[0x49f] = 1), /first at 0x49F/],
];

for (const [what, mutate, reason] of RULES) {
  test(`format rule: ${what} fails report-format only; --lenient passes it as NOT canonical`, { skip }, async () => {
    const unsignedOnly = what.startsWith('unsigned');
    const cs = await judge(unsignedOnly ? (b) => { b.set(resign(b, vcek.keyPem)); mutate(b); } : mutate, unsignedOnly ? { sign: false } : {});
    assert.deepEqual(failing(cs), ['report-format'], `${what}: ${JSON.stringify(cs.filter((c) => !c.pass))}`);
    assert.match(by(cs, 'report-format').reason, reason);
    assert.equal(by(cs, 'report-signature').pass, true, 'the signature still verifies');
    const len = await judge(unsignedOnly ? (b) => { b.set(resign(b, vcek.keyPem)); mutate(b); } : mutate, { lenient: true, ...(unsignedOnly ? { sign: false } : {}) });
    assert.deepEqual(failing(len), []);
    assert.match(by(len, 'report-format').reason, /^NOT canonical \(accepted: lenient\): /);
  });
}

test('REPORTED_TCB above CURRENT_TCB fails report-format even when the certificate matches REPORTED_TCB', { skip }, async () => {
  const higher = pki.vek({ tcb: { bl: 10, tee: 0, snp: 23, ucode: 85 }, hwId: Buffer.from(base.subarray(0x1a0, 0x1e0)).toString('hex') });
  const cs = await judge((b) => (b[0x187] = 85), { key: higher });
  assert.deepEqual(failing(cs), ['report-format']);
  assert.match(by(cs, 'report-format').reason, /REPORTED_TCB 0x551700000000000a is above CURRENT_TCB 0x541700000000000a in byte\(s\) 7/);
});

test('the whole 64-bit TCB is bound to the certificate: a reserved byte differing alone fails reported-tcb', { skip }, async () => {
  // spl_4 is byte 2 of a Milan/Genoa TCB; set it in REPORTED_TCB and CURRENT_TCB/COMMITTED_TCB alike.
  const set = (b: Uint8Array) => {
    for (const off of [0x038, 0x180, 0x1e0]) b[off + 2] = 1;
  };
  const cs = await judge(set);
  assert.deepEqual(failing(cs), ['reported-tcb']);
  assert.match(by(cs, 'reported-tcb').reason, /REPORTED_TCB 0x541700000001000a .* ≠ certificate TCB 0x541700000000000a .*differ only in reserved byte\(s\) 2/);
  // A certificate with spl_4 = 1 matches (and is flagged as unusual by certificate-extensions).
  const spl4 = pki.vek({ tcb: { bl: 10, tee: 0, snp: 23, ucode: 84 }, spl4: 1, hwId: Buffer.from(base.subarray(0x1a0, 0x1e0)).toString('hex') });
  const cs2 = await judge(set, { key: spl4 });
  assert.equal(by(cs2, 'reported-tcb').pass, true);
  assert.match(by(cs2, 'certificate-extensions').reason, /spl4 is 1, expected 0/);
});

test('provisional firmware: committed below current fails unless allowed; committed above current always fails', { skip }, async () => {
  const lowerCommitted = (b: Uint8Array) => {
    b[0x1e0 + 7] = 83; // COMMITTED_TCB ucode 83 < CURRENT 84
    b[0x1ec] = 39; // committed build 39 < current 40
  };
  const cs = await judge(lowerCommitted);
  assert.deepEqual(failing(cs), ['provisional-firmware']);
  assert.match(by(cs, 'provisional-firmware').reason, /provisional \(uncommitted\) firmware: COMMITTED_TCB 0x531700000000000a.* ≠ CURRENT_TCB 0x541700000000000a.*; committed firmware 1\.55\.39, current 1\.55\.40/);
  assert.deepEqual(failing(await judge(lowerCommitted, { allowProvisionalFirmware: true })), []);
  const above = await judge((b) => (b[0x1ec] = 41), { allowProvisionalFirmware: true });
  assert.deepEqual(failing(above), ['provisional-firmware']);
  assert.match(by(above, 'provisional-firmware').reason, /is above CURRENT_TCB/);
});
