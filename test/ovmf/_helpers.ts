// Helpers for the OVMF tests: shared fixture sources and a ByteSource that records its reads.
import { bytesSource, type ByteSource } from '../../src/core/source.js';
import { openFileSource } from '../../src/node/file-source.js';
import { shared } from '../_shared.js';

/** Opened once per process and kept open (a source is read-only and reusable). */
const opened = new Map<string, Promise<ByteSource>>();
function openOnce(path: string): Promise<ByteSource> {
  let s = opened.get(path);
  if (!s) opened.set(path, (s = openFileSource(path)));
  return s;
}
export const fixture = (name: string): Promise<ByteSource> => openOnce(shared('fixtures', 'sev-snp-measure', name));
export const input = (name: string): Promise<ByteSource> => openOnce(shared('vectors', 'sev-snp-measure', 'inputs', name));
export const empty = (name = 'empty'): ByteSource => bytesSource(name, new Uint8Array(0));
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Deterministic pattern of sev-snp-measure-cli.md §9: byte i = ((i mod 251) + seed) & 0xFF. */
export function pattern(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = ((i % 251) + seed) & 0xff;
  return b;
}

/** A generated source of any size (pattern bytes) that records the largest single read. */
export function patternSource(name: string, size: number, seed: number): ByteSource & { maxRead: number; bytesRead: number } {
  const s = {
    name,
    size,
    maxRead: 0,
    bytesRead: 0,
    async read(offset: number, length: number) {
      if (offset < 0 || offset + length > size) throw new Error('out of range');
      s.maxRead = Math.max(s.maxRead, length);
      s.bytesRead += length;
      const b = new Uint8Array(length);
      for (let i = 0; i < length; i++) b[i] = (((offset + i) % 251) + seed) & 0xff;
      return b;
    },
  };
  return s;
}
