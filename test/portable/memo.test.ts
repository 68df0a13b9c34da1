/**
 * memoPageDigests (src/core/source.ts): one IGVM file measured on every target hashes its page
 * data once, and gives the digests each platform gives on a plain source. The reads of the page
 * data are counted through the wrapped source.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesSource, memoPageDigests, type ByteSource } from '../../src/core/source.js';
import { measureTargets } from '../../src/portable/measure-targets.js';
import { parseTargets } from '../../src/portable/targets.js';
import { IGVM_PLATFORMS } from '../../src/core/platforms.js';
import { measureIgvm } from '../../src/measure/igvm.js';
import { buildIgvmExample } from '../../web/src/examples.js';

function counting(src: ByteSource): { src: ByteSource; bytesRead: () => number } {
  let n = 0;
  return {
    src: { name: src.name, size: src.size, read: (o, l) => ((n += l), src.read(o, l)) },
    bytesRead: () => n,
  };
}

test('measureTargets: the page data is read and hashed once for all six platforms, with the same digests', async () => {
  const bytes = buildIgvmExample();
  const c = counting(bytesSource('ex.igvm', bytes));
  const targets = parseTargets([...IGVM_PLATFORMS]);
  const m = await measureTargets(c.src, targets, { vcpus: 2, vcpuSig: 0xa10f11 });
  // Each platform alone, on a plain source.
  for (const t of targets) {
    const r = await measureIgvm({ igvm: bytesSource('ex.igvm', bytes), platform: t.platform, vcpus: 2, vcpuSig: 0xa10f11, ...(t.nativeZero ? { nativeZero: true } : {}) });
    assert.equal(m.rows.find((x) => x.target === t.label)?.digest, Buffer.from(r.digest).toString('hex'), t.label);
  }
  // The file is read for parsing (headers) and the pages once: well below six times its size.
  assert.ok(c.bytesRead() < 2 * bytes.length, `${c.bytesRead()} bytes read for a ${bytes.length}-byte file`);
});

test('memoPageDigests keeps what it is given, up to its budget', () => {
  const src = memoPageDigests(bytesSource('x', new Uint8Array(8192)), 48);
  assert.equal(src.pageDigests!(0, 4096), undefined);
  src.keepPageDigests!(0, 4096, new Uint8Array(48).fill(1));
  assert.deepEqual(src.pageDigests!(0, 4096), new Uint8Array(48).fill(1));
  src.keepPageDigests!(4096, 4096, new Uint8Array(48).fill(2)); // over the 48-byte budget: not kept
  assert.equal(src.pageDigests!(4096, 4096), undefined);
});
