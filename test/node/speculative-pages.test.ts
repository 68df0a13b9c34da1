/**
 * Speculative IGVM page hashing (src/node/speculative-pages.ts): the digests it serves equal an
 * independent SHA-384 of each page, with or without workers; only page-aligned ranges of the
 * file-data section are served; anything that is not a sane IGVM file, or a different file, is left
 * alone; and measureSource over a served source equals the independent PAGE_INFO chain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnpFirmware } from '../../src/firmware/launch-digest.js';
import { PageType } from '../../src/firmware/page-types.js';
import { RefChain, T } from '../platforms/_ref.js';
import { openFileSource } from '../../src/node/file-source.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { speculateIgvmPages } from '../../src/node/speculative-pages.js';

const VHO = 24;
const VHS = 1000; // the file data starts at 1024
const START = VHO + VHS;
const PAGES = 700; // three 256-page chunks, the last partial

/** A file with an IGVM fixed header (magic, variable header offset and size) and random file data. */
function igvmLike(dir: string, magic = 0x4d564749): { path: string; data: Buffer } {
  const data = randomBytes(START + PAGES * 4096 + 100);
  data.writeUInt32LE(magic, 0);
  data.writeUInt32LE(VHO, 8);
  data.writeUInt32LE(VHS, 12);
  const path = join(dir, 'f.igvm');
  writeFileSync(path, data);
  return { path, data };
}

const sha384 = (b: Uint8Array) => createHash('sha384').update(b).digest();

function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'snp-speculate-'));
  return f(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

for (const workers of [0, 1, 2]) {
  test(`served digests equal SHA-384 of each page (${workers} workers)`, () =>
    withDir(async (dir) => {
      const { path, data } = igvmLike(dir);
      const spec = speculateIgvmPages(path, { workers, minBytes: 0 });
      assert.ok(spec, 'an IGVM-like file is speculated on');
      const src = spec.wrap(await openFileSource(path));
      try {
        // Out of order and across chunk boundaries.
        for (const [first, count] of [[500, 200], [0, 1], [250, 10], [1, 699]] as const) {
          const got = src.pageDigests!(START + first * 4096, count * 4096);
          assert.ok(got, `pages ${first}+${count} served`);
          for (let p = 0; p < count; p++) {
            const at = START + (first + p) * 4096;
            assert.deepEqual(Buffer.from(got.subarray(p * 48, (p + 1) * 48)), sha384(data.subarray(at, at + 4096)), `page ${first + p}`);
          }
        }
        // Not served: misaligned, before the file data, past the last whole page, not whole pages.
        assert.equal(src.pageDigests!(START + 1, 4096), undefined);
        assert.equal(src.pageDigests!(START - 4096, 4096), undefined);
        assert.equal(src.pageDigests!(START + 699 * 4096, 8192), undefined);
        assert.equal(src.pageDigests!(START, 100), undefined);
        // Reads still go to the file.
        assert.deepEqual(Buffer.from(await src.read(5, 10)), data.subarray(5, 15));
      } finally {
        await src.close!();
      }
    }));
}

test('measureSource over a speculated source equals the independent PAGE_INFO chain', () =>
  withDir(async (dir) => {
    const { path, data } = igvmLike(dir);
    const src = speculateIgvmPages(path, { minBytes: 0 })!.wrap(await openFileSource(path));
    try {
      const fw = new SnpFirmware({ hash: nodeHashProvider });
      const gpa = 0x100000;
      await fw.measureSource(PageType.NORMAL, gpa, src, START + 4096, 600 * 4096, 'igvm');
      assert.equal(Buffer.from(fw.digest).toString('hex'), new RefChain().range(T.NORMAL, gpa, 600, data.subarray(START + 4096, START + 601 * 4096)).hex);
    } finally {
      await src.close!();
    }
  }));

test('no speculation for a small file, a missing one, or one without the IGVM magic; another file is not wrapped', () =>
  withDir(async (dir) => {
    const { path } = igvmLike(dir);
    assert.equal(speculateIgvmPages(path), undefined, 'below the default 32 MiB');
    assert.equal(speculateIgvmPages(join(dir, 'missing'), { minBytes: 0 }), undefined);
    const other = join(dir, 'other.bin');
    writeFileSync(other, randomBytes(START + PAGES * 4096));
    assert.equal(speculateIgvmPages(other, { minBytes: 0 }), undefined, 'no IGVM magic');
    const spec = speculateIgvmPages(path, { workers: 0, minBytes: 0 })!;
    writeFileSync(other, randomBytes(1000));
    const src = await openFileSource(other);
    try {
      assert.equal(spec.wrap(src), src, 'a source of another size is returned as it is');
    } finally {
      await src.close!();
    }
  }));
