/**
 * End-to-end tests of the explorer page in headless Debian Chromium (specs/toolchain.md §7.2),
 * served from 127.0.0.1. Digests are checked against the sev-snp-measure reference outputs
 * (shared/vectors/sev-snp-measure/reference.tsv) and against the CLI for the same inputs; the JSON
 * export must be byte-identical to `snp-launch measure --json`. Screenshots go to test-artifacts/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { CLI, HAVE_SHARED, REPO, shared } from '../_shared.js';
import { ARTIFACTS, WEB_DIST, launchBrowser, needsChromium, screenshot, serveExplorer, type Browser } from './_browser.js';
import type { StaticServer } from '../../src/cli/commands/explore.js';
import { buildIgvmExample } from '../../web/src/examples.js';

const INPUTS = shared('vectors', 'sev-snp-measure', 'inputs');
const OVMF_4M = join(INPUTS, 'ovmf_AmdSev_4M.bin');
const skip = needsChromium || (HAVE_SHARED ? false : 'shared material not found');
const HAVE_CLI = existsSync(join(REPO, 'dist', 'cli', 'main.js'));

/** reference.tsv: args → expected stdout, for the rows that succeed. */
function reference(): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of readFileSync(shared('vectors', 'sev-snp-measure', 'reference.tsv'), 'utf8').split('\n').slice(1)) {
    const [args, expected, rc] = line.split('\t');
    if (args && expected && rc === '0') m.set(args, expected);
  }
  return m;
}

