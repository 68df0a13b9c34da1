/**
 * The fuzzing harness behind `npm run fuzz` (docs/fuzzing.md). Each target runs in a worker thread
 * with a watchdog in the main thread, so a hang is caught and its input saved; the worker samples
 * its heap after a forced GC (run node with --expose-gc) and reports sustained growth. Inputs are
 * seeds (target.seeds) and, for depth, up to 128 small inputs the target accepted during the run,
 * mutated 1–4 times each. Deterministic for a given target, seed and case count, which is what lets
 * scripts/fuzz.mjs replay a run that killed the process (an abort in native code) with a journal.
 * Tooling, not library: it lives outside src/ and runs from source through tsx (worker.mjs).
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { SnpLaunchError } from '../../src/core/errors.js';
import { prng } from '../../src/images/igvm/mutate.js';
import { InvariantError, TARGETS, type FuzzTarget, type SeedContext } from './targets.js';

export interface FuzzOptions {
  /**
   * Write each input to this file before running it (synchronously): what survives a process
   * abort in native code (scripts/fuzz.mjs replays a run that died from a signal with a journal).
   */
  journal?: string;
  runs: number;
  seconds: number;
  seed: number;
  out: string;
  hangMs: number;
  /** Heap growth (bytes, after GC) over the run's first sample that counts as a finding. */
  heapLimit: number;
  ctx: SeedContext;
}

export interface TargetSummary {
  target: string;
  cases: number;
  accepted: number;
  rejected: number;
  ms: number;
  codes: Record<string, number>;
  heapGrowth: number;
  finding?: { kind: 'failure' | 'hang' | 'heap'; why: string; path: string; case: number };
}

const INPUT_BYTES = 1 << 21; // the current input is shared with the watchdog (inputs are capped to this)
const CORPUS_MAX = 128;
const CORPUS_INPUT_MAX = 64 << 10;

type Msg =
  | { type: 'ready' }
  | { type: 'progress'; cases: number; accepted: number }
  | { type: 'done'; summary: Omit<TargetSummary, 'target' | 'ms'> }
  | { type: 'fail'; kind: 'failure' | 'heap'; why: string; input: Uint8Array; case: number };

