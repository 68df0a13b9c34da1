/**
 * The explorer as a person sees it (issue 17 item 6), at 1440×900 and at 390×844 in headless
 * Debian Chromium: every section is filled in turn (IGVM digests, make portable, diff, vCPU table,
 * OVMF digests, report check with the launch search, reference values, a dropped file), and after
 * each one the test asserts that the page does not scroll sideways, that the section raised no
 * console error, and that digests share a group letter and colour exactly when they are equal.
 * axe-core (injected from node_modules; the page itself loads nothing) must find no serious or
 * critical violation. Each section's screenshot goes to test-output/screenshots/<size>/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { HAVE_SHARED, shared } from '../_shared.js';
import { SCREENSHOTS, launchAt, needsChromium, serveExplorer, type Browser } from './_browser.js';
import type { StaticServer } from '../../src/cli/commands/explore.js';
import { buildOvmfImage } from '../../src/images/ovmf/builder.js';

const skip = needsChromium || (HAVE_SHARED ? false : 'shared material not found');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const att = (n: string) => shared('vectors', 'attestation', n);

/** Every digest shown with a group (cells, chips, boxes) in `scope`: letter ⇔ digest, colour ⇔ letter. */
async function groupsMatchDigests(page: Page, scope: string): Promise<number> {
  const items = await page.$$eval(`${scope} [data-digest][data-group]`, (els) =>
    els.map((e) => {
      const badge = e.querySelector('.badge') ?? e.closest('[data-group]')?.querySelector('.badge');
      return { digest: e.getAttribute('data-digest')!, group: e.getAttribute('data-group')!, colour: badge ? getComputedStyle(badge).backgroundColor : '' };
    }),
  );
  for (const a of items) {
    for (const b of items) {
      assert.equal(a.group === b.group, a.digest === b.digest, `${scope}: groups ${a.group}/${b.group} for digests ${a.digest.slice(0, 12)}/${b.digest.slice(0, 12)}`);
      if (a.colour && b.colour) assert.equal(a.colour === b.colour, a.group === b.group, `${scope}: colours of groups ${a.group} and ${b.group}`);
    }
  }
  return items.length;
}

