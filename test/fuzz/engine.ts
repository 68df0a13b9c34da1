/**
 * The fuzz loop, shared by the CLI (test/fuzz/main.ts, in a worker under a watchdog) and the
 * short deterministic budgets in `npm test` (test/fuzz/short-budget.test.ts). Stacks 1..stack
 * mutations on a random seed, runs the target's check and classifies the outcome. Heap is sampled
 * after a forced GC every `heapEvery` cases; sustained growth is a finding.
 */
import { prng } from '../../src/images/igvm/mutate.js';
import { type FuzzTarget, isLocated } from './target.js';

export interface FuzzOptions {
  runs: number;
  seconds: number;
  seed: number;
  stack?: number;
  /** A single case slower than this is a finding (a worker watchdog catches cases that never end). */
  hangMs?: number;
  /** Cases between heap samples (0: never sample). */
  heapEvery?: number;
  gc?: () => void;
  /** Called before each case, so a watchdog can save the input. */
  onCase?(input: Uint8Array, index: number): void;
  onProgress?(s: FuzzStats): void;
}

export interface FuzzStats {
  target: string;
  seed: number;
  cases: number;
  accepted: number;
  codes: Record<string, number>;
  ms: number;
  heapMiB: number[];
}

export interface Finding {
  kind: 'exception' | 'slow' | 'heap';
  detail: string;
  input: Uint8Array;
  index: number;
}

/** Heap growth over the run that counts as a leak: monotone over the last samples and above this. */
const HEAP_GROWTH_BYTES = 48 * 1024 * 1024;
const HEAP_WINDOW = 6;

export async function fuzz<T>(t: FuzzTarget<T>, o: FuzzOptions): Promise<{ stats: FuzzStats; finding?: Finding }> {
  const seeds = await t.seeds();
  if (seeds.length === 0) throw new Error(`${t.name}: no seeds`);
  const rnd = prng(o.seed);
  const stack = o.stack ?? 4;
  const hangMs = o.hangMs ?? 2000;
  const stats: FuzzStats = { target: t.name, seed: o.seed, cases: 0, accepted: 0, codes: {}, ms: 0, heapMiB: [] };
  const heap: number[] = [];
  const t0 = performance.now();
  const end = t0 + o.seconds * 1000;
  let lastProgress = t0;
  for (let i = 0; i < o.runs; i++) {
    if ((i & 63) === 0 && performance.now() > end) break;
    let x = seeds[Math.floor(rnd() * seeds.length)]!;
    for (let k = 1 + Math.floor(rnd() * stack); k > 0; k--) x = t.mutate(x, rnd, seeds);
    const bytes = o.onCase ? t.encode(x) : undefined;
    if (o.onCase) o.onCase(bytes!, i);
    const c0 = performance.now();
    try {
      await t.check(x);
      stats.accepted++;
    } catch (e) {
      if (!isLocated(e) || (t.located && !t.located(e))) {
        stats.cases++;
        return { stats: done(), finding: { kind: 'exception', detail: e instanceof Error ? (e.stack ?? e.message) : String(e), input: bytes ?? t.encode(x), index: i } };
      }
      stats.codes[e.code] = (stats.codes[e.code] ?? 0) + 1;
    }
    stats.cases++;
    const dt = performance.now() - c0;
    if (dt > hangMs) return { stats: done(), finding: { kind: 'slow', detail: `one case took ${Math.round(dt)} ms (bound ${hangMs} ms)`, input: bytes ?? t.encode(x), index: i } };
    if (o.heapEvery && o.gc && i > 0 && i % o.heapEvery === 0) {
      o.gc();
      const h = process.memoryUsage().heapUsed;
      heap.push(h);
      stats.heapMiB.push(Math.round(h / 2 ** 20));
      const w = heap.slice(-HEAP_WINDOW);
      if (heap.length > HEAP_WINDOW && w.every((v, j) => j === 0 || v > w[j - 1]!) && w[w.length - 1]! - heap[0]! > HEAP_GROWTH_BYTES) {
        return { stats: done(), finding: { kind: 'heap', detail: `heap grew from ${mib(heap[0]!)} to ${mib(h)} MiB over ${i} cases`, input: t.encode(x), index: i } };
      }
    }
    if (o.onProgress && c0 - lastProgress > 5000) {
      lastProgress = c0;
      o.onProgress(done());
    }
  }
  return { stats: done() };

  function done(): FuzzStats {
    stats.ms = Math.round(performance.now() - t0);
    return stats;
  }
}

const mib = (b: number): number => Math.round(b / 2 ** 20);
