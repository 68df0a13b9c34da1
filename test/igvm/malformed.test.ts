/**
 * Malformed IGVM files (specs/igvm.md §2.2, §3, §7, §7.1) are rejected with an SnpLaunchError whose
 * location names the header index and the byte offset of the faulty field, and whose reason names
 * the header type. Files are patched by hand and re-sealed with the test's own CRC.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { SnpLaunchError } from '../../src/core/errors.js';
import { bytesSource } from '../../src/core/source.js';
import { snpMask } from '../../src/images/igvm/access.js';
import { igvmBuilder } from '../../src/images/igvm/builder.js';
import { parseIgvm } from '../../src/images/igvm/parse.js';
import { writeIgvm } from '../../src/images/igvm/write.js';
import type { IgvmHeaderSpec } from '../../src/images/igvm/types.js';
import { assemble, pack, page, rd32, rejects, seal, tlv, tlvOffsets, wr32, wr64 } from './_helpers.js';

/** 0 platform, 1 policy, 2-3 PAGE_DATA, 4 PARAMETER_AREA, 5 VP_COUNT, 6 PARAMETER_INSERT, 7 VP_CONTEXT, 8 REQUIRED_MEMORY */
function base(): Uint8Array {
  return igvmBuilder()
    .platform('SEV_SNP')
    .policy(0x30000n)
    .pageData(0, page(1))
    .pageData(0x1000, page(2))
    .parameterArea(0, 0x2000)
    .parameter('VP_COUNT_PARAMETER', 0, 0)
    .parameterInsert(0x10000, 0)
    .vpContext(0xfffffffff000n, 0, page(3))
    .requiredMemory(0x100000, 0x4000)
    .build();
}
const T = tlvOffsets(base());
/** File offset of payload field `rel` of header i. */
const at = (i: number, rel: number) => T[i]! + 8 + rel;

function patched(fn: (f: Uint8Array) => void, reseal = true): Uint8Array {
  const f = base();
  fn(f);
  return reseal ? seal(f) : f;
}

test('the base file parses', async () => {
  const f = await parseIgvm(bytesSource('t.igvm', base()));
  assert.equal(f.headers.length, 9);
});

test('fixed header: bad magic, version, size mismatch, truncation', async () => {
  await rejects(patched((f) => (f[0] = 0x58)), 'IGVM_BAD_MAGIC', { offset: 0, field: 'magic' });
  await rejects(patched((f) => wr32(f, 4, 3)), 'IGVM_BAD_VERSION', { offset: 4 });
  const longer = new Uint8Array(base().length + 1);
  longer.set(base());
  await rejects(longer, 'IGVM_SIZE_MISMATCH', { offset: 0x10, reason: /total_file_size \d+ does not match the file size/ });
  await rejects(base().slice(0, -1), 'IGVM_SIZE_MISMATCH', { offset: 0x10 });
  await rejects(base().slice(0, 10), 'IGVM_TRUNCATED', { offset: 0, reason: /truncated fixed header/ });
  await rejects(new Uint8Array(0), 'IGVM_TRUNCATED', { offset: 0 });
  // A version 2 header needs 32 bytes.
  const v2 = pack([4, 0x4d564749], [4, 2], [4, 32], [4, 0], [4, 28], [4, 0], [4, 0]);
  await rejects(v2, 'IGVM_TRUNCATED', { offset: 0, reason: /version 2 needs 32/ });
});

test('fixed header: bad checksum (CRC covers the fixed header and the variable header)', async () => {
  await rejects(patched((f) => (f[at(2, 0)]! ^= 1), false), 'IGVM_BAD_CHECKSUM', { offset: 0x14, field: 'checksum' });
  await rejects(patched((f) => (f[0x14]! ^= 1), false), 'IGVM_BAD_CHECKSUM', { offset: 0x14 });
});

