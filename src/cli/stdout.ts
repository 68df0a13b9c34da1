/**
 * Synchronous writes to standard output. `process.stdout` is built on first use (tty/net/stream
 * modules, ~3 ms to a file, ~5 ms to a pipe: docs/benchmarks.md, row 4), which a one-line `measure`
 * does not need. A non-blocking descriptor that is full (EAGAIN) hands the rest to process.stdout,
 * which queues it, and so does every later write (in order behind the queued bytes); a closed
 * reader (EPIPE, `| head`) ends the output quietly.
 */
import { writeSync } from 'node:fs';

let queued = false;

export function writeStdout(text: string | Uint8Array): void {
  const data = typeof text === 'string' ? Buffer.from(text) : text;
  if (queued) {
    process.stdout.write(data);
    return;
  }
  let off = 0;
  try {
    while (off < data.length) off += writeSync(1, data, off, data.length - off);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EPIPE') return;
    if (code !== 'EAGAIN') throw e;
    queued = true;
    process.stdout.write(data.subarray(off));
  }
}
