/**
 * SHA-256 of a large file on a worker thread, so the kernel's and the initrd's hashes (which depend
 * on nothing else) run on both cores at once instead of one after the other (docs/benchmarks.md,
 * row 9). A worker costs ~20 ms to start, so small files stay on the calling thread.
 */
import { inputError } from '../core/errors.js';
import type { ByteSource } from '../core/source.js';
import { workerEntry } from './worker-entry.js';

/** Files below this are hashed inline (starting a worker costs more than it saves). */
export const WORKER_FILE_MIN = 32 << 20;

/** The SHA-256 of `src` on a worker when it is a large file on disk; undefined otherwise (hash it inline). */
export function sha256FileOffThread(src: ByteSource): Promise<Uint8Array> | undefined {
  if (src.path === undefined || src.size < WORKER_FILE_MIN) return undefined;
  const path = src.path;
  // node:worker_threads is loaded only when a file is large enough (start-up of small runs).
  return import('node:worker_threads').then(({ Worker }) => new Promise<Uint8Array>((resolve, reject) => {
    const entry = workerEntry('file-hash-worker', import.meta.url, '.cjs');
    const w = entry instanceof URL ? new Worker(entry, { workerData: { path, size: src.size } }) : new Worker(entry.script, { eval: true, workerData: { path, size: src.size } });
    w.once('message', (m: { digest?: Uint8Array; error?: string; offset?: number }) => {
      void w.terminate();
      if (m.digest) resolve(m.digest);
      else reject(inputError('READ_FAILED', `cannot read for hashing (${m.error ?? 'unknown error'})`, { file: src.name, offset: m.offset ?? 0 }));
    });
    w.once('error', (e) => reject(inputError('HASH_WORKER_FAILED', `hashing worker failed: ${e.message}`, { file: src.name })));
  }));
}
