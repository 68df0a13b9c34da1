// The parser keeps PAGE_DATA headers as columns (src/images/igvm/page-table.ts) and builds their
// objects only when `headers`/`directives` are read; the loaders walk the columns. Both views must
// be the same file: the lazily built objects equal decodeHeader's, and prepareIgvm over the columns
// equals prepareIgvm over the objects, for an image with every kind of page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesSource } from '../../src/core/source.js';
import { parseIgvm } from '../../src/images/igvm/parse.js';
import { decodeHeader, PayloadReader } from '../../src/images/igvm/decode.js';
import { KIND_BY_TYPE, TLV_HEADER_SIZE } from '../../src/images/igvm/defs.js';
import { compactDirectives } from '../../src/images/igvm/page-table.js';
import { prepareIgvm } from '../../src/loaders/igvm/_common.js';
import type { IgvmFile } from '../../src/images/igvm/types.js';
import { buildExample } from '../../web/src/examples.js';

test('PAGE_DATA columns: lazily built headers equal decodeHeader, prepareIgvm equals the object walk', async () => {
  const ex = await buildExample('igvm');
  const src = bytesSource('example.igvm', ex.bytes);
  const file = await parseIgvm(src);
  const c = compactDirectives(file);
  assert.ok(c, 'a parsed file keeps its columns');
  assert.ok(c.table.n > 0 && c.directives.some((s) => typeof s === 'number'));
  // Every header, decoded on its own from the file bytes, equals what the file object shows.
  const vh = ex.bytes.subarray(file.fixed.variableHeaderOffset, file.fixed.variableHeaderOffset + file.fixed.variableHeaderSize);
  const r = new PayloadReader(vh);
  const fail = (code: string, reason: string): never => assert.fail(`${code}: ${reason}`);
  for (const h of file.headers) {
    const pos = h.offset - file.fixed.variableHeaderOffset;
    r.base = pos + TLV_HEADER_SIZE;
    const kind = KIND_BY_TYPE.get(h.type)!;
    const want = decodeHeader(kind, r, { index: h.index, type: h.type, offset: h.offset }, fail);
    if (kind === 'VP_CONTEXT') continue; // the parser completes format/length from the file data
    assert.deepEqual(h, want, `header ${h.index}`);
  }
  assert.equal(file.headers.length, new Set(file.headers.map((h) => h.index)).size);
  assert.strictEqual(file.directives.find((d) => d.kind === 'PAGE_DATA'), file.headers.find((h) => h.kind === 'PAGE_DATA'), 'the same objects in both lists');
  // A plain copy is not in the column store: prepareIgvm takes the object path.
  const plain: IgvmFile = { ...file, headers: [...file.headers], directives: [...file.directives] };
  assert.equal(compactDirectives(plain), undefined);
  assert.deepEqual(prepareIgvm(file, src), prepareIgvm(plain, src));
  assert.ok(prepareIgvm(file, src).items.some((i) => i.kind === 'pages' && i.shared), 'the example has a shared page run');
});
