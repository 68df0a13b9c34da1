/**
 * The explorer with cloud endorsements beside a report (issue 19 item 5). First the worker's code
 * in Node (web/src/detect.ts, report-check.ts: what a dropped file is, and every check), then the
 * page itself in headless Debian Chromium: dropped files land in the report check's fields, and
 * the verdict, the per-file endorsement rows and the HCL fields show.
 *
 * Real data: the ACI capture (report, UVM endorsement, THIM host certificates, container policy),
 * Trustee's Azure HCL report with its VCEK, the Kata initdata test TOML, and a GCE launch
 * endorsement built and signed here with gce-tcb-verifier's development key for a real Milan
 * report's MEASUREMENT, FAMILY_ID, IMAGE_ID and POLICY. Expected digests are computed in the test
 * with node:crypto, never taken from the library.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { needsShared, shared } from '../_shared.js';
import { detectFile } from '../../web/src/detect.js';
import { checkReport } from '../../web/src/report-check.js';
import type { ReportCheckData, ReportExtras } from '../../web/src/protocol.js';
import { ACI, GCE, HCL, KATA, buildGceEndorsement, OFF } from '../endorsements/_endorsements.js';
import { explorerSession, needsChromium, screenshot } from './_browser.js';

const file = (path: string, name = basename(path)) => new File([readFileSync(path)], name);
const bytesFile = (b: Uint8Array, name: string) => new File([new Uint8Array(b)], name);
const att = (n: string) => shared('vectors', 'attestation', n);
const MILAN = () => new Uint8Array(readFileSync(att('virtee_milan_report.bin')));

/** The ACI UVM endorsement as raw COSE bytes (its file is base64), decoded here. */
const uvmCose = () => new Uint8Array(Buffer.from(readFileSync(ACI('reference-info-base64'), 'utf8').trim(), 'base64'));

/** A GCE endorsement for the virtee Milan report at 2 VMSAs: its MEASUREMENT, FAMILY_ID, IMAGE_ID, POLICY read from the report bytes here. */
function gceForMilan(): Uint8Array {
  const r = MILAN();
  const policy = Buffer.from(r.subarray(OFF.POLICY, OFF.POLICY + 8)).readBigUInt64LE();
  return buildGceEndorsement(new Map([[2, r.subarray(OFF.MEASUREMENT, OFF.MEASUREMENT + 48)]]), { family: r.subarray(OFF.FAMILY_ID, OFF.FAMILY_ID + 16), image: r.subarray(OFF.IMAGE_ID, OFF.IMAGE_ID + 16), policy });
}