for (const [width, height] of [
  [1440, 900],
  [390, 844],
] as const) {
  const size = `${width}x${height}`;
  describe(`explorer as a person sees it, ${size}`, { skip }, () => {
    let web: StaticServer;
    let b: Browser;
    let page: Page;
    const errors: string[] = [];
    const requests: string[] = [];
    const dir = join(SCREENSHOTS, size);

    before(async () => {
      web = await serveExplorer();
      b = await launchAt(width, height);
      page = b.page;
      page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => requests.push(r.url()));
      mkdirSync(dir, { recursive: true });
      await page.goto(web.url);
    });
    after(async () => {
      await b?.close();
      await web?.close();
    });

    /** After a section is filled: no sideways scroll, no console error, and its screenshot. */
    async function look(section: string, shot: string): Promise<void> {
      const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(scroll <= client, `${section}: the page is ${scroll}px wide on a ${client}px screen`);
      const [sw, cw] = await page.$eval(`#${section}`, (s) => [s.scrollWidth, s.clientWidth]);
      assert.ok(sw <= cw, `${section}: content is ${sw}px wide in a ${cw}px card (tables must scroll inside .scroll)`);
      assert.deepEqual(errors.splice(0), [], `${section}: console errors`);
      await page.locator(`#${section}`).screenshot({ path: join(dir, `${shot}.png`) });
    }

    /** axe-core on the page as it is now: no serious or critical violation. */
    async function axeClean(when: string): Promise<void> {
      if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE);
      const found = await page.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run(c: Document, o: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' ')) }));
      });
      const bad = found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(bad, [], `${when}: ${JSON.stringify(bad, null, 1)}`);
    }

    const runs = () => page.evaluate(() => Number(document.body.dataset.runs));
    async function measured(before: number): Promise<void> {
      await page.waitForFunction((n) => Number(document.body.dataset.runs) > n || document.body.dataset.state === 'error', before, { timeout: 120_000 });
      assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready', (await page.textContent('#status')) ?? '');
    }

    it('IGVM digests: one letter and colour per distinct digest, a legend, the agreement grid', async () => {
      await page.selectOption('#vcpu-type', 'EPYC-v4');
      const n = await runs();
      await page.click('#example-igvm');
      await measured(n);
      assert.ok((await groupsMatchDigests(page, '#digest-table')) >= 6);
      const legend = (await page.getAttribute('#digest-legend', 'aria-label')) ?? '';
      assert.match(legend, /^\d+ groups?: A = openvmm/);
      assert.match(legend, /kvm-vmsa-page, kvm-direct-vmsa/, 'the two KVM proposals agree on the example');
      // The grid shows a letter exactly where two platforms share a digest.
      const grid = await page.$$eval('#agreement tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.getAttribute('data-group'))));
      const digests = await page.$$eval('#digest-table td[data-digest]', (tds) => tds.map((td) => td.getAttribute('data-digest')));
      grid.forEach((row, i) => row.forEach((g, j) => assert.equal(g !== null, digests[i] === digests[j], `grid ${i},${j}`)));
      // A digest is one line in its short form and expands to the full value.
      const chip = page.locator('#digest-table .dg').first();
      const box = await chip.locator('.dg-short').boundingBox();
      assert.ok(box && box.height < 30, `short form on one line (${box?.height}px)`);
      await chip.locator('.dg-short').click();
      assert.equal((await chip.locator('.dg-full').textContent())?.replace(/\s/g, ''), digests[0]);
      assert.equal(await page.locator('#digest-table .warn').count(), 0, 'no warning about options the page chose');
      await look('digests', '01-digests-igvm');
      await look('inputs', '00-inputs');
      await look('memory', '02-memory-map');
    });

    it('make portable: the verdict first, the subsets as boxes, the edits collapsed', async () => {
      await page.click('#portable-run');
      await page.waitForFunction(() => document.body.dataset.portable !== undefined, undefined, { timeout: 120_000 });
      assert.equal(await page.$eval('#portable-out', (o) => o.firstElementChild?.id), 'portable-verdict');
      assert.equal(await page.locator('#portable-edits').isVisible(), false);
      await groupsMatchDigests(page, '#portable-groups');
      await look('portable', '06-portable-conflict');
      // Mid-run states too: a conflict, an expanded digest.
      await page.locator('#digest-table .dg-short').nth(1).click();
      assert.equal(await page.locator('#digest-table .dg-full:not([hidden])').count(), 2);
      await axeClean('IGVM digests and a portability conflict');
      await page.fill('#portable-for', 'openvmm,qemu-kvm,kvm-vmsa-page,kvm-direct-vmsa');
      await page.evaluate(() => delete document.body.dataset.portable);
      await page.click('#portable-run');
      await page.waitForFunction(() => document.body.dataset.portable !== undefined, undefined, { timeout: 120_000 });
      assert.equal(await page.getAttribute('#portable-verdict', 'data-verdict'), 'ok');
      assert.ok(await page.locator('#portable-verdict #portable-download').isVisible(), 'the download is in the verdict');
      await look('portable', '06-portable-ok');
    });

    it('diff and vCPU table', async () => {
      await page.click('#diff-run');
      await page.waitForSelector('#diff-explanation');
      await look('diff', '04-diff');
      await page.fill('#vcpu-range', '1-4');
      await page.click('#range-run');
      await page.waitForFunction(() => document.body.dataset.range !== undefined, undefined, { timeout: 120_000 });
      assert.ok((await groupsMatchDigests(page, '#range-table')) >= 24);
      await look('range', '07-vcpu-table');
    });

    it('OVMF digests and a report check: the signature verdict first, the launch search names the launch, KDS links', async () => {
      const n = await runs();
      await page.click('#example-ovmf');
      await measured(n);
      await groupsMatchDigests(page, '#digest-table');
      assert.equal(await page.locator('#digest-table .warn').count(), 0, 'no warning about options the page chose');
      await look('digests', '01-digests-ovmf');
      // A real Milan report: its MEASUREMENT is no row's; the search says so, in the CLI's words.
      await page.setInputFiles('#report-file', att('virtee_milan_report.bin'));
      await page.setInputFiles('#report-cert', att('virtee_milan_vcek.der'));
      await page.fill('#report-at', '2026-06-01');
      await page.evaluate(() => delete document.body.dataset.search);
      await page.click('#report-run');
      await page.waitForFunction(() => ['found', 'none', 'error'].includes(document.body.dataset.search ?? ''), undefined, { timeout: 300_000 });
      assert.equal(await page.$eval('#report-out', (o) => o.firstElementChild?.id), 'report-verdict', 'the signature verdict comes first');
      assert.equal(await page.getAttribute('#report-verdict', 'data-verdict'), 'verified');
      assert.equal(await page.evaluate(() => document.body.dataset.search), 'none');
      assert.match((await page.textContent('#report-search')) ?? '', /snp-launch match --report virtee_milan_report\.bin --ovmf example-ovmf\.fd/);
      const links = await page.$$eval('#report-kds a', (as) => as.map((a) => a.getAttribute('href') ?? ''));
      assert.ok(links.some((u) => /^https:\/\/kdsintf\.amd\.com\/vcek\/v1\/Milan\/[0-9a-f]{128}\?blSPL=/.test(u)), links.join(' '));
      assert.ok(links.includes('https://kdsintf.amd.com/vcek/v1/Milan/crl'));
      await look('report', '05-report-no-match');
    });

    it('a report whose MEASUREMENT is a launch outside the table: the search names it with its command', async () => {
      // qemu-kvm, 3 vCPUs (the table shows 1): the row's digest comes from the vCPU table's column.
      await page.fill('#vcpu-range', '3');
      await page.evaluate(() => delete document.body.dataset.range);
      await page.click('#range-run');
      await page.waitForFunction(() => document.body.dataset.range !== undefined, undefined, { timeout: 120_000 });
      const d = (await page.getAttribute('#range-table td[data-digest]', 'data-digest'))!;
      const report = readFileSync(att('virtee_milan_report.bin'));
      Buffer.from(d, 'hex').copy(report, 0x90);
      await page.setInputFiles('#report-file', { name: 'three.bin', mimeType: 'application/octet-stream', buffer: report });
      await page.evaluate(() => delete document.body.dataset.search);
      await page.click('#report-run');
      await page.waitForFunction(() => ['found', 'none', 'error'].includes(document.body.dataset.search ?? ''), undefined, { timeout: 300_000 });
      assert.equal(await page.getAttribute('#report-verdict', 'data-verdict'), 'failed', 'a patched MEASUREMENT breaks the signature');
      assert.equal(await page.evaluate(() => document.body.dataset.search), 'found');
      assert.match((await page.textContent('#search-verdict')) ?? '', /^The launch that gives this MEASUREMENT: qemu-kvm, 3 vCPUs, .*\(0x800f12\)/);
      assert.match((await page.textContent('#search-matches')) ?? '', /snp-launch measure --mode snp --vcpus 3 --vcpu-type [\w-]+ --ovmf example-ovmf\.fd/);
      await look('report', '05-report-search-found');
    });

    it('a dropped attestation report goes to the report check, in words; a text file is refused', async () => {
      const drop = async (name: string, buffer: Buffer) => {
        await page.evaluate(() => delete document.body.dataset.drop);
        await page.setInputFiles('#image', { name, mimeType: 'application/octet-stream', buffer });
        await page.waitForFunction(() => document.body.dataset.drop !== undefined);
        return [(await page.evaluate(() => document.body.dataset.drop)) ?? '', (await page.textContent('#drop-note')) ?? ''] as const;
      };
      const before = await runs();
      const [kind, note] = await drop('report.bin', readFileSync(att('trustee_milan_vcek_report.bin')));
      assert.equal(kind, 'report');
      assert.match(note, /^report\.bin is an attestation report \(version 2\): put in 5\. Report check\.$/);
      assert.equal(await runs(), before, 'not measured as an image');
      assert.equal(await page.$eval('#report-file', (i) => (i as HTMLInputElement).files?.[0]?.name), 'report.bin');
      const [k1, n1] = await drop('vcek.der', readFileSync(att('virtee_milan_vcek.der')));
      assert.equal(k1, 'cert');
      assert.match(n1, /^vcek\.der is a VCEK certificate \(Milan[^)]*\): put in 5\. Report check \(certificate\)\.$/);
      // A real drop (a DataTransfer on the drop event) anywhere on the page, here on the memory map.
      await page.evaluate(() => delete document.body.dataset.drop);
      const bytes = Array.from(readFileSync(att('virtee_milan_report.bin')));
      const dt = await page.evaluateHandle((b) => {
        const t = new DataTransfer();
        t.items.add(new File([new Uint8Array(b)], 'dropped.bin'));
        return t;
      }, bytes);
      await page.dispatchEvent('#memory', 'drop', { dataTransfer: dt });
      await page.waitForFunction(() => document.body.dataset.drop !== undefined);
      assert.equal(await page.evaluate(() => document.body.dataset.drop), 'report');
      assert.equal(await page.$eval('#report-file', (i) => (i as HTMLInputElement).files?.[0]?.name), 'dropped.bin');
      const [k2, n2] = await drop('notes.txt', Buffer.from('hello\n'));
      assert.equal(k2, 'refused');
      assert.match(n2, /^notes\.txt was not used: it is a text file/);
      await look('inputs', '00-inputs-dropped');
    });

    it('reference values: an export, and the check of a report that is not verified', async () => {
      await page.fill('#refv-vcpus', '1-2');
      await page.fill('#refv-platforms', 'qemu-kvm');
      await page.evaluate(() => delete document.body.dataset.refv);
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('#refv-json')]);
      const path = (await download.path())!;
      await page.setInputFiles('#report-file', att('virtee_milan_report.bin'));
      await page.setInputFiles('#report-cert', []);
      await page.setInputFiles('#refv-file', path);
      await page.evaluate(() => delete document.body.dataset.refv);
      await page.click('#refv-check');
      await page.waitForFunction(() => document.body.dataset.refv !== undefined, undefined, { timeout: 60_000 });
      assert.equal(await page.evaluate(() => document.body.dataset.refv), 'fail');
      assert.equal(await page.getAttribute('#refv-signature', 'data-verdict'), 'unchecked');
      await look('refvalues', '08-refvalues');
    });

    it('a launch QEMU would refuse is marked on its rows (AP reset address 0)', async () => {
      const n = await runs();
      await page.setInputFiles('#image', { name: 'eip0.fd', mimeType: 'application/octet-stream', buffer: Buffer.from(buildOvmfImage({ size: 16384, resetEip: 0 })) });
      await measured(n);
      const marked = await page.$$eval('#digest-table tr[data-refused]', (trs) => trs.map((t) => t.getAttribute('data-row')));
      assert.ok(marked.includes('qemu-kvm/snp') && marked.includes('qemu-kvm/seves'), marked.join(', '));
      assert.ok(!marked.includes('qemu-kvm/sev'), 'SEV has no AP reset address');
      assert.match((await page.textContent('#digest-table tr[data-row="qemu-kvm/snp"]')) ?? '', /QEMU refuses this launch: AP reset address 0/);
      await look('digests', '01-digests-qemu-refuses');
      // As `snp-launch refvalues`: no reference values for it.
      await page.evaluate(() => delete document.body.dataset.refv);
      await page.click('#refv-json');
      await page.waitForFunction(() => document.body.dataset.refv !== undefined, undefined, { timeout: 60_000 });
      assert.equal(await page.evaluate(() => document.body.dataset.refv), 'error');
      assert.match((await page.textContent('#refv-verdict')) ?? '', /eip0\.fd: QEMU refuses SNP launches of this firmware: AP reset address 0/);
    });

    it('axe-core finds no serious or critical accessibility violation', async () => {
      await axeClean('every section filled');
      await page.screenshot({ path: join(dir, '99-whole-page.png'), fullPage: true });
      assert.deepEqual(errors, []);
      // The KDS links were shown, never followed: the page loaded itself and nothing else.
      assert.deepEqual(requests.filter((u) => u !== web.url && !u.startsWith('data:') && !u.startsWith('blob:')), []);
    });
  });
}
