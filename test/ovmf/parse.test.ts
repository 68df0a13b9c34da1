// The OVMF parser against the worked examples of specs/ovmf.md §5.3 (upstream fixtures), the
// footer-table rules of §3, the kernel-hashes table of §6 and the GUID bytes of §4; builder
// round-trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bytesSource } from '../../src/core/source.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import {
  buildKernelHashTable,
  buildOvmfImage,
  buildOvmfImageLayout,
  computeKernelHashes,
  firmwareGpa,
  guidBytes,
  hashTableArea,
  inspectOvmf,
  kernelHashesPage,
  OvmfGuid,
  parseOvmf,
  requireResetEip,
  requireSvsmEntryOffset,
  resetEip,
  sevHashesSupported,
  SectionType,
} from '../../src/images/ovmf/index.js';
import { needsShared, shared } from '../_shared.js';
import { empty, fixture, hex } from './_helpers.js';

const sections = (img: Awaited<ReturnType<typeof parseOvmf>>) => img.metadata?.sections.map((s) => [s.gpa, s.size, s.type]);

test('GUID on-disk bytes (ovmf.md §4)', () => {
  const table: [keyof typeof OvmfGuid, string][] = [
    ['OVMF_TABLE_FOOTER', 'de82b596b21ff745baeaa366c55a082d'],
    ['SEV_ES_RESET_BLOCK', 'de71f7007e1acb4f890e68c77e2fb44e'],
    ['SEV_HASH_TABLE_RV', '1f3755723b3a044b927b1da6efa8d454'],
    ['OVMF_SEV_META_DATA', '666588dc4a989847a75e5585a7bf67cc'],
    ['SVSM_INFO', '12a689a797054b4ca49fcbb1fe9d1ddd'],
    ['SEV_SECRET_BLOCK', '61b32e4c9b7dc34c8081127c90d3d294'],
    ['TDX_METADATA', '35657ae44a989847865e4685a7bf8ec2'],
    ['SEV_HASH_TABLE_HEADER', '06d63894224fc94cb479a793d411fd21'],
    ['SEV_CMDLINE_ENTRY', 'd82dd09720bd944caa78e7714d36ab2a'],
    ['SEV_INITRD_ENTRY', '31f7ba442f3ad74b9af141e29169781d'],
    ['SEV_KERNEL_ENTRY', '3794e74dd2ab7f42b835d5b172d2045b'],
  ];
  for (const [name, bytes] of table) assert.equal(hex(guidBytes(name)), bytes, name);
});