test('fixed header: variable header offset and size', async () => {
  await rejects(patched((f) => wr32(f, 8, 16)), 'IGVM_BAD_OFFSET', { offset: 8 });
  await rejects(patched((f) => wr32(f, 8, 28)), 'IGVM_BAD_OFFSET', { offset: 8 });
  await rejects(patched((f) => wr32(f, 8, f.length)), 'IGVM_OFFSET_PAST_END', { offset: 8 });
  // vho + vhs must be strictly below the file size: no file data at all is rejected.
  await rejects(patched((f) => wr32(f, 12, f.length - 24)), 'IGVM_OFFSET_PAST_END', { offset: 12, reason: /leaves no file data/ });
  // An absurd size is rejected before anything is allocated.
  await rejects(patched((f) => wr32(f, 12, 0xfffffff0)), 'IGVM_OFFSET_PAST_END', { offset: 12 });
});

test('version 2: architecture and page size', async () => {
  const v2 = writeIgvm({ formatVersion: 2, architecture: 'x64', headers: igvmBuilder().platform('SEV_SNP').pageData(0, page(1)).model().headers });
  assert.equal((await parseIgvm(bytesSource('t.igvm', v2))).fixed.formatVersion, 2);
  const a = v2.slice();
  wr32(a, 0x18, 2);
  await rejects(seal(a), 'IGVM_BAD_FIELD', { offset: 0x18, field: 'architecture' });
  const p = v2.slice();
  wr32(p, 0x1c, 8192);
  await rejects(seal(p), 'IGVM_BAD_FIELD', { offset: 0x1c, field: 'page_size' });
  // SNP only on X64; CCA only on AArch64 (igvm.md §4.1).
  const arm = v2.slice();
  wr32(arm, 0x18, 1);
  await rejects(seal(arm), 'IGVM_BAD_ARCH', { index: 0, offset: 32 + 8 + 5, reason: /SEV_SNP requires the X64/ });
  const cca = igvmBuilder().platform('CCA').pageData(0, page(1)).build();
  await rejects(cca, 'IGVM_BAD_ARCH', { index: 0, reason: /CCA requires the AArch64/ });
});

test('TLVs: truncated header, wrong payload length, padding past the end', async () => {
  // Cut the variable header 4 bytes into the last TLV's header.
  const cut = patched((f) => wr32(f, 12, T[8]! + 4 - 24));
  await rejects(cut, 'IGVM_TRUNCATED', { index: 8, offset: T[8], reason: /truncated TLV header/ });
  await rejects(patched((f) => wr32(f, T[2]! + 4, 20)), 'IGVM_BAD_LENGTH', { index: 2, offset: T[2]! + 4, reason: /PAGE_DATA: payload length 20 must be 24/ });
  await rejects(patched((f) => wr32(f, T[7]! + 4, 24)), 'IGVM_BAD_LENGTH', { index: 7, reason: /VP_CONTEXT: payload length 24 must be 20/ });
  // The last TLV's payload runs past the variable header.
  await rejects(patched((f) => wr32(f, 12, rd32(f, 12) - 8)), 'IGVM_TRUNCATED', { index: 8, offset: T[8]! + 4, reason: /REQUIRED_MEMORY/ });
  // A VP_CONTEXT last, without its 4 bytes of padding inside the variable header.
  const vp = tlv(0x304, pack([8, 0n], [4, 1], [4, 24 + 24 + 28], [2, 0], [2, 0])).slice(0, 28);
  const f = assemble({ tlvs: [tlv(0x001, pack([4, 1], [1, 0], [1, 2], [2, 1], [8, 0n])), vp], data: [page(1)] });
  assert.equal(rd32(f, 12), 24 + 28);
  await rejects(f, 'IGVM_TRUNCATED', { index: 1, offset: 48 + 4, reason: /VP_CONTEXT: padding/ });
});

test('TLVs: unknown types (with or without the optional bit) and 0x306 are rejected', async () => {
  await rejects(patched((f) => wr32(f, T[5]!, 0x3ff)), 'IGVM_UNKNOWN_TYPE', { index: 5, offset: T[5], reason: /unknown header type 0x3ff/ });
  await rejects(patched((f) => wr32(f, T[5]!, 0x80000314)), 'IGVM_UNKNOWN_TYPE', { index: 5, offset: T[5], reason: /optional bit/ });
  await rejects(patched((f) => wr32(f, T[5]!, 0x306)), 'IGVM_UNKNOWN_TYPE', { index: 5, reason: /0x306/ });
});

