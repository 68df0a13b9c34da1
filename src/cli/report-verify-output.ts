/**
 * What `report verify` prints: every check with PASS/FAIL, the report fields no check pinned
 * ("not checked", so an OK is never read as a measurement check), hints naming the option that
 * accepts a default failure, and the verdict; or one JSON object ("snp-launch.report-verify/1").
 */
import { toHex } from '../core/bytes.js';
import type { Check } from '../attestation/index.js';
import { uncheckedFields } from '../attestation/pinned-fields.js';
import type { VerifyContext } from './report-verify-hooks.js';

/** The fields of this report that no check pinned, in PINNABLE order (src/attestation/pinned-fields.ts). */
export function notChecked(ctx: VerifyContext): string[] {
  return uncheckedFields(ctx.report, ctx.checks.map((c) => c.name), ctx.covers);
}

const day = (d: Date): string => d.toISOString().slice(0, 10);

/** A date inside every certificate's validity, for the --at hint. */
function atHint(ctx: VerifyContext): string | undefined {
  const v = ctx.verified;
  const certs = [ctx.vek, v?.intermediate, v?.ark].filter((c) => c !== undefined);
  if (certs.length === 0) return undefined;
  const from = Math.max(...certs.map((c) => c.notBefore.getTime()));
  const to = Math.min(...certs.map((c) => c.notAfter.getTime()));
  if (from >= to) return undefined;
  const mid = new Date(from + (to - from) / 2);
  return `to verify as of a time inside the validity (${day(new Date(from))} .. ${day(new Date(to))}), pass e.g. --at ${day(mid)}`;
}

/** Failing check → the option that accepts it (appended to the reason). */
const HINTS: Record<string, (c: Check, ctx: VerifyContext) => string | undefined> = {
  'policy.debug': () => '--allow-debug accepts it',
  'policy.migrate-ma': () => '--allow-migrate-ma accepts it',
  'provisional-firmware': (c) => (c.reason.startsWith('provisional') ? '--allow-provisional-firmware accepts it' : undefined),
  'report-format': () => '--lenient accepts it for forensics (the verdict then says NOT canonical)',
  'certificate-validity': (_c, ctx) => atHint(ctx),
};

export function addHints(ctx: VerifyContext): void {
  for (const c of ctx.checks) {
    const h = c.pass ? undefined : HINTS[c.name]?.(c, ctx);
    if (h) c.reason += `; ${h}`;
  }
}

/** "Milan", or why the product is unknown. */
function productText(ctx: VerifyContext): string {
  const r = ctx.verified?.report ?? ctx.report;
  if (ctx.verified?.claimedProduct) return `product unknown: the certificate claims ${ctx.verified.claimedProduct}, not proven`;
  if (r.product && r.product.source !== 'chip-id-heuristic') return r.product.line;
  return r.product ? `product unknown (the CHIP_ID suggests ${r.product.line})` : 'product unknown';
}

/** Parse warnings minus the format problems, which the report-format check already names. */
function otherWarnings(ctx: VerifyContext): string[] {
  const fmt = new Set(ctx.report.formatProblems.map((p) => p.reason));
  return ctx.report.warnings.filter((w) => !fmt.has(w));
}

export interface VerifyExtras {
  noCert: boolean;
  lenient: boolean;
  predicted?: { digest: Uint8Array; label: string };
}

export function renderJson(ctx: VerifyContext, x: VerifyExtras): string {
  const ok = ctx.checks.every((c) => c.pass);
  const v = ctx.verified;
  const doc = {
    format: 'snp-launch.report-verify/1',
    file: ctx.reportPath,
    ok,
    signature_verified: !x.noCert && ctx.checks.some((c) => c.name === 'report-signature' && c.pass),
    canonical: ctx.report.formatProblems.length === 0,
    product: v?.claimedProduct ? null : ((v?.report ?? ctx.report).product?.line ?? null),
    claimed_product: v?.claimedProduct ?? null,
    checked_at: ctx.now.toISOString(),
    checks: ctx.checks,
    not_checked: notChecked(ctx),
    predicted_measurement: x.predicted ? { digest: toHex(x.predicted.digest), source: x.predicted.label } : null,
    kds_url: v?.kdsUrl ?? null,
    notes: ctx.notes,
    warnings: otherWarnings(ctx),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Words joined with ", " and wrapped to `width` columns, continuation lines indented. */
function wrap(head: string, words: string[], width = 100): string[] {
  const lines: string[] = [];
  let cur = head;
  words.forEach((w, i) => {
    const piece = w + (i < words.length - 1 ? ',' : '');
    if (cur.length + 1 + piece.length > width) {
      lines.push(cur);
      cur = '   ';
    }
    cur += ' ' + piece;
  });
  lines.push(cur);
  return lines;
}

export function renderText(ctx: VerifyContext, x: VerifyExtras): string {
  const checks = ctx.checks;
  const ok = checks.every((c) => c.pass);
  const r = ctx.verified?.report ?? ctx.report;
  const w = Math.max(...checks.map((c) => c.name.length));
  const lines = [`report: ${ctx.reportPath} (version ${r.version}, ${productText(ctx)}, signed by ${r.signerInfo.signingKey})`];
  for (const warn of otherWarnings(ctx)) lines.push(`warning: ${warn}`);
  if (x.noCert) lines.push('note: --no-cert: the report signature and certificate chain were NOT verified');
  if (x.lenient && ctx.report.formatProblems.length > 0) lines.push('note: --lenient: the report is NOT canonical (AMD firmware does not write these bytes); its format problems did not fail the verdict');
  for (const n of ctx.notes) lines.push(`note: ${n}`);
  for (const c of checks) lines.push(`${c.pass ? 'PASS' : 'FAIL'}  ${c.name.padEnd(w)}  ${c.reason}`);
  const missing = notChecked(ctx);
  if (missing.length > 0) lines.push(...wrap('not checked (no option pins them):', missing));
  if (ctx.verified?.kdsUrl) lines.push(`KDS URL: ${ctx.verified.kdsUrl}`);
  const n = checks.length;
  const failed = checks.filter((c) => !c.pass).length;
  const noMeasurement = missing.includes('MEASUREMENT') ? '; MEASUREMENT was not checked' : '';
  const passed = n === 1 ? 'the 1 check passed' : `all ${n} checks passed`;
  lines.push(ok ? `OK: ${passed}${x.noCert ? ' (signature not verified)' : ''}${noMeasurement}` : `FAILED: ${failed} of ${n} check${n === 1 ? '' : 's'} failed`);
  return lines.join('\n') + '\n';
}