/** Why an error is not an acceptable rejection, or undefined when it is (typed, located, one line). */
export function rejectionProblem(e: unknown): string | undefined {
  if (e instanceof InvariantError) return `invariant: ${e.message}`;
  if (!(e instanceof SnpLaunchError)) return `untyped error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  const l = e.location;
  if (l.file === undefined && l.offset === undefined && l.field === undefined && l.index === undefined) return `unlocated SnpLaunchError ${e.code}: ${e.message}`;
  if (/[\r\n]/.test(e.message)) return `multi-line error message ${e.code}: ${JSON.stringify(e.message)}`;
  return undefined;
}

async function workerMain(): Promise<void> {
  const { name, opts, shared } = workerData as { name: string; opts: FuzzOptions; shared: SharedArrayBuffer };
  const target = TARGETS.find((t) => t.name === name)!;
  const cur = new Uint8Array(shared, 8);
  const meta = new Int32Array(shared, 0, 2);
  const post = (m: Msg) => parentPort!.postMessage(m);
  const seeds = target.seeds(opts.ctx);
  if (seeds.length === 0) throw new Error(`target ${name} has no seeds (is ../shared present?)`);
  // Seeds may be rejected (the CLI rows include bad command lines), never a finding.
  for (const [i, s] of seeds.entries()) {
    try {
      await target.run(s);
    } catch (e) {
      const problem = rejectionProblem(e);
      if (problem) throw new Error(`target ${name}: seed ${i} fails: ${problem}`);
    }
  }
  // Loading the modules (transpiled by tsx) and running the seeds can take seconds on a loaded
  // machine: the watchdog starts counting only from here.
  post({ type: 'ready' });
  const corpus: Uint8Array[] = [...seeds];
  const rnd = prng(opts.seed);
  const codes: Record<string, number> = {};
  let cases = 0;
  let accepted = 0;
  let heap0: number | undefined;
  let heapGrowth = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  const end = Date.now() + opts.seconds * 1000;
  while (cases < opts.runs && Date.now() < end) {
    let f = corpus[Math.floor(rnd() * corpus.length)]!;
    for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) f = target.mutate(f, rnd);
    if (f.length > INPUT_BYTES - 8) f = f.subarray(0, INPUT_BYTES - 8);
    cur.set(f);
    Atomics.store(meta, 0, f.length);
    Atomics.store(meta, 1, cases);
    if (opts.journal) writeFileSync(opts.journal, f);
    cases++;
    try {
      await target.run(f);
      accepted++;
      if (f.length <= CORPUS_INPUT_MAX && rnd() < 0.1) {
        if (corpus.length < seeds.length + CORPUS_MAX) corpus.push(f);
        else corpus[seeds.length + Math.floor(rnd() * CORPUS_MAX)] = f;
      }
    } catch (e) {
      const problem = rejectionProblem(e);
      if (problem) return post({ type: 'fail', kind: 'failure', why: problem, input: f, case: cases - 1 });
      const code = (e as SnpLaunchError).code;
      codes[code] = (codes[code] ?? 0) + 1;
    }
    if (cases % 20_000 === 0) {
      post({ type: 'progress', cases, accepted });
      if (gc) {
        gc();
        const used = getHeapStatistics().used_heap_size;
        if (heap0 === undefined) heap0 = used;
        heapGrowth = Math.max(heapGrowth, used - heap0);
        if (used - heap0 > opts.heapLimit) {
          return post({ type: 'fail', kind: 'heap', why: `heap grew by ${((used - heap0) / 2 ** 20).toFixed(1)} MiB after GC over ${cases} cases`, input: f, case: cases - 1 });
        }
      }
    }
  }
  post({ type: 'done', summary: { cases, accepted, rejected: cases - accepted, codes, heapGrowth } });
}

/** Runs one target in a worker with a watchdog; resolves with its summary (finding included). */
export function fuzzTarget(t: FuzzTarget, opts: FuzzOptions, onProgress?: (cases: number, accepted: number) => void): Promise<TargetSummary> {
  const shared = new SharedArrayBuffer(INPUT_BYTES);
  const meta = new Int32Array(shared, 0, 2);
  const started = Date.now();
  const save = (kind: string, c: number, input: Uint8Array): string => {
    mkdirSync(opts.out, { recursive: true });
    const p = join(opts.out, `${kind}-${t.name}-seed${opts.seed}-case${c}.bin`);
    writeFileSync(p, input);
    return p;
  };
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { name: t.name, opts, shared } });
    let ready = false;
    let last = -1;
    let since = Date.now();
    const finish = (s: TargetSummary) => {
      clearInterval(dog);
      void w.terminate();
      resolve(s);
    };
    const empty = { cases: 0, accepted: 0, rejected: 0, codes: {}, heapGrowth: 0 };
    const dog = setInterval(() => {
      if (!ready) return;
      const c = Atomics.load(meta, 1);
      if (c !== last) {
        last = c;
        since = Date.now();
      } else if (Date.now() - since > opts.hangMs) {
        const input = new Uint8Array(shared, 8, Atomics.load(meta, 0)).slice();
        const path = save('hang', c, input);
        finish({ ...empty, target: t.name, cases: c + 1, ms: Date.now() - started, finding: { kind: 'hang', why: `no progress for ${opts.hangMs} ms`, path, case: c } });
      }
    }, 100);
    w.on('message', (m: Msg) => {
      if (m.type === 'ready') {
        ready = true;
        since = Date.now();
      } else if (m.type === 'progress') onProgress?.(m.cases, m.accepted);
      else if (m.type === 'done') finish({ target: t.name, ms: Date.now() - started, ...m.summary });
      else finish({ ...empty, target: t.name, cases: m.case + 1, ms: Date.now() - started, finding: { kind: m.kind, why: m.why, path: save(m.kind === 'heap' ? 'heap' : 'fail', m.case, m.input), case: m.case } });
    });
    w.on('error', (e) => {
      clearInterval(dog);
      reject(e);
    });
  });
}

if (!isMainThread && (workerData as { name?: string } | undefined)?.name !== undefined) {
  workerMain().catch((e: unknown) => {
    // Setup errors (missing seeds) end the worker; the main thread reports them.
    throw e;
  });
}
