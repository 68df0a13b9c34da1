/**
 * The explorer's "make portable" button (issue #9) in headless Debian Chromium: on the example
 * IGVM file it lists the edits, and the downloaded file is byte-identical to what
 * `snp-launch portability --fix` writes for the same file and platforms, on which the CLI measures
 * one digest for every listed platform; with all six platforms it shows the conflict instead.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../_shared.js';
import { explorerSession, needsChromium, screenshot } from './_browser.js';
import { buildIgvmExample } from '../../web/src/examples.js';

const FOUR = 'openvmm,qemu-kvm,kvm-vmsa-page,kvm-direct-vmsa';

describe('explorer: make portable', { skip: needsChromium }, () => {
  const s = explorerSession();

  async function run(targets: string): Promise<string> {
    const page = s.b.page;
    await page.goto(s.web.url);
    const n = await page.evaluate(() => Number(document.body.dataset.runs));
    await page.click('#example-igvm');
    await page.waitForFunction((x) => Number(document.body.dataset.runs) > x, n, { timeout: 120_000 });
    await page.fill('#portable-for', targets);
    await page.evaluate(() => delete document.body.dataset.portable);
    await page.click('#portable-run');
    await page.waitForFunction(() => document.body.dataset.portable !== undefined, undefined, { timeout: 120_000 });
    return (await page.evaluate(() => document.body.dataset.portable))!;
  }

  it('lists the edits and downloads the file portability --fix writes', async () => {
    assert.equal(await run(FOUR), 'ok');
    const page = s.b.page;
    const edits = await page.$$eval('#portable-edits li', (li) => li.map((x) => x.textContent ?? ''));
    assert.equal(edits.length, 2, edits.join('\n'));
    assert.ok(edits.some((e) => /shared flag cleared/.test(e)));
    assert.ok(edits.some((e) => /VP_CONTEXT .* moved/.test(e)));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#portable-download')]);
    const dir = mkdtempSync(join(tmpdir(), 'snp-portable-e2e-'));
    const got = join(dir, 'browser.igvm');
    await download.saveAs(got);
    await screenshot(page, 'explorer-portable');
    // The CLI on the same input.
    writeFileSync(join(dir, 'example.igvm'), buildIgvmExample());
    execFileSync(process.execPath, [CLI, 'portability', '--fix', '--igvm', 'example.igvm', '--for', FOUR, '--vcpu-type', 'EPYC-v4', '-o', 'cli.igvm'], { cwd: dir, stdio: 'ignore' });
    assert.deepEqual(readFileSync(got), readFileSync(join(dir, 'cli.igvm')), 'browser and CLI write the same bytes');
    const digests = new Set(FOUR.split(',').map((p) => execFileSync(process.execPath, [CLI, 'measure', '--igvm', got, '--platform', p], { encoding: 'utf8' }).trim()));
    assert.equal(digests.size, 1, 'the listed platforms agree on the downloaded file');
    // Verdict and download first; the edits collapsed under a one-line summary.
    assert.equal(await page.getAttribute('#portable-verdict', 'data-verdict'), 'ok');
    assert.match((await page.textContent('#portable-summary')) ?? '', /^2 edits: /);
    assert.equal(await page.locator('#portable-edits').isVisible(), false, 'edits collapsed');
    const shown = await page.$$eval('#portable-groups .dg', (d) => d.map((x) => x.getAttribute('data-digest')));
    assert.deepEqual(new Set(shown), digests);
  });

  it('shows the conflict for all six platforms (the 8 KiB parameter area)', async () => {
    assert.equal(await run(''), 'conflict');
    const page = s.b.page;
    // The verdict comes first, before any edit; the edits tried stay collapsed.
    const first = await page.$eval('#portable-out', (o) => o.firstElementChild?.id);
    assert.equal(first, 'portable-verdict');
    assert.match((await page.textContent('#portable-verdict')) ?? '', /^✘ No file makes these 6 platforms agree\./);
    assert.match((await page.textContent('#portable-conflict')) ?? '', /parameter area 0/);
    assert.match((await page.getAttribute('#portable-conflict', 'data-line')) ?? '', /subsets that agree/);
    assert.equal(await page.locator('#portable-groups .group-box').count(), 2);
    assert.match((await page.textContent('#portable-summary')) ?? '', /^10 edits tried: .*9 headers moved/);
    assert.equal(await page.locator('#portable-edits').isVisible(), false);
    assert.equal(await page.$('#portable-download'), null);
  });
});
