/**
 * igvm inspect report (src/images/igvm/inspect.ts) and the IGVM ID block → firmware conversion:
 * VMSA fields at the launch-digest.md §3 offsets, SEV_FEATURES names (§4), policy decoding
 * (attestation.md §1.4), page-range grouping, parameter areas, ID-key digests computed here with
 * node:crypto (attestation.md §5.3), and the validation warnings.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import test from 'node:test';
import { bytesSource } from '../../src/core/source.js';
import { igvmBuilder } from '../../src/images/igvm/builder.js';
import { igvmIdBlockToFirmware } from '../../src/images/igvm/id-block.js';
import { inspectIgvm } from '../../src/images/igvm/inspect.js';
import { bytes, page, pack } from './_helpers.js';

const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** A VMSA written at the launch-digest.md §3 offsets. */
function vmsa(opts: { vmpl?: number; features?: bigint } = {}): Uint8Array {
  const v = new Uint8Array(4096);
  const d = dv(v);
  d.setUint16(0x10 + 0, 0xf000, true); // CS selector
  d.setUint16(0x10 + 2, 0x9b, true); // CS attrib
  d.setUint32(0x10 + 4, 0xffff, true); // CS limit
  d.setBigUint64(0x10 + 8, 0xffff0000n, true); // CS base
  v[0xca] = opts.vmpl ?? 0;
  d.setBigUint64(0xd0, 0x1000n, true); // EFER
  d.setBigUint64(0x148, 0x40n, true); // CR4
  d.setBigUint64(0x158, 0x10n, true); // CR0
  d.setBigUint64(0x178, 0xfff0n, true); // RIP
  d.setBigUint64(0x268, 0x7040600070406n, true); // G_PAT
  d.setBigUint64(0x3b0, opts.features ?? 0x21n, true); // SEV_FEATURES
  d.setBigUint64(0x3e8, 1n, true); // XCR0
  return v;
}

const idKey = { curve: 2, qx: bytes(72, 5), qy: bytes(72, 6) };

function sample(): Uint8Array {
  return igvmBuilder()
    .platform('SEV_SNP')
    .policy(0x3001fn)
    .zeroPages(0, 3)
    .pageData(0x4000, page(1), { unmeasured: true })
    .pageData(0x5000, page(2))
    .parameterArea(0, 0x2000)
    .parameter('VP_COUNT_PARAMETER', 0, 0)
    .parameter('COMMAND_LINE', 0, 0x100)
    .parameterInsert(0x10000, 0)
    .parameterArea(1, 0x1000)
    .vpContext(0xfffffffff000n, 0, vmsa())
    .requiredMemory(0x200000, 0x3000, { vtl2Protectable: true })
    .idBlock({ ld: bytes(48, 1), familyId: bytes(16, 2), imageId: bytes(16, 3), guestSvn: 4, idPublicKey: idKey, authorKeyEnabled: 1, authorPublicKey: idKey })
    .build();
}

