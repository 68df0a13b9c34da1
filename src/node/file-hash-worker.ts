/**
 * Worker thread of file-hash.ts: SHA-256 (FIPS 180-4) of one whole file, read with positional reads
 * into one reused 1 MiB buffer (bounded memory whatever the size). workerData = { path, size };
 * posts { digest } or { error, offset }.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const CHUNK = 1 << 20;
const { path, size } = workerData as { path: string; size: number };
let offset = 0;
try {
  const fd = openSync(path, 'r');
  try {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    while (offset < size) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK, size - offset), offset);
      if (n === 0) throw new Error('file ended early (changed while reading?)');
      h.update(buf.subarray(0, n));
      offset += n;
    }
    parentPort!.postMessage({ digest: new Uint8Array(h.digest()) });
  } finally {
    closeSync(fd);
  }
} catch (e) {
  parentPort!.postMessage({ error: (e as { code?: string }).code ?? (e as Error).message, offset });
}
