// The worker-thread page hasher: per-page digests against node:crypto createHash (independent of
// the provider's crypto.hash path), inline/parallel/mixed paths, bad sizes, worker failures, and
// a process that uses the pool still exiting by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createParallelHashProvider } from '../../src/node/parallel-hash.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { SnpFirmware } from '../../src/firmware/launch-digest.js';
import { PageType } from '../../src/firmware/page-types.js';
import { bytesSource } from '../../src/core/source.js';
import { RefChain, T } from '../platforms/_ref.js';

const MiB = 1 << 20;

function refPages(pages: Uint8Array): Buffer {
  const out: Buffer[] = [];
  for (let o = 0; o < pages.length; o += 4096) out.push(createHash('sha384').update(pages.subarray(o, o + 4096)).digest());
  return Buffer.concat(out);
}

test('inline, parallel and mixed batches give crypto digests per page', async () => {
  const p = createParallelHashProvider({ startAfterBytes: 0 });
  try {
    // Odd page count, bigger than one slot (256 pages) per worker, not a multiple of anything.
    const big = randomBytes(3 * MiB + 5 * 4096);
    // First call: the pool starts but is not ready, so the batch begins inline and switches over.
    const first = await p.sha384Pages(big);
    assert.ok(Buffer.from(first).equals(refPages(big)));
    await p.warmUp();
    const before = p.stats.parallelBytes;
    const again = await p.sha384Pages(big);
    assert.ok(Buffer.from(again).equals(refPages(big)));
    assert.equal(p.stats.parallelBytes - before, big.length, 'the second batch ran on the workers');
    // Small batches stay inline even with the pool up.
    const small = randomBytes(4 * 4096);
    const inlineBefore = p.stats.inlineBytes;
    assert.ok(Buffer.from(await p.sha384Pages(small)).equals(refPages(small)));
    assert.equal(p.stats.inlineBytes - inlineBefore, small.length);
    // A streaming-sized batch is shared between one worker and this thread.
    const mid = randomBytes(MiB + 3 * 4096);
    const [pb, ib] = [p.stats.parallelBytes, p.stats.inlineBytes];
    assert.ok(Buffer.from(await p.sha384Pages(mid)).equals(refPages(mid)));
    assert.ok(p.stats.parallelBytes > pb && p.stats.inlineBytes > ib, 'both the worker and the caller hashed part of it');
    assert.equal(p.stats.parallelBytes - pb + p.stats.inlineBytes - ib, mid.length);
    // Concurrent batches (as measureSource overlaps them) each get their own digests.
    const parts = [randomBytes(MiB), randomBytes(2 * MiB), randomBytes(MiB + 4096)];
    const res = await Promise.all(parts.map((x) => p.sha384Pages(x)));
    parts.forEach((x, i) => assert.ok(Buffer.from(res[i]!).equals(refPages(x)), `batch ${i}`));
    assert.equal((await p.sha384Pages(new Uint8Array(0))).length, 0);
    // A batch that is a view into a bigger buffer.
    const view = big.subarray(4096 * 3, 4096 * 3 + MiB);
    assert.ok(Buffer.from(await p.sha384Pages(view)).equals(refPages(view)));
  } finally {
    await p.close();
  }
});

test('the pool does not start before startAfterBytes', async () => {
  const p = createParallelHashProvider({ startAfterBytes: 8 * MiB });
  try {
    const b = randomBytes(MiB);
    for (let i = 0; i < 8; i++) await p.sha384Pages(b);
    assert.equal(p.stats.started, false, 'a 4-8 MiB image must not pay for the workers');
    await p.sha384Pages(b);
    assert.equal(p.stats.started, true);
  } finally {
    await p.close();
  }
});

test('sizes that are not whole pages are rejected', async () => {
  const p = createParallelHashProvider({ startAfterBytes: 0 });
  try {
    for (const n of [1, 4095, 4097, MiB + 1]) {
      await assert.rejects(p.sha384Pages(new Uint8Array(n)), (e: unknown) => e instanceof SnpLaunchError && e.code === 'UNALIGNED_PAGES');
    }
    assert.throws(() => createParallelHashProvider({ workers: 0 }), SnpLaunchError);
    assert.throws(() => createParallelHashProvider({ mainShare: 1 }), SnpLaunchError);
  } finally {
    await p.close();
  }
});

for (const mode of ['throw', 'report']) {
  test(`a failing worker (${mode}) surfaces as an error; later batches are hashed inline`, async () => {
    process.env.FAILING_WORKER_MODE = mode;
    const p = createParallelHashProvider({ startAfterBytes: 0, workerUrl: new URL('./fixtures/failing-hash-worker.mjs', import.meta.url) });
    try {
      await p.warmUp();
      await assert.rejects(p.sha384Pages(randomBytes(2 * MiB)), (e: unknown) => {
        assert.ok(e instanceof SnpLaunchError);
        assert.equal(e.code, 'HASH_WORKER_FAILED');
        assert.match(e.message, mode === 'throw' ? /simulated worker crash/ : /simulated hashing failure/);
        return true;
      });
      const b = randomBytes(2 * MiB);
      assert.ok(Buffer.from(await p.sha384Pages(b)).equals(refPages(b)));
      await assert.rejects(p.warmUp(), SnpLaunchError);
    } finally {
      delete process.env.FAILING_WORKER_MODE;
      await p.close();
    }
  });
}

test('a worker module that cannot load: warmUp rejects, batches stay correct (inline)', async () => {
  const p = createParallelHashProvider({ startAfterBytes: 0, workerUrl: new URL('./fixtures/does-not-exist.mjs', import.meta.url) });
  try {
    await assert.rejects(p.warmUp(), (e: unknown) => e instanceof SnpLaunchError && e.code === 'HASH_WORKER_FAILED');
    const b = randomBytes(2 * MiB);
    assert.ok(Buffer.from(await p.sha384Pages(b)).equals(refPages(b)));
    assert.equal(p.stats.parallelBytes, 0);
  } finally {
    await p.close();
  }
});

test('SnpFirmware with the parallel provider equals an independent PAGE_INFO chain', async () => {
  const p = createParallelHashProvider({ startAfterBytes: 0 });
  try {
    await p.warmUp();
    const data = randomBytes(5 * MiB + 3 * 4096);
    const gpa = 0x100000;
    const a = new SnpFirmware({ hash: p });
    await a.measureSource(PageType.NORMAL, gpa, bytesSource('img', data), 0, data.length, 'img');
    const b = new SnpFirmware({ hash: p });
    await b.measureRange(PageType.NORMAL, gpa, data, 'img');
    const want = new RefChain().range(T.NORMAL, gpa, data.length / 4096, data).hex;
    assert.equal(Buffer.from(a.digest).toString('hex'), want);
    assert.equal(Buffer.from(b.digest).toString('hex'), want);
    assert.ok(p.stats.parallelBytes > 0);
  } finally {
    await p.close();
  }
});

test('a process that used the pool exits by itself, promptly, with status 0', () => {
  const child = fileURLToPath(new URL('./fixtures/exit-child.ts', import.meta.url));
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', child], { encoding: 'utf8', timeout: 60_000 });
  const ms = Date.now() - t0;
  assert.equal(r.signal, null, `killed by timeout after ${ms} ms`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.ok, true);
  assert.equal(out.started, true);
  assert.ok(out.parallelBytes > 0, 'the workers were used');
  assert.equal(out.first, createHash('sha384').update(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff))).digest('hex'));
});
