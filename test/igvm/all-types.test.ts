/**
 * Every IGVM header type (specs/igvm.md §3.3, §4): a file whose TLV payloads are packed by hand
 * from the spec's offset tables must (1) parse into the expected model, (2) be exactly what the
 * writer produces for that model, and (3) survive write(parse(f)) == f and parse(write(x)) == x.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { bytesSource } from '../../src/core/source.js';
import { HEADER_TYPES } from '../../src/images/igvm/defs.js';
import { readIgvmModel, readPageData, readParameterAreaData, readVpContext, readCorimData } from '../../src/images/igvm/access.js';
import { parseIgvm } from '../../src/images/igvm/parse.js';
import type { IgvmHeaderSpec, IgvmModel } from '../../src/images/igvm/types.js';
import { writeIgvm } from '../../src/images/igvm/write.js';
import { assemble, bytes, dataStart, pack, page, tlv, type Field } from './_helpers.js';

const Z = (n: number) => new Uint8Array(n);
const sig = (seed: number) => ({ r: bytes(72, seed), s: bytes(72, seed + 1) });
const key = (seed: number) => ({ curve: 2, qx: bytes(72, seed), qy: bytes(72, seed + 1) });
const packSig = (s: { r: Uint8Array; s: Uint8Array }): Field[] => [s.r, s.s];
const packKey = (k: { curve: number; qx: Uint8Array; qy: Uint8Array }): Field[] => [[4, k.curve], [4, 0], k.qx, k.qy];

const idb = {
  kind: 'SNP_ID_BLOCK' as const,
  compatibilityMask: 1,
  authorKeyEnabled: 1,
  ld: bytes(48, 1),
  familyId: bytes(16, 2),
  imageId: bytes(16, 3),
  version: 1,
  guestSvn: 7,
  idKeyAlgorithm: 1,
  authorKeyAlgorithm: 1,
  idKeySignature: sig(10),
  idPublicKey: key(20),
  authorKeySignature: sig(30),
  authorPublicKey: key(40),
};
const vbs = {
  kind: 'VBS_MEASUREMENT' as const,
  compatibilityMask: 4,
  version: 1,
  productId: 2,
  moduleId: 3,
  securityVersion: 4,
  policyFlags: 5,
  bootDigestAlgo: 1,
  signingAlgo: 1,
  bootMeasurementDigest: bytes(64, 50),
  signature: bytes(256, 51),
  publicKey: bytes(512, 52),
};
const corimDoc = bytes(100, 60);
const area1 = bytes(4096, 61);
const pageAA = page(0xaa);
const page2M = bytes(4096, 62);
const vmsaSnp = bytes(4096, 63);
const nativeCtx = new Uint8Array(4096);
nativeCtx.set(bytes(232, 64));
const vbsRegs = new Uint8Array(4 + 2 * 32);
vbsRegs.set(pack([4, 2]));
vbsRegs.set(bytes(64, 65), 4);
const vmsaEs = bytes(4096, 66);

const PARAMS = ['VP_COUNT_PARAMETER', 'SRAT', 'MADT', 'MMIO_RANGES', 'MEMORY_MAP', 'COMMAND_LINE', 'SLIT', 'PPTT', 'DEVICE_TREE', 'ENVIRONMENT_INFO_PARAMETER'] as const;

/** The model, in file order. */
const headers: IgvmHeaderSpec[] = [
  { kind: 'SUPPORTED_PLATFORM', compatibilityMask: 1, highestVtl: 2, platformType: 'SEV_SNP', platformVersion: 1, sharedGpaBoundary: 1n << 46n },
  { kind: 'SUPPORTED_PLATFORM', compatibilityMask: 2, highestVtl: 0, platformType: 'NATIVE', platformVersion: 1, sharedGpaBoundary: 0n },
  { kind: 'SUPPORTED_PLATFORM', compatibilityMask: 4, highestVtl: 2, platformType: 'VSM_ISOLATION', platformVersion: 1, sharedGpaBoundary: 0n },
  { kind: 'SUPPORTED_PLATFORM', compatibilityMask: 8, highestVtl: 0, platformType: 'TDX', platformVersion: 1, sharedGpaBoundary: 1n << 47n },
  { kind: 'SUPPORTED_PLATFORM', compatibilityMask: 0x10, highestVtl: 0, platformType: 'SEV', platformVersion: 1, sharedGpaBoundary: 0n },
  { kind: 'SUPPORTED_PLATFORM', compatibilityMask: 0x20, highestVtl: 0, platformType: 'SEV_ES', platformVersion: 1, sharedGpaBoundary: 0n },
  { kind: 'GUEST_POLICY', policy: 0x3001fn, compatibilityMask: 1 },
  {
    kind: 'RELOCATABLE_REGION', compatibilityMask: 2, vpIndex: 0, vtl: 0, flags: { isVtl2: true, applyRip: true, applyGdtr: false },
    relocationAlignment: 0x200000n, relocationRegionGpa: 0x100000n, relocationRegionSize: 0x200000n, minimumRelocationGpa: 0x100000n, maximumRelocationGpa: 0x10000000n,
  },
  { kind: 'PAGE_TABLE_RELOCATION_REGION', compatibilityMask: 2, vpIndex: 0, vtl: 0, gpa: 0x800000n, size: 0x10000n, usedSize: 0x3000n },
  { kind: 'CORIM_DOCUMENT', compatibilityMask: 1, data: corimDoc },
  { kind: 'CORIM_SIGNATURE', compatibilityMask: 1, data: null },
  { kind: 'CCA_POLICY', compatibilityMask: 1, attributesRequiredZeroes: 0x1234n, attributesRequiredOnes: 0x10n, hashAlgorithm: 2, lfaPolicy: 1 },
  { kind: 'PARAMETER_AREA', parameterAreaIndex: 0, size: 0x2000, initialData: null },
  { kind: 'PARAMETER_AREA', parameterAreaIndex: 5, size: 0x1000, initialData: area1 },
  ...PARAMS.map((kind, i): IgvmHeaderSpec => ({ kind, parameterAreaIndex: i % 2 === 0 ? 0 : 5, byteOffset: i * 0x100 })),
  { kind: 'PARAMETER_INSERT', gpa: 0x20000n, compatibilityMask: 1, parameterAreaIndex: 0 },
  { kind: 'PARAMETER_INSERT', gpa: 0x30000n, compatibilityMask: 3, parameterAreaIndex: 5 },
  { kind: 'PAGE_DATA', gpa: 0n, compatibilityMask: 1, flags: { is2MiB: false, unmeasured: false, shared: false }, dataType: 'NORMAL', data: pageAA },
  { kind: 'PAGE_DATA', gpa: 0x1000n, compatibilityMask: 1, flags: { is2MiB: false, unmeasured: true, shared: false }, dataType: 'NORMAL', data: null },
  { kind: 'PAGE_DATA', gpa: 0x2000n, compatibilityMask: 1, flags: { is2MiB: false, unmeasured: false, shared: false }, dataType: 'SECRETS', data: pageAA },
  { kind: 'PAGE_DATA', gpa: 0x3000n, compatibilityMask: 1, flags: { is2MiB: false, unmeasured: false, shared: true }, dataType: 'CPUID_DATA', data: null },
  { kind: 'PAGE_DATA', gpa: 0x200000n, compatibilityMask: 3, flags: { is2MiB: true, unmeasured: false, shared: false }, dataType: 'CPUID_XF', data: page2M },
  { kind: 'VP_CONTEXT', gpa: 0xfffffffff000n, compatibilityMask: 1, vpIndex: 0, data: vmsaSnp },
  { kind: 'VP_CONTEXT', gpa: 0n, compatibilityMask: 2, vpIndex: 0, data: nativeCtx },
  { kind: 'VP_CONTEXT', gpa: 0n, compatibilityMask: 4, vpIndex: 1, data: vbsRegs },
  { kind: 'VP_CONTEXT', gpa: 0x5000n, compatibilityMask: 0x20, vpIndex: 0, data: vmsaEs },
  { kind: 'REQUIRED_MEMORY', gpa: 0x100000n, compatibilityMask: 1, numberOfBytes: 0x4000, vtl2Protectable: true },
  { kind: 'ERROR_RANGE', gpa: 0x9000n, compatibilityMask: 1, sizeBytes: 0x1000 },
  idb,
  vbs,
];
const model: IgvmModel = { formatVersion: 2, architecture: 'x64', headers };

