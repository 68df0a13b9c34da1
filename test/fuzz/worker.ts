/**
 * Runs one target inside a worker thread for test/fuzz/main.ts. Before each case the encoded input
 * is copied into shared memory, so that the watchdog in the main thread can save it if the case
 * never ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fuzz } from './engine.js';
import { TARGETS } from './targets.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const { name, runs, seconds, seed, stack, hangMs, shared } = workerData as { name: string; runs: number; seconds: number; seed: number; stack: number; hangMs: number; shared: SharedArrayBuffer };
const meta = new Int32Array(shared, 0, 2); // [cases started, input length]
const cur = new Uint8Array(shared, 8);
const t = TARGETS.find((x) => x.name === name)!;

const r = await fuzz(t, {
  runs,
  seconds,
  seed,
  stack,
  hangMs,
  gc,
  heapEvery: 20_000,
  onCase(input, i) {
    const n = Math.min(input.length, cur.length);
    cur.set(input.subarray(0, n));
    Atomics.store(meta, 1, n);
    Atomics.store(meta, 0, i + 1);
  },
  onProgress: (stats) => parentPort!.postMessage({ type: 'progress', stats }),
});
parentPort!.postMessage({ type: 'done', ...r });
