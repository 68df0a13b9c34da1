/**
 * The AMD KDS module (src/cli/report-fetch.ts: --fetch, --kds, --fetch-timeout, --crl,
 * --check-revocation) as a `report verify` hook: it may supply the VCEK before verification and
 * appends the "revocation" check after it, checked against the chain that verification used.
 */
import { get } from './args.js';
import { REPORT_KDS_OPTIONS, reportKds, type ReportKds } from './report-fetch.js';
import type { VerifyContext, VerifyHook } from './report-verify-hooks.js';

const runs = new WeakMap<VerifyContext, ReportKds>();

export const KDS_HOOK: VerifyHook = {
  name: 'kds',
  options: REPORT_KDS_OPTIONS,
  suppliesCert: (args) => get.flag(args, 'fetch'),
  async prepare(ctx) {
    const kds = await reportKds(ctx.args, ctx.report, { path: ctx.reportPath, haveCert: ctx.veks.length > 0, noCert: get.flag(ctx.args, 'no-cert') });
    runs.set(ctx, kds);
    if (kds.vek) {
      ctx.veks.push(kds.vek);
      ctx.notes.push(`VCEK from ${kds.vekSource}`);
    }
  },
  async check(ctx) {
    const kds = runs.get(ctx);
    if (!kds || !ctx.vek) return;
    ctx.checks.push(...(await kds.revocation(ctx.verified?.report ?? ctx.report, ctx.vek, ctx.chain.length > 0 ? ctx.chain : undefined, ctx.now)));
  },
};