test('TLVs: section order platform → init → directive, never re-entered', async () => {
  const good = igvmBuilder().platform('SEV_SNP').policy(0x30000n).pageData(0, page(1)).model();
  const order = (hs: IgvmHeaderSpec[]) => writeIgvm({ ...good, headers: hs });
  const [sp, gp, pd] = good.headers as [IgvmHeaderSpec, IgvmHeaderSpec, IgvmHeaderSpec];
  await rejects(order([sp, pd, gp]), 'IGVM_SECTION_ORDER', { index: 2, offset: 24 + 24 + 32, reason: /GUEST_POLICY \(init section\) after the directive section/ });
  await rejects(order([sp, gp, sp, pd]), 'IGVM_SECTION_ORDER', { index: 2, reason: /SUPPORTED_PLATFORM/ });
  await rejects(order([gp, sp, pd]), 'IGVM_NO_PLATFORM', { index: 0, offset: 24 });
});

test('file offsets past the end or outside the file-data section', async () => {
  await rejects(patched((f) => wr32(f, at(2, 12), f.length - 100)), 'IGVM_OFFSET_PAST_END', { index: 2, offset: at(2, 12), field: 'file_offset', reason: /PAGE_DATA/ });
  await rejects(patched((f) => wr32(f, at(2, 12), 0xffffff00)), 'IGVM_OFFSET_PAST_END', { index: 2, offset: at(2, 12) });
  await rejects(patched((f) => wr32(f, at(2, 12), 24)), 'IGVM_OFFSET_PAST_END', { index: 2, reason: /outside the file-data section/ });
  await rejects(patched((f) => wr32(f, at(7, 12), f.length - 4095)), 'IGVM_OFFSET_PAST_END', { index: 7, offset: at(7, 12), reason: /VP_CONTEXT/ });
  await rejects(patched((f) => wr32(f, at(4, 12), f.length - 4096)), 'IGVM_OFFSET_PAST_END', { index: 4, offset: at(4, 12), reason: /PARAMETER_AREA/ });
});

test('unaligned GPAs', async () => {
  await rejects(patched((f) => wr64(f, at(2, 0), 0x1001n)), 'IGVM_UNALIGNED', { index: 2, offset: at(2, 0), field: 'gpa', reason: /PAGE_DATA: gpa 0x1001 is not 4 KiB-aligned/ });
  await rejects(patched((f) => wr64(f, at(2, 0), 1n << 63n | 0x10n)), 'IGVM_UNALIGNED', { index: 2, offset: at(2, 0) });
});

test('unaligned GPAs (cont.): 2 MiB pages, PARAMETER_INSERT, VP_CONTEXT, REQUIRED_MEMORY', async () => {
  await rejects(patched((f) => wr32(f, at(3, 16), 1)), 'IGVM_UNALIGNED', { index: 3, offset: at(3, 0), reason: /gpa 0x1000 is not 2 MiB-aligned/ });
  await rejects(patched((f) => wr64(f, at(6, 0), 0x10800n)), 'IGVM_UNALIGNED', { index: 6, offset: at(6, 0), reason: /PARAMETER_INSERT/ });
  await rejects(patched((f) => wr64(f, at(7, 0), 0xfffffffff008n)), 'IGVM_UNALIGNED', { index: 7, offset: at(7, 0), reason: /VP_CONTEXT/ });
  await rejects(patched((f) => wr32(f, at(8, 12), 0x4001)), 'IGVM_UNALIGNED', { index: 8, offset: at(8, 12), reason: /REQUIRED_MEMORY: number_of_bytes/ });
  await rejects(patched((f) => wr32(f, at(4, 0), 0x2001)), 'IGVM_UNALIGNED', { index: 4, offset: at(4, 0), reason: /PARAMETER_AREA/ });
});

test('no SNP platform: snpMask names the platform section', async () => {
  const f = await parseIgvm(bytesSource('n.igvm', igvmBuilder().platform('NATIVE').pageData(0, page(1)).build()));
  try {
    snpMask(f);
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof SnpLaunchError);
    assert.equal(e.code, 'IGVM_NO_SNP_PLATFORM');
    assert.equal(e.location.offset, 24);
    assert.equal(e.location.file, 'n.igvm');
    assert.match(e.reason, /platforms: NATIVE/);
  }
  // No platform header at all is a parse error (igvm.md §4.1: at least one).
  const none = writeIgvm({ formatVersion: 1, architecture: 'x64', headers: [{ kind: 'PARAMETER_AREA', parameterAreaIndex: 0, size: 4096, initialData: page(1) }] });
  await rejects(none, 'IGVM_NO_PLATFORM', { index: 0 });
});

