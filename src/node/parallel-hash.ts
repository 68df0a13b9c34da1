/**
 * Parallel page hashing for Node: a HashProvider whose `sha384Pages` spreads the SHA-384 of 4 KiB
 * pages over a small pool of worker_threads, so the SNP digest chain (which must stay sequential on
 * the main thread) overlaps with page hashing. specs/toolchain.md §2.2: 2 workers reach about
 * 1000 MB/s of page digests on 2 cores, and about 720 MB/s with the chain, against about 540 MB/s
 * for single-core crypto.hash.
 *
 * The pool is lazy: it starts only once a process has pushed more than `startAfterBytes` of pages
 * through sha384Pages (a 4 MiB OVMF never starts it), and until its workers report ready, batches
 * are hashed inline, so the 35–100 ms worker start-up never stalls the digest. Streaming-sized
 * batches are shared between one worker and the calling thread (on 2 cores, two workers plus the
 * chain starve the chain); large batches go to every worker. Workers are unref'd while idle, so
 * the pool never keeps the process alive. Page data is copied into fixed SharedArrayBuffer slots
 * (memcpy is ~1% of the hash cost), so callers keep their buffers. Measurements: docs/benchmarks.md.
 */
// Type only: node:worker_threads is loaded when the pool starts, so small runs never pay for it.
import type { Worker } from 'node:worker_threads';
import { sha256FileOffThread } from './file-hash.js';
import { workerEntry } from './worker-entry.js';
import { inputError } from '../core/errors.js';
import type { HashProvider } from '../core/hash.js';
import { nodeHashProvider, sha384Into } from './hash.js';

const PAGE = 4096;
const DIGEST = 48;
/** Pages per worker slot: 1 MiB, the streaming chunk size of ByteSource readers. */
const SLOT_PAGES = 256;
/** Two slots per worker: one being hashed while the next is copied in. */
const SLOTS_PER_WORKER = 2;
/** Batches up to this size (ByteSource streams use 1 MiB chunks) are shared with the calling thread. */
const SMALL_BATCH = 2 << 20;
/** Inline hashing step while the pool starts: the granularity at which a batch can switch to it. */
const INLINE_STEP = 1 << 20;

export interface ParallelHashOptions {
  /** Worker threads (default 2; toolchain.md §2.2: more than the core count only adds overhead). */
  workers?: number;
  /** Start the pool once more than this many page bytes went through sha384Pages (default 8 MiB). */
  startAfterBytes?: number;
  /** Batches below this size are always hashed inline (default 64 KiB: messages would dominate). */
  minBatchBytes?: number;
  /**
   * Share of a streaming-sized batch (up to 2 MiB) hashed on the calling thread while one worker
   * hashes the rest (default 0.4: with reads kept ahead, 0.4 beat 0.5 on 2 cores; docs/benchmarks.md).
   */
  mainShare?: number;
  /** Worker module (tests substitute a faulty one). Default: hash-worker.js beside this module. */
  workerUrl?: URL;
}

export interface ParallelHashStats {
  /** The pool was started (workers spawned). */
  started: boolean;
  /** Page bytes hashed by workers / inline on the calling thread. */
  parallelBytes: number;
  inlineBytes: number;
}

export interface ParallelHashProvider extends HashProvider {
  sha384Pages(pages: Uint8Array): Promise<Uint8Array>;
  readonly stats: ParallelHashStats;
  /** Starts the pool now (instead of after `startAfterBytes`) and resolves once a worker is ready. */
  warmUp(): Promise<void>;
  /** Stops the workers (they would not keep the process alive anyway). A later batch restarts them. */
  close(): Promise<void>;
}

interface Job {
  src: Uint8Array;
  out: Uint8Array;
  resolve(): void;
  reject(e: Error): void;
}

interface PoolWorker {
  worker: Worker;
  ready: boolean;
  slots: { input: Uint8Array; output: Uint8Array }[];
  free: number[];
  busy: Map<number, Job>;
}

type WorkerEntry = ReturnType<typeof workerEntry>;

function defaultWorkerEntry(): WorkerEntry {
  return workerEntry('hash-worker', import.meta.url);
}