test('inspect: platforms, policy, counts, page ranges, parameter areas', async () => {
  const r = await inspectIgvm(bytesSource('s.igvm', sample()));
  assert.equal(r.formatVersion, 1);
  assert.equal(r.snpMask, '0x1');
  assert.deepEqual(r.platforms.map((p) => [p.platformType, p.mask]), [['SEV_SNP', '0x1']]);
  assert.deepEqual(r.policies.map((p) => [p.policy, p.abi, p.flags, p.problems]), [['0x3001f', '0.31', ['SMT'], []]]);
  assert.deepEqual(r.directiveCounts, { PAGE_DATA: 5, PARAMETER_AREA: 2, VP_COUNT_PARAMETER: 1, COMMAND_LINE: 1, PARAMETER_INSERT: 1, VP_CONTEXT: 1, REQUIRED_MEMORY: 1, SNP_ID_BLOCK: 1 });
  assert.deepEqual(
    r.pageRanges.map((g) => [g.gpaStart, g.gpaEnd, g.pages, g.dataType, g.flags, g.withData, g.zeroPages]),
    [
      ['0x0', '0x3000', 3, 'NORMAL', [], 0, 3],
      ['0x4000', '0x5000', 1, 'NORMAL', ['unmeasured'], 1, 0],
      ['0x5000', '0x6000', 1, 'NORMAL', [], 1, 0],
    ],
  );
  const a0 = r.parameterAreas[0]!;
  assert.equal(a0.size, 0x2000);
  assert.deepEqual(a0.insert, { headerIndex: 10, gpa: '0x10000', mask: '0x1' });
  assert.deepEqual(a0.usages.map((u) => [u.kind, u.byteOffset, u.writes]), [
    ['VP_COUNT_PARAMETER', 0, 'u32 vCPU count'],
    ['COMMAND_LINE', 0x100, 'NUL-terminated ASCII command line'],
  ]);
  assert.deepEqual(r.requiredMemory, [{ index: 13, gpa: '0x200000', size: 0x3000, mask: '0x1', vtl2Protectable: true }]);
  assert.deepEqual(r.warnings, [
    'PARAMETER_AREA 1 (header 11) is never inserted',
    // Constructs on which the platforms disagree (platforms.md §5.2): an 8 KiB area, data-less pages.
    'PARAMETER_INSERT (header 10) of a 8192-byte area: igvmmeasure and cloud-hypervisor-mshv measure one UNMEASURED page, the other platforms 2 page(s)',
    '3 SEV_SNP PAGE_DATA without file data: igvmmeasure --native-zero measures them as ZERO, the other platforms as SHA-384 of zeros',
  ]);
  // JSON-able: no bigint anywhere.
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
});

test('inspect: VMSA fields and SEV_FEATURES names', async () => {
  const r = await inspectIgvm(bytesSource('s.igvm', sample()));
  const v = r.vpContexts[0]!;
  assert.equal(v.gpa, '0xfffffffff000');
  assert.equal(v.format, 'snp-vmsa');
  assert.deepEqual(
    { vmpl: v.vmsa!.vmpl, rip: v.vmsa!.rip, cr0: v.vmsa!.cr0, cr4: v.vmsa!.cr4, efer: v.vmsa!.efer, gPat: v.vmsa!.gPat, xcr0: v.vmsa!.xcr0, cs: v.vmsa!.cs },
    { vmpl: 0, rip: '0xfff0', cr0: '0x10', cr4: '0x40', efer: '0x1000', gPat: '0x7040600070406', xcr0: '0x1', cs: { selector: '0xf000', attrib: '0x9b', limit: '0xffff', base: '0xffff0000' } },
  );
  assert.equal(v.vmsa!.sevFeatures, '0x21');
  assert.deepEqual(v.vmsa!.sevFeatureNames, ['SNPActive', 'DebugSwap']);
});

test('inspect: ID block fields and key digests (SHA-384 of the 0x404-byte firmware key)', async () => {
  const r = await inspectIgvm(bytesSource('s.igvm', sample()));
  const b = r.idBlocks[0]!;
  assert.equal(b.ld, Buffer.from(bytes(48, 1)).toString('hex'));
  assert.equal(b.familyId, Buffer.from(bytes(16, 2)).toString('hex'));
  assert.equal(b.guestSvn, 4);
  const struct = Buffer.concat([Buffer.from(pack([4, 2])), idKey.qx, idKey.qy, Buffer.alloc(0x404 - 0x94)]);
  assert.equal(struct.length, 0x404);
  const want = createHash('sha384').update(struct).digest('hex');
  assert.equal(b.idKeyDigest, want);
  assert.equal(b.authorKeyDigest, want);
});

