/**
 * Browser entry for test/e2e/attestation-browser.test.ts: exposes the library's parse → verify →
 * validate path on `window` so the test can run it in Chromium and compare with Node.
 */
import { loadCertificates, parseReport, validateReport, verifyReport, type Check } from '../../src/attestation/index.js';

export interface BrowserRun {
  ok: boolean;
  checks: Check[];
  secureContext: boolean;
}

export async function snpVerify(report: number[], cert: number[], nowIso: string, measurementHex?: string): Promise<BrowserRun> {
  const r = parseReport(Uint8Array.from(report), { name: 'report' });
  const vek = loadCertificates(Uint8Array.from(cert), 'cert')[0]!;
  const v = await verifyReport(r, { vek, now: new Date(nowIso) });
  const m = measurementHex ? Uint8Array.from(measurementHex.match(/../g)!.map((x) => parseInt(x, 16))) : undefined;
  const checks = [...v.checks, ...validateReport(v.report, m ? { measurements: [m] } : {})];
  return { ok: checks.every((c) => c.pass), checks, secureContext: globalThis.isSecureContext };
}

(globalThis as unknown as { snpVerify: typeof snpVerify }).snpVerify = snpVerify;
