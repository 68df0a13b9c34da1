/**
 * `replay --qemu-trace`: a QEMU trace (qemu-trace.ts) against the launch snp-launch predicts for the
 * same image. Two results:
 *   departures — every place where the trace's pages differ from the prediction's: pages missing
 *     from the trace, extra pages, pages of another type, runs at another GPA (a missing and an
 *     extra run of the same size and type), pages out of order, and pages updated twice;
 *   replays — the trace's own calls replayed under each KVM UAPI model, the page contents filled
 *     from the image by GPA and the vCPU states from the prediction, so the digest the trace gives
 *     can be compared with `measure`'s.
 * Browser-safe: the plan (updates with their data, vCPU states) comes from the caller
 * (src/measure/launch-plan.ts builds it for OVMF and IGVM images).
 */
import { LaunchRejectedError } from '../core/errors.js';
import { longestIncreasing } from '../core/sequence.js';
import type { ByteSource } from '../core/source.js';
import type { MeasurementLogEntry } from '../firmware/log.js';
import { PAGE_SIZE, PAGE_TYPE_NAMES, PageType } from '../firmware/page-types.js';
import { createKvmSession } from './create.js';
import type { QemuTrace } from './qemu-trace.js';
import { KVM_UAPIS, type KvmUapi, type LaunchStartParams, type LaunchUpdateParams, type PageData } from './types.js';
import { UpstreamKvmSession } from './kvm-upstream.js';

/** The predicted launch calls (a loader's LaunchPlan). */
export interface PlannedLaunch {
  start: LaunchStartParams;
  updates: LaunchUpdateParams[];
  vcpuStates: { vcpu: number; vmsa: Uint8Array; origin: string }[];
}

export type DepartureKind = 'missing' | 'extra' | 'type' | 'gpa' | 'order' | 'duplicate';

export interface TraceDeparture {
  kind: DepartureKind;
  /** First GPA of the run (for 'gpa': where the trace has it). */
  gpa: number;
  pages: number;
  /** Trace lines involved (1-based); empty for pages the trace lacks. */
  lines: number[];
  text: string;
}

export interface UapiReplay {
  uapi: KvmUapi;
  finished: boolean;
  digest?: Uint8Array;
  /** The replayed digest equals the predicted one. */
  matches: boolean;
  errno?: string;
  reason?: string;
}

export interface QemuReplayResult {
  predicted: { digest: Uint8Array; pages: number; vcpus: number };
  trace: { updates: number; pages: number; retries: number; format?: string };
  departures: TraceDeparture[];
  replays: UapiReplay[];
  warnings: string[];
}

interface Page {
  gpa: number;
  type: PageType;
  index: number;
  origin?: string;
  line?: number;
}

const hx = (v: number) => '0x' + v.toString(16);
const typeName = (t: number) => PAGE_TYPE_NAMES[t as PageType] ?? `type ${t}`;
const plural = (n: number) => `${n} page${n === 1 ? '' : 's'}`;
/** At most this many departures are listed (the count of the rest is given). */
const MAX_DEPARTURES = 50;

export async function replayQemuTrace(trace: QemuTrace, plan: PlannedLaunch): Promise<QemuReplayResult> {
  const warnings = [...trace.warnings];
  // The prediction, page by page (the VMSAs KVM adds at FINISH are not trace lines).
  const log: MeasurementLogEntry[] = [];
  const s = new UpstreamKvmSession({ softChecks: true, log: (e) => void log.push(e) });
  s.start(plan.start);
  for (const u of plan.updates) await s.update(u);
  for (const v of plan.vcpuStates) s.setVcpuState(v.vcpu, v.vmsa, v.origin);
  const predictedDigest = (await s.finish()).digest;
  const predicted: Page[] = log.filter((e) => !(e.pageType === PageType.VMSA && e.gpa >= 0xfffffffff000)).map((e, index) => ({ gpa: e.gpa, type: e.pageType, index, origin: e.origin }));
  const traced: Page[] = [];
  for (const u of trace.updates) for (let o = 0; o < u.len; o += PAGE_SIZE) traced.push({ gpa: u.gpa + o, type: u.type, index: traced.length, line: u.lines[0]! });

  const departures = compare(predicted, traced);
  const shown = departures.slice(0, MAX_DEPARTURES);
  if (departures.length > MAX_DEPARTURES) warnings.push(`${departures.length - MAX_DEPARTURES} more departures are not listed`);
  if (trace.finishLine === undefined) warnings.push('the trace has no kvm_sev_snp_launch_finish line (cut short?); the replay finishes the launch anyway');

  const data = pageIndex(plan.updates);
  const replays: UapiReplay[] = [];
  for (const uapi of KVM_UAPIS) replays.push(await replayOn(uapi, trace, plan, data, predictedDigest, warnings));
  return {
    predicted: { digest: predictedDigest, pages: predicted.length, vcpus: plan.vcpuStates.length },
    trace: { updates: trace.updates.length, pages: traced.length, retries: trace.retries, ...(trace.format ? { format: trace.format } : {}) },
    departures: shown,
    replays,
    warnings: [...new Set(warnings)],
  };
}

