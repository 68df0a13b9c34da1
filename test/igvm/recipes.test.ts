/**
 * The deterministic upstream recipes of specs/igvm.md §8, rebuilt by hand and with the builder:
 * the igvm crate's `make_snp_file()`, igvm_c's test data (counts 1/2/11), the layout visible in
 * igvm-tooling's golden dumps, and a V1 file with the CRC computed independently.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { bytesSource } from '../../src/core/source.js';
import { appliesTo, readIgvmModel, readPageData, snpMask } from '../../src/images/igvm/access.js';
import { igvmBuilder } from '../../src/images/igvm/builder.js';
import { crc32 } from '../../src/images/igvm/crc32.js';
import { parseIgvm } from '../../src/images/igvm/parse.js';
import { writeIgvm } from '../../src/images/igvm/write.js';
import { assemble, crc32Bitwise, pack, page, rd32, tlv } from './_helpers.js';

test('CRC-32: the check value of "123456789" is 0xCBF43926 (IEEE), table and bitwise agree', () => {
  const s = new TextEncoder().encode('123456789');
  assert.equal(crc32Bitwise(s), 0xcbf43926);
  assert.equal(crc32(s), 0xcbf43926);
  const r = new Uint8Array(1000).map((_, i) => (i * 37 + 11) & 0xff);
  assert.equal(crc32(r.subarray(0, 300), r.subarray(300)), crc32Bitwise(r));
});

/** igvm crate serializer test make_snp_file(): SNP mask 1, policy 0x30000, page 0 = 0xCC, page 1 = 0xDD. */
function makeSnpFileByHand(): Uint8Array {
  const tlvs = [
    tlv(0x001, pack([4, 1], [1, 0], [1, 2], [2, 1], [8, 0n])),
    tlv(0x101, pack([8, 0x30000n], [4, 1], [4, 0])),
  ];
  // Two PAGE_DATA TLVs (32 bytes each) follow, so data starts at 24 + 24 + 24 + 64 = 136.
  const data0 = 24 + 24 + 24 + 32 + 32;
  tlvs.push(tlv(0x302, pack([8, 0n], [4, 1], [4, data0], [4, 0], [2, 0], [2, 0])));
  tlvs.push(tlv(0x302, pack([8, 0x1000n], [4, 1], [4, data0 + 4096], [4, 0], [2, 0], [2, 0])));
  return assemble({ tlvs, data: [page(0xcc), page(0xdd)] });
}

test('make_snp_file(): hand-packed bytes == builder output; fields decode; round trip', async () => {
  const hand = makeSnpFileByHand();
  const built = igvmBuilder().platform('SEV_SNP').policy(0x30000n).pageData(0, page(0xcc)).pageData(0x1000, page(0xdd)).build();
  assert.deepEqual(built, hand);
  // The stored checksum is the independent bitwise CRC of header (checksum zeroed) + variable header.
  const head = hand.slice(0, 24);
  head.fill(0, 20, 24);
  assert.equal(rd32(hand, 20), crc32Bitwise(head, hand.subarray(24, 24 + rd32(hand, 12))));

  const src = bytesSource('snp.igvm', hand);
  const f = await parseIgvm(src);
  assert.equal(f.fixed.formatVersion, 1);
  assert.equal(f.fixed.totalFileSize, 136 + 8192);
  assert.equal(snpMask(f), 1);
  const [p0, p1] = f.directives;
  assert.ok(p0?.kind === 'PAGE_DATA' && p1?.kind === 'PAGE_DATA');
  assert.equal(p0.gpa, 0n);
  assert.equal(p1.gpa, 0x1000n);
  assert.deepEqual(await readPageData(src, p0), page(0xcc));
  assert.deepEqual(await readPageData(src, p1), page(0xdd));
  assert.deepEqual(writeIgvm(await readIgvmModel(src)), hand);
});

test('igvm_c test data: VSM platform, 2 policies, 11 directives; identical pages de-duplicated', async () => {
  const fills = [1, 2, 3, 4, 1, 2, 3, 4];
  const gpas = [0, 1, 2, 4, 10, 11, 12, 14].map((p) => p * 0x1000);
  const b = igvmBuilder().platform('VSM_ISOLATION', { mask: 1 }).policy(0x30000n, 1).policy(0x30000n, 2);
  gpas.forEach((g, i) => b.pageData(g, page(fills[i]!)));
  b.parameterArea(0, 4096).parameter('VP_COUNT_PARAMETER', 0, 0).parameterInsert(0x14000, 0, 1);
  const file = b.build();
  const src = bytesSource('c.igvm', file);
  const f = await parseIgvm(src);
  assert.deepEqual([f.platforms.length, f.initialization.length, f.directives.length], [1, 2, 11]);
  // Only four distinct pages are stored (igvm.md §6).
  assert.equal(file.length - f.fileDataOffset, 4 * 4096);
  const offs = f.directives.flatMap((d) => (d.kind === 'PAGE_DATA' ? [d.fileOffset] : []));
  assert.equal(offs[0], offs[4]);
  assert.equal(offs[3], offs[7]);
  assert.equal(new Set(offs).size, 4);
  for (const [i, d] of f.directives.entries()) {
    if (d.kind === 'PAGE_DATA') assert.deepEqual(await readPageData(src, d), page(fills[i]!));
  }
  const ins = f.directives[10];
  assert.ok(ins?.kind === 'PARAMETER_INSERT' && ins.gpa === 0x14000n && ins.parameterAreaIndex === 0);
  assert.throws(() => snpMask(f), /no SUPPORTED_PLATFORM header with platform_type SEV_SNP/);
});

