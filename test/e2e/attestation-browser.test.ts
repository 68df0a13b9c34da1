/**
 * The same verification in headless Chromium as in Node (specs/toolchain.md §7.2): the library is
 * bundled with Vite's JS API into a temporary directory, served from 127.0.0.1 (crypto.subtle
 * needs a secure context), and every shared report is verified in the page; the results must
 * equal Node's, and a flipped byte must fail in the browser too.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { REPO, HAVE_SHARED } from '../_shared.js';
import { expectedReports, read, VEC } from '../attestation/_vectors.js';
import { launchBrowser, needsChromium, type Browser } from './_browser.js';

const skip = needsChromium || (HAVE_SHARED ? false : 'shared vectors not found');
let dir = '';
let server: Server | undefined;
let url = '';
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'snp-launch-attest-web-'));
  const { build } = await import('vite');
  await build({
    configFile: false,
    logLevel: 'error',
    build: {
      outDir: dir,
      emptyOutDir: true,
      minify: false,
      lib: { entry: join(REPO, 'test', 'attestation', 'browser-entry.ts'), formats: ['es'], fileName: () => 'verify.js' },
    },
  });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>attestation</title><script type="module" src="./verify.js"></script>\n');
  server = createServer((req, res) => {
    const name = req.url === '/' ? 'index.html' : (req.url ?? '').replace(/^\/+/, '');
    if (!/^[\w.-]+$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(join(dir, name));
      res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await launchBrowser();
  await browser.page.goto(url);
  await browser.page.waitForFunction(() => typeof (globalThis as { snpVerify?: unknown }).snpVerify === 'function');
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Run = { ok: boolean; checks: { name: string; pass: boolean; reason: string }[]; secureContext: boolean };

async function inPage(report: Uint8Array, cert: Uint8Array, now: string, measurement?: string, relax = false): Promise<Run> {
  return browser!.page.evaluate(
    ([r, c, n, m, x]) => (globalThis as unknown as { snpVerify: (...a: unknown[]) => Promise<Run> }).snpVerify(r, c, n, m, x),
    [Array.from(report), Array.from(cert), now, measurement, relax] as const,
  );
}

test('every shared report verifies in Chromium exactly as in Node', { skip }, async () => {
  const { snpVerify } = await import('../attestation/browser-entry.js');
  for (const e of expectedReports()) {
    const now = e.cert.includes('vlek') ? '2025-06-01T00:00:00Z' : '2026-06-01T00:00:00Z';
    const report = read(VEC(e.file));
    const cert = read(VEC(e.cert));
    const m = e.kv.get('measurement')!;
    // go-sev-guest's sample allows DEBUG and trustee's run provisional firmware: relaxed here.
    const web = await inPage(report, cert, now, m, true);
    const node = await snpVerify(Array.from(report), Array.from(cert), now, m, true);
    assert.equal(web.secureContext, true);
    assert.equal(web.ok, true, `${e.file}: ${JSON.stringify(web.checks.filter((c) => !c.pass))}`);
    assert.deepEqual(web.checks, node.checks, e.file);
    assert.ok(web.checks.some((c) => c.name === 'report-signature' && c.pass));
    assert.ok(web.checks.some((c) => c.name === 'certificate-chain' && c.pass));
  }
});

test('in Chromium, a flipped signed byte, an expired VLEK and a wrong certificate fail', { skip }, async () => {
  const report = read(VEC('mstav_genoa_report.bin')).slice();
  report[0x90] = report[0x90]! ^ 0x80;
  const r1 = await inPage(report, read(VEC('mstav_genoa_vcek.pem')), '2026-06-01T00:00:00Z');
  assert.deepEqual(r1.checks.filter((c) => !c.pass).map((c) => c.name), ['report-signature']);
  const r2 = await inPage(read(VEC('trustee_milan_vlek_report.bin')), read(VEC('trustee_milan_vlek.der')), '2026-06-01T00:00:00Z');
  assert.deepEqual(r2.checks.filter((c) => !c.pass).map((c) => c.name), ['certificate-validity', 'provisional-firmware']);
  const r3 = await inPage(read(VEC('virtee_milan_report.bin')), read(VEC('gosevguest_milan_vcek.der')), '2026-06-01T00:00:00Z');
  assert.deepEqual(r3.checks.filter((c) => !c.pass).map((c) => c.name), ['report-signature', 'reported-tcb', 'chip-id']);
});