/** Runs of consecutive pages (GPA + 4 KiB, same type, consecutive positions) as one entry. */
function runs(pages: Page[]): Page[][] {
  const out: Page[][] = [];
  for (const p of pages) {
    const r = out[out.length - 1];
    const last = r?.[r.length - 1];
    if (last && p.gpa === last.gpa + PAGE_SIZE && p.type === last.type && p.index === last.index + 1) r!.push(p);
    else out.push([p]);
  }
  return out;
}

function compare(predicted: Page[], traced: Page[]): TraceDeparture[] {
  const out: TraceDeparture[] = [];
  const want = new Map<number, Page>();
  for (const p of predicted) want.set(p.gpa, p);
  const seen = new Map<number, Page>();
  const extra: Page[] = [];
  const typed: Page[] = [];
  const common: Page[] = [];
  for (const t of traced) {
    const first = seen.get(t.gpa);
    if (first) {
      out.push({ kind: 'duplicate', gpa: t.gpa, pages: 1, lines: [first.line!, t.line!], text: `page ${hx(t.gpa)} is updated again at line ${t.line} (first at line ${first.line}); KVM refuses a page that is already private (EEXIST)` });
      continue;
    }
    seen.set(t.gpa, t);
    const p = want.get(t.gpa);
    if (!p) extra.push(t);
    else {
      common.push(t);
      if (p.type !== t.type) typed.push(t);
    }
  }
  const missing = predicted.filter((p) => !seen.has(p.gpa));
  // A missing run and an extra run of the same size and type: the pages went to another GPA.
  const extraRuns = runs(extra);
  const missingRuns = runs(missing);
  const paired = new Set<Page[]>();
  for (const m of missingRuns) {
    const e = extraRuns.find((r) => !paired.has(r) && r.length === m.length && r[0]!.type === m[0]!.type);
    if (e) {
      paired.add(e);
      paired.add(m);
      out.push({ kind: 'gpa', gpa: e[0]!.gpa, pages: m.length, lines: [e[0]!.line!], text: `${plural(m.length)} of ${typeName(m[0]!.type)} at ${hx(e[0]!.gpa)} (line ${e[0]!.line}) where snp-launch predicts them at ${hx(m[0]!.gpa)} (${m[0]!.origin})` });
    }
  }
  for (const m of missingRuns) {
    if (paired.has(m)) continue;
    out.push({ kind: 'missing', gpa: m[0]!.gpa, pages: m.length, lines: [], text: `${plural(m.length)} ${hx(m[0]!.gpa)}-${hx(m[m.length - 1]!.gpa + PAGE_SIZE - 1)} (${typeName(m[0]!.type)}, ${m[0]!.origin}) missing from the trace` });
  }
  for (const e of extraRuns) {
    if (paired.has(e)) continue;
    out.push({ kind: 'extra', gpa: e[0]!.gpa, pages: e.length, lines: [e[0]!.line!], text: `${plural(e.length)} ${hx(e[0]!.gpa)}-${hx(e[e.length - 1]!.gpa + PAGE_SIZE - 1)} (${typeName(e[0]!.type)}, line ${e[0]!.line}) that snp-launch does not predict` });
  }
  for (const r of runs(typed.map((t, i) => ({ ...t, index: i })))) {
    const p = want.get(r[0]!.gpa)!;
    out.push({ kind: 'type', gpa: r[0]!.gpa, pages: r.length, lines: [r[0]!.line!], text: `${plural(r.length)} at ${hx(r[0]!.gpa)} ${r.length === 1 ? 'is' : 'are'} ${typeName(r[0]!.type)} in the trace (line ${r[0]!.line}) but ${typeName(p.type)} in the prediction (${p.origin})` });
  }
  out.push(...reordered(common, want));
  return out.sort((a, b) => a.gpa - b.gpa || a.kind.localeCompare(b.kind));
}

