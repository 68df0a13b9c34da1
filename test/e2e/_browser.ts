/**
 * Shared helpers for browser end-to-end tests (specs/toolchain.md §7.2): Debian's Chromium driven
 * by playwright-core, pages served from 127.0.0.1 by the explore command's static server (data:
 * and about:blank pages have no crypto.subtle), the explorer bundle built on demand, and
 * screenshots saved under test-output/screenshots/ (git-ignored; README "Tests" names it).
 *
 *   const skip = needsChromium;            // test option: false, or why the test is skipped
 *   const web = await serveExplorer();     // builds web-dist/ if missing or stale
 *   const b = await launchBrowser();       // b.page, b.close()
 *   const s = explorerSession();           // inside describe(): both, opened before and closed after its tests
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { after, before } from 'node:test';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { REPO } from '../_shared.js';
import { startStaticServer, type StaticServer } from '../../src/cli/commands/explore.js';

export const CHROMIUM = process.env.SNP_LAUNCH_CHROMIUM ?? '/usr/bin/chromium';
export const WEB_DIST = join(REPO, 'web-dist');
export const ARTIFACTS = join(REPO, 'test-artifacts');
/** Where every e2e run writes its screenshots, for a reviewer to look at. */
export const SCREENSHOTS = join(REPO, 'test-output', 'screenshots');

/** Pass as a test's `skip` option: false when Chromium is installed, else the reason. */
export const needsChromium: string | false = existsSync(CHROMIUM)
  ? false
  : `Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set SNP_LAUNCH_CHROMIUM)`;

/** The launch flags of specs/toolchain.md §7.2. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile; `viewport` defaults to 1280×800. */
export async function launchBrowser(viewport = { width: 1280, height: 800 }): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const profile = mkdtempSync(join(tmpdir(), 'snp-launch-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport, acceptDownloads: true });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function newestMtime(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return t;
}

/** True when web-dist/index.html is missing or older than any source under web/ or src/. */
export function webBuildStale(): boolean {
  const out = join(WEB_DIST, 'index.html');
  if (!existsSync(out)) return true;
  return statSync(out).mtimeMs < Math.max(newestMtime(join(REPO, 'web')), newestMtime(join(REPO, 'src')));
}

/**
 * Builds the explorer with Vite's JS API when needed. A lock directory keeps two test files
 * (run concurrently) from building into the same folder at once.
 */
export async function ensureWebBuild(): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const lock = join(ARTIFACTS, '.web-build.lock'); // test-artifacts/ is gitignored
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 3 minutes was left by a killed run.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for another explorer build');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (webBuildStale()) {
      const { build } = await import('vite');
      await build({ configFile: join(REPO, 'web', 'vite.config.ts'), logLevel: 'error' });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return WEB_DIST;
}

/** Builds if needed and serves web-dist/ on 127.0.0.1 (any free port). */
export async function serveExplorer(): Promise<StaticServer> {
  return startStaticServer(await ensureWebBuild(), 0);
}

/**
 * For a describe() block: serves the explorer and launches Chromium before its tests, closes both
 * after them. Read `s.web` and `s.b` inside the tests (they are set once the hook ran).
 */
export function explorerSession(): { web: StaticServer; b: Browser } {
  const s = {} as { web: StaticServer; b: Browser };
  before(async () => {
    s.web = await serveExplorer();
    s.b = await launchBrowser();
  });
  after(async () => {
    await s.b?.close();
    await s.web?.close();
  });
  return s;
}

/** Opens the explorer and measures its built-in example OVMF; resolves once that run has finished. */
export async function openExampleOvmf(page: Page, url: string): Promise<void> {
  await page.goto(url);
  const n = await page.evaluate(() => Number(document.body.dataset.runs));
  await page.click('#example-ovmf');
  await page.waitForFunction((x) => Number(document.body.dataset.runs) > x, n, { timeout: 120_000 });
}

/** Saves a full-page screenshot as test-output/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Launches headless Chromium with a fresh profile at the given viewport (see launchBrowser). */
export async function launchAt(width: number, height: number): Promise<Browser> {
  return launchBrowser({ width, height });
}
