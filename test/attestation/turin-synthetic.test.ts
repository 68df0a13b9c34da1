/**
 * Turin end to end without AMD's keys (no public Turin report is in shared/): OpenSSL makes a
 * VCEK-shaped certificate with the Turin extensions (structVersion 1, fmcSPL, 8-byte hwID), node:crypto
 * signs a Turin v5 report with its key, and every check except the AMD chain must pass; binding
 * mismatches (FMC SPL, CHIP_ID) must fail by name. The chain check fails (self-made issuer).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCertificates, parseReport, verifyReport, type Certificate } from '../../src/attestation/index.js';
import { turinV5Report } from './_vectors.js';

const haveOpenssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;
const skip = haveOpenssl ? false : 'openssl not found (needed to make a synthetic Turin VCEK)';
const HWID = '59790fb1c39f35c1'; // the Turin VCEK hwID named in specs/attestation.md §4

let dir = '';
let keyPem = '';
let vek: Certificate;

/** AMD extension lines for OpenSSL's config: `OID = DER:hex` (specs/attestation.md §2.2). */
function extConfig(ext: Record<string, string>): string {
  return ['[req]', 'distinguished_name = dn', 'x509_extensions = amd', 'prompt = no', '[dn]', 'CN = SEV-VCEK', '[amd]', ...Object.entries(ext).map(([k, v]) => `1.3.6.1.4.1.3704.1.${k} = DER:${v}`), ''].join('\n');
}

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'snp-launch-turin-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const key = join(dir, 'key.pem');
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  run(['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', key]);
  writeFileSync(
    join(dir, 'req.cnf'),
    extConfig({
      '1': '02:01:01', // structVersion 1
      '2': '16:05:54:75:72:69:6e', // IA5String "Turin"
      '3.9': '02:01:01', // fmcSPL 1
      '3.1': '02:01:01', // blSPL 1
      '3.2': '02:01:01', // teeSPL 1
      '3.3': '02:01:04', // snpSPL 4
      '3.5': '02:01:00',
      '3.6': '02:01:00',
      '3.7': '02:01:00',
      '3.8': '02:01:51', // ucodeSPL 81
      '4': HWID.match(/../g)!.join(':'), // raw 8-byte hwID
    }),
  );
  run(['req', '-x509', '-new', '-key', key, '-config', join(dir, 'req.cnf'), '-days', '30', '-set_serial', '0', '-outform', 'der', '-out', join(dir, 'vcek.der')]);
  keyPem = readFileSync(key, 'utf8');
  vek = loadCertificates(new Uint8Array(readFileSync(join(dir, 'vcek.der'))), 'synthetic-turin-vcek.der')[0]!;
});

/** The synthetic Turin v5 report (CHIP_ID = HWID), optionally changed, then signed with the test key. */
function turinReport(mutate?: (b: Uint8Array, dv: DataView) => void): Uint8Array {
  const b = turinV5Report();
  const dv = new DataView(b.buffer);
  mutate?.(b, dv);
  // node:crypto gives r‖s big-endian; the report stores each little-endian in 72 bytes.
  const sig = sign('sha384', b.subarray(0, 0x2a0), { key: createPrivateKey(keyPem), dsaEncoding: 'ieee-p1363' });
  b.set(Uint8Array.from(sig.subarray(0, 48)).reverse(), 0x2a0);
  b.set(Uint8Array.from(sig.subarray(48)).reverse(), 0x2e8);
  return b;
}

const now = () => new Date(Date.now() + 60_000);

test('synthetic Turin v5 report: every binding check passes, only the AMD chain fails', { skip }, async () => {
  const r = parseReport(turinReport());
  const res = await verifyReport(r, { vek, now: now() });
  const verdict = Object.fromEntries(res.checks.map((c) => [c.name, c.pass]));
  assert.deepEqual(verdict, {
    product: true,
    'signing-key': true,
    'certificate-extensions': true,
    'certificate-chain': false,
    'report-signature': true,
    'reported-tcb': true,
    'chip-id': true,
  });
  assert.match(res.checks.find((c) => c.name === 'certificate-chain')!.reason, /issuer CN is 'SEV-VCEK', expected 'SEV-Turin'/);
  assert.match(res.checks.find((c) => c.name === 'chip-id')!.reason, /CHIP_ID\[0\.\.8\] = hwID \(8 bytes\)/);
  // KDS format of specs/attestation.md §3 for Turin: 16 hex characters, fmcSPL first.
  assert.equal(res.kdsUrl, `https://kdsintf.amd.com/vcek/v1/Turin/${HWID}?fmcSPL=1&blSPL=1&teeSPL=1&snpSPL=4&ucodeSPL=81`);
});

test('Turin binding mismatches fail by name (FMC SPL, CHIP_ID, extra CHIP_ID bytes)', { skip }, async () => {
  const fmc2 = parseReport(turinReport((_b, dv) => dv.setBigUint64(0x180, 0x5100000004010102n, true)));
  const r1 = await verifyReport(fmc2, { vek, now: now() });
  assert.equal(r1.checks.find((c) => c.name === 'report-signature')!.pass, true);
  assert.match(r1.checks.find((c) => c.name === 'reported-tcb')!.reason, /differ in fmc/);
  const otherChip = parseReport(turinReport((b) => (b[0x1a0] = 0)));
  assert.equal((await verifyReport(otherChip, { vek, now: now() })).checks.find((c) => c.name === 'chip-id')!.pass, false);
  const longChip = parseReport(turinReport((b) => (b[0x1a0 + 20] = 1)));
  assert.match((await verifyReport(longChip, { vek, now: now() })).checks.find((c) => c.name === 'chip-id')!.reason, /bytes 8\.\.63 are not zero/);
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
  const res = await verifyReport(r, { vek, now: now() });
  assert.equal(res.product, 'Turin');
  assert.equal(res.report.reportedTcb.fmc, 1);
  assert.equal(res.checks.find((c) => c.name === 'reported-tcb')!.pass, true);
  assert.match(res.checks.find((c) => c.name === 'chip-id')!.reason, /masked/);
  assert.equal(res.kdsUrl, undefined, 'no VCEK URL without a CHIP_ID');
});
