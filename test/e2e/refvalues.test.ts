/**
 * The explorer's reference-values panel (issue 11 item 3) in headless Debian Chromium: the example
 * OVMF image's matrix exported as JSON (cells equal to an independent chain for qemu-kvm and to
 * the CLI's `refvalues` for every cell) and as CoRIM (the same bytes as `snp-launch refvalues
 * --format corim`, read by cborg); a report whose MEASUREMENT is one cell's passes against the
 * dropped CoRIM naming the cell, one changed byte fails on MEASUREMENT; a signed CoRIM passes with
 * its PEM key and gives one-line errors without it or with another key; a non-CoRIM file is one line.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'cborg';
import { CLI, needsShared, shared } from '../_shared.js';
import { explorerSession, needsChromium, openExampleOvmf, screenshot } from './_browser.js';
import { independentDigests } from '../launch-space/_independent.js';
import { signCorim } from '../../src/refvalues/index.js';
import { buildExample } from '../../web/src/examples.js';

describe('explorer: reference values', { skip: needsChromium || needsShared }, () => {
  const s = explorerSession();
  const dir = mkdtempSync(join(tmpdir(), 'snp-refv-e2e-'));

  async function exportFile(button: string): Promise<Uint8Array> {
    const page = s.b.page;
    await page.evaluate(() => delete document.body.dataset.refv);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click(button)]);
    await page.waitForFunction(() => document.body.dataset.refv !== undefined, undefined, { timeout: 120_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.refv), 'exported', (await page.textContent('#refv-out')) ?? '');
    return new Uint8Array(readFileSync((await download.path())!));
  }

  async function check(report: string, refvalues: string, key?: string, cert?: string): Promise<string> {
    const page = s.b.page;
    await page.setInputFiles('#report-file', report);
    await page.setInputFiles('#refv-file', refvalues);
    await page.setInputFiles('#refv-key', key ? [key] : []);
    await page.setInputFiles('#report-cert', cert ? [cert] : []);
    await page.fill('#report-at', '2026-06-01');
    await page.evaluate(() => delete document.body.dataset.refv);
    await page.click('#refv-check');
    await page.waitForFunction(() => document.body.dataset.refv !== undefined, undefined, { timeout: 60_000 });
    return (await page.evaluate(() => document.body.dataset.refv))!;
  }

  let corimPath = '';
  let cells: { platform: string; vcpus: number; measurement: string }[] = [];

  it('exports the matrix as JSON and CoRIM, equal to the CLI and to an independent chain', async () => {
    const page = s.b.page;
    await openExampleOvmf(page, s.web.url);
    await page.fill('#refv-vcpus', '1-4');
    await page.fill('#refv-platforms', 'qemu-kvm,ec2');
    const json = JSON.parse(new TextDecoder().decode(await exportFile('#refv-json')));
    cells = json.cells;
    assert.equal(cells.length, 8);
    const ex = await buildExample('ovmf');
    writeFileSync(join(dir, 'ovmf.fd'), ex.bytes);
    assert.deepEqual(json.inputs, { [ex.name]: createHash('sha256').update(ex.bytes).digest('hex') }, 'inputs: file name → SHA-256');
    // qemu-kvm, EPYC-v4 (the page's default CPU type): CPUID(1).EAX 0x800f12, chain computed in the test.
    const qemu = await independentDigests(join(dir, 'ovmf.fd'), { sig: 0x800f12 }, 4);
    assert.deepEqual(cells.filter((c) => c.platform === 'qemu-kvm').map((c) => c.measurement), qemu);
    const cli = (format: string[]) =>
      execFileSync(process.execPath, [CLI, 'refvalues', '--ovmf', 'ovmf.fd', '--platform', 'qemu-kvm,ec2', '--vcpus', '1-4', '--vcpu-type', 'EPYC-v4', '--guest-features', '0x1', ...format], { cwd: dir });
    assert.deepEqual(cells, JSON.parse(cli([]).toString('utf8')).cells, 'every cell as `snp-launch refvalues` writes it');

    const corim = await exportFile('#refv-corim');
    assert.deepEqual(corim, new Uint8Array(cli(['--format', 'corim'])), 'the same CoRIM bytes as the CLI');
    const tags: ((d: () => unknown) => unknown)[] = [];
    for (let t = 0; t <= 600; t++) tags[t] = (d) => ({ tag: t, v: d() });
    const top = decode(corim, { tags: tags as never, useMaps: true, strict: true }) as { tag: number; v: Map<number, unknown> };
    assert.equal(top.tag, 501);
    corimPath = join(dir, 'rv.cbor');
    writeFileSync(corimPath, corim);
    const veraison = await exportFile('#refv-veraison');
    assert.deepEqual(veraison, new Uint8Array(cli(['--format', 'corim', '--corim-flavor', 'veraison'])));
    await screenshot(page, 'explorer-refvalues-export');
  });

  it('checks a report against the dropped CoRIM: a cell passes and is named, one byte off fails on MEASUREMENT', async () => {
    assert.ok(corimPath, 'the export test ran');
    const report = new Uint8Array(readFileSync(shared('vectors', 'attestation', 'virtee_milan_report.bin')));
    const cell = cells.find((c) => c.platform === 'qemu-kvm' && c.vcpus === 3)!;
    report.set(Buffer.from(cell.measurement, 'hex'), 0x90);
    const good = join(dir, 'good.bin');
    writeFileSync(good, report);
    // The MEASUREMENT matches a cell, but no certificate was given: named, and not a PASS (issue 16 item 8).
    assert.equal(await check(good, corimPath), 'unverified');
    assert.match((await s.b.page.textContent('#refv-verdict')) ?? '', /^NOT PASSED: MEASUREMENT matches qemu-kvm, 3 vCPUs, vCPU type EPYC-v4, SEV_FEATURES 0x1, KVM init2 and the pinned fields hold \(8 cells\), but the report's signature is NOT verified \(no VCEK or VLEK certificate was given/);
    assert.equal(await s.b.page.getAttribute('#refv-signature', 'data-verdict'), 'unchecked');
    report[0x90 + 47]! ^= 0x01;
    const bad = join(dir, 'bad.bin');
    writeFileSync(bad, report);
    assert.equal(await check(bad, corimPath), 'fail');
    assert.deepEqual(await s.b.page.$$eval('#refv-failures li', (li) => li.map((x) => x.getAttribute('data-field'))), ['MEASUREMENT']);
    await screenshot(s.b.page, 'explorer-refvalues-check');
  });

  it('a signed CoRIM: passes with the signer key (PEM), one-line errors without it, with another key or curve', async () => {
    assert.ok(corimPath, 'the export test ran');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const d = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
    const signed = join(dir, 'signed.cbor');
    writeFileSync(signed, signCorim(new Uint8Array(readFileSync(corimPath)), new Uint8Array(d)));
    const pem = (name: string, k: KeyObject) => {
      writeFileSync(join(dir, name), k.export({ format: 'pem', type: 'spki' }) as string);
      return join(dir, name);
    };
    const report = new Uint8Array(readFileSync(shared('vectors', 'attestation', 'virtee_milan_report.bin')));
    report.set(Buffer.from(cells[0]!.measurement, 'hex'), 0x90);
    const good = join(dir, 'signed-good.bin');
    writeFileSync(good, report);
    assert.equal(await check(good, signed, pem('signer.pem', publicKey)), 'unverified');
    assert.match((await s.b.page.textContent('#refv-verdict')) ?? '', /^NOT PASSED: MEASUREMENT matches .*\(8 cells, CoRIM signature verified\), but the report's signature is NOT verified/);
    const verdict = async () => ((await s.b.page.textContent('#refv-verdict')) ?? '').trim();
    assert.equal(await check(good, signed), 'error');
    assert.equal(await verdict(), 'signed.cbor: is a signed CoRIM (COSE_Sign1): give the signer public key (--refvalues-key PEM)');
    assert.equal(await check(good, signed, pem('other.pem', generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey)), 'error');
    assert.match(await verdict(), /^signed\.cbor: signature: does not verify with the given key/);
    assert.equal(await check(good, signed, pem('p256.pem', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey)), 'error');
    assert.equal(await verdict(), 'p256.pem: is not an EC P-384 key (CoRIM signatures are ES384)');
  });

  it('a forged report (one signed byte changed) never shows PASS; the genuine report with its VCEK does (issue 16 item 8)', async () => {
    assert.ok(cells.length > 0, 'the export test ran');
    const att = (n: string) => shared('vectors', 'attestation', n);
    const genuine = new Uint8Array(readFileSync(att('virtee_milan_report.bin')));
    const measurement = Buffer.from(genuine.subarray(0x90, 0x90 + 48)).toString('hex');
    // Reference values that hold the genuine report's MEASUREMENT (the exported JSON, one cell edited).
    const doc = JSON.parse(new TextDecoder().decode(await exportFile('#refv-json')));
    doc.cells[0].measurement = measurement;
    const rv = join(dir, 'genuine-rv.json');
    writeFileSync(rv, JSON.stringify(doc));
    const good = join(dir, 'genuine.bin');
    writeFileSync(good, genuine);
    const vcek = att('virtee_milan_vcek.der');
    assert.equal(await check(good, rv, undefined, vcek), 'pass', (await s.b.page.textContent('#refv-out')) ?? '');
    assert.match((await s.b.page.textContent('#refv-verdict')) ?? '', /^PASS: matches .*report signature verified$/);
    // One byte of the signed area (REPORT_DATA, offset 0x50) changed: MEASUREMENT still matches, the signature does not.
    const forged = genuine.slice();
    forged[0x50]! ^= 0x01;
    const bad = join(dir, 'forged.bin');
    writeFileSync(bad, forged);
    assert.equal(await check(bad, rv, undefined, vcek), 'unverified');
    const text = (await s.b.page.textContent('#refv-out')) ?? '';
    assert.doesNotMatch(text, /PASS:/);
    assert.match(text, /MEASUREMENT matches .*, but the report's signature is NOT verified \(report-signature failed\)/);
    assert.equal(await s.b.page.getAttribute('#refv-signature', 'data-verdict'), 'failed');
    assert.equal(await s.b.page.locator('#refv-out .ok').count(), 0, 'nothing green');
    await screenshot(s.b.page, 'explorer-refvalues-forged');
  });

  it('a file that is not reference values is one line naming it', async () => {
    const junk = join(dir, 'junk.cbor');
    writeFileSync(junk, new Uint8Array([0xd9, 0x01, 0xf5, 0x01]));
    const report = join(dir, 'any.bin');
    writeFileSync(report, readFileSync(shared('vectors', 'attestation', 'virtee_milan_report.bin')));
    assert.equal(await check(report, junk), 'error');
    const text = ((await s.b.page.textContent('#refv-verdict')) ?? '').trim();
    assert.match(text, /junk\.cbor/);
    assert.equal(text.split('\n').length, 1);
  });
});
