/**
 * The explorer's measurement worker: every hash runs here, so the page stays responsive while a
 * large image is measured. Inputs arrive as File objects and are read through Blob-backed
 * ByteSources (src/core/source.ts blobSource) one chunk at a time; progress is the share of the
 * image bytes read so far across all table rows.
 */
import { setHashProvider } from '../../src/core/hash.js';
import { blobSource, type ByteSource } from '../../src/core/source.js';
import { explorerHashProvider, resetHashCache, warmUpHashes } from './hash-provider.js';
import { cliArgs, detectKind, measureRow, parseGuestFeatures, rowsFor, shellJoin, type Launch, type RowSpec } from './engine.js';
import { alignLogs, explainDivergence } from './align.js';
import { buildExample } from './examples.js';
import { checkReport } from './report-check.js';
import { searchLaunch } from './launch-search.js';
import { detectFile } from './detect.js';
import { exportJson } from './export.js';
import { makePortable } from './portable.js';
import { vcpuTable } from './vcpu-range.js';
import { checkRefValues, exportRefValues } from './refvalues.js';
import type { DiffSide, FormValues, LogEntryData, Request, Response, RowData } from './protocol.js';

const ctx = self as unknown as { postMessage(m: Response, transfer?: Transferable[]): void; onmessage: ((ev: MessageEvent<Request>) => void) | null };
setHashProvider(explorerHashProvider);
void warmUpHashes();

const post = (m: Response, transfer?: Transferable[]) => ctx.postMessage(m, transfer);

/** The last measured inputs, kept so that JSON export and diffs with other vCPU counts reuse them. */
let current: { launch: Launch; specs: RowSpec[]; rows: Map<string, RowData> } | undefined;

/** Counts the bytes read from the image so the page can show progress. */
function counting(src: ByteSource, onRead: (n: number) => void): ByteSource {
  return { name: src.name, size: src.size, read: async (o, n) => { const b = await src.read(o, n); onRead(n); return b; } };
}

function toLaunch(form: FormValues, image: ByteSource, wrap: (s: ByteSource) => ByteSource = (s) => s): Launch {
  const l: Launch = { image: wrap(image), vcpus: form.vcpus };
  if (!Number.isSafeInteger(form.vcpus) || form.vcpus < 1 || form.vcpus > 512) throw new Error(`vCPU count must be 1..512, got ${form.vcpus}`);
  if (form.kernel) l.kernel = wrap(blobSource(form.kernel.name, form.kernel));
  if (form.initrd) {
    if (!form.kernel) throw new Error('an initrd needs a kernel (as the CLI: --kernel required when using --initrd)');
    l.initrd = wrap(blobSource(form.initrd.name, form.initrd));
  }
  if (form.append !== undefined && form.append !== '') {
    if (!form.kernel) throw new Error('a command line needs a kernel (as the CLI: --kernel required when using --append)');
    l.append = form.append;
  }
  if (form.vcpuType) l.vcpuType = form.vcpuType;
  const gf = parseGuestFeatures(form.guestFeatures);
  if (gf !== undefined) l.guestFeatures = gf;
  return l;
}

function logData(r: { log?: { index: number; gpa: number; pageType: number; contents: Uint8Array; digest: Uint8Array; origin: string }[] }): LogEntryData[] | undefined {
  return r.log?.map((e) => ({ index: e.index, gpa: e.gpa, pageType: e.pageType, contents: e.contents, digest: e.digest, origin: e.origin }));
}

