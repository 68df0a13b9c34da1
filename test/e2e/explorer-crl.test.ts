/**
 * The explorer's report check with a CRL (issue 16 items 7-8) in headless Debian Chromium, on the
 * real AMD CRLs of ../shared/vectors/kds: a dropped CRL is recognised and put in the CRL field;
 * the Milan CRL clears a real Milan report's chain (the ASK is not listed); the Milan CRL given for
 * a Genoa report fails on its issuer, and a CRL checked before its thisUpdate fails; a failed
 * revocation check makes the verdict "NOT verified", first in the section.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { needsShared, shared } from '../_shared.js';
import { explorerSession, needsChromium, openExampleOvmf, screenshot } from './_browser.js';

const att = (n: string) => shared('vectors', 'attestation', n);
const kds = (n: string) => shared('vectors', 'kds', n);

describe('explorer: report check with a CRL', { skip: needsChromium || needsShared }, () => {
  const s = explorerSession();

  async function check(report: string, cert: string, crl: string, at: string): Promise<{ verdict: string; revocation: string }> {
    const page = s.b.page;
    await page.setInputFiles('#report-file', report);
    await page.setInputFiles('#report-cert', cert);
    await page.setInputFiles('#report-crl', crl);
    await page.fill('#report-at', at);
    await page.evaluate(() => delete document.body.dataset.report);
    await page.click('#report-run');
    await page.waitForFunction(() => document.body.dataset.report !== undefined, undefined, { timeout: 60_000 });
    const revocation = await page.$$eval('#report-verdicts li', (li) => li.map((x) => x.textContent ?? '').filter((t) => t.includes('revocation')));
    assert.equal(revocation.length, 1, 'one revocation line');
    return { verdict: (await page.getAttribute('#report-verdict', 'data-verdict')) ?? '', revocation: revocation[0]! };
  }

  it('a dropped CRL goes to the CRL field', async () => {
    const page = s.b.page;
    await openExampleOvmf(page, s.web.url);
    await page.evaluate(() => delete document.body.dataset.drop);
    await page.setInputFiles('#image', { name: 'crl', mimeType: 'application/octet-stream', buffer: readFileSync(kds('milan_crl_9.der')) });
    await page.waitForFunction(() => document.body.dataset.drop !== undefined);
    assert.equal(await page.evaluate(() => document.body.dataset.drop), 'crl');
    assert.match((await page.textContent('#drop-note')) ?? '', /^crl is a certificate revocation list \(ARK-Milan, #9\): put in 5\. Report check \(CRL\)\.$/);
    assert.equal(await page.$eval('#report-crl', (i) => (i as HTMLInputElement).files?.[0]?.name), 'crl');
  });

  it('the Milan CRL clears a Milan report; with a Genoa report or before thisUpdate it fails, and the verdict says NOT verified', async () => {
    const milan = await check(att('virtee_milan_report.bin'), att('virtee_milan_vcek.der'), kds('milan_crl_9.der'), '2026-07-01');
    assert.equal(milan.verdict, 'verified', milan.revocation);
    assert.match(milan.revocation, /^✔ revocation: SEV-Milan \(serial 0x[0-9a-f]+\) is not revoked: ARK-Milan CRL #9/);
    await screenshot(s.b.page, 'explorer-report-crl');

    const genoa = await check(att('mstav_genoa_report.bin'), att('mstav_genoa_vcek.pem'), kds('milan_crl_9.der'), '2026-07-01');
    assert.equal(genoa.verdict, 'failed');
    assert.match(genoa.revocation, /^✘ revocation: milan_crl_9\.der: issued by 'ARK-Milan', not by ARK-Genoa/);
    assert.equal(await s.b.page.$eval('#report-out', (o) => o.firstElementChild?.id), 'report-verdict');
    assert.match((await s.b.page.textContent('#report-verdict')) ?? '', /Report NOT verified: revocation failed/);

    const early = await check(att('virtee_milan_report.bin'), att('virtee_milan_vcek.der'), kds('milan_crl_9.der'), '2026-06-01');
    assert.equal(early.verdict, 'failed');
    assert.match(early.revocation, /not valid before its thisUpdate 2026-06-22T05:53:52\.000Z/);
  });
});