/** Runs the built CLI in `cwd` (so input paths are the bare file names the page shows). */
function cli(args: string[], cwd: string): string {
  return execFileSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Splits the page's CLI line (POSIX single quotes, as the page writes them) into the arguments after `snp-launch`. */
function cliArgsOf(line: string): string[] {
  assert.match(line, /^snp-launch measure /);
  const out: string[] = [];
  let cur: string | undefined;
  for (let i = 'snp-launch '.length; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ') {
      if (cur !== undefined) out.push(cur);
      cur = undefined;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      cur = (cur ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '\\') {
      cur = (cur ?? '') + line[++i];
    } else cur = (cur ?? '') + c;
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

async function waitMeasured(page: Page, runsBefore: number): Promise<void> {
  await page.waitForFunction((n) => Number(document.body.dataset.runs) > n || document.body.dataset.state === 'error', runsBefore, { timeout: 120_000 });
  const state = await page.evaluate(() => document.body.dataset.state);
  assert.equal(state, 'ready', `page error: ${await page.textContent('#status')}`);
}

const sha256File = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

const runs = (page: Page) => page.evaluate(() => Number(document.body.dataset.runs));

/** Opens the page, sets the options, then the image (which starts the measurement). */
async function load(page: Page, url: string, image: string | 'example-ovmf' | 'example-igvm', vcpus: number, vcpuType = 'EPYC-v4'): Promise<void> {
  await page.goto(url);
  await page.fill('#vcpus', String(vcpus));
  await page.selectOption('#vcpu-type', vcpuType);
  const n = await runs(page);
  if (image.startsWith('example-')) await page.click(`#${image}`);
  else await page.setInputFiles('#image', image);
  await waitMeasured(page, n);
}

/** rowId → digest (or "!reason") from the table. */
async function table(page: Page): Promise<Map<string, string>> {
  const cells = await page.$$eval('#digest-table td[data-row]', (tds) =>
    tds.map((td) => [td.getAttribute('data-row')!, td.hasAttribute('data-reason') ? '!' + td.textContent : td.getAttribute('data-digest')!] as [string, string]),
  );
  return new Map(cells);
}

async function rowCli(page: Page, id: string): Promise<string> {
  return (await page.getAttribute(`#digest-table tr[data-row="${id}"] button[aria-label^="copy the CLI"]`, 'title'))!;
}

async function vmsaBlocks(page: Page, rowId: string): Promise<number> {
  await page.selectOption('#map-row', rowId);
  return page.locator('#map .range[data-type="VMSA"]').count();
}

describe('explorer (headless Chromium)', { skip }, () => {
  let web: StaticServer;
  let b: Browser;
  const errors: string[] = [];
  const requests: string[] = [];

  before(async () => {
    web = await serveExplorer();
    b = await launchBrowser();
    b.page.on('pageerror', (e) => errors.push(e.message));
    b.page.on('request', (r) => requests.push(r.url()));
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await b?.close();
    await web?.close();
  });

  it('says that nothing is uploaded', async () => {
    await b.page.goto(web.url);
    assert.match((await b.page.textContent('#privacy'))!, /nothing is uploaded/);
  });

  it('shows the reference digests for the 4 MiB OVMF fixture with 4 vCPUs, equal to the CLI', async () => {
    const { page } = b;
    await load(page, web.url, OVMF_4M, 4);
    const got = await table(page);
    const ref = reference();
    const f = 'vectors/sev-snp-measure/inputs/ovmf_AmdSev_4M.bin';
    const expected: [string, string][] = [
      ['qemu-kvm/snp', `--mode snp --vcpus 4 --vcpu-type EPYC-v4 --ovmf ${f}`],
      ['ec2/snp', `--mode snp --vcpus 4 --vmm-type ec2 --ovmf ${f}`],
      ['gce/snp', `--mode snp --vcpus 4 --vmm-type gce --ovmf ${f}`],
      ['qemu-kvm/seves', `--mode seves --vcpus 4 --vcpu-type EPYC-v4 --ovmf ${f}`],
      ['qemu-kvm/sev', `--mode sev --ovmf ${f}`],
      ['qemu-kvm/snp:ovmf-hash', `--mode snp:ovmf-hash --ovmf ${f}`],
    ];
    for (const [row, args] of expected) assert.equal(got.get(row), ref.get(args), `${row} (reference: ${args})`);
    assert.match(got.get('qemu-kvm/snp:svsm')!, /^!cannot launch: needs a Coconut-SVSM binary/);
    await screenshot(page, 'explorer-ovmf-4vcpu-1280x800');

    if (!HAVE_CLI) return; // run `npm run build` to compare with the CLI as well
    for (const [row, digest] of got) {
      if (digest.startsWith('!')) continue;
      const doc = JSON.parse(cli([...cliArgsOf(await rowCli(page, row)), '--json'], INPUTS)) as { digest: string };
      assert.equal(digest, doc.digest, `${row}: page vs CLI`);
    }
  });

  it('exports JSON byte-identical to `snp-launch measure --json` (with and without --log)', { skip: HAVE_CLI ? false : 'CLI not built (npm run build)' }, async () => {
    const { page } = b;
    await load(page, web.url, OVMF_4M, 2, 'EPYC-Milan');
    for (const [row, withLog] of [['qemu-kvm/snp', false], ['gce/snp', true], ['ec2/seves', false]] as const) {
      await page.evaluate(() => delete document.body.dataset.lastJson);
      await page.click(`#digest-table tr[data-row="${row}"] button:text-is("${withLog ? 'JSON+log' : 'JSON'}")`);
      await page.waitForFunction((id) => document.body.dataset.lastJson === id, row);
      const text = await page.evaluate(() => (window as unknown as { __lastJson: string }).__lastJson);
      const args = cliArgsOf(await rowCli(page, row));
      assert.equal(text, cli([...args, '--json', ...(withLog ? ['--log'] : [])], INPUTS), `${row} JSON`);
    }
  });

  it('measures direct boot (kernel, initrd, command line) like the reference and the CLI', async () => {
    const { page } = b;
    const ref = reference();
    const f = (n: string) => `vectors/sev-snp-measure/inputs/${n}`;
    const tail = `--kernel ${f('kernel_5M123.bin')} --initrd ${f('initrd_5M123.bin')} --append 'console=ttyS0 loglevel=7'`;
    for (const vcpus of [1, 2]) {
      await page.goto(web.url);
      await page.fill('#vcpus', String(vcpus));
      await page.selectOption('#vcpu-type', 'EPYC-v4');
      await page.setInputFiles('#kernel', join(INPUTS, 'kernel_5M123.bin'));
      await page.setInputFiles('#initrd', join(INPUTS, 'initrd_5M123.bin'));
      await page.fill('#append', 'console=ttyS0 loglevel=7');
      await page.press('#append', 'Tab'); // commit the field before the image starts the run
      const n = await runs(page);
      await page.setInputFiles('#image', OVMF_4M);
      await waitMeasured(page, n);
      const got = await table(page);
      const expect = (row: string, args: string) => assert.equal(got.get(row), ref.get(args), `${row}: ${args}`);
      if (vcpus === 1) expect('qemu-kvm/snp', `--mode snp --vcpus 1 --vcpu-type EPYC-v4 --ovmf ${f('ovmf_AmdSev_4M.bin')} ${tail}`);
      if (vcpus === 2) expect('qemu-kvm/seves', `--mode seves --vcpus 2 --vcpu-type EPYC-v4 --ovmf ${f('ovmf_AmdSev_4M.bin')} ${tail}`);
      expect('qemu-kvm/sev', `--mode sev --ovmf ${f('ovmf_AmdSev_4M.bin')} ${tail}`);
      if (!HAVE_CLI) continue;
      for (const [row, digest] of got) {
        if (digest.startsWith('!')) continue;
        const args = cliArgsOf(await rowCli(page, row));
        if (row !== 'qemu-kvm/snp:ovmf-hash') assert.ok(args.includes('console=ttyS0 loglevel=7'), row);
        assert.equal(JSON.parse(cli([...args, '--json'], INPUTS)).digest, digest, `${row}: page vs CLI`);
      }
    }
  });

  it('shows why each platform cannot launch a bad image, without breaking', async () => {
    const { page } = b;
    await load(page, web.url, join(INPUTS, 'ovmf_nofooter.bin'), 1);
    const got = await table(page);
    assert.match(got.get('qemu-kvm/snp')!, /^!cannot launch: .*ovmf_nofooter\.bin/);
    assert.equal(got.get('qemu-kvm/sev'), sha256File(join(INPUTS, 'ovmf_nofooter.bin')), 'sev needs no footer: SHA-256 of the file');
    const truncated = buildIgvmExample().subarray(0, 100);
    const n = await runs(page);
    await page.setInputFiles('#image', { name: 'cut.igvm', mimeType: 'application/octet-stream', buffer: Buffer.from(truncated) });
    await waitMeasured(page, n);
    const rows = await table(page);
    assert.equal(rows.size, 7); // one row per IGVM platform (src/core/platforms.ts)
    for (const [row, v] of rows) assert.match(v, /^!cannot launch: cut\.igvm/, row);
    await screenshot(page, 'explorer-bad-igvm-1280x800');
  });

  it('draws 4 VMSA blocks for qemu-kvm with 4 vCPUs and lists a range\'s log entries by keyboard', async () => {
    const { page } = b;
    await load(page, web.url, OVMF_4M, 4);
    assert.equal(await vmsaBlocks(page, 'qemu-kvm/snp'), 4);
    // Breaks: low memory metadata, the firmware below 4 GiB, and the VMSA page at 0xFFFFFFFFF000.
    assert.equal(await page.locator('#map .segment').count(), 3);
    assert.equal(await page.locator('#map .break').count(), 2);
    // Keyboard only: Tab from the platform picker reaches the first range; Enter lists its entries.
    await page.focus('#map-row');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('range')), true);
    await page.keyboard.press('Enter');
    assert.match((await page.textContent('#map-details h3'))!, /^ZERO 0x800000–/);
    const firmware = page.locator('#map .range[data-type="NORMAL"][data-gpa="0xffc00000"]');
    await firmware.focus();
    await page.keyboard.press('Enter');
    const heading = await page.textContent('#map-details h3');
    assert.match(heading!, /NORMAL 0xffc00000–0x100000000 · 1024 log entries/);
    assert.equal(await page.locator('#map-details tbody tr').count(), 200);
    await page.locator('#map .range[data-type="VMSA"]').nth(3).click();
    assert.match((await page.textContent('#map-details tbody'))!, /VMSA/);
    await screenshot(page, 'explorer-map-ovmf-1280x800');
  });

  it('IGVM example: 4 VMSA blocks on qemu-kvm with 4 vCPUs, 1 on kvm-vmsa-page; digests equal the CLI', async () => {
    const { page } = b;
    await load(page, web.url, 'example-igvm', 4);
    assert.equal(await vmsaBlocks(page, 'qemu-kvm'), 4);
    assert.equal(await vmsaBlocks(page, 'kvm-vmsa-page'), 1);
    await screenshot(page, 'explorer-igvm-kvm-vmsa-page-1280x800');
    const got = await table(page);
    assert.equal(got.size, 7);
    if (!HAVE_CLI) return;
    const dir = join(ARTIFACTS, 'igvm-example');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'example.igvm'), buildIgvmExample());
    for (const [row, digest] of got) {
      const args = cliArgsOf(await rowCli(page, row));
      if (digest.startsWith('!')) {
        assert.throws(() => execFileSync(process.execPath, [CLI, ...args], { cwd: dir, stdio: 'pipe' }), Error, `${row} fails in the CLI too`);
        continue;
      }
      assert.equal(JSON.parse(cli([...args, '--json'], dir)).digest, digest, `${row}: page vs CLI`);
    }
  });

  it('diff names the first divergence with the words of `snp-launch portability` (two platforms, two vCPU counts)', async () => {
    const { page } = b;
    await load(page, web.url, 'example-igvm', 1);
    await page.selectOption('#diff-a', 'qemu-kvm');
    await page.selectOption('#diff-b', 'kvm-vmsa-page');
    await page.click('#diff-run');
    await page.waitForSelector('#diff-explanation');
    const why = (await page.textContent('#diff-explanation'))!;
    assert.ok(await page.getAttribute('#diff-explanation', 'data-kind'), 'a divergence kind from src/explain');
    assert.equal(await page.locator('table.aligned tr.first').count(), 1);
    await screenshot(page, 'explorer-diff-igvm-1280x800');
    if (HAVE_CLI) {
      const dir = join(ARTIFACTS, 'igvm-example');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'example.igvm'), buildIgvmExample());
      const r = spawnSync(process.execPath, [CLI, 'portability', '--igvm', 'example.igvm', '--vcpus', '1', '--vcpu-type', 'EPYC-v4', '--wide'], { cwd: dir, encoding: 'utf8' });
      const lines = r.stdout.split('\n');
      const at = lines.findIndex((l) => /^ {2}qemu-kvm vs kvm-vmsa-page, step \d+:$/.test(l));
      assert.ok(at >= 0, `portability output names the pair:\n${r.stdout}${r.stderr}`);
      const step = /step (\d+)/.exec(lines[at]!)![1];
      assert.match((await page.textContent('#diff-out .explain'))!, new RegExp(`first divergence at step ${step}:`));
      assert.equal(`    why: ${why}`, lines[at + 3], 'same explanation as snp-launch portability');
    }

    await load(page, web.url, OVMF_4M, 1);
    await page.selectOption('#diff-a', 'qemu-kvm/snp');
    await page.selectOption('#diff-b', 'qemu-kvm/snp');
    await page.fill('#diff-b-vcpus', '3');
    await page.click('#diff-run');
    await page.waitForSelector('#diff-explanation');
    assert.ok(await page.getAttribute('#diff-explanation', 'data-kind'));
    const box = (await page.textContent('#diff-out .explain'))!;
    // The 1-vCPU log ends with its only VMSA (the memory map's label gives its step); B goes on.
    await page.selectOption('#map-row', 'qemu-kvm/snp');
    const last = Number(/steps (\d+)–/.exec((await page.getAttribute('#map .range[data-type="VMSA"]', 'aria-label'))!)![1]);
    assert.match(box, new RegExp(`qemu-kvm/snp \\(1 vCPU\\) vs qemu-kvm/snp \\(3 vCPUs\\), first divergence at step ${last + 1}:`));
    assert.match(box, /\(1 vCPU\): \(no more steps\)/);
    assert.match(box, /\(3 vCPUs\): VMSA at 0xfffffffff000 \(VMSA vCPU 1 \(AP\)\)/);
    assert.match((await page.textContent('#diff-out'))!, /2 only in B/);
    await screenshot(page, 'explorer-diff-vcpus-1280x800');
  });

  it('verifies a real attestation report and names the platform its MEASUREMENT matches', async () => {
    const { page } = b;
    const att = (n: string) => shared('vectors', 'attestation', n);
    await load(page, web.url, OVMF_4M, 4);
    const digest = (await table(page)).get('qemu-kvm/snp')!;
    await page.setInputFiles('#report-file', att('gosevguest_milan_attestation.bin'));
    await page.setInputFiles('#report-cert', att('gosevguest_milan_vcek.der'));
    await page.fill('#report-at', '2026-06-01');
    // go-sev-guest's sample guest allows DEBUG: accepted only when asked (report verify --allow-debug).
    await page.check('#report-allow-debug');
    await page.click('#report-run');
    await page.waitForSelector('#report-match');
    const verdicts = await page.$$eval('#report-verdicts li', (lis) => lis.map((li) => [li.getAttribute('data-ok'), li.textContent]));
    assert.ok(verdicts.length >= 4, 'several checks shown');
    for (const [ok, t] of verdicts) assert.equal(ok, 'true', t!);
    assert.match((await page.textContent('#report-out'))!, /b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01/);
    assert.equal(await page.getAttribute('#report-verdict', 'data-verdict'), 'verified');
    assert.equal((await page.textContent('#report-match'))!, 'MEASUREMENT matches none of the 4 predicted SNP digests.');
    // Then the launch search of `snp-launch match` runs on the image: no launch of the fixture gives it.
    await page.waitForFunction(() => ['found', 'none', 'error'].includes(document.body.dataset.search ?? ''), undefined, { timeout: 300_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.search), 'none', (await page.textContent('#report-search')) ?? '');
    await screenshot(page, 'explorer-report-1280x800');

    // The same report with MEASUREMENT (offset 0x90, attestation.md §1.2) replaced by the predicted
    // qemu-kvm digest: the page names the platform, and the signature no longer verifies.
    const patched = readFileSync(att('gosevguest_milan_attestation.bin'));
    Buffer.from(digest, 'hex').copy(patched, 0x90);
    await page.setInputFiles('#report-file', { name: 'patched.bin', mimeType: 'application/octet-stream', buffer: patched });
    await page.setInputFiles('#report-cert', att('gosevguest_milan_vcek.der'));
    await page.fill('#report-at', '2026-06-01');
    await page.click('#report-run');
    await page.waitForFunction(() => /matches:/.test(document.querySelector('#report-match')?.textContent ?? ''));
    // A match on a report whose signature fails is said in red, with why it proves nothing.
    assert.match((await page.textContent('#report-match'))!, /^MEASUREMENT matches: qemu-kvm\/snp — but the report is NOT verified/);
    assert.equal(await page.getAttribute('#report-match', 'class'), 'bad');
    const sig = await page.$$eval('#report-verdicts li', (lis) => lis.filter((li) => li.textContent!.includes('report-signature')).map((li) => li.getAttribute('data-ok')));
    assert.deepEqual(sig, ['false']);
    assert.equal(await page.getAttribute('#report-verdict', 'data-verdict'), 'failed');
    assert.equal(await page.locator('#digest-table tr.match').count(), 1);
  });

  it('stays responsive with a progress bar while a 24 MiB image is hashed', async () => {
    const { page } = b;
    const suffix = readFileSync(shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin'));
    const size = 24 << 20;
    const big = Buffer.alloc(size);
    for (let i = 0; i < size - suffix.length; i++) big[i] = (i % 251) & 0xff;
    suffix.copy(big, size - suffix.length);
    await page.goto(web.url);
    const n = await runs(page);
    // From a file path: Chromium reads it from disk (a 24 MiB buffer through the protocol took ~30 s on a loaded machine).
    const bigPath = join(ARTIFACTS, 'big.fd');
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(bigPath, big);
    await page.setInputFiles('#image', bigPath, { timeout: 120_000 });
    await page.waitForSelector('#progress-box:not([hidden])', { timeout: 30_000 });
    // The main thread answers quickly while the worker hashes.
    const t0 = Date.now();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    assert.ok(Date.now() - t0 < 1000, `main thread blocked for ${Date.now() - t0} ms`);
    const v = await page.evaluate(() => (document.getElementById('progress') as HTMLProgressElement).value);
    assert.ok(v >= 0 && v <= 1);
    // Rows appear as they finish, before the whole table is done.
    await page.waitForSelector('#digest-table[data-partial="true"] tbody tr', { timeout: 60_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'measuring');
    await screenshot(page, 'explorer-progress-1280x800');
    await waitMeasured(page, n);
    assert.equal(await page.getAttribute('#digest-table', 'data-partial'), 'false');
    assert.equal(await page.isHidden('#progress-box'), true);
  });

  it('fits a phone-width screen without horizontal scrolling', async () => {
    const phone = await b.context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await load(phone, web.url, OVMF_4M, 4);
    const [scroll, client] = await phone.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= client, `page is ${scroll}px wide on a ${client}px screen`);
    assert.equal(await vmsaBlocks(phone, 'qemu-kvm/snp'), 4);
    await screenshot(phone, 'explorer-ovmf-phone-390');
    await phone.close();
  });

  it('works when index.html is opened from disk (file://), no server needed', async () => {
    const page = await b.context.newPage();
    try {
      await page.goto(pathToFileURL(join(WEB_DIST, 'index.html')).href);
      const n = await runs(page);
      await page.fill('#vcpus', '4');
      await page.setInputFiles('#image', OVMF_4M);
      await waitMeasured(page, n);
      const got = await table(page);
      assert.equal(got.get('qemu-kvm/snp'), reference().get('--mode snp --vcpus 4 --vcpu-type EPYC-v4 --ovmf vectors/sev-snp-measure/inputs/ovmf_AmdSev_4M.bin'));
      await screenshot(page, 'explorer-file-url-1280x800');
    } finally {
      await page.close();
    }
  });

  it('raised no uncaught page errors', () => {
    assert.deepEqual(errors, []);
  });

  it('made no network request except loading the page itself (nothing is uploaded)', () => {
    const other = requests.filter((u) => u !== web.url && !u.startsWith('data:') && !u.startsWith('blob:'));
    assert.ok(requests.includes(web.url));
    assert.deepEqual(other, []);
  });
});
