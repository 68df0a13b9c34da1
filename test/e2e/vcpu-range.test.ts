/**
 * The explorer's vCPU table (issue #8 item 5) in headless Debian Chromium: for the example OVMF image
 * the page's digests per count and platform equal `snp-launch measure --vcpus 1-4,8` of the CLI on
 * the same bytes, for qemu-kvm (EPYC-v4), ec2 and gce; a bad range is shown as an error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../_shared.js';
import { explorerSession, needsChromium, openExampleOvmf, screenshot } from './_browser.js';
import { buildExample } from '../../web/src/examples.js';

describe('explorer: vCPU table', { skip: needsChromium }, () => {
  const s = explorerSession();

  async function table(range: string): Promise<string> {
    const page = s.b.page;
    await page.fill('#vcpu-range', range);
    await page.evaluate(() => delete document.body.dataset.range);
    await page.click('#range-run');
    await page.waitForFunction(() => document.body.dataset.range !== undefined, undefined, { timeout: 120_000 });
    return (await page.evaluate(() => document.body.dataset.range))!;
  }

  it('shows the digests measure --vcpus 1-4,8 prints, per platform', async () => {
    const page = s.b.page;
    await openExampleOvmf(page, s.web.url);
    assert.equal(await table('1-4,8'), 'ok');
    const cells = await page.$$eval('#range-table tr', (trs) => trs.slice(1).map((tr) => Array.from(tr.querySelectorAll('th, td'), (td, i) => (i === 0 ? td.textContent : td.getAttribute('title')) ?? '')));
    await screenshot(page, 'explorer-vcpu-range');
    const dir = mkdtempSync(join(tmpdir(), 'snp-range-e2e-'));
    const ex = await buildExample('ovmf');
    writeFileSync(join(dir, 'ovmf.fd'), ex.bytes);
    const cli = (vmm: string[]) =>
      execFileSync(process.execPath, [CLI, 'measure', '--mode', 'snp', '--vcpus', '1-4,8', '--ovmf', 'ovmf.fd', ...vmm], { cwd: dir, encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((l) => l.split('\t'));
    const cols = [cli(['--vcpu-type', 'EPYC-v4']), cli(['--vmm-type', 'ec2']), cli(['--vmm-type', 'gce'])];
    assert.deepEqual(
      cells,
      cols[0]!.map(([count], i) => [count, ...cols.map((c) => c[i]![1])]),
    );
  });

  it('says what is wrong with a bad range', async () => {
    assert.equal(await table('5-2'), 'error');
    assert.match(await s.b.page.textContent('#range-out') ?? '', /5-2.*ends before it starts/);
  });
});