/** Hand layout of the TLVs and file data, straight from the spec tables (igvm.md §4, §6). */
function handBuilt(): { file: Uint8Array; offsets: Map<number, number> } {
  const tlvCount = headers.length;
  // TLV sizes are known from the spec: payload size + 8, padded to 8.
  const sizes: Record<string, number> = { SUPPORTED_PLATFORM: 16, GUEST_POLICY: 16, RELOCATABLE_REGION: 48, PAGE_TABLE_RELOCATION_REGION: 32, CORIM_DOCUMENT: 16, CORIM_SIGNATURE: 16, CCA_POLICY: 32, PARAMETER_AREA: 16, PAGE_DATA: 24, PARAMETER_INSERT: 16, VP_CONTEXT: 20, REQUIRED_MEMORY: 24, ERROR_RANGE: 16, SNP_ID_BLOCK: 696, VBS_MEASUREMENT: 864 };
  const vhs = headers.reduce((n, h) => n + Math.ceil((8 + (sizes[h.kind] ?? 8)) / 8) * 8, 0);
  let cursor = dataStart({ version: 2, tlvs: [new Uint8Array(vhs)] });
  const data: Uint8Array[] = [];
  const seen: { blob: Uint8Array; off: number }[] = [];
  const place = (blob: Uint8Array): number => {
    const hit = seen.find((s) => s.blob === blob);
    if (hit) return hit.off;
    seen.push({ blob, off: cursor });
    data.push(blob);
    cursor += blob.length;
    return cursor - blob.length;
  };
  const offsets = new Map<number, number>();
  const tlvs = headers.map((h, i) => {
    switch (h.kind) {
      case 'SUPPORTED_PLATFORM': {
        const code = ['NATIVE', 'VSM_ISOLATION', 'SEV_SNP', 'TDX', 'SEV', 'SEV_ES', 'CCA'].indexOf(h.platformType);
        return tlv(0x001, pack([4, h.compatibilityMask], [1, h.highestVtl], [1, code], [2, 1], [8, h.sharedGpaBoundary]));
      }
      case 'GUEST_POLICY':
        return tlv(0x101, pack([8, h.policy], [4, h.compatibilityMask], [4, 0]));
      case 'RELOCATABLE_REGION':
        return tlv(0x102, pack([4, 2], [2, 0], [1, 0], [1, 0x3], [8, 0x200000n], [8, 0x100000n], [8, 0x200000n], [8, 0x100000n], [8, 0x10000000n]));
      case 'PAGE_TABLE_RELOCATION_REGION':
        return tlv(0x103, pack([4, 2], [2, 0], [1, 0], [1, 0], [8, 0x800000n], [8, 0x10000n], [8, 0x3000n]));
      case 'CORIM_DOCUMENT': {
        const off = place(corimDoc);
        offsets.set(i, off);
        return tlv(0x104, pack([4, 1], [4, off], [4, 100], [4, 0]));
      }
      case 'CORIM_SIGNATURE':
        return tlv(0x105, pack([4, 1], [4, 0], [4, 0], [4, 0]));
      case 'CCA_POLICY':
        return tlv(0x106, pack([4, 1], [4, 0], [8, 0x1234n], [8, 0x10n], [1, 2], [1, 1], Z(6)));
      case 'PARAMETER_AREA': {
        const off = h.initialData ? place(h.initialData) : 0;
        offsets.set(i, off);
        return tlv(0x301, pack([8, h.size], [4, h.parameterAreaIndex], [4, off]));
      }
      case 'PARAMETER_INSERT':
        return tlv(0x303, pack([8, h.gpa], [4, h.compatibilityMask], [4, h.parameterAreaIndex]));
      case 'PAGE_DATA': {
        const off = h.data ? place(h.data) : 0;
        offsets.set(i, off);
        const flags = (h.flags.is2MiB ? 1 : 0) | (h.flags.unmeasured ? 2 : 0) | (h.flags.shared ? 4 : 0);
        const type = ['NORMAL', 'SECRETS', 'CPUID_DATA', 'CPUID_XF'].indexOf(h.dataType);
        return tlv(0x302, pack([8, h.gpa], [4, h.compatibilityMask], [4, off], [4, flags], [2, type], [2, 0]));
      }
      case 'VP_CONTEXT': {
        const off = place(h.data);
        offsets.set(i, off);
        return tlv(0x304, pack([8, h.gpa], [4, h.compatibilityMask], [4, off], [2, h.vpIndex], [2, 0]));
      }
      case 'REQUIRED_MEMORY':
        return tlv(0x305, pack([8, 0x100000n], [4, 1], [4, 0x4000], [4, 1], [4, 0]));
      case 'ERROR_RANGE':
        return tlv(0x30d, pack([8, 0x9000n], [4, 1], [4, 0x1000]));
      case 'SNP_ID_BLOCK':
        return tlv(0x30b, pack([4, 1], [1, 1], Z(3), idb.ld, idb.familyId, idb.imageId, [4, 1], [4, 7], [4, 1], [4, 1], ...packSig(idb.idKeySignature), ...packKey(idb.idPublicKey), ...packSig(idb.authorKeySignature), ...packKey(idb.authorPublicKey)));
      case 'VBS_MEASUREMENT':
        return tlv(0x311, pack([4, 4], [4, 1], [4, 2], [4, 3], [4, 4], [4, 5], [4, 1], [4, 1], vbs.bootMeasurementDigest, vbs.signature, vbs.publicKey));
      default: {
        const code = { VP_COUNT_PARAMETER: 0x307, SRAT: 0x308, MADT: 0x309, MMIO_RANGES: 0x30a, MEMORY_MAP: 0x30c, COMMAND_LINE: 0x30e, SLIT: 0x30f, PPTT: 0x310, DEVICE_TREE: 0x312, ENVIRONMENT_INFO_PARAMETER: 0x313 }[h.kind];
        return tlv(code, pack([4, h.parameterAreaIndex], [4, h.byteOffset]));
      }
    }
  });
  assert.equal(tlvs.length, tlvCount);
  return { file: assemble({ version: 2, arch: 0, tlvs, data }), offsets };
}

