/**
 * Issue 16 verdicts through the CLI on the real reports: secure defaults (DEBUG, MIGRATE_MA,
 * provisional firmware), the canonical-format check and --lenient, the "not checked" list, pins,
 * a GHCB table holding both a VCEK and a VLEK, and the report wordings of issue 17. Expected values
 * come from ../shared/vectors/attestation/README.md, not from our own output.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needsShared, shared, SHARED } from '../_shared.js';
import { assertOneLineError, cliBuilt, runCli } from '../cli/_cli.js';
import { guidBytesRfc } from '../../src/attestation/cert-table.js';
import { AMD, VEC, expectedReports, read } from './_vectors.js';

let dir = '';
before(() => {
  cliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'snp-launch-verdicts-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
});
const tmp = (name: string, data: Uint8Array | string): string => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};
const verify = (...args: string[]) => runCli(['report', 'verify', ...args], SHARED);
const json = async (...args: string[]) => {
  const r = await verify(...args, '--json');
  return { code: r.code, doc: JSON.parse(r.stdout) as { ok: boolean; format: string; canonical: boolean; checks: { name: string; pass: boolean; reason: string }[]; not_checked: string[]; product: string | null; claimed_product: string | null; kds_url: string | null } };
};
const check = (doc: { checks: { name: string; pass: boolean; reason: string }[] }, name: string) => doc.checks.find((c) => c.name === name)!;

/**
 * Every real report with its certificate, and what its real data needs: go-sev-guest's sample allows
 * DEBUG (policy 0xb0000); trustee's VCEK report has CURRENT ucode 206 but COMMITTED 115 and its
 * VLEK report CURRENT 220 / COMMITTED 219 (provisional firmware); the VLEK expired 2025-12-10.
 */
const REAL: [string, string, string[], string[]][] = [
  ['gosevguest_milan_attestation.bin', 'gosevguest_milan_vcek.der', ['--allow-debug'], ['policy.debug']],
  ['virtee_milan_report.bin', 'virtee_milan_vcek.der', [], []],
  ['trustee_milan_vcek_report.bin', 'trustee_milan_vcek.der', ['--allow-provisional-firmware'], ['provisional-firmware']],
  ['trustee_milan_vlek_report.bin', 'trustee_milan_vlek.der', ['--allow-provisional-firmware'], ['provisional-firmware']],
  ['mstav_genoa_report.bin', 'mstav_genoa_vcek.pem', [], []],
];
const at = (report: string) => (report.includes('vlek') ? '2025-06-01' : '2026-06-01');

test('every real report verifies with its VEK; the defaults fail exactly the checks its data needs relaxed', { skip: needsShared }, async () => {
  // The README names, for each report, the only certificate it verifies with.
  assert.deepEqual(expectedReports().map((e) => [e.file, e.cert]).sort(), REAL.map(([r, c]) => [r, c]).sort());
  for (const [report, cert, allow, failsByDefault] of REAL) {
    const strict = await json(VEC(report), '--cert', VEC(cert), '--at', at(report));
    assert.equal(strict.doc.format, 'snp-launch.report-verify/1');
    assert.deepEqual(strict.doc.checks.filter((c) => !c.pass).map((c) => c.name), failsByDefault, report);
    assert.equal(strict.code, failsByDefault.length === 0 ? 0 : 1, report);
    const relaxed = await json(VEC(report), '--cert', VEC(cert), '--at', at(report), ...allow);
    assert.equal(relaxed.code, 0, `${report}: ${JSON.stringify(relaxed.doc.checks.filter((c) => !c.pass))}`);
    assert.equal(check(relaxed.doc, 'report-signature').pass, true);
    assert.equal(relaxed.doc.canonical, true);
    // Nothing pinned MEASUREMENT: the verdict says so.
    assert.ok(relaxed.doc.not_checked.includes('MEASUREMENT') && relaxed.doc.not_checked.includes('REPORT_DATA') && relaxed.doc.not_checked.includes('HOST_DATA'), report);
  }
});