test('inspect: warnings for missing policy, bad VMSA, no SNP platform, several VP contexts', async () => {
  const noPolicy = igvmBuilder().platform('SEV_SNP').pageData(0, page(1)).vpContext(0x1000, 0, vmsa({ vmpl: 1, features: 0x20n })).vpContext(0xfffffffff000n, 1, vmsa()).build();
  const w = (await inspectIgvm(bytesSource('n.igvm', noPolicy))).warnings.join('\n');
  assert.match(w, /no GUEST_POLICY for the SEV_SNP platform/);
  assert.match(w, /vp 0\): sev_features bit 0 \(SNPActive\) is clear/);
  assert.match(w, /vmpl 1 is not 0/);
  assert.match(w, /gpa 0x1000 is not KVM's VMSA GPA/);
  assert.match(w, /2 SEV_SNP VP contexts/);
  const badPolicy = igvmBuilder().platform('SEV_SNP').policy(0x80000n).pageData(0, page(1)).build();
  const r = await inspectIgvm(bytesSource('p.igvm', badPolicy));
  assert.deepEqual(r.policies[0]!.flags, ['DEBUG']);
  assert.match(r.warnings.join('\n'), /bit 17/);
  assert.match(r.warnings.join('\n'), /no VP_CONTEXT for SEV_SNP/);
  const native = await inspectIgvm(bytesSource('x.igvm', igvmBuilder().platform('NATIVE').pageData(0, page(1)).build()));
  assert.equal(native.snpMask, null);
  assert.match(native.warnings[0]!, /no SEV_SNP platform/);
});

test('IGVM ID block → firmware ID_BLOCK and ID_AUTH_INFO at the attestation.md §5 offsets', () => {
  const idb = {
    kind: 'SNP_ID_BLOCK' as const, compatibilityMask: 1, authorKeyEnabled: 1, ld: bytes(48, 1), familyId: bytes(16, 2), imageId: bytes(16, 3), version: 7, guestSvn: 9,
    idKeyAlgorithm: 1, authorKeyAlgorithm: 1, idKeySignature: { r: bytes(72, 4), s: bytes(72, 5) }, idPublicKey: { curve: 2, qx: bytes(72, 6), qy: bytes(72, 7) },
    authorKeySignature: { r: bytes(72, 8), s: bytes(72, 9) }, authorPublicKey: { curve: 2, qx: bytes(72, 10), qy: bytes(72, 11) },
  };
  const { idBlock, idAuth } = igvmIdBlockToFirmware(idb, 0x30000n);
  const want = new Uint8Array(96);
  want.set(idb.ld, 0);
  want.set(idb.familyId, 0x30);
  want.set(idb.imageId, 0x40);
  dv(want).setUint32(0x50, 1, true); // version forced to 1 (QEMU)
  dv(want).setUint32(0x54, 9, true);
  dv(want).setBigUint64(0x58, 0x30000n, true);
  assert.deepEqual(idBlock, want);
  const auth = new Uint8Array(4096);
  dv(auth).setUint32(0, 1, true);
  dv(auth).setUint32(4, 1, true);
  auth.set(idb.idKeySignature.r, 0x40);
  auth.set(idb.idKeySignature.s, 0x40 + 72);
  dv(auth).setUint32(0x240, 2, true);
  auth.set(idb.idPublicKey.qx, 0x244);
  auth.set(idb.idPublicKey.qy, 0x244 + 72);
  auth.set(idb.authorKeySignature.r, 0x680);
  auth.set(idb.authorKeySignature.s, 0x680 + 72);
  dv(auth).setUint32(0x880, 2, true);
  auth.set(idb.authorPublicKey.qx, 0x884);
  auth.set(idb.authorPublicKey.qy, 0x884 + 72);
  assert.deepEqual(idAuth, auth);
});

test('inspect: portability warnings (pages after the VMSA, shared pages)', async () => {
  const f = igvmBuilder().platform('SEV_SNP').policy(0x30000n).vpContext(0xfffffffff000n, 0, vmsa()).pageData(0, page(1), { shared: true }).build();
  const w = (await inspectIgvm(bytesSource('o.igvm', f))).warnings.join('\n');
  assert.match(w, /1 page directive\(s\) after the first SEV_SNP VP_CONTEXT \(header 2\)/);
  assert.match(w, /1 SEV_SNP PAGE_DATA with the shared flag/);
  const clean = await inspectIgvm(bytesSource('s.igvm', sample()));
  assert.ok(!clean.warnings.some((x) => /after the first|shared flag/.test(x)));
});