/** Pages of both whose order differs: those outside a longest run in the predicted order. */
function reordered(common: Page[], want: Map<number, Page>): TraceDeparture[] {
  const keep = longestIncreasing(common.map((t) => want.get(t.gpa)!.index));
  const moved = common.map((t, i) => ({ ...t, index: i })).filter((_, i) => !keep.has(i));
  return runs(moved).map((r) => {
    const p = want.get(r[0]!.gpa)!;
    return { kind: 'order' as const, gpa: r[0]!.gpa, pages: r.length, lines: [r[0]!.line!], text: `${plural(r.length)} at ${hx(r[0]!.gpa)} (line ${r[0]!.line}) come in another order than predicted (snp-launch measures them as step ${p.index + 1}, ${p.origin})` };
  });
}

/** The image's page data by GPA (from the predicted updates). */
function pageIndex(updates: LaunchUpdateParams[]): Map<number, PageData> {
  const m = new Map<number, PageData>();
  for (const u of updates) {
    const d = u.data;
    if (!d) continue;
    for (let o = 0; o < u.length; o += PAGE_SIZE) {
      if (d instanceof Uint8Array) m.set(u.gpa + o, d.subarray(Math.min(o, d.length), Math.min(o + PAGE_SIZE, d.length)));
      else m.set(u.gpa + o, { source: d.source, offset: d.offset + Math.min(o, d.length), length: Math.max(0, Math.min(PAGE_SIZE, d.length - o)) });
    }
  }
  return m;
}

/** The bytes of a traced range, page by page from the image (zeros where the image has none). */
function rangeSource(gpa: number, len: number, data: Map<number, PageData>): ByteSource {
  const name = `image pages at ${hx(gpa)}`;
  return {
    name,
    size: len,
    async read(offset, length) {
      const out = new Uint8Array(length);
      for (let o = offset - (offset % PAGE_SIZE); o < offset + length; o += PAGE_SIZE) {
        const d = data.get(gpa + o);
        if (!d) continue;
        const page = new Uint8Array(PAGE_SIZE);
        page.set(d instanceof Uint8Array ? d : await d.source.read(d.offset, d.length));
        const from = Math.max(offset, o);
        const to = Math.min(offset + length, o + PAGE_SIZE);
        out.set(page.subarray(from - o, to - o), from - offset);
      }
      return out;
    },
  };
}

async function replayOn(uapi: KvmUapi, trace: QemuTrace, plan: PlannedLaunch, data: Map<number, PageData>, predicted: Uint8Array, warnings: string[]): Promise<UapiReplay> {
  const s = createKvmSession(uapi);
  try {
    s.start({ ...plan.start, ...(trace.policy !== undefined ? { policy: trace.policy } : {}) });
    for (const u of trace.updates) {
      const measured = u.type === PageType.NORMAL || u.type === PageType.VMSA;
      if (measured) {
        let missing = 0;
        for (let o = 0; o < u.len; o += PAGE_SIZE) if (!data.has(u.gpa + o)) missing++;
        if (missing > 0) warnings.push(`line ${u.lines[0]}: ${plural(missing)} of this ${typeName(u.type)} range ${missing === 1 ? 'has' : 'have'} no data in the image; replayed as zeros`);
      }
      await s.update({ gpa: u.gpa, length: u.len, type: u.type, origin: `trace line ${u.lines[0]}`, ...(measured ? { data: { source: rangeSource(u.gpa, u.len, data), offset: 0, length: u.len } } : {}) });
    }
    for (const v of plan.vcpuStates) s.setVcpuState(v.vcpu, v.vmsa, v.origin);
    const r = await s.finish();
    return { uapi, finished: true, digest: r.digest, matches: r.digest.every((b, i) => b === predicted[i]) };
  } catch (e) {
    if (!(e instanceof LaunchRejectedError)) throw e;
    return { uapi, finished: false, matches: false, errno: e.errno, reason: e.reason.replace(/^[A-Z]+: /, '') };
  }
}