test('go-sev-guest sample: fails by default naming DEBUG, passes with --allow-debug; the OK line says MEASUREMENT was not checked', { skip: needsShared }, async () => {
  const def = await verify(VEC('gosevguest_milan_attestation.bin'), '--cert', VEC('gosevguest_milan_vcek.der'), '--at', '2026-06-01');
  assert.equal(def.code, 1);
  assert.match(def.stdout, /FAIL {2}policy\.debug +the guest policy \(0xb0000\) allows DEBUG; --allow-debug accepts it/);
  assert.match(def.stdout, /PASS {2}policy\.smt +the guest policy \(0xb0000\) allows SMT: accepted \(by default\)/);
  const ok = await verify(VEC('gosevguest_milan_attestation.bin'), '--cert', VEC('gosevguest_milan_vcek.der'), '--at', '2026-06-01', '--allow-debug');
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /^not checked \(no option pins them\): MEASUREMENT, REPORT_DATA, HOST_DATA,/m);
  assert.match(ok.stdout, /^OK: all \d+ checks passed; MEASUREMENT was not checked$/m);
  // The lines this change added fit 100 columns.
  for (const line of ok.stdout.split('\n').filter((l) => /^(PASS  (certificate-profile|report-format|policy|provisional)|not checked|    [A-Z]|OK:)/.test(l))) assert.ok(line.length <= 100, line);
  // Pinning MEASUREMENT and REPORT_DATA takes them off the list.
  const pinned = await json(VEC('gosevguest_milan_attestation.bin'), '--cert', VEC('gosevguest_milan_vcek.der'), '--at', '2026-06-01', '--allow-debug',
    '--measurement', 'b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01', '--report-data', '0102030405');
  assert.equal(pinned.code, 0);
  assert.ok(!pinned.doc.not_checked.includes('MEASUREMENT') && !pinned.doc.not_checked.includes('REPORT_DATA') && pinned.doc.not_checked.includes('HOST_DATA'));
});

test("trustee's provisional report: fails by default naming COMMITTED vs CURRENT, passes with --allow-provisional-firmware", { skip: needsShared }, async () => {
  const def = await verify(VEC('trustee_milan_vcek_report.bin'), '--cert', VEC('trustee_milan_vcek.der'), '--at', '2026-06-01');
  assert.equal(def.code, 1);
  const line = def.stdout.split('\n').find((l) => l.startsWith('FAIL  provisional-firmware'))!;
  // README: current_tcb ucode 206 (0xce08000000000003), committed ucode 115 (0x7308000000000003).
  assert.match(line, /COMMITTED_TCB 0x7308000000000003 \(bl=3 tee=0 snp=8 ucode=115\) ≠ CURRENT_TCB 0xce08000000000003 \(bl=3 tee=0 snp=8 ucode=206\); --allow-provisional-firmware accepts it/);
  const ok = await verify(VEC('trustee_milan_vcek_report.bin'), '--cert', VEC('trustee_milan_vcek.der'), '--at', '2026-06-01', '--allow-provisional-firmware');
  assert.equal(ok.code, 0, ok.stdout);
  assert.match(ok.stdout, /PASS {2}provisional-firmware +provisional firmware accepted: COMMITTED_TCB/);
});

test('unsigned tail byte set: report-format fails by default; --lenient passes and says NOT canonical', { skip: needsShared }, async () => {
  const b = read(VEC('virtee_milan_report.bin')).slice();
  b[0x400] = 1; // inside 0x330..0x49F: not covered by the signature
  const p = tmp('tail.bin', b);
  const def = await verify(p, '--cert', VEC('virtee_milan_vcek.der'), '--at', '2026-06-01');
  assert.equal(def.code, 1);
  assert.match(def.stdout, /PASS {2}report-signature/);
  assert.match(def.stdout, /FAIL {2}report-format +unsigned bytes 0x330\.\.0x49F are not zero \(first at 0x400\).*; --lenient accepts it/);
  assert.doesNotMatch(def.stdout, /^warning: unsigned bytes/m, 'the format problem is printed once, as the check');
  const len = await json(p, '--cert', VEC('virtee_milan_vcek.der'), '--at', '2026-06-01', '--lenient');
  assert.equal(len.code, 0);
  assert.equal(len.doc.canonical, false);
  assert.match(check(len.doc, 'report-format').reason, /^NOT canonical/);
  const text = await verify(p, '--cert', VEC('virtee_milan_vcek.der'), '--at', '2026-06-01', '--lenient');
  assert.match(text.stdout, /note: --lenient: the report is NOT canonical/);
  // report show says it too.
  const show = JSON.parse((await runCli(['report', 'show', p, '--json'], SHARED)).stdout);
  assert.equal(show.format, 'snp-launch.report/1');
  assert.equal(show.canonical, false);
  assert.equal(show.format_problems[0].rule, 'unsigned-tail');
});