test('igvm-tooling dump layout: platform at 0x18, policy at 0x30, PAGE_DATA from 0x48, 0x20 apart', async () => {
  const b = igvmBuilder().platform('SEV_SNP', { highestVtl: 2 }).policy(0x3001fn);
  for (let i = 0; i < 4; i++) b.pageData(i * 0x1000, page(i + 1));
  const f = await parseIgvm(bytesSource('t.igvm', b.build()));
  assert.equal(f.fixed.variableHeaderOffset, 0x18);
  assert.deepEqual(
    f.headers.map((h) => [h.kind, h.offset]),
    [['SUPPORTED_PLATFORM', 0x18], ['GUEST_POLICY', 0x30], ['PAGE_DATA', 0x48], ['PAGE_DATA', 0x68], ['PAGE_DATA', 0x88], ['PAGE_DATA', 0xa8]],
  );
  const p = f.platforms[0]!;
  assert.equal(p.highestVtl, 2);
  assert.equal(p.platformType, 'SEV_SNP');
});

test('builder: sections are sorted whatever the call order; short page data is zero-padded', async () => {
  const b = igvmBuilder();
  b.platform('SEV_SNP');
  b.pageData(0x1000, new Uint8Array([1, 2, 3]));
  b.policy(0x30000n);
  b.platform('NATIVE');
  const m = b.model();
  assert.deepEqual(m.headers.map((h) => h.kind), ['SUPPORTED_PLATFORM', 'SUPPORTED_PLATFORM', 'GUEST_POLICY', 'PAGE_DATA']);
  assert.deepEqual(m.headers.slice(0, 2).map((h) => (h.kind === 'SUPPORTED_PLATFORM' ? h.compatibilityMask : 0)), [1, 2]);
  const src = bytesSource('b.igvm', b.build());
  const f = await parseIgvm(src);
  const d = f.directives[0]!;
  assert.ok(d.kind === 'PAGE_DATA');
  const got = await readPageData(src, d);
  assert.deepEqual(got?.subarray(0, 4), new Uint8Array([1, 2, 3, 0]));
  assert.equal(got?.length, 4096);
});

test('writer: refuses what it cannot encode', () => {
  assert.throws(() => igvmBuilder().platform('SEV_SNP').zeroPages(0, 2).build(), { code: 'IGVM_NO_FILE_DATA' });
  assert.throws(() => igvmBuilder().platform('SEV_SNP').pageData(0, new Uint8Array(4097)).build(), { code: 'IGVM_WRITE_DATA' });
  assert.throws(() => igvmBuilder().platform('SEV_SNP').pageData(0, page(1)).parameterArea(0, 4096, new Uint8Array(10)).build(), { code: 'IGVM_WRITE_DATA' });
  assert.throws(() => igvmBuilder().platform('SEV_SNP', { mask: 2 ** 32 }).pageData(0, page(1)).build(), { code: 'IGVM_WRITE_FIELD' });
  assert.throws(() => writeIgvm({ formatVersion: 1, architecture: 'aarch64', headers: [] }), { code: 'IGVM_WRITE_FIELD' });
  assert.throws(() => igvmBuilder().policy(1n), { code: 'IGVM_BUILDER' });
});

test('the CRC does not cover file data: a changed data byte still parses', async () => {
  const f = makeSnpFileByHand();
  f[f.length - 1]! ^= 0xff;
  const p = await parseIgvm(bytesSource('t.igvm', f));
  assert.equal(p.directives.length, 2);
});

test("non-zero TLV padding (igvm-tooling pads with '0') is accepted and reported", async () => {
  const tlvs = [tlv(0x001, pack([4, 1], [1, 0], [1, 2], [2, 1], [8, 0n])), tlv(0x304, pack([8, 0xfffffffff000n], [4, 1], [4, 24 + 24 + 32], [2, 0], [2, 0]), 0x30)];
  const f = assemble({ tlvs, data: [page(5)] });
  const p = await parseIgvm(bytesSource('t.igvm', f));
  assert.deepEqual(p.nonZeroPadding, [1]);
  // It is not canonical, so writing it back gives the zero-padded form.
  const w = writeIgvm(await readIgvmModel(bytesSource('t.igvm', f)));
  assert.notDeepEqual(w, f);
  assert.deepEqual(w.subarray(24 + 24 + 28, 24 + 24 + 32), new Uint8Array(4));
});

test('appliesTo: mask & platform != 0; PARAMETER_AREA and parameter headers always apply (igvm.md §5)', async () => {
  const f = await parseIgvm(
    bytesSource('m.igvm', igvmBuilder().platform('SEV_SNP').platform('NATIVE').platform('TDX').pageData(0, page(1), { mask: 3 }).parameterArea(0, 4096).parameter('VP_COUNT_PARAMETER', 0).build()),
  );
  const [pd, area, vpCount] = f.directives;
  assert.deepEqual([1, 2, 4].map((m) => appliesTo(pd!, m)), [true, true, false]);
  assert.deepEqual([1, 2, 4].map((m) => appliesTo(area!, m)), [true, true, true]);
  assert.deepEqual([1, 2, 4].map((m) => appliesTo(vpCount!, m)), [true, true, true]);
  assert.equal(snpMask(f), 1);
});