/** Trustee's vTPM AK: the runtime data's HCLAkPub JWK (runtime data at 0x4D4, its size in the request header), as PEM by node:crypto. */
function trusteeAkPem(): string {
  const raw = readFileSync(HCL('trustee/hcl-report.bin'));
  const size = raw.readUInt32LE(0x4c0 + 16);
  const jwk = (JSON.parse(raw.subarray(0x4d4, 0x4d4 + size).toString('utf8')) as { keys: { kid: string }[] }).keys.find((k) => k.kid === 'HCLAkPub')!;
  return createPublicKey({ key: jwk as unknown as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
}

const rows = (r: ReportCheckData) => r.endorsements.flatMap((g) => g.checks.map((c) => ({ file: g.file, ...c })));
const row = (r: ReportCheckData, name: string) => rows(r).filter((c) => c.text.startsWith(`${name}:`));
const failedNames = (r: ReportCheckData): string[] => [...rows(r), ...r.verification].filter((c) => !c.ok && !c.info).map((c) => c.text.split(':')[0]!);
const extras = (files: File[], more: Partial<ReportExtras> = {}): ReportExtras => ({ endorsements: files, ...more });
const AT_ACI = new Date('2026-06-01T00:00:00Z');

describe('explorer (worker code): endorsements beside a report', { skip: needsShared }, () => {
  it('recognises each endorsement by content and says where it goes', async () => {
    const kind = async (f: File) => (await detectFile(f)).kind;
    assert.equal(await kind(file(ACI('reference-info-base64'), 'ref')), 'endorsement');
    assert.equal(await kind(bytesFile(uvmCose(), 'ref.cose')), 'endorsement', 'raw COSE is an endorsement, not a signed CoRIM');
    assert.match((await detectFile(file(ACI('reference-info-base64')))).what, /^an ACI UVM endorsement \(COSE_Sign1, feed ContainerPlat-AMD-UVM, SVN 101\)$/);
    assert.match((await detectFile(file(ACI('policy_aci.rego'), 'p.txt'))).what, /ACI container policy/);
    assert.match((await detectFile(file(KATA('kata-oci-utils_test-initdata.toml'), 'i'))).what, /^a Kata\/CoCo initdata \(TOML, algorithm sha256\)/);
    assert.equal(await kind(bytesFile(gceForMilan(), 'e.bin')), 'endorsement');
    const thim = await detectFile(file(ACI('host-amd-certs-base64')));
    assert.equal(thim.kind, 'cert');
    assert.match(thim.what, /THIM host-certificate JSON .*tcbm 0xdb18000000000004/);
    const root = await detectFile(file(GCE('testing_devkeys_root.crt')));
    assert.equal(root.kind, 'gce-root');
    assert.match(root.what, /CN=GCE-cc-tcb-root/);
    const hcl = await detectFile(file(HCL('trustee/hcl-report.bin')));
    assert.equal(hcl.kind, 'report');
    assert.match(hcl.what, /^an Azure HCL report holding an attestation report \(version 2/);
    // AMD's own chain is still refused as a certificate chain, not taken as a GCE root.
    assert.equal(await kind(file(shared('certs', 'amd', 'milan_ark.pem'))), 'refused');
  });

  it('ACI: the real report passes the UVM endorsement and the policy; one changed byte fails naming the check', async () => {
    const report = file(ACI('snp-report-base64'));
    const ok = await checkReport(report, undefined, [], AT_ACI, undefined, extras([file(ACI('reference-info-base64')), file(ACI('policy_aci.rego'))]));
    // No VCEK is public for this chip: the verdict stays "unchecked", the endorsement rows still run.
    assert.equal(ok.verdict, 'unchecked');
    const uvm = rows(ok).filter((c) => c.text.startsWith('uvm.'));
    assert.ok(uvm.length >= 4, JSON.stringify(uvm));
    for (const c of uvm) assert.equal(c.ok, true, c.text);
    assert.match(row(ok, 'uvm.measurement')[0]!.text, /5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f98189887920ab2fa0096903a0c23fca1/);
    const policyHash = createHash('sha256').update(readFileSync(ACI('policy_aci.rego'))).digest('hex');
    assert.equal(row(ok, 'host-data-of')[0]?.ok, true);
    assert.ok(ok.fields.some(([k, v]) => k === 'HOST_DATA' && v.includes(policyHash)), 'HOST_DATA is the SHA-256 the test computed');

    // One byte changed in the signed payload's measurement (a hex digit in the JSON) and in the signature.
    const cose = uvmCose();
    const at = Buffer.from(cose).indexOf('5feee30d');
    assert.ok(at > 0);
    const payload = cose.slice();
    payload[at] = 0x36; // '5' → '6'
    const sig = cose.slice();
    sig[sig.length - 10]! ^= 0x01;
    for (const [name, bytes] of [['payload', payload], ['signature', sig]] as const) {
      const r = await checkReport(report, undefined, [], AT_ACI, undefined, extras([bytesFile(bytes, `uvm-${name}.cose`)]));
      assert.ok(failedNames(r).includes('uvm.signature'), `${name}: ${JSON.stringify(rows(r))}`);
      assert.match(r.summary, /^NOT verified: no VCEK or VLEK certificate was given, so the signature was not checked; also failed: .*uvm\.signature/);
    }
    // Another file as the policy: HOST_DATA does not match.
    const other = await checkReport(report, undefined, [], AT_ACI, undefined, extras([bytesFile(Buffer.concat([readFileSync(ACI('policy_aci.rego')), Buffer.from('\n')]), 'policy2.rego')]));
    assert.equal(row(other, 'host-data-of')[0]?.ok, false);
  });

  it('ACI: THIM host certificates work as the certificate; this report is another chip, so the signature fails', async () => {
    const r = await checkReport(file(ACI('snp-report-base64')), file(ACI('host-amd-certs-base64')), [], AT_ACI);
    assert.equal(r.verdict, 'failed');
    assert.ok(failedNames(r).includes('report-signature'), failedNames(r).join());
    assert.ok(r.verification.some((c) => c.text.startsWith('thim')), 'the tcbm is checked');
  });

  it('Azure HCL: Trustee\'s report verifies with the binding check; secure defaults hold; a changed runtime-data byte fails the binding', async () => {
    const at = new Date('2024-01-01T00:00:00Z');
    const hcl = file(HCL('trustee/hcl-report.bin'));
    const vcek = file(HCL('trustee/vcek.pem'));
    const strict = await checkReport(hcl, vcek, [], at);
    assert.equal(strict.verdict, 'failed');
    assert.deepEqual(failedNames(strict), ['provisional-firmware']);
    const ok = await checkReport(hcl, vcek, [], at, undefined, extras([], { allowProvisionalFirmware: true }));
    assert.equal(ok.verdict, 'verified', ok.summary);
    // As report verify's "not checked": the binding pins REPORT_DATA; nothing here pins MEASUREMENT, and the summary says so.
    assert.ok(!ok.unchecked.includes('REPORT_DATA') && ok.unchecked.includes('MEASUREMENT') && ok.unchecked.includes('HOST_DATA'), ok.unchecked.join());
    assert.match(ok.summary, /; MEASUREMENT was not checked$/);
    // The binding, recomputed here: REPORT_DATA[0..32] = SHA-256 of the runtime data (at 0x4D4, size from the request header).
    const raw = readFileSync(HCL('trustee/hcl-report.bin'));
    const size = raw.readUInt32LE(0x4c0 + 16);
    assert.deepEqual(createHash('sha256').update(raw.subarray(0x4d4, 0x4d4 + size)).digest(), raw.subarray(0x20 + 0x50, 0x20 + 0x70));
    assert.equal(row(ok, 'hcl.runtime-data')[0]?.ok, true);
    assert.ok(ok.fields.some(([k]) => k === 'HCL_VERSION'), 'the HCL header is shown');
    // --ak-pub: the AK from the runtime data's JWK (HCLAkPub), turned into PEM by node:crypto here, passes; another RSA key fails.
    const akPem = trusteeAkPem();
    const otherPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const akFile = bytesFile(new TextEncoder().encode(akPem), 'ak.pem');
    assert.equal((await detectFile(akFile)).kind, 'ak-pub');
    const pinned = await checkReport(hcl, vcek, [], at, undefined, extras([], { allowProvisionalFirmware: true, akPub: akFile }));
    assert.equal(row(pinned, 'hcl.ak-pub')[0]?.ok, true, JSON.stringify(rows(pinned)));
    assert.equal(pinned.verdict, 'verified');
    const other = await checkReport(hcl, vcek, [], at, undefined, extras([], { allowProvisionalFirmware: true, akPub: bytesFile(new TextEncoder().encode(otherPem), 'other.pem') }));
    assert.deepEqual(failedNames(other), ['hcl.ak-pub']);
    const bare = await checkReport(file(att('virtee_milan_report.bin')), undefined, [], at, undefined, extras([], { akPub: akFile }));
    assert.match(row(bare, 'hcl.ak-pub')[0]?.text ?? '', /is not an Azure HCL report/);
    // An EC P-384 key stays the CoRIM signer key.
    const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    assert.equal((await detectFile(bytesFile(new TextEncoder().encode(ecPem), 'ec.pem'))).kind, 'key');

    const changed = new Uint8Array(raw);
    changed[0x4d4 + 40]! ^= 0x01;
    const bad = await checkReport(bytesFile(changed, 'hcl-changed.bin'), vcek, [], at, undefined, extras([], { allowProvisionalFirmware: true }));
    assert.deepEqual(failedNames(bad), ['hcl.runtime-data'], 'the signature still holds: the runtime data is outside the report');
    assert.equal(bad.verdict, 'failed');
  });

  it('GCE: an endorsement signed with the development key verifies only with that root; a changed byte fails', async () => {
    const report = file(att('virtee_milan_report.bin'));
    const vcek = file(att('virtee_milan_vcek.der'));
    const e = gceForMilan();
    const root = file(GCE('testing_devkeys_root.crt'));
    const now = new Date('2026-06-01T00:00:00Z');
    const ok = await checkReport(report, vcek, [], now, undefined, extras([bytesFile(e, 'endorsement.binarypb')], { gceRoot: root, gceVcpus: 2 }));
    assert.equal(ok.verdict, 'verified', `${ok.summary} ${JSON.stringify(rows(ok))}`);
    for (const n of ['gce.measurement', 'gce.family-id', 'gce.image-id', 'gce.policy']) assert.equal(row(ok, n)[0]?.ok, true, n);
    for (const f of ['MEASUREMENT', 'FAMILY_ID', 'IMAGE_ID', 'POLICY']) assert.ok(!ok.unchecked.includes(f), f);
    assert.doesNotMatch(ok.summary, /MEASUREMENT was not checked/);
    const noRoot = await checkReport(report, vcek, [], now, undefined, extras([bytesFile(e, 'endorsement.binarypb')]));
    assert.equal(noRoot.verdict, 'failed');
    assert.ok(failedNames(noRoot).some((n) => n.startsWith('gce.')), failedNames(noRoot).join());
    const wrongCount = await checkReport(report, vcek, [], now, undefined, extras([bytesFile(e, 'e.binarypb')], { gceRoot: root, gceVcpus: 4 }));
    assert.equal(row(wrongCount, 'gce.measurement')[0]?.ok, false);
    for (const at of [10, Math.floor(e.length / 2), e.length - 5]) {
      const b = e.slice();
      b[at]! ^= 0x01;
      const r = await checkReport(report, vcek, [], now, undefined, extras([bytesFile(b, 'changed.binarypb')], { gceRoot: root, gceVcpus: 2 }));
      assert.equal(r.verdict, 'failed', `byte ${at}`);
    }
  });

  it('GCE: the endorsement inside an extended report\'s certificate table (beside the VCEK) is checked once the root is given', async () => {
    // A GHCB certificate table built here (24-byte entries {GUID in RFC byte order, offset, length}, an all-zero entry, then the data).
    const vcekDer = readFileSync(att('virtee_milan_vcek.der'));
    const e = gceForMilan();
    const guid = (g: string) => Buffer.from(g.replace(/-/g, ''), 'hex');
    const entries: [Buffer, Uint8Array][] = [[guid('63da758d-e664-4564-adc5-f4b93be8accd'), vcekDer], [guid('9f4116cd-c503-4f5a-8f6f-fb68882f4ce2'), e]];
    let at = 24 * (entries.length + 1);
    const head: Buffer[] = [];
    for (const [g, d] of entries) {
      const n = Buffer.alloc(8);
      n.writeUInt32LE(at, 0);
      n.writeUInt32LE(d.length, 4);
      head.push(g, n);
      at += d.length;
    }
    const extended = Buffer.concat([MILAN(), ...head, Buffer.alloc(24), ...entries.map(([, d]) => Buffer.from(d))]);
    const f = bytesFile(extended, 'extended.bin');
    assert.equal((await detectFile(f)).kind, 'report');
    const now = new Date('2026-06-01T00:00:00Z');
    // No certificate given: the table's VCEK verifies the report; without a root the endorsement is named, not checked.
    const plain = await checkReport(f, undefined, [], now);
    assert.equal(plain.verdict, 'verified', plain.summary);
    assert.deepEqual(rows(plain).map((c) => [c.info, /^gce: not checked: .*give the GCE-cc-tcb-root/.test(c.text)]), [[true, true]]);
    const rooted = await checkReport(f, undefined, [], now, undefined, extras([], { gceRoot: file(GCE('testing_devkeys_root.crt')), gceVcpus: 2 }));
    assert.equal(rooted.verdict, 'verified', rooted.summary);
    assert.equal(rooted.endorsements[0]?.file, 'extended.bin (certificate table)');
    assert.equal(row(rooted, 'gce.measurement')[0]?.ok, true);
    // Only the GCE entry in the table: still a report; its signature then needs a certificate.
    const gceOnly = Buffer.concat([MILAN(), guid('9f4116cd-c503-4f5a-8f6f-fb68882f4ce2'), Buffer.from([48, 0, 0, 0]), Buffer.alloc(4), Buffer.alloc(24), Buffer.from(e)]);
    gceOnly.writeUInt32LE(e.length, 1184 + 20);
    assert.equal((await detectFile(bytesFile(gceOnly, 'g.bin'))).kind, 'report');
  });

  it('Kata: the test initdata gives the digest Kata asserts, checked against HOST_DATA', async () => {
    // The digest Kata's test asserts (shared/vectors/kata/SOURCES.md), recomputed here, as HOST_DATA.
    const KATA_DIGEST = 'c6694bb7a29d6f37ec72a15582e004b9f3142159682db8509a304407419a49e5';
    assert.equal(createHash('sha256').update(readFileSync(KATA('kata-oci-utils_test-initdata.toml'))).digest('hex'), KATA_DIGEST);
    const r = MILAN();
    r.set(Buffer.from(KATA_DIGEST, 'hex'), OFF.HOST_DATA);
    const res = await checkReport(bytesFile(r, 'patched.bin'), undefined, [], undefined, undefined, extras([file(KATA('kata-oci-utils_test-initdata.toml'))]));
    assert.equal(row(res, 'initdata')[0]?.ok, true, JSON.stringify(rows(res)));
    const plain = await checkReport(file(att('virtee_milan_report.bin')), undefined, [], undefined, undefined, extras([file(KATA('kata-oci-utils_test-initdata.toml'))]));
    assert.equal(row(plain, 'initdata')[0]?.ok, false);
  });

  it('a file that is no endorsement, or too large, is a failing row, never skipped', async () => {
    const r = await checkReport(file(att('virtee_milan_report.bin')), file(att('virtee_milan_vcek.der')), [], new Date('2026-06-01T00:00:00Z'), undefined, extras([bytesFile(new TextEncoder().encode('hello\n'), 'notes.txt'), bytesFile(new Uint8Array((1 << 20) + 1), 'huge.bin')]));
    assert.equal(r.verdict, 'failed');
    assert.equal(r.endorsements.length, 2);
    assert.match(r.endorsements[0]!.checks[0]!.text, /notes\.txt is not an ACI UVM endorsement/);
    assert.match(r.endorsements[1]!.checks[0]!.text, /huge\.bin: 1048577 bytes is too large/);
  });

  it('secure defaults: the go-sev-guest sample fails naming DEBUG, and passes with "allow DEBUG"', async () => {
    const rep = file(att('gosevguest_milan_attestation.bin'));
    const vcek = file(att('gosevguest_milan_vcek.der'));
    const now = new Date('2026-06-01T00:00:00Z');
    const strict = await checkReport(rep, vcek, [], now);
    assert.deepEqual(failedNames(strict), ['policy.debug']);
    assert.match(strict.summary, /^NOT verified: policy\.debug failed$/);
    assert.equal((await checkReport(rep, vcek, [], now, undefined, extras([], { allowDebug: true }))).verdict, 'verified');
  });
});

describe('explorer (page): endorsements beside a report', { skip: needsChromium || needsShared }, () => {
  const s = explorerSession();

  async function run(): Promise<void> {
    const page = s.b.page;
    await page.evaluate(() => delete document.body.dataset.report);
    await page.click('#report-run');
    await page.waitForFunction(() => document.body.dataset.report !== undefined, undefined, { timeout: 60_000 });
  }
  const groupRows = () => s.b.page.$$eval('#report-endorsements-out li', (li) => li.map((x): [string, string] => [x.getAttribute('data-ok') ?? '', x.textContent ?? '']));

  it('dropped ACI files land in the report check; the uvm and HOST_DATA rows pass under a NOT verified verdict', async () => {
    const page = s.b.page;
    await page.goto(s.web.url);
    const drop = async (path: string) => {
      await page.evaluate(() => delete document.body.dataset.drop);
      await page.setInputFiles('#image', { name: basename(path), mimeType: 'application/octet-stream', buffer: readFileSync(path) });
      await page.waitForFunction(() => document.body.dataset.drop !== undefined);
      return [(await page.evaluate(() => document.body.dataset.drop)) ?? '', (await page.textContent('#drop-note')) ?? ''];
    };
    assert.deepEqual(await drop(ACI('snp-report-base64')), ['report', 'snp-report-base64 is an attestation report (version 3, Milan): put in 5. Report check.']);
    const [k1, n1] = await drop(ACI('reference-info-base64'));
    assert.equal(k1, 'endorsement');
    assert.match(n1 ?? '', /^reference-info-base64 is an ACI UVM endorsement \(COSE_Sign1, feed ContainerPlat-AMD-UVM, SVN 101\): put in 5\. Report check \(endorsements\)\.$/);
    assert.equal((await drop(ACI('policy_aci.rego')))[0], 'endorsement');
    // Both files are kept in the endorsements field, and each drop re-ran the check.
    assert.deepEqual(await page.$eval('#report-endorsements', (i) => [...((i as HTMLInputElement).files ?? [])].map((f) => f.name)), ['reference-info-base64', 'policy_aci.rego']);
    await page.fill('#report-at', '2026-06-01');
    await run();
    assert.equal(await page.getAttribute('#report-verdict', 'data-verdict'), 'unchecked');
    const got = await groupRows();
    const names = got.map(([, t]) => /^. ([\w.-]+):/.exec(t)?.[1]);
    assert.ok(names.includes('uvm.signature') && names.includes('uvm.measurement') && names.includes('host-data-of'), names.join());
    for (const [ok, t] of got) assert.equal(ok, 'true', t);
    assert.match((await page.textContent('#report-endorsements-out'))!, /The report is NOT verified: these checks compare the files with what the report claims/);
    // The verdict is the first thing in the section.
    assert.equal(await page.$eval('#report-out', (o) => o.firstElementChild?.id), 'report-verdict');
    await screenshot(page, 'explorer-report-aci');
    // On a phone the long rows (the did:x509 issuer, the 96-digit measurement) wrap: nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= client, `page ${scroll} px wide in a ${client} px window`);
    const [sw, cw] = await page.$eval('#report', (x) => [x.scrollWidth, x.clientWidth]);
    assert.ok(sw <= cw, `report section ${sw} px wide in ${cw} px`);
    await screenshot(page, 'explorer-report-aci-390');
    await page.setViewportSize({ width: 1280, height: 800 });

    // One byte changed in the endorsement: a red row naming the check.
    const cose = uvmCose();
    cose[cose.length - 10]! ^= 0x01;
    await page.setInputFiles('#report-endorsements', { name: 'changed.cose', mimeType: 'application/octet-stream', buffer: Buffer.from(cose) });
    await run();
    const bad = (await groupRows()).filter(([ok]) => ok === 'false').map(([, t]) => t);
    assert.ok(bad.some((t) => /^✘ uvm\.signature: /.test(t)), bad.join('\n'));

    // The pins of report verify: another feed, or a minimum SVN above the endorsed 101, fails that row.
    await page.setInputFiles('#report-endorsements', ACI('reference-info-base64'));
    for (const [field, value, check] of [['#report-uvm-feed', 'Other-Feed', 'uvm.feed'], ['#report-uvm-min-svn', '102', 'uvm.svn']] as const) {
      await page.fill(field, value);
      await run();
      const failing = (await groupRows()).filter(([ok]) => ok === 'false').map(([, t]) => t.split(':')[0]);
      assert.deepEqual(failing, [`✘ ${check}`], field);
      await page.fill(field, '');
    }
  });

  it('Trustee\'s HCL report: the binding row passes and the verdict holds with "allow provisional firmware"', async () => {
    const page = s.b.page;
    await page.setInputFiles('#report-file', HCL('trustee/hcl-report.bin'));
    await page.setInputFiles('#report-cert', HCL('trustee/vcek.pem'));
    await page.setInputFiles('#report-endorsements', []);
    await page.fill('#report-at', '2024-01-01');
    await run();
    assert.equal(await page.getAttribute('#report-verdict', 'data-verdict'), 'failed');
    assert.match((await page.textContent('#report-verdict'))!, /Report NOT verified: provisional-firmware failed/);
    await page.check('#report-allow-provisional');
    await run();
    assert.equal(await page.getAttribute('#report-verdict', 'data-verdict'), 'verified');
    const got = await groupRows();
    assert.equal(got.length, 1);
    assert.match(got[0]![1], /^✔ hcl\.runtime-data: /);
    assert.match((await page.textContent('#report-endorsements-out h4'))!, /hcl-report\.bin — Azure HCL report/);
    assert.match((await page.textContent('#report-unchecked'))!, /^Not checked \(nothing given pins them\): MEASUREMENT, HOST_DATA, /);
    assert.match((await page.textContent('#report-out details.fields'))!, /HCL_VERSION/);
    // The AK, dropped anywhere, goes to its field; the re-run shows the pin as a second row.
    await page.evaluate(() => delete document.body.dataset.drop);
    await page.setInputFiles('#image', { name: 'ak.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(trusteeAkPem()) });
    await page.waitForFunction(() => document.body.dataset.drop !== undefined);
    assert.equal(await page.evaluate(() => document.body.dataset.drop), 'ak-pub');
    await run();
    const pinned = await groupRows();
    assert.deepEqual(pinned.map(([ok, t]) => [ok, t.split(':')[0]]), [['true', '✔ hcl.runtime-data'], ['true', '✔ hcl.ak-pub']]);
    await page.setInputFiles('#report-ak-pub', []);
    await page.uncheck('#report-allow-provisional');
  });
});