class Pool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  private failure: Error | undefined;
  private readyWaiters: { resolve(): void; reject(e: Error): void }[] = [];

  /**
   * Starts one worker; the others start with the first large batch (`grow`). On 2 cores, booting
   * two V8 isolates at once slows the digest for ~100 ms, and streaming batches use one worker.
   */
  constructor(
    private readonly WorkerCtor: typeof Worker,
    private readonly count: number,
    private readonly entry: WorkerEntry,
    private readonly onFail: () => void,
  ) {
    this.spawn();
  }

  /** Starts the remaining workers (once). */
  grow(): void {
    while (!this.failure && this.workers.length < this.count) this.spawn();
  }

  private spawn(): void {
    const slots = Array.from({ length: SLOTS_PER_WORKER }, () => ({
      input: new SharedArrayBuffer(SLOT_PAGES * PAGE),
      output: new SharedArrayBuffer(SLOT_PAGES * DIGEST),
    }));
    const e = this.entry;
    const worker = e instanceof URL
      ? new this.WorkerCtor(e, { workerData: { slots } })
      : new this.WorkerCtor(e.script, { eval: true, workerData: { slots } });
    const w: PoolWorker = {
      worker,
      ready: false,
      slots: slots.map((x) => ({ input: new Uint8Array(x.input), output: new Uint8Array(x.output) })),
      free: slots.map((_, k) => k),
      busy: new Map(),
    };
    worker.on('message', (m: { ready?: boolean; slot?: number; error?: string }) => this.onMessage(w, m));
    worker.on('error', (err) => this.fail(err instanceof Error ? err.message : String(err)));
    worker.on('exit', (code) => {
      if (!this.failure) this.fail(`worker exited with status ${code}`);
    });
    // After the listeners: adding a 'message' listener re-refs the worker's port.
    worker.unref();
    this.workers.push(w);
  }

  get ready(): boolean {
    return !this.failure && this.workers.some((w) => w.ready);
  }

  /** Resolves when at least one worker is ready; rejects if the pool fails first. */
  whenReady(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ready) return Promise.resolve();
    // Someone waits for the workers: keep the process alive until they report.
    for (const w of this.workers) w.worker.ref();
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** Hashes `pages` into `out` (48 bytes per page) on the workers. */
  run(pages: Uint8Array, out: Uint8Array, spread = true): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const n = pages.length / PAGE;
    if (spread) this.grow();
    const ready = spread ? this.workers.filter((w) => w.ready).length : 1;
    // Split so every ready worker gets a share (or all to one worker), at most one slot per job.
    const per = Math.max(1, Math.min(SLOT_PAGES, Math.ceil(n / ready)));
    const jobs: Promise<void>[] = [];
    for (let p = 0; p < n; p += per) {
      const q = Math.min(n, p + per);
      jobs.push(new Promise<void>((resolve, reject) => {
        this.queue.push({ src: pages.subarray(p * PAGE, q * PAGE), out: out.subarray(p * DIGEST, q * DIGEST), resolve, reject });
      }));
    }
    this.pump();
    return Promise.all(jobs).then(() => undefined);
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.failure) {
      let best: PoolWorker | undefined;
      for (const w of this.workers) if (w.ready && w.free.length > 0 && (!best || w.free.length > best.free.length)) best = w;
      if (!best) return;
      const job = this.queue.shift()!;
      const slot = best.free.pop()!;
      best.slots[slot]!.input.set(job.src);
      best.busy.set(slot, job);
      // Keep the process alive only while a worker owes us a result.
      if (best.busy.size === 1) best.worker.ref();
      best.worker.postMessage({ slot, pages: job.src.length / PAGE });
    }
  }

  private onMessage(w: PoolWorker, m: { ready?: boolean; slot?: number; error?: string }): void {
    if (m.ready) {
      w.ready = true;
      for (const r of this.readyWaiters.splice(0)) r.resolve();
      for (const x of this.workers) if (x.busy.size === 0) x.worker.unref();
      this.pump();
      return;
    }
    const job = m.slot === undefined ? undefined : w.busy.get(m.slot);
    if (!job || m.slot === undefined) return this.fail(`unexpected message from worker: ${JSON.stringify(m)}`);
    if (m.error !== undefined) return this.fail(m.error);
    job.out.set(w.slots[m.slot]!.output.subarray(0, job.out.length));
    w.busy.delete(m.slot);
    w.free.push(m.slot);
    if (w.busy.size === 0) w.worker.unref();
    job.resolve();
    this.pump();
  }

  /** Any worker failure fails every outstanding job and retires the whole pool. */
  private fail(reason: string): void {
    if (this.failure) return;
    void this.retire(inputError('HASH_WORKER_FAILED', `page-hashing worker failed: ${reason.split('\n')[0]}`));
    this.onFail();
  }

  private retire(err: Error): Promise<unknown> {
    this.failure = err;
    const jobs = [...this.queue, ...this.workers.flatMap((w) => [...w.busy.values()])];
    this.queue.length = 0;
    for (const w of this.workers) w.busy.clear();
    for (const j of jobs) j.reject(err);
    for (const r of this.readyWaiters.splice(0)) r.reject(err);
    return Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  async close(): Promise<void> {
    if (!this.failure) await this.retire(inputError('HASH_POOL_CLOSED', 'page-hashing pool was closed'));
  }
}