test('the model covers every header type of igvm.md §3.3', () => {
  const kinds = new Set(headers.map((h) => h.kind));
  for (const k of Object.keys(HEADER_TYPES)) assert.ok(kinds.has(k as IgvmHeaderSpec['kind']), `missing ${k}`);
});

test('the writer produces exactly the hand-packed file', () => {
  const { file } = handBuilt();
  const written = writeIgvm(model);
  assert.equal(written.length, file.length);
  assert.deepEqual(written, file);
});

test('the parser decodes the hand-packed file: positions, file offsets, formats', async () => {
  const { file, offsets } = handBuilt();
  const src = bytesSource('all.igvm', file);
  const f = await parseIgvm(src);
  assert.equal(f.fixed.formatVersion, 2);
  assert.equal(f.fixed.architecture, 'x64');
  assert.equal(f.headers.length, headers.length);
  assert.equal(f.platforms.length, 6);
  assert.equal(f.initialization.length, 6);
  assert.equal(f.directives.length, headers.length - 12);
  assert.deepEqual(f.nonZeroPadding, []);
  let pos = 32;
  for (const [i, h] of f.headers.entries()) {
    assert.equal(h.index, i);
    assert.equal(h.offset, pos, `offset of header ${i}`);
    assert.equal(h.type, HEADER_TYPES[h.kind].type);
    pos += Math.ceil((8 + HEADER_TYPES[h.kind].size) / 8) * 8;
  }
  assert.equal(f.fileDataOffset, pos);
  // De-duplication: headers 29 and 31 (the two 0xAA pages) share one offset.
  const pd = f.directives.filter((d) => d.kind === 'PAGE_DATA');
  assert.equal(pd.length, 5);
  if (pd[0]!.kind !== 'PAGE_DATA' || pd[2]!.kind !== 'PAGE_DATA' || pd[1]!.kind !== 'PAGE_DATA') throw new Error('unreachable');
  assert.equal(pd[0]!.fileOffset, pd[2]!.fileOffset);
  assert.equal(pd[0]!.fileOffset, offsets.get(pd[0]!.index));
  assert.equal(pd[1]!.fileOffset, 0);
  assert.equal(pd[1]!.dataLength, 0);
  assert.equal(await readPageData(src, pd[1]!), null);
  assert.deepEqual(await readPageData(src, pd[0]!), pageAA);
  const vps = f.directives.filter((d) => d.kind === 'VP_CONTEXT');
  assert.deepEqual(vps.map((v) => (v.kind === 'VP_CONTEXT' ? [v.format, v.length] : [])), [['snp-vmsa', 4096], ['native-x64', 4096], ['vbs-registers', 68], ['snp-vmsa', 4096]]);
  const vbsCtx = vps[2]!;
  if (vbsCtx.kind !== 'VP_CONTEXT') throw new Error('unreachable');
  const padded = await readVpContext(src, vbsCtx);
  assert.equal(padded.length, 4096);
  assert.deepEqual(padded.subarray(0, 68), vbsRegs);
  const area = f.directives.find((d) => d.kind === 'PARAMETER_AREA' && d.parameterAreaIndex === 5);
  if (area?.kind !== 'PARAMETER_AREA') throw new Error('no area');
  assert.deepEqual(await readParameterAreaData(src, area), area1);
  const corim = f.initialization.find((h) => h.kind === 'CORIM_DOCUMENT');
  if (corim?.kind !== 'CORIM_DOCUMENT') throw new Error('no corim');
  assert.equal(corim.sizeBytes, 100);
  assert.deepEqual(await readCorimData(src, corim), corimDoc);
});

