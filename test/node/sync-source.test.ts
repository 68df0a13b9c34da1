/**
 * The CLI's synchronous file sources (readSmallFilesSynchronously): the same bytes, ranges and
 * one-line errors as the asynchronous ones, files above the limit stay asynchronous, and the
 * small-source chunking of measureSource gives the independent PAGE_INFO chain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnpLaunchError } from '../../src/core/errors.js';
import { hashSource } from '../../src/core/source.js';
import { SnpFirmware } from '../../src/firmware/launch-digest.js';
import { PageType } from '../../src/firmware/page-types.js';
import { RefChain, T } from '../platforms/_ref.js';
import { openFileSource, readSmallFilesSynchronously } from '../../src/node/file-source.js';
import { nodeHashProvider } from '../../src/node/hash.js';

function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'snp-sync-source-'));
  return f(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

async function sync<T>(maxBytes: number, f: () => Promise<T>): Promise<T> {
  readSmallFilesSynchronously(maxBytes);
  try {
    return await f();
  } finally {
    readSmallFilesSynchronously(false);
  }
}

const code = (e: unknown) => (e instanceof SnpLaunchError ? e.code : `not an SnpLaunchError: ${String(e)}`);

test('a synchronous source reads the same bytes as an asynchronous one, and rejects the same ranges', async () => {
  const data = randomBytes(300_001);
  await withDir(async (dir) => {
    const path = join(dir, 'f.bin');
    writeFileSync(path, data);
    const a = await openFileSource(path);
    const s = await sync(1 << 20, () => openFileSource(path));
    try {
      assert.equal(s.size, data.length);
      for (const [off, len] of [[0, 1], [4095, 4097], [299_000, 1001], [0, 300_001], [300_001, 0]] as const) {
        assert.deepEqual(await s.read(off, len), await a.read(off, len), `read(${off}, ${len})`);
        const t = new Uint8Array(len);
        await s.readInto!(off, t);
        assert.deepEqual(t, new Uint8Array(data.subarray(off, off + len)));
      }
      for (const [off, len] of [[300_000, 2], [-1, 1], [0, 300_002], [1.5, 1]] as const) {
        const errs = await Promise.all([s.read(off, len), a.read(off, len)].map((p) => p.then(() => 'resolved', code)));
        assert.equal(errs[0], errs[1], `read(${off}, ${len})`);
        assert.notEqual(errs[0], 'resolved');
      }
    } finally {
      await s.close?.();
      await s.close?.(); // closing twice is harmless
      await a.close?.();
    }
  });
});

test('synchronous sources: one-line errors for a missing file, a directory and a file that shrank', async () => {
  await withDir(async (dir) => {
    await sync(1 << 20, async () => {
      await assert.rejects(openFileSource(join(dir, 'nope.bin')), (e) => code(e) === 'FILE_ENOENT' && (e as Error).message.includes('no such file'));
      await assert.rejects(openFileSource(dir), (e) => code(e) === 'IS_DIRECTORY');
      const path = join(dir, 'shrinks.bin');
      writeFileSync(path, randomBytes(8192));
      const s = await openFileSource(path);
      truncateSync(path, 100);
      await assert.rejects(s.read(0, 8192), (e) => code(e) === 'SHORT_READ' && (e as SnpLaunchError).message.includes('offset 100'));
      await s.close?.();
    });
  });
});

test('files above the limit stay asynchronous: the same bytes either way', async () => {
  const data = randomBytes(70_000);
  await withDir(async (dir) => {
    const path = join(dir, 'big.bin');
    writeFileSync(path, data);
    const s = await sync(65_536, () => openFileSource(path));
    try {
      assert.deepEqual(await s.read(1000, 69_000), new Uint8Array(data.subarray(1000, 70_000)));
    } finally {
      await s.close?.();
    }
  });
});

test('measureSource of a small file (64 KiB chunks, synchronous reads) equals the independent PAGE_INFO chain', async () => {
  // 3 MiB + 5 pages: several 64 KiB chunks, a partial last one, and an offset into the file.
  const data = randomBytes(3 * (1 << 20) + 6 * 4096);
  const gpa = 0xff000000;
  await withDir(async (dir) => {
    const path = join(dir, 'fw.bin');
    writeFileSync(path, data);
    for (const limit of [64 << 20, 0]) {
      const src = await sync(limit, () => openFileSource(path));
      try {
        const fw = new SnpFirmware({ hash: nodeHashProvider });
        await fw.measureSource(PageType.NORMAL, gpa, src, 4096, data.length - 4096, 'fw');
        assert.equal(Buffer.from(fw.digest).toString('hex'), new RefChain().range(T.NORMAL, gpa, (data.length - 4096) / 4096, data.subarray(4096)).hex, `limit ${limit}`);
      } finally {
        await src.close?.();
      }
    }
  });
});

test('hashSource over a source opened with { sync: true } (one reused buffer, no read-ahead) equals SHA-256 of the bytes', async () => {
  const data = randomBytes(5 * (1 << 20) + 123);
  await withDir(async (dir) => {
    const path = join(dir, 'kernel.bin');
    writeFileSync(path, data);
    const src = await openFileSource(path, undefined, { sync: true });
    try {
      assert.equal(src.sync, true);
      const got = await hashSource(src, nodeHashProvider.createSha256());
      assert.equal(Buffer.from(got).toString('hex'), createHash('sha256').update(data).digest('hex'));
    } finally {
      await src.close?.();
    }
    const a = await openFileSource(path, undefined, { sync: false });
    assert.equal(a.sync, undefined, '{ sync: false } is asynchronous');
    await a.close?.();
  });
});
