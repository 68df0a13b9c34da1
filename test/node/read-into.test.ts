/**
 * Streaming with read-ahead into reused buffers (ByteSource.readInto, streamChunks): digests of
 * file-backed streams equal independent node:crypto computations, including chunk tails and a
 * parallel provider that still holds a chunk while the next reads are in flight.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnpLaunchError } from '../../src/core/errors.js';
import { bytesSource, hashSource, streamChunks } from '../../src/core/source.js';
import { SnpFirmware } from '../../src/firmware/launch-digest.js';
import { PageType } from '../../src/firmware/page-types.js';
import { RefChain, T } from '../platforms/_ref.js';
import { openFileSource } from '../../src/node/file-source.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { createParallelHashProvider } from '../../src/node/parallel-hash.js';

const MiB = 1 << 20;

function withFile(bytes: Uint8Array, f: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'snp-read-into-'));
  const path = join(dir, 'data.bin');
  writeFileSync(path, bytes);
  return f(path).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** The independent PAGE_INFO chain of test/platforms/_ref.ts (node:crypto, written from the spec). */
function refChain(data: Uint8Array, gpa: number): string {
  return new RefChain().range(T.NORMAL, gpa, data.length / 4096, data).hex;
}

test('hashSource over a file (readInto, reused buffers) equals SHA-256 of the bytes, tail chunk included', async () => {
  const data = randomBytes(5 * MiB + 12345);
  await withFile(data, async (path) => {
    const src = await openFileSource(path);
    try {
      assert.ok(src.readInto, 'file sources implement readInto');
      const got = Buffer.from(await hashSource(src, nodeHashProvider.createSha256())).toString('hex');
      assert.equal(got, createHash('sha256').update(data).digest('hex'));
      // read() still returns fresh buffers the caller may keep.
      const a = await src.read(0, 100);
      const b = await src.read(100, 100);
      assert.ok(Buffer.from(a).equals(data.subarray(0, 100)) && Buffer.from(b).equals(data.subarray(100, 200)));
    } finally {
      await src.close?.();
    }
  });
});

test('readInto fills the target and rejects ranges past the end with READ_OUT_OF_RANGE', async () => {
  const data = randomBytes(10000);
  await withFile(data, async (path) => {
    const src = await openFileSource(path, 'x.bin');
    try {
      const t = new Uint8Array(4096);
      assert.equal(await src.readInto!(5000, t), t);
      assert.ok(Buffer.from(t).equals(data.subarray(5000, 9096)));
      await assert.rejects(src.readInto!(8000, new Uint8Array(4096)), (e: unknown) => e instanceof SnpLaunchError && e.code === 'READ_OUT_OF_RANGE' && e.location.file === 'x.bin');
    } finally {
      await src.close?.();
    }
  });
});

test('streamChunks hands out every chunk in order, with and without readInto', async () => {
  const data = randomBytes(3 * MiB + 7);
  for (const src of [bytesSource('mem', data)]) {
    const seen: number[] = [];
    const h = createHash('sha256');
    await streamChunks(src, 5, data.length - 5, (c, at) => {
      seen.push(at);
      h.update(c);
    }, MiB);
    assert.deepEqual(seen, [0, MiB, 2 * MiB, 3 * MiB]);
    assert.equal(h.digest('hex'), createHash('sha256').update(data.subarray(5)).digest('hex'));
  }
  await withFile(data, async (path) => {
    const src = await openFileSource(path);
    try {
      const h = createHash('sha256');
      await streamChunks(src, 0, data.length, async (c) => {
        await new Promise((r) => setImmediate(r)); // reads ahead complete meanwhile: buffers must not be overwritten yet
        h.update(c);
      }, 256 * 1024, 2);
      assert.equal(h.digest('hex'), createHash('sha256').update(data).digest('hex'));
    } finally {
      await src.close?.();
    }
  });
});

test('measureSource from a file with a parallel provider (buffers reused while workers hash) equals the PAGE_INFO chain', async () => {
  const data = randomBytes(12 * MiB + 5 * 4096);
  const gpa = 0x200000;
  const p = createParallelHashProvider({ startAfterBytes: 2 * MiB });
  await p.warmUp();
  await withFile(data, async (path) => {
    const src = await openFileSource(path);
    try {
      for (const hash of [p, nodeHashProvider]) {
        const fw = new SnpFirmware({ hash });
        await fw.measureSource(PageType.NORMAL, gpa, src, 4096, data.length - 4096, 'file');
        assert.equal(Buffer.from(fw.digest).toString('hex'), refChain(data.subarray(4096), gpa), hash.name);
      }
      assert.ok(p.stats.parallelBytes > 0, 'workers hashed part of it');
    } finally {
      await src.close?.();
      await p.close();
    }
  });
});
