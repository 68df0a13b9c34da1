#!/usr/bin/env node
// Explorer benchmark (run by bench/run.mjs, or alone after `npm run build`): the time from choosing
// the 4 MiB OVMF fixture in the page to every digest of the table shown, in headless Debian
// Chromium (specs/toolchain.md §7.2), next to the CLI's time for the same input. Prints one result
// per stdout line (bench/run.mjs adds them to its notes); progress goes to stderr. Exit 1 when
// Chromium, the build or the fixture is missing.
//
// Page time = the page's own clock from the file input's change event to the table in the DOM
// (document.body.dataset.lastMs); the Playwright time (setInputFiles → digests visible) adds the
// transfer of the file over the DevTools protocol. Target: under 1 s.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = process.env.SNP_LAUNCH_SHARED ?? resolve(REPO, '..', 'shared');
const OVMF = join(SHARED, 'vectors', 'sev-snp-measure', 'inputs', 'ovmf_AmdSev_4M.bin');
const CHROMIUM = process.env.SNP_LAUNCH_CHROMIUM ?? '/usr/bin/chromium';
const CLI = join(REPO, 'bin', 'snp-launch.js');
const REPS = Number(process.env.BENCH_REPS ?? 5);
const VCPUS = 4;
const TARGET_MS = 1000;
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

const log = (s) => process.stderr.write(`bench/browser: ${s}\n`);
const fail = (s) => {
  process.stderr.write(`bench/browser: ${s}\n`);
  process.exit(1);
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (x) => `${Math.round(x)} ms`;

if (!existsSync(CHROMIUM)) fail(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
if (!existsSync(OVMF)) fail(`fixture not found: ${OVMF}`);
if (!existsSync(join(REPO, 'dist', 'cli', 'commands', 'explore.js'))) fail('dist/ not built (npm run build)');

// The page bundle: build it when missing or older than its sources.
function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return t;
}
const index = join(REPO, 'web-dist', 'index.html');
if (!existsSync(index) || statSync(index).mtimeMs < Math.max(newest(join(REPO, 'web')), newest(join(REPO, 'src')))) {
  log('building the explorer (vite build)');
  const { build } = await import('vite');
  await build({ configFile: join(REPO, 'web', 'vite.config.ts'), logLevel: 'error' });
}

const { startStaticServer } = await import(join(REPO, 'dist', 'cli', 'commands', 'explore.js'));
const { chromium } = await import('playwright-core');
const server = await startStaticServer(join(REPO, 'web-dist'), 0);
const profile = mkdtempSync(join(tmpdir(), 'snp-launch-bench-chromium-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 800 } });
const page = context.pages()[0] ?? (await context.newPage());

const pageMs = [];
const wallMs = [];
let rows = 0;
try {
  for (let r = 0; r < REPS + 1; r++) {
    await page.goto(server.url);
    await page.fill('#vcpus', String(VCPUS));
    await page.selectOption('#vcpu-type', 'EPYC-v4');
    const t0 = performance.now();
    await page.setInputFiles('#image', OVMF);
    await page.waitForFunction(() => document.body.dataset.runs === '1' || document.body.dataset.state === 'error', null, { timeout: 60_000 });
    const wall = performance.now() - t0;
    const state = await page.evaluate(() => [document.body.dataset.state, Number(document.body.dataset.lastMs), Number(document.querySelector('#digest-table')?.getAttribute('data-digests'))]);
    if (state[0] !== 'ready') fail(`page error: ${await page.textContent('#status')}`);
    rows = state[2];
    if (r === 0) continue; // the first load warms up the browser's caches and JIT
    pageMs.push(state[1]);
    wallMs.push(wall);
    log(`run ${r}: page ${ms(state[1])}, setInputFiles→shown ${ms(wall)}`);
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  await server.close();
}

// The CLI on the same input: one row (qemu-kvm snp), and every row of the table, process start included.
const ROWS = [
  ['--mode', 'snp', '--platform', 'qemu-kvm', '--vcpu-type', 'EPYC-v4'],
  ['--mode', 'snp', '--platform', 'ec2'],
  ['--mode', 'snp', '--platform', 'gce'],
  ['--mode', 'seves', '--platform', 'qemu-kvm', '--vcpu-type', 'EPYC-v4'],
  ['--mode', 'seves', '--platform', 'ec2'],
  ['--mode', 'seves', '--platform', 'gce'],
  ['--mode', 'sev'],
  ['--mode', 'snp:ovmf-hash'],
];
const cliOnce = (args) => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, 'measure', ...args, '--vcpus', String(VCPUS), '--ovmf', OVMF], { encoding: 'utf8' });
  if (r.status !== 0) fail(`CLI failed: ${r.stderr.split('\n')[0]}`);
  return performance.now() - t0;
};
const cliOne = [];
const cliAll = [];
for (let r = 0; r < REPS; r++) {
  cliOne.push(cliOnce(ROWS[0]));
  cliAll.push(ROWS.reduce((sum, a) => sum + cliOnce(a), 0));
}

const p = median(pageMs);
console.log(
  `explorer: 4 MiB OVMF (${VCPUS} vCPUs), file chosen → ${rows} digests shown: ${ms(p)} median of ${REPS} (page clock; ${ms(median(wallMs))} from Playwright setInputFiles) — target < ${TARGET_MS} ms: ${p < TARGET_MS ? 'PASS' : 'FAIL'}`,
);
console.log(`cli: same input, qemu-kvm snp only: ${ms(median(cliOne))} per process; all ${ROWS.length} table rows as ${ROWS.length} processes: ${ms(median(cliAll))}`);