test('parse(write(x)) equals x and write(parse(f)) equals f', async () => {
  const written = writeIgvm(model);
  const back = await readIgvmModel(bytesSource('rt.igvm', written));
  assert.deepEqual(back, model);
  assert.deepEqual(writeIgvm(back), written);
});

test('CCA on an AArch64 version 2 file round-trips', async () => {
  const cca: IgvmModel = {
    formatVersion: 2,
    architecture: 'aarch64',
    headers: [
      { kind: 'SUPPORTED_PLATFORM', compatibilityMask: 1, highestVtl: 0, platformType: 'CCA', platformVersion: 1, sharedGpaBoundary: 1n << 40n },
      { kind: 'SUPPORTED_PLATFORM', compatibilityMask: 2, highestVtl: 2, platformType: 'VSM_ISOLATION', platformVersion: 1, sharedGpaBoundary: 0n },
      { kind: 'CCA_POLICY', compatibilityMask: 1, attributesRequiredZeroes: 0n, attributesRequiredOnes: 0n, hashAlgorithm: 0, lfaPolicy: 0 },
      { kind: 'PAGE_DATA', gpa: 0x8000_0000n, compatibilityMask: 1, flags: { is2MiB: false, unmeasured: false, shared: false }, dataType: 'NORMAL', data: page(1) },
      { kind: 'VP_CONTEXT', gpa: 0n, compatibilityMask: 1, vpIndex: 0, data: page(2) },
    ],
  };
  const f = writeIgvm(cca);
  const parsed = await parseIgvm(bytesSource('cca.igvm', f));
  assert.equal(parsed.fixed.architecture, 'aarch64');
  const vp = parsed.directives.at(-1);
  assert.equal(vp?.kind === 'VP_CONTEXT' ? vp.format : '', 'cca-aarch64');
  assert.deepEqual(await readIgvmModel(bytesSource('cca.igvm', f)), cca);
});
