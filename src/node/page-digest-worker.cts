/**
 * Worker thread of speculative-pages.ts: claims 1 MiB chunks of a file's page data in order, reads
 * each into one reused buffer and writes the SHA-384 (FIPS 180-4) of its 4 KiB pages into a shared
 * digest array. Chunk states live in a shared Int32Array (see speculative-pages.ts); a chunk this
 * worker cannot read is handed back (state FREE) for the main thread to read and report.
 *
 * CommonJS and self-contained, like file-hash-worker.cts: it starts without an ES module loader.
 */
import crypto = require('node:crypto');
import fs = require('node:fs');
import threads = require('node:worker_threads');

const PAGE = 4096;
const DIGEST = 48;
const FREE = 0;
const CLAIMED = 1;
const DONE = 2;
const { path, start, pages, chunkPages, digests, state } = threads.workerData as {
  path: string;
  start: number;
  pages: number;
  chunkPages: number;
  digests: SharedArrayBuffer;
  state: SharedArrayBuffer;
};
const out = new Uint8Array(digests);
const st = new Int32Array(state);
const chunks = Math.ceil(pages / chunkPages);
const oneShot = (crypto as unknown as { hash?: (a: string, d: Uint8Array, e: 'latin1') => string }).hash;
const buf = Buffer.allocUnsafe(chunkPages * PAGE);
let fd = -1;
let cur = -1;
try {
  fd = fs.openSync(path, 'r');
  // st[0] is the claim cursor; chunk k's state is st[1 + k].
  for (let k = Atomics.add(st, 0, 1); k < chunks; k = Atomics.add(st, 0, 1)) {
    if (Atomics.compareExchange(st, 1 + k, FREE, CLAIMED) !== FREE) continue;
    cur = k;
    const first = k * chunkPages;
    const n = Math.min(chunkPages, pages - first);
    const len = n * PAGE;
    let got = 0;
    while (got < len) {
      const r = fs.readSync(fd, buf, got, len - got, start + first * PAGE + got);
      if (r === 0) break;
      got += r;
    }
    if (got < len) {
      Atomics.store(st, 1 + k, FREE);
      Atomics.notify(st, 1 + k);
      break;
    }
    for (let p = 0; p < n; p++) {
      const page = buf.subarray(p * PAGE, (p + 1) * PAGE);
      const d = (first + p) * DIGEST;
      if (oneShot) {
        const s = oneShot('sha384', page, 'latin1');
        for (let i = 0; i < DIGEST; i++) out[d + i] = s.charCodeAt(i);
      } else out.set(crypto.createHash('sha384').update(page).digest(), d);
    }
    Atomics.store(st, 1 + k, DONE);
    Atomics.notify(st, 1 + k);
    cur = -1;
  }
} catch {
  // Unreadable file: hand the chunk back; the main thread reads it itself and reports the error.
  if (cur >= 0 && Atomics.compareExchange(st, 1 + cur, CLAIMED, FREE) === CLAIMED) Atomics.notify(st, 1 + cur);
} finally {
  if (fd >= 0) fs.closeSync(fd);
}