test('ovmf_AmdSev_suffix.bin: footer, reset block, hash table, metadata (ovmf.md §5.3)', { skip: needsShared }, async () => {
  const raw = readFileSync(shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin'));
  assert.equal(createHash('sha256').update(raw).digest('hex'), '8f765dfabc127fc0a938a0744a3103ec15864d7d794eb4c398aa976b6d6ab16c');
  const img = await parseOvmf(await fixture('ovmf_AmdSev_suffix.bin'));
  assert.equal(img.footer.present, true);
  assert.equal(img.footer.size, 136);
  assert.equal(img.footer.offset, 0xf58);
  assert.equal(resetEip(img), 0x0080b004);
  assert.deepEqual(hashTableArea(img), { gpa: 0x810c00, size: 0x400 });
  assert.equal(sevHashesSupported(img), true);
  const meta = img.footer.byGuid.get(OvmfGuid.OVMF_SEV_META_DATA)!.data;
  assert.equal(new DataView(meta.buffer, meta.byteOffset).getUint32(0, true), 0x554);
  assert.equal(img.metadata?.offset, 0xaac);
  assert.equal(img.metadata?.size, 100);
  assert.equal(img.metadata?.version, 1);
  assert.deepEqual(sections(img), [
    [0x800000, 0x9000, 1],
    [0x80a000, 0x3000, 1],
    [0x80d000, 0x1000, 2],
    [0x80e000, 0x1000, 3],
    [0x80f000, 0x1000, 4],
    [0x810000, 0x1000, 0x10],
    [0x811000, 0xf000, 1],
  ]);
  assert.equal(firmwareGpa(img), 0xfffff000);
});

test('ovmf_OvmfX64_suffix.bin: no kernel-hashes section, hash-table GPA 0', { skip: needsShared }, async () => {
  const img = await parseOvmf(await fixture('ovmf_OvmfX64_suffix.bin'));
  assert.equal(resetEip(img), 0x0080b004);
  assert.equal(hashTableArea(img)?.gpa, 0);
  assert.equal(sevHashesSupported(img), false);
  const s = sections(img)!;
  assert.equal(s.length, 6);
  assert.ok(!s.some((x) => x[2] === 0x10));
  assert.deepEqual(s[s.length - 1], [0x810000, 0x10000, 1]);
});

test('svsm_ovmf.fd and svsm.bin (ovmf.md §5.3)', { skip: needsShared }, async () => {
  const ovmf = await parseOvmf(await fixture('svsm_ovmf.fd'));
  assert.equal(ovmf.size, 3653632);
  assert.equal(firmwareGpa(ovmf), 0xffc84000);
  assert.equal(sections(ovmf)!.length, 6);
  assert.equal(hashTableArea(ovmf)?.gpa, 0);
  const svsm = await parseOvmf(await fixture('svsm.bin'));
  assert.equal(requireResetEip(svsm), 0xfffffff0);
  assert.equal(requireSvsmEntryOffset(svsm), 0);
  assert.deepEqual(sections(svsm), [
    [0x0, 0x9e000, 1],
    [0x9e000, 0x1000, 2],
    [0x9f000, 0x1000, 3],
  ]);
  // Only svsm.bin has the SVSM_INFO entry.
  assert.throws(() => requireSvsmEntryOffset(ovmf), /Can't find SVSM_INFO_GUID entry in SVSM table/);
});

test('kernel-hashes table check value (ovmf.md §6)', async () => {
  const table = buildKernelHashTable(await computeKernelHashes(empty('kernel'), empty('initrd')));
  assert.equal(table.length, 176);
  assert.equal(createHash('sha256').update(table).digest('hex'), '6e725681a17ae9f186635cbc1be742508b61e0e550918894f1a5363ac86b5a1a');
  // No initrd hashes the empty string, exactly like an empty initrd file.
  assert.deepEqual(buildKernelHashTable(await computeKernelHashes(empty('kernel'))), table);
  // The cmdline hash includes the NUL terminator; an empty append is the single byte 0.
  const h = await computeKernelHashes(empty('kernel'), undefined, 'console=ttyS0 é');
  assert.equal(hex(h.cmdline), createHash('sha256').update(Buffer.concat([Buffer.from('console=ttyS0 é', 'utf8'), Buffer.from([0])])).digest('hex'));
  const page = kernelHashesPage(table, 0xc00);
  assert.deepEqual(page.subarray(0xc00, 0xc00 + 176), table);
  assert.ok(page.subarray(0, 0xc00).every((b) => b === 0));
  assert.throws(() => kernelHashesPage(table, 0xf60), SnpLaunchError);
});

test('footer table: missing footer GUID is an empty table, not an error (ovmf.md §3)', async () => {
  const img = await parseOvmf(bytesSource('nofooter', buildOvmfImage({ footer: false })));
  assert.equal(img.footer.present, false);
  assert.equal(img.footer.entries.length, 0);
  assert.equal(img.metadata, undefined);
  assert.throws(() => requireResetEip(img), /Can't find SEV_ES_RESET_BLOCK_GUID entry in OVMF table/);
  // Smaller than the footer: also empty.
  const tiny = await parseOvmf(bytesSource('tiny', new Uint8Array(20)));
  assert.equal(tiny.footer.present, false);
});

test('footer table: footer size < 18 gives an empty body; duplicates keep the lower entry', async () => {
  const { bytes, footerOffset } = buildOvmfImageLayout({ sections: null, hashTable: null });
  const b = bytes.slice();
  new DataView(b.buffer).setUint16(footerOffset, 10, true);
  const img = await parseOvmf(bytesSource('small', b));
  assert.equal(img.footer.present, true);
  assert.equal(img.footer.entries.length, 0);

  // Two reset-block entries: build one image with two, by hand.
  const l = buildOvmfImageLayout({ sections: null, hashTable: { gpa: 0, size: 0 } });
  const d = l.bytes.slice();
  const hashEntryHdr = l.entries.SEV_HASH_TABLE_RV! + 8; // its 18-byte header follows its 8 data bytes
  d.set(guidBytes('SEV_ES_RESET_BLOCK'), hashEntryHdr + 2); // now a second (lower) reset block, 8 data bytes
  new DataView(d.buffer).setUint32(l.entries.SEV_HASH_TABLE_RV!, 0x1234000, true);
  const img2 = await parseOvmf(bytesSource('dup', d));
  assert.equal(resetEip(img2), 0x1234000);
});

test('builder: the default image parses back to what was asked', async () => {
  const bytes = buildOvmfImage({ size: 8192, resetEip: 0x00a1c2f0, hashTable: { gpa: 0x810f40, size: 0x400 }, secretBlock: { gpa: 0x80d000, size: 0x1000 } });
  assert.equal(bytes.length, 8192);
  const img = await parseOvmf(bytesSource('built', bytes));
  assert.equal(resetEip(img), 0x00a1c2f0);
  assert.deepEqual(hashTableArea(img), { gpa: 0x810f40, size: 0x400 });
  assert.ok(img.footer.byGuid.has(OvmfGuid.SEV_SECRET_BLOCK));
  assert.deepEqual(sections(img), [
    [0x800000, 0x9000, SectionType.SNP_SEC_MEM],
    [0x80a000, 0x3000, SectionType.SNP_SEC_MEM],
    [0x80d000, 0x1000, SectionType.SNP_SECRETS],
    [0x80e000, 0x1000, SectionType.CPUID],
    [0x80f000, 0x1000, SectionType.SVSM_CAA],
    [0x810000, 0x1000, SectionType.SNP_KERNEL_HASHES],
    [0x811000, 0xf000, SectionType.SNP_SEC_MEM],
  ]);
  const svsm = await parseOvmf(bytesSource('svsm', buildOvmfImage({ svsmInfo: 0x40, resetEip: 0xfffffff0, sections: [{ gpa: 0, size: 0x1000, type: 1 }] })));
  assert.equal(requireSvsmEntryOffset(svsm), 0x40);
});

test('builder: the AmdSev fixture tail and a built image agree on every parsed value', { skip: needsShared }, async () => {
  const fx = await parseOvmf(await fixture('ovmf_AmdSev_suffix.bin'));
  const built = await parseOvmf(bytesSource('built', buildOvmfImage({ size: 4096 })));
  assert.deepEqual(sections(built), sections(fx));
  assert.equal(resetEip(built), resetEip(fx));
  assert.deepEqual(hashTableArea(built), hashTableArea(fx));
});

test('parseOvmf reads only the tail of a large image', async () => {
  const tail = buildOvmfImage({ size: 8192 });
  const size = 64 * 1024 * 1024;
  let lowest = size;
  const src = {
    name: 'big.fd',
    size,
    async read(offset: number, length: number) {
      lowest = Math.min(lowest, offset);
      const out = new Uint8Array(length);
      const base = size - tail.length;
      for (let i = 0; i < length; i++) out[i] = offset + i >= base ? tail[offset + i - base]! : 0xaa;
      return out;
    },
  };
  const img = await parseOvmf(src);
  assert.equal(resetEip(img), 0x0080b004);
  assert.ok(lowest >= size - 8192, `read at ${lowest}`);
});

test('inspectOvmf summarises the AmdSev fixture', { skip: needsShared }, async () => {
  const s = inspectOvmf(await parseOvmf(await fixture('ovmf_AmdSev_suffix.bin')));
  assert.equal(s.gpa, 0xfffff000);
  assert.equal(s.resetEip, 0x0080b004);
  assert.deepEqual(s.sections.map((x) => x.name), ['SNP_SEC_MEM', 'SNP_SEC_MEM', 'SNP_SECRETS', 'CPUID', 'SVSM_CAA', 'SNP_KERNEL_HASHES', 'SNP_SEC_MEM']);
  assert.ok(s.entries.some((e) => e.name === 'SEV_ES_RESET_BLOCK' && e.dataHex === '04b08000'));
  assert.ok(s.capabilities.includes('snp measured direct boot: yes (SNP_KERNEL_HASHES section)'));
  const bad = inspectOvmf(await parseOvmf(bytesSource('b', buildOvmfImage({ sections: [{ gpa: 0, size: 4096, type: 9 }], hashTable: null }))));
  assert.equal(bad.sections[0]!.known, false);
  assert.ok(bad.capabilities.includes('snp: fails on an unknown metadata section type'));
});