test('SUPPORTED_PLATFORM rules', async () => {
  await rejects(patched((f) => wr32(f, at(0, 0), 3)), 'IGVM_BAD_MASK', { index: 0, offset: at(0, 0), reason: /exactly one bit/ });
  await rejects(patched((f) => wr32(f, at(0, 0), 0)), 'IGVM_BAD_MASK', { index: 0 });
  await rejects(patched((f) => (f[at(0, 4)] = 1)), 'IGVM_BAD_FIELD', { index: 0, offset: at(0, 4), reason: /highest_vtl 1/ });
  await rejects(patched((f) => (f[at(0, 5)] = 9)), 'IGVM_BAD_FIELD', { index: 0, offset: at(0, 5), reason: /platform_type 9/ });
  await rejects(patched((f) => (f[at(0, 6)] = 2)), 'IGVM_BAD_FIELD', { index: 0, offset: at(0, 6), reason: /platform_version 2/ });
  const nat = igvmBuilder().platform('NATIVE', { sharedGpaBoundary: 1n << 40n }).pageData(0, page(1)).build();
  await rejects(nat, 'IGVM_BAD_FIELD', { index: 0, offset: 24 + 8 + 8, reason: /shared_gpa_boundary must be 0 for NATIVE/ });
  const dupType = igvmBuilder().platform('SEV_SNP').platform('SEV_SNP').pageData(0, page(1)).build();
  await rejects(dupType, 'IGVM_DUPLICATE', { index: 1, reason: /second SEV_SNP/ });
  const dupMask = igvmBuilder().platform('SEV_SNP', { mask: 1 }).platform('NATIVE', { mask: 1 }).pageData(0, page(1)).build();
  await rejects(dupMask, 'IGVM_DUPLICATE', { index: 1, reason: /already used by header 0/ });
});

test('reserved fields must be zero', async () => {
  await rejects(patched((f) => (f[at(1, 12)] = 1)), 'IGVM_RESERVED_NONZERO', { index: 1, offset: at(1, 12), reason: /GUEST_POLICY/ });
  await rejects(patched((f) => (f[at(2, 23)] = 1)), 'IGVM_RESERVED_NONZERO', { index: 2, offset: at(2, 23), reason: /PAGE_DATA/ });
  await rejects(patched((f) => wr32(f, at(2, 16), 8)), 'IGVM_RESERVED_NONZERO', { index: 2, offset: at(2, 16), reason: /flag bits/ });
  await rejects(patched((f) => (f[at(7, 18)] = 1)), 'IGVM_RESERVED_NONZERO', { index: 7, offset: at(7, 18), reason: /VP_CONTEXT/ });
  await rejects(patched((f) => (f[at(8, 20)] = 1)), 'IGVM_RESERVED_NONZERO', { index: 8, offset: at(8, 20), reason: /REQUIRED_MEMORY/ });
  await rejects(patched((f) => (f[at(2, 20)] = 4)), 'IGVM_BAD_FIELD', { index: 2, offset: at(2, 20), reason: /data_type 4/ });
});

test('parameter areas: declared once, used before insertion, inserted once, offsets inside', async () => {
  await rejects(patched((f) => wr32(f, at(5, 0), 3)), 'IGVM_BAD_PARAMETER_AREA', { index: 5, offset: at(5, 0), reason: /VP_COUNT_PARAMETER: parameter area index 3 is not declared/ });
  await rejects(patched((f) => wr32(f, at(6, 12), 9)), 'IGVM_BAD_PARAMETER_AREA', { index: 6, offset: at(6, 12), reason: /PARAMETER_INSERT/ });
  await rejects(patched((f) => wr32(f, at(5, 4), 0x2000)), 'IGVM_BAD_FIELD', { index: 5, offset: at(5, 4), reason: /outside parameter area 0/ });
  const b = () => igvmBuilder().platform('SEV_SNP').pageData(0, page(1)).parameterArea(0, 4096);
  await rejects(b().parameterArea(0, 4096).build(), 'IGVM_DUPLICATE', { index: 3, reason: /declared twice/ });
  await rejects(b().parameterInsert(0x1000, 0).parameterInsert(0x2000, 0).build(), 'IGVM_BAD_PARAMETER_AREA', { index: 4, reason: /already inserted/ });
  await rejects(b().parameterInsert(0x1000, 0).parameter('COMMAND_LINE', 0, 0).build(), 'IGVM_BAD_PARAMETER_AREA', { index: 4, reason: /COMMAND_LINE/ });
});

