/**
 * Worker thread of file-hash.ts: SHA-256 (FIPS 180-4) of one whole file, read with positional reads
 * into one reused 1 MiB buffer (bounded memory whatever the size). workerData = { path, size };
 * posts { digest } or { error, offset }.
 *
 * CommonJS (.cts → .cjs), so the worker starts without an ES module loader: ~8 ms less before its
 * first read, which is on the critical path of a kernel + initrd `measure` (docs/benchmarks.md,
 * row 9). Self-contained: a CommonJS worker cannot load the ES modules beside it on Node 20.
 */
import crypto = require('node:crypto');
import fs = require('node:fs');
import threads = require('node:worker_threads');

const CHUNK = 1 << 20;
const { path, size } = threads.workerData as { path: string; size: number };
let offset = 0;
try {
  const fd = fs.openSync(path, 'r');
  try {
    const h = crypto.createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    while (offset < size) {
      const n = fs.readSync(fd, buf, 0, Math.min(CHUNK, size - offset), offset);
      if (n === 0) throw new Error('file ended early (changed while reading?)');
      h.update(buf.subarray(0, n));
      offset += n;
    }
    threads.parentPort!.postMessage({ digest: new Uint8Array(h.digest()) });
  } finally {
    fs.closeSync(fd);
  }
} catch (e) {
  threads.parentPort!.postMessage({ error: (e as { code?: string }).code ?? (e as Error).message, offset });
}
