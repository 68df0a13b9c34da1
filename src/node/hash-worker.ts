/**
 * Worker thread of the parallel page hasher (parallel-hash.ts): hashes 4 KiB pages with SHA-384
 * (FIPS 180-4) out of a shared input slot and writes the 48-byte digests into a shared output slot.
 * Protocol: workerData = { slots: [{ input, output }] } (SharedArrayBuffers); the worker posts
 * { ready: true } once loaded; then for each { slot, pages } it posts { slot } or { slot, error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { sha384Into } from './hash.js';

const PAGE = 4096;
const DIGEST = 48;

interface SlotData {
  input: SharedArrayBuffer;
  output: SharedArrayBuffer;
}

const slots = (workerData as { slots: SlotData[] }).slots.map((s) => ({ input: new Uint8Array(s.input), output: new Uint8Array(s.output) }));
const port = parentPort!;

port.on('message', (msg: { slot: number; pages: number }) => {
  try {
    const s = slots[msg.slot];
    if (!s || !Number.isInteger(msg.pages) || msg.pages < 0 || msg.pages * PAGE > s.input.length) {
      throw new Error(`bad job: slot ${msg.slot}, ${msg.pages} pages`);
    }
    for (let p = 0; p < msg.pages; p++) sha384Into(s.input.subarray(p * PAGE, (p + 1) * PAGE), s.output, p * DIGEST);
    port.postMessage({ slot: msg.slot });
  } catch (e) {
    port.postMessage({ slot: msg.slot, error: e instanceof Error ? e.message : String(e) });
  }
});
port.postMessage({ ready: true });