test('VP_CONTEXT: the mask must be exactly one platform mask with a known format', async () => {
  await rejects(patched((f) => wr32(f, at(7, 8), 3)), 'IGVM_BAD_MASK', { index: 7, offset: at(7, 8), reason: /not exactly one platform's mask/ });
  await rejects(patched((f) => wr32(f, at(7, 12), 0)), 'IGVM_BAD_FIELD', { index: 7, offset: at(7, 12), reason: /needs data/ });
  const tdx = igvmBuilder().platform('TDX').vpContext(0, 0, page(1)).build();
  await rejects(tdx, 'IGVM_BAD_MASK', { index: 1, reason: /no VP context format for platform TDX/ });
  const vbs = new Uint8Array(8);
  wr32(vbs, 0, 200); // 200 registers do not fit a page
  const f = igvmBuilder().platform('VSM_ISOLATION').vpContext(0, 0, vbs).pageData(0, page(9)).build();
  await rejects(f, 'IGVM_BAD_FIELD', { index: 1, reason: /register_count 200/ });
});

test('relocation regions: matching VP context, overlap, page-table region rules', async () => {
  const rr = (gpa: bigint, vp = 0): IgvmHeaderSpec => ({
    kind: 'RELOCATABLE_REGION', compatibilityMask: 1, vpIndex: vp, vtl: 0, flags: { isVtl2: false, applyRip: false, applyGdtr: false },
    relocationAlignment: 0x1000n, relocationRegionGpa: gpa, relocationRegionSize: 0x10000n, minimumRelocationGpa: 0n, maximumRelocationGpa: 0x1000_0000n,
  });
  const ptr = (gpa: bigint, used = 0x1000n): IgvmHeaderSpec => ({ kind: 'PAGE_TABLE_RELOCATION_REGION', compatibilityMask: 1, vpIndex: 0, vtl: 0, gpa, size: 0x4000n, usedSize: used });
  const b = () => igvmBuilder().platform('SEV_SNP').pageData(0, page(1));
  await rejects(b().header(rr(0x100000n, 1)).vpContext(0xfffffffff000n, 0, page(2)).build(), 'IGVM_NO_MATCHING_VP_CONTEXT', { index: 1, reason: /NoMatchingVpContext/ });
  assert.equal((await parseIgvm(bytesSource('t', b().header(rr(0x100000n)).vpContext(0xfffffffff000n, 0, page(2)).build()))).initialization.length, 1);
  await rejects(b().header(rr(0x100000n)).header(rr(0x108000n)).vpContext(0, 0, page(2)).build(), 'IGVM_OVERLAP', { index: 2, reason: /overlaps header 1/ });
  await rejects(b().header(ptr(0x10000n, 0x5000n)).build(), 'IGVM_BAD_FIELD', { index: 1, reason: /used_size 0x5000 exceeds size 0x4000/ });
  await rejects(b().header(ptr(0x10000n)).header(ptr(0x20000n)).build(), 'IGVM_DUPLICATE', { index: 2 });
  await rejects(b().header(ptr(0x10000n)).parameterArea(0, 0x2000).parameterInsert(0x12000, 0).build(), 'IGVM_OVERLAP', { index: 4, reason: /page-table relocation region/ });
});

test('the ID block public keys have a reserved u32 that must be zero', async () => {
  const f = igvmBuilder().platform('SEV_SNP').pageData(0, page(1)).idBlock().build();
  const t = tlvOffsets(f)[2]!;
  await rejects(seal(((g) => (g[t + 8 + 248 + 4] = 1, g))(f.slice())), 'IGVM_RESERVED_NONZERO', { index: 2, offset: t + 8 + 252, reason: /SNP_ID_BLOCK/ });
});