async function runRow(spec: RowSpec, launch: Launch): Promise<RowData> {
  const t0 = performance.now();
  const run = await measureRow(spec, launch, true);
  const row: RowData = {
    id: spec.id,
    image: spec.image,
    platform: spec.platform,
    mode: spec.mode,
    cli: 'snp-launch measure ' + shellJoin(cliArgs(spec, launch)),
    warnings: run.result?.warnings ?? [],
    vcpus: launch.vcpus,
    ms: 0,
  };
  if (run.result) {
    // The library's verdict on whether QEMU launches this (issue 17 item 2); the digest stays the reference's.
    const launchable = run.result.launchable;
    if (launchable && !launchable.ok) row.refused = launchable.reasons;
    row.digest = hex(run.result.digest);
    row.algorithm = run.result.algorithm;
    const log = logData(run.result);
    if (log) row.log = log;
  } else {
    row.reason = run.reason ?? 'cannot be measured';
  }
  row.ms = performance.now() - t0;
  return row;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

async function measure(seq: number, form: FormValues): Promise<void> {
  const t0 = performance.now();
  resetHashCache();
  const base = blobSource(form.image.name, form.image);
  const kind = await detectKind(base);
  const specs = rowsFor(kind);
  // Progress: bytes read from the inputs over (rows × input bytes); each row reads them about once.
  const perRow = base.size + (form.kernel?.size ?? 0) + (form.initrd?.size ?? 0);
  const total = perRow * specs.length;
  let read = 0;
  let cap = perRow; // never report more than the rows begun so far
  let last = 0;
  let label = '';
  const launch = toLaunch(form, base, (src) =>
    counting(src, (n) => {
      read += n;
      const now = performance.now();
      if (now - last > 50) {
        last = now;
        post({ type: 'progress', seq, done: Math.min(read, cap), total, label });
      }
    }),
  );
  const rows: RowData[] = [];
  for (const [i, spec] of specs.entries()) {
    label = `${spec.id} (${i + 1}/${specs.length})`;
    cap = perRow * (i + 1);
    const row = await runRow(spec, launch);
    rows.push(row);
    // Show each row as soon as it is done; the log follows with the full result.
    const { log: _log, ...light } = row;
    post({ type: 'progress', seq, done: Math.min(read, cap), total, label, kind, row: light });
    // Rows that read less (errors, seeds) or more (headers read twice) still count as one row.
    read = perRow * (i + 1);
  }
  // Keep uncounted sources: later reads (export, diffs) are not part of this progress bar.
  current = { launch: toLaunch(form, base), specs, rows: new Map(rows.map((r) => [r.id, r])) };
  post({ type: 'measured', seq, kind, rows, ms: performance.now() - t0 });
}

async function rowFor(side: DiffSide): Promise<RowData> {
  if (!current) throw new Error('measure an image first');
  const row = current.rows.get(side.rowId);
  const spec = current.specs.find((s) => s.id === side.rowId);
  if (!row || !spec) throw new Error(`unknown row ${side.rowId}`);
  if (side.vcpus === row.vcpus) return row;
  return runRow(spec, { ...current.launch, vcpus: side.vcpus });
}

async function handle(req: Request): Promise<void> {
  switch (req.type) {
    case 'measure':
      return measure(req.seq, req.form);
    case 'example': {
      const ex = await buildExample(req.which);
      const m: Response = { type: 'example', seq: req.seq, name: ex.name, bytes: ex.bytes };
      if (ex.vcpuType) m.vcpuType = ex.vcpuType;
      return post(m, [ex.bytes.buffer as ArrayBuffer]);
    }
    case 'json': {
      if (!current) throw new Error('measure an image first');
      const spec = current.specs.find((s) => s.id === req.rowId);
      if (!spec) throw new Error(`unknown row ${req.rowId}`);
      const out = await exportJson(spec, current.launch, req.log);
      return post({ type: 'json', seq: req.seq, rowId: req.rowId, text: out.text, fileName: out.fileName });
    }
    case 'diff': {
      const a = await rowFor(req.a);
      const b = await rowFor(req.b);
      const pairs = alignLogs(a.log ?? [], b.log ?? []);
      return post({ type: 'diff', seq: req.seq, a, b, pairs, divergence: explainDivergence(a, b, pairs) });
    }
    case 'report':
      return post({ type: 'report', seq: req.seq, result: await checkReport(req.report, req.cert, req.predicted, req.at ? new Date(req.at) : undefined, req.crl, req.extras) });
    case 'search': {
      let last = 0;
      const result = await searchLaunch(req.report, req.form, (done) => {
        const now = performance.now();
        if (now - last < 100) return;
        last = now;
        post({ type: 'progress', seq: req.seq, done, total: 0, label: `${done.toLocaleString('en-US')} configurations searched` });
      });
      return post({ type: 'search', seq: req.seq, result });
    }
    case 'detect':
      return post({ type: 'detect', seq: req.seq, result: await detectFile(req.file) });
    case 'range':
      return post({ type: 'range', seq: req.seq, result: await vcpuTable(req.form, req.range) });
    case 'refv-export': {
      const result = await exportRefValues(req.form, req.range, req.platforms, req.format);
      return post({ type: 'refv-export', seq: req.seq, result }, [result.bytes.buffer as ArrayBuffer]);
    }
    case 'refv-check':
      return post({ type: 'refv-check', seq: req.seq, result: await checkRefValues(req.report, req.refvalues, req.key, req.cert, req.at ? new Date(req.at) : undefined, req.crl, req.extras) });
    case 'portable': {
      const result = await makePortable(req.image, req.targets, req.vcpus, req.vcpuType);
      return post({ type: 'portable', seq: req.seq, result }, result.bytes ? [result.bytes.buffer as ArrayBuffer] : undefined);
    }
  }
}

ctx.onmessage = (ev) => {
  const req = ev.data;
  handle(req).catch((e: unknown) => {
    post({ type: 'error', seq: req.seq, message: e instanceof Error ? e.message : String(e) });
  });
};
