/**
 * Speculative page hashing for a large IGVM file (issue 18 item 7, docs/benchmarks.md): as soon as
 * the file is opened, a worker thread hashes every 4 KiB page of its file-data section (everything
 * after the variable headers) while the main thread still parses the 65,536 headers. The source it
 * returns answers `pageDigests(offset, length)` for page-aligned ranges of that section, so the
 * loader's streams chain digests instead of reading and hashing. A page's SHA-384 is the same
 * wherever it is measured; only pages the launch actually streams are looked up, so the result is
 * the same as without speculation.
 *
 * Work is shared through a SharedArrayBuffer: 1 MiB chunks move FREE → CLAIMED → DONE. When the
 * chain needs a chunk that is not done, the main thread hashes the next free chunks itself (both
 * cores work after the parse), and waits only for a chunk a worker holds. A worker that fails
 * hands its chunk back; one that stalls is overtaken after WAIT_MS (same bytes, same digests), so
 * a run never hangs. Memory: 48 bytes per page (3 MiB for 256 MiB) plus 1 MiB per reader.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type * as Threads from 'node:worker_threads';
import { u32 } from '../core/bytes.js';
import { inputError } from '../core/errors.js';
import type { ByteSource } from '../core/source.js';
import { FIXED, IGVM_MAGIC } from '../images/igvm/defs.js';
import { sha384Into } from './hash.js';
import { workerEntry } from './worker-entry.js';

const PAGE = 4096;
const DIGEST = 48;
const CHUNK_PAGES = 256;
const FREE = 0;
const CLAIMED = 1;
const DONE = 2;
/** A worker's 1 MiB chunk takes ~2 ms; after this long the main thread hashes it as well. */
const WAIT_MS = 2000;
/** Files below this are not worth a worker (same threshold as the page-hashing pool's warm-up). */
export const SPECULATE_MIN_BYTES = 32 << 20;

/** Hashing of one file's data section under way: `wrap` adds `pageDigests` to its opened source. */
export interface IgvmSpeculation {
  wrap(src: ByteSource): ByteSource;
}

/**
 * Starts hashing the file-data section of the IGVM file at `path` on `workers` threads (default 1:
 * the main thread is the other hasher once the parse is done), now, before the file is opened for
 * parsing: a worker needs ~50-70 ms to boot, about as long as the parse.
 * Synchronous, so nothing runs before the worker is spawned. Undefined when the file is small,
 * unreadable, or has no sane IGVM fixed header (the parser then reports what is wrong).
 */
