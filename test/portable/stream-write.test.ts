// The streaming IGVM writer against the in-memory writer (src/images/igvm/write.ts, itself checked
// against independent writers in test/igvm and test/conformance): page data given as references
// into a ByteSource lays out byte-identically to the same pages given as bytes, the data is read
// from the source only when written (the layout holds no page bytes), and the virtual ByteSource
// over a layout reads what the written file holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesSource, type ByteSource } from '../../src/core/source.js';
import { igvmBuilder } from '../../src/images/igvm/builder.js';
import { igvmLayoutBytes, layoutIgvm, layoutSource, type IgvmStreamModel } from '../../src/images/igvm/stream-write.js';
import { writeIgvm } from '../../src/images/igvm/write.js';
import { parseIgvm } from '../../src/images/igvm/parse.js';

const PAGES = 40;
const fw = new Uint8Array(PAGES * 4096).map((_, i) => (i * 7 + (i >> 12)) & 0xff);

function counting(bytes: Uint8Array): ByteSource & { reads: number } {
  const inner = bytesSource('fw.bin', bytes);
  const s = { name: 'fw.bin', size: bytes.length, reads: 0, read: (o: number, l: number) => (s.reads++, inner.read(o, l)) };
  return s;
}

test('stream layout with source pages = in-memory writer with the same pages, byte for byte', async () => {
  const vmsa = new Uint8Array(4096).fill(0x5a);
  const b = igvmBuilder().platform('SEV_SNP').policy(0x30000n).zeroPages(0x1000, 2).pages(0xffd00000, fw).pageData(0x8000, null, { type: 'SECRETS' }).vpContext(0xfffffffff000, 0, vmsa);
  const model = b.model();
  const want = writeIgvm(model);
  const src = counting(fw);
  let k = 0;
  const stream: IgvmStreamModel = {
    ...model,
    headers: model.headers.map((h) => (h.kind === 'PAGE_DATA' && h.data !== null ? { ...h, data: { source: src, offset: 4096 * k++ } } : h)),
  };
  const layout = layoutIgvm(stream);
  assert.equal(src.reads, 0, 'laying out reads no page data');
  assert.equal(layout.segments.filter((s) => 'source' in s).length, 1, 'consecutive source pages become one segment');
  const got = await igvmLayoutBytes(layout);
  assert.deepEqual(got, want);
  assert.ok(src.reads > 0 && src.reads <= 2, `the firmware is copied with few big reads (${src.reads})`);
  // The virtual source reads the same bytes at any offset, across segment boundaries.
  const v = layoutSource('v.igvm', layout);
  for (const [o, l] of [[0, got.length], [layout.head.length - 3, 10], [got.length - 4097, 4097], [5000, 9000]] as const) assert.deepEqual(await v.read(o, l), got.subarray(o, o + l));
  const parsed = await parseIgvm(bytesSource('x.igvm', got));
  assert.equal(parsed.directives.filter((d) => d.kind === 'PAGE_DATA').length, 2 + PAGES + 1);
});
