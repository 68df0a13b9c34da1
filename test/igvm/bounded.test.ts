/**
 * Large and hostile files are read by offset, never whole (specs/igvm.md §6; engineering rule on
 * streaming): the parser reads the fixed header and the variable header only, file data is read
 * one page at a time on request, and an absurd variable-header size is refused before any read.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { ByteSource } from '../../src/core/source.js';
import { bytesSource } from '../../src/core/source.js';
import { readPageData, readVpContext } from '../../src/images/igvm/access.js';
import { igvmBuilder } from '../../src/images/igvm/builder.js';
import { MAX_VARIABLE_HEADER_SIZE, parseIgvm } from '../../src/images/igvm/parse.js';
import { pack, page, rd32 } from './_helpers.js';

/** Wraps a source and records every read. */
function counting(src: ByteSource) {
  const reads: [number, number][] = [];
  return {
    reads,
    src: { name: src.name, size: src.size, read: (o: number, l: number) => (reads.push([o, l]), src.read(o, l)) } satisfies ByteSource,
  };
}

test('parsing reads only the fixed and variable headers; data is read page by page', async () => {
  const b = igvmBuilder().platform('SEV_SNP').policy(0x30000n);
  for (let i = 0; i < 256; i++) b.pageData(i * 0x1000, page(i));
  const f = b.vpContext(0xfffffffff000n, 0, page(0xee)).build();
  const c = counting(bytesSource('big.igvm', f));
  const file = await parseIgvm(c.src);
  const vhEnd = rd32(f, 8) + rd32(f, 12);
  const total = c.reads.reduce((n, [, l]) => n + l, 0);
  assert.ok(c.reads.every(([o, l]) => o + l <= vhEnd), `a read went past the headers: ${JSON.stringify(c.reads)}`);
  assert.ok(total <= 2 * 32 + (vhEnd - 24), `read ${total} bytes`);
  assert.ok(f.length > 1_000_000);
  c.reads.length = 0;
  const d = file.directives[100]!;
  assert.ok(d.kind === 'PAGE_DATA');
  assert.deepEqual(await readPageData(c.src, d), page(100));
  assert.deepEqual(c.reads, [[d.fileOffset, 4096]]);
  const vp = file.directives.at(-1)!;
  assert.ok(vp.kind === 'VP_CONTEXT');
  assert.deepEqual(await readVpContext(c.src, vp), page(0xee));
});

test('a variable header above the cap is refused before it is read', async () => {
  const size = 0xffff_fff0;
  const vhs = MAX_VARIABLE_HEADER_SIZE + 8;
  const head = pack([4, 0x4d564749], [4, 1], [4, 24], [4, vhs], [4, size], [4, 0]);
  const reads: number[] = [];
  const src: ByteSource = {
    name: 'huge.igvm',
    size,
    read: async (o, l) => {
      reads.push(l);
      const out = new Uint8Array(l);
      if (o < head.length) out.set(head.subarray(o, o + l));
      return out;
    },
  };
  await assert.rejects(parseIgvm(src), (e: unknown) => {
    assert.ok(e instanceof Error && 'code' in e);
    assert.equal((e as { code: string }).code, 'IGVM_TOO_LARGE');
    return true;
  });
  assert.ok(Math.max(...reads) <= 32, `read ${Math.max(...reads)} bytes`);
});