/** A node:crypto HashProvider with a lazily started worker pool behind `sha384Pages`. */
export function createParallelHashProvider(opts: ParallelHashOptions = {}): ParallelHashProvider {
  const count = opts.workers ?? 2;
  const startAfter = opts.startAfterBytes ?? 8 * 1024 * 1024;
  const minBatch = opts.minBatchBytes ?? 64 * 1024;
  const mainShare = opts.mainShare ?? 0.4;
  if (!(mainShare >= 0 && mainShare < 1)) throw inputError('BAD_OPTION', `mainShare must be in [0, 1), got ${mainShare}`);
  if (!Number.isInteger(count) || count < 1) throw inputError('BAD_OPTION', `workers must be a positive integer, got ${count}`);
  const stats: ParallelHashStats = { started: false, parallelBytes: 0, inlineBytes: 0 };
  let pool: Pool | undefined;
  let starting: Promise<Pool> | undefined;
  // After a worker failure the provider stays inline: restarting a broken pool would fail again.
  let broken = false;
  // Bumped by close(), so a pool whose start was under way when closed is retired at once.
  let generation = 0;
  let seen = 0;
  const start = (): Promise<Pool> => {
    if (!starting) {
      const g = ++generation;
      stats.started = true;
      starting = import('node:worker_threads').then(({ Worker }) => {
        const p: Pool = new Pool(Worker, count, opts.workerUrl ?? defaultWorkerEntry(), () => {
          if (pool === p) pool = undefined;
          starting = undefined;
          broken = true;
        });
        if (g === generation) pool = p;
        else void p.close();
        return p;
      });
      // A pool that cannot even be created leaves the provider inline (warmUp reports the error).
      starting.catch(() => {
        broken = true;
        starting = undefined;
      });
    }
    return starting;
  };

  return {
    ...nodeHashProvider,
    name: `node:crypto + ${count} worker threads`,
    stats,
    async sha384Pages(pages: Uint8Array): Promise<Uint8Array> {
      if (pages.length % PAGE !== 0) {
        throw inputError('UNALIGNED_PAGES', `page batch of ${pages.length} bytes is not a multiple of ${PAGE}`);
      }
      const out = new Uint8Array((pages.length / PAGE) * DIGEST);
      seen += pages.length;
      if (!starting && !broken && pages.length >= minBatch && seen > startAfter) void start();
      // Hash inline in 1 MiB steps until the pool is ready; while it starts, yield between steps so
      // its "ready" messages are seen and the rest of a large batch (or the next batch) goes parallel.
      for (let o = 0; o < pages.length; ) {
        const rest = pages.subarray(o);
        if (pool?.ready && rest.length >= minBatch) {
          // A streaming-sized batch: one worker hashes 60 % while this thread hashes the rest (mainShare),
          // and the chain of the previous batch (also on this thread) overlaps with the
          // worker. More threads than cores only delays the chain, the critical path. A large batch
          // (the caller is idle meanwhile) goes to all the workers.
          const small = rest.length <= SMALL_BATCH;
          const mine = small ? Math.floor((rest.length / PAGE) * mainShare) * PAGE : 0;
          // Messages go out synchronously, so the worker starts before this thread hashes its part.
          const done = pool.run(rest.subarray(mine), out.subarray(((o + mine) / PAGE) * DIGEST), !small);
          for (let d = (o / PAGE) * DIGEST, e = o + mine; o < e; o += PAGE, d += DIGEST) sha384Into(pages.subarray(o, o + PAGE), out, d);
          await done;
          stats.inlineBytes += mine;
          stats.parallelBytes += rest.length - mine;
          break;
        }
        const end = Math.min(pages.length, o + INLINE_STEP);
        stats.inlineBytes += end - o;
        for (let d = (o / PAGE) * DIGEST; o < end; o += PAGE, d += DIGEST) sha384Into(pages.subarray(o, o + PAGE), out, d);
        if (starting && !pool?.ready) await new Promise<void>((r) => setImmediate(r));
      }
      return out;
    },
    sha256Source: sha256FileOffThread,
    warmUp() {
      if (broken) return Promise.reject(inputError('HASH_WORKER_FAILED', 'page-hashing pool failed earlier'));
      return start().then((p) => p.whenReady());
    },
    async close() {
      generation++;
      const s = starting;
      starting = undefined;
      pool = undefined;
      await (await s)?.close();
    },
  };
}

/** The default Node provider with parallel page hashing (2 workers, started after 8 MiB of pages). */
export const nodeParallelHashProvider: ParallelHashProvider = /* @__PURE__ */ createParallelHashProvider();
