/**
 * Browser entry for test/e2e/attestation-browser.test.ts: exposes the library's one-call
 * parse → verify → validate path on `window` so the test can run it in Chromium and compare with Node.
 */
import { checkAttestation, type Check } from '../../src/attestation/index.js';

export interface BrowserRun {
  ok: boolean;
  checks: Check[];
  secureContext: boolean;
}

/** `relax`: accept DEBUG and provisional firmware, which two of the real reports need (secure defaults). */
export async function snpVerify(report: number[], cert: number[], nowIso: string, measurementHex?: string, relax = false): Promise<BrowserRun> {
  const m = measurementHex ? Uint8Array.from(measurementHex.match(/../g)!.map((x) => parseInt(x, 16))) : undefined;
  const relaxed = relax ? { policy: { allowDebug: true }, allowProvisionalFirmware: true } : {};
  const res = await checkAttestation(Uint8Array.from(report), Uint8Array.from(cert), { now: new Date(nowIso), ...(m ? { measurements: [m] } : {}), ...relaxed });
  return { ok: res.ok, checks: res.checks, secureContext: globalThis.isSecureContext };
}

(globalThis as unknown as { snpVerify: typeof snpVerify }).snpVerify = snpVerify;