test('pins: REPORT_ID, REPORT_ID_MA, CHIP_ID, PLATFORM_INFO names, stepping, VLEK cspID, mitigation vectors', { skip: needsShared }, async () => {
  const g = ['--cert', VEC('mstav_genoa_vcek.pem'), '--at', '2026-06-01'];
  const genoa = VEC('mstav_genoa_report.bin');
  // README values of mstav_genoa_report.bin: platform_info 0x27, CPUID step 1.
  const ok = await json(genoa, ...g,
    '--report-id', 'c840e4fc01bec5121388abbf2e850c5b1d482adab7a4b06c4d93028c56599429', '--report-id-ma', 'ff'.repeat(32),
    '--chip-id', 'b1e24a27bbc3a4d58090d8b89851dce3b8031544be249b9ac17132bb222b027622347ee4d0fe4f689efdfc47a68cefc686cbb448d01436506ee1e28010cab7c0',
    '--require-platform-info', 'ALIAS_CHECK_COMPLETE,ecc_en', '--deny-platform-info', 'TIO_EN', '--stepping', '1');
  assert.equal(ok.code, 0, JSON.stringify(ok.doc.checks.filter((c) => !c.pass)));
  for (const n of ['report-id', 'report-id-ma', 'expected-chip-id', 'platform-info.ALIAS_CHECK_COMPLETE', 'platform-info.ECC_EN', 'platform-info.TIO_EN', 'stepping']) assert.equal(check(ok.doc, n).pass, true, n);
  for (const f of ['REPORT_ID', 'REPORT_ID_MA', 'CHIP_ID', 'PLATFORM_INFO', 'CPUID_STEP']) assert.ok(!ok.doc.not_checked.includes(f), f);
  const bad = await json(genoa, ...g, '--report-id', '00'.repeat(32), '--deny-platform-info', 'SMT_EN', '--stepping', '0', '--min-mit-vector', '0x1');
  assert.equal(bad.code, 1);
  assert.deepEqual(bad.doc.checks.filter((c) => !c.pass).map((c) => c.name), ['report-id', 'platform-info.SMT_EN', 'min-mit-vector', 'stepping']);
  assert.match(check(bad.doc, 'platform-info.SMT_EN').reason, /PLATFORM_INFO 0x27 bit 0 SMT_EN is set, denied/);
  assert.match(check(bad.doc, 'min-mit-vector').reason, /version 3 reports carry no mitigation vectors/);
  // v2: the stepping comes from the certificate's productName (Milan-B0).
  const v2 = await json(VEC('virtee_milan_report.bin'), '--cert', VEC('virtee_milan_vcek.der'), '--at', '2026-06-01', '--stepping', '0');
  assert.match(check(v2.doc, 'stepping').reason, /stepping 0 \(certificate productName Milan-B0\)/);
  // VLEK cspID.
  const vl = ['--cert', VEC('trustee_milan_vlek.der'), '--at', '2025-06-01', '--allow-provisional-firmware'];
  const csp = await json(VEC('trustee_milan_vlek_report.bin'), ...vl, '--vlek-csp', 'cc-us-east-2.amazonaws.com');
  assert.equal(csp.code, 0, JSON.stringify(csp.doc.checks.filter((c) => !c.pass)));
  assert.match(check(csp.doc, 'vlek-csp').reason, /VLEK cspID 'CN=cc-us-east-2\.amazonaws\.com'/);
  const wrongCsp = await json(VEC('trustee_milan_vlek_report.bin'), ...vl, '--vlek-csp', 'CN=example.com');
  assert.equal(check(wrongCsp.doc, 'vlek-csp').pass, false);
  assert.equal(check((await json(genoa, ...g, '--vlek-csp', 'x')).doc, 'vlek-csp').reason, 'the report is endorsed by a VCEK, not a VLEK of x');
  const usage = await verify(genoa, ...g, '--require-platform-info', 'SMT,FOO');
  assert.equal(usage.code, 2);
  assert.match(assertOneLineError(usage, 'bad name'), /--require-platform-info: 'SMT' is not a PLATFORM_INFO bit \(choose from SMT_EN, /);
});

test('a GHCB certificate table with both a VCEK and a VLEK: the key SIGNING_KEY names is used', { skip: needsShared }, async () => {
  const entries: [string, Uint8Array][] = [
    ['63da758d-e664-4564-adc5-f4b93be8accd', read(VEC('virtee_milan_vcek.der'))],
    ['a8074bc2-a25a-483e-aae6-39c045a0b8a1', read(VEC('trustee_milan_vlek.der'))],
  ];
  const head = 24 * (entries.length + 1);
  const total = head + entries.reduce((n, [, d]) => n + d.length, 0);
  const t = new Uint8Array(total);
  let off = head;
  entries.forEach(([g, d], i) => {
    t.set(guidBytesRfc(g), i * 24);
    new DataView(t.buffer).setUint32(i * 24 + 16, off, true);
    new DataView(t.buffer).setUint32(i * 24 + 20, d.length, true);
    t.set(d, off);
    off += d.length;
  });
  const table = tmp('both.bin', t);
  const vlek = await json(VEC('trustee_milan_vlek_report.bin'), '--cert', table, '--chain', AMD('milan_asvk_ark.pem'), '--at', '2025-06-01', '--allow-provisional-firmware');
  assert.equal(vlek.code, 0, JSON.stringify(vlek.doc.checks.filter((c) => !c.pass)));
  assert.match(check(vlek.doc, 'signing-key').reason, /^VLEK/);
  const vcek = await json(VEC('virtee_milan_report.bin'), '--cert', table, '--at', '2026-06-01');
  assert.equal(vcek.code, 0, JSON.stringify(vcek.doc.checks.filter((c) => !c.pass)));
  assert.match(check(vcek.doc, 'signing-key').reason, /^VCEK/);
});

test('issue 17 wordings: no doubled product name; a v2 report with a Turin VCEK is not shown as Turin', { skip: needsShared }, async () => {
  // A Milan v3 report checked with the Genoa VCEK (productName "Genoa"): no "Genoa (Genoa)".
  const g = await verify(VEC('trustee_milan_vlek_report.bin'), '--cert', VEC('mstav_genoa_vcek.pem'), '--at', '2026-06-01');
  assert.match(g.stdout, /FAIL {2}product +certificate is for Genoa but the report is from Milan/);
  assert.doesNotMatch(g.stdout, /Genoa \(Genoa\)/);
  // A v2 Milan report with the Turin VCEK: the signature fails, so Turin is only a claim.
  const t = await json(VEC('virtee_milan_report.bin'), '--cert', VEC('virtee_turin_vcek.der'), '--at', '2026-06-01');
  assert.equal(t.code, 1);
  assert.equal(check(t.doc, 'report-signature').pass, false);
  assert.equal(t.doc.product, null);
  assert.equal(t.doc.claimed_product, 'Turin');
  assert.equal(t.doc.kds_url, null);
  assert.match(check(t.doc, 'product').reason, /not proven: the report signature does not verify/);
  const text = await verify(VEC('virtee_milan_report.bin'), '--cert', VEC('virtee_turin_vcek.der'), '--at', '2026-06-01');
  assert.match(text.stdout, /^report: .* \(version 2, product unknown: the certificate claims Turin, not proven, signed by VCEK\)$/m);
  assert.doesNotMatch(text.stdout, /KDS URL|fmc=/);
});

test('--refvalues mismatch: the advice works as written (image file alone, no usage error) and no second measurement check appears', { skip: needsShared }, async () => {
  const rv = join(dir, 'rv.json');
  const made = await runCli(['refvalues', '--measurement', 'ab'.repeat(48), '-o', rv], SHARED);
  assert.equal(made.code, 0, made.stderr);
  const genoa = VEC('mstav_genoa_report.bin');
  const bare = await verify(genoa, '--no-cert', '--refvalues', rv);
  assert.equal(bare.code, 1);
  assert.match(bare.stdout, /FAIL {2}refvalues\.MEASUREMENT .*; give the image \(--ovmf \.\.\. or --igvm \.\.\.\) to search which launch of it gives this MEASUREMENT; with --refvalues the image file alone is enough/);
  // Doing what it says: --ovmf alone.
  const ovmf = shared('fixtures', 'sev-snp-measure', 'svsm_ovmf.fd');
  for (const extra of [[], ['--vcpus', '4', '--vcpu-type', 'EPYC-Milan']]) {
    const r = await verify(genoa, '--no-cert', '--refvalues', rv, '--ovmf', ovmf, ...extra);
    assert.equal(r.code, 1, r.stderr);
    const fails = r.stdout.split('\n').filter((l) => l.startsWith('FAIL  '));
    assert.equal(fails.length, 1, r.stdout);
    assert.match(fails[0]!, /^FAIL {2}refvalues\.MEASUREMENT .*no launch of this image in the default space \([\d,]+ configurations\) gives the report's MEASUREMENT/);
  }
});