export function speculateIgvmPages(path: string, opts: { workers?: number; minBytes?: number } = {}): IgvmSpeculation | undefined {
  const workers = opts.workers ?? 1;
  let fd = -1;
  let start: number;
  let size: number;
  try {
    fd = openSync(path, 'r');
    size = fstatSync(fd).size;
    if (size < (opts.minBytes ?? SPECULATE_MIN_BYTES)) return closeAnd(fd);
    const head = new Uint8Array(FIXED.variableHeaderSize + 4);
    if (readSync(fd, head, 0, head.length, 0) !== head.length || u32(head, FIXED.magic) !== IGVM_MAGIC) return closeAnd(fd);
    start = u32(head, FIXED.variableHeaderOffset) + u32(head, FIXED.variableHeaderSize);
  } catch {
    return closeAnd(fd);
  }
  const pages = Math.floor((size - Math.min(start, size)) / PAGE);
  if (pages < CHUNK_PAGES) return closeAnd(fd);
  const chunks = Math.ceil(pages / CHUNK_PAGES);
  const digests = new SharedArrayBuffer(pages * DIGEST);
  const state = new SharedArrayBuffer((1 + chunks) * 4);
  const out = new Uint8Array(digests);
  const st = new Int32Array(state);
  const pool: Threads.Worker[] = [];
  // Synchronously (Node >= 20.16; engines asks 20.19): an await here would delay the spawn.
  const { Worker: W } = (process as unknown as { getBuiltinModule(id: string): typeof Threads }).getBuiltinModule('node:worker_threads');
  const entry = workerEntry('page-digest-worker', import.meta.url, '.cjs');
  const workerData = { path, start, pages, chunkPages: CHUNK_PAGES, digests, state };
  try {
    for (let i = 0; i < workers; i++) {
      const w = entry instanceof URL ? new W(entry, { workerData }) : new W(entry.script, { eval: true, workerData });
      // A worker's failure needs no report: its chunks stay FREE (or are overtaken) and are read here.
      w.on('error', () => undefined);
      w.unref();
      pool.push(w);
    }
  } catch {
    // No thread to be had: the main thread hashes the chunks the others did not take.
  }
  let buf: Uint8Array | undefined;
  /** Reads and hashes chunk k on this thread (its digests may also come from a stalled worker: equal). */
  const hashHere = (k: number, name: string): void => {
    buf ??= new Uint8Array(CHUNK_PAGES * PAGE);
    const first = k * CHUNK_PAGES;
    const n = Math.min(CHUNK_PAGES, pages - first);
    const at = start + first * PAGE;
    for (let got = 0; got < n * PAGE; ) {
      let r: number;
      try {
        r = readSync(fd, buf, got, n * PAGE - got, at + got);
      } catch (e) {
        throw inputError('READ_FAILED', `cannot read (${(e as { code?: string }).code ?? (e as Error).message})`, { file: name, offset: at + got });
      }
      if (r === 0) throw inputError('SHORT_READ', `file ended early at offset ${at + got} (changed while reading?)`, { file: name, offset: at + got });
      got += r;
    }
    for (let p = 0; p < n; p++) sha384Into(buf.subarray(p * PAGE, (p + 1) * PAGE), out, (first + p) * DIGEST);
    Atomics.store(st, 1 + k, DONE);
  };
  /** Hashes the next free chunk after `from` here; false when none is left. */
  const helpOne = (from: number, name: string): boolean => {
    for (let j = from; j < chunks; j++) {
      if (Atomics.load(st, 1 + j) === FREE && Atomics.compareExchange(st, 1 + j, FREE, CLAIMED) === FREE) {
        hashHere(j, name);
        return true;
      }
    }
    return false;
  };
  const ensure = (k: number, name: string): void => {
    for (;;) {
      const s = Atomics.load(st, 1 + k);
      if (s === DONE) return;
      if (s === FREE) {
        if (Atomics.compareExchange(st, 1 + k, FREE, CLAIMED) === FREE) hashHere(k, name);
        continue;
      }
      // A worker holds it: do other useful work, or wait for it (then take it over).
      if (helpOne(k + 1, name)) continue;
      if (Atomics.wait(st, 1 + k, CLAIMED, WAIT_MS) === 'timed-out') hashHere(k, name);
    }
  };
  // The same file only: a file replaced since has another size (or else the parse's CRC fails).
  const wrap = (src: ByteSource): ByteSource => src.size !== size ? src : ({
    name: src.name,
    size: src.size,
    path,
    ...(src.sync ? { sync: true } : {}),
    read: (o, l) => src.read(o, l),
    ...(src.readInto ? { readInto: (o: number, t: Uint8Array) => src.readInto!(o, t) } : {}),
    pageDigests(offset, length) {
      const rel = offset - start;
      if (rel < 0 || rel % PAGE !== 0 || length % PAGE !== 0 || rel + length > pages * PAGE) return undefined;
      const p0 = rel / PAGE;
      const p1 = p0 + length / PAGE;
      for (let k = Math.floor(p0 / CHUNK_PAGES); k * CHUNK_PAGES < p1; k++) ensure(k, src.name);
      // A copy: the chain reads each digest again, and reads from shared memory are slower in V8.
      return out.slice(p0 * DIGEST, p1 * DIGEST);
    },
    async close() {
      // Stop the workers claiming more; they are unref'd, so they never keep the process alive.
      Atomics.store(st, 0, chunks);
      await Promise.all(pool.map((w) => w.terminate()));
      if (fd >= 0) closeSync(fd);
      fd = -1;
      await src.close?.();
    },
  });
  return { wrap };
}

function closeAnd(fd: number): undefined {
  if (fd >= 0) closeSync(fd);
  return undefined;
}
