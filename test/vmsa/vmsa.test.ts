// VMSA layout, profiles and vCPU signatures against the published values of specs/ovmf.md §7 and
// specs/launch-digest.md §3–§5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildOvmfVmsa,
  buildSvsmVmsa,
  buildQemuResetVmsa,
  decodeSevFeatures,
  decodeVmsa,
  diffVmsa,
  VMSA_FIELDS,
  EC2_PROFILE,
  GCE_PROFILE,
  QEMU_PROFILE,
  SEV_SNP_MEASURE_VCPU_TYPES,
  VMSA,
  vcpuSignature,
  vcpuTypeSignature,
} from '../../src/vmsa/index.js';
import { SnpLaunchError } from '../../src/core/errors.js';

/** Parses the `offset:bytes` listing of ovmf.md §7.1 into a full expected page. */
function pageFromListing(listing: string): Uint8Array {
  const page = new Uint8Array(4096);
  for (const item of listing.trim().split(/\s+/)) {
    const [off, hex] = item.split(':') as [string, string];
    const o = parseInt(off, 16);
    for (let i = 0; i < hex.length / 2; i++) page[o + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
  return page;
}

const BSP_LISTING = `
0x002:93 0x004:ffff 0x011:f09b 0x014:ffff 0x01a:ffff 0x022:93 0x024:ffff 0x032:93 0x034:ffff
0x042:93 0x044:ffff 0x052:93 0x054:ffff 0x064:ffff 0x072:82 0x074:ffff 0x084:ffff 0x092:8b
0x094:ffff 0x0d1:10 0x148:40 0x158:10 0x161:04 0x168:f00fffff 0x170:02 0x178:f0ff
0x268:060407 0x26c:060407 0x310:120f80 0x3b0:01 0x3e8:01 0x408:801f 0x410:7f03`;

test('QEMU BSP VMSA equals the decoded bytes of ovmf.md §7.1 (EPYC-v4, features 0x1)', () => {
  const built = buildOvmfVmsa(QEMU_PROFILE, { eip: 0xfffffff0, sevFeatures: 1n, vcpuSig: 0x800f12 });
  const want = pageFromListing(BSP_LISTING);
  for (let i = 0; i < 4096; i++) assert.equal(built[i], want[i], `byte 0x${i.toString(16)}`);
  assert.deepEqual(buildQemuResetVmsa(1n, 0x800f12), built);
});

test('AP VMSA from the fixture reset EIP 0x0080B004: CS.base 0x800000, RIP 0xB004', () => {
  const d = decodeVmsa(buildOvmfVmsa(QEMU_PROFILE, { eip: 0x0080b004, sevFeatures: 1n, vcpuSig: 0x800f12 }));
  assert.equal(d.segments.CS.base, 0x800000n);
  assert.equal(d.segments.CS.selector, 0xf000);
  assert.equal(d.rip, 0xb004n);
});

test('ec2 differences: CS 0x9A only at the reset vector, SS 0x92, TR 0x83, RDX 0x600, no FPU defaults', () => {
  const bsp = decodeVmsa(buildOvmfVmsa(EC2_PROFILE, { eip: 0xfffffff0, sevFeatures: 0x21n, vcpuSig: 0x800f12 }));
  const ap = decodeVmsa(buildOvmfVmsa(EC2_PROFILE, { eip: 0x0080b004, sevFeatures: 0x21n }));
  assert.equal(bsp.segments.CS.attrib, 0x9a);
  assert.equal(ap.segments.CS.attrib, 0x9b);
  assert.equal(bsp.segments.SS.attrib, 0x92);
  assert.equal(bsp.segments.TR.attrib, 0x83);
  assert.equal(bsp.rdx, 0x600n);
  assert.equal(bsp.mxcsr, 0);
  assert.equal(bsp.x87_fcw, 0);
  assert.equal(bsp.g_pat, 0x0007040600070406n);
  assert.equal(bsp.sev_features, 0x21n);
  // An AP whose reset EIP is the reset vector is byte-identical to the BSP on ec2.
  assert.deepEqual(
    buildOvmfVmsa(EC2_PROFILE, { eip: 0xfffffff0, sevFeatures: 1n }),
    buildOvmfVmsa(EC2_PROFILE, { eip: 0xfffffff0, sevFeatures: 1n, vcpuSig: 5 }),
  );
});

test('gce differences: G_PAT 0x70106, RDX 0x600, QEMU attributes', () => {
  const d = decodeVmsa(buildOvmfVmsa(GCE_PROFILE, { eip: 0xfffffff0, sevFeatures: 1n }));
  assert.equal(d.g_pat, 0x70106n);
  assert.equal(d.rdx, 0x600n);
  assert.equal(d.segments.CS.attrib, 0x9b);
  assert.equal(d.segments.SS.attrib, 0x93);
  assert.equal(d.segments.TR.attrib, 0x8b);
  assert.equal(d.mxcsr, 0);
});

test('SVSM VMSA (ovmf.md §7.2): flat protected mode, features 0x1, FCW 0 quirk', () => {
  const v = buildSvsmVmsa({ rip: 0xffaea000, vcpuSig: 0x800f12 });
  const d = decodeVmsa(v);
  assert.deepEqual(d.segments.CS, { selector: 8, attrib: 0xc9b, limit: 0xffffffff, base: 0n });
  assert.deepEqual(d.segments.SS, { selector: 0x10, attrib: 0xc93, limit: 0xffffffff, base: 0n });
  assert.deepEqual(d.segments.GS, { selector: 0, attrib: 0x93, limit: 0xffff, base: 0n });
  assert.equal(d.cr0, 0x11n);
  assert.equal(d.rip, 0xffaea000n);
  assert.equal(d.sev_features, 1n);
  assert.equal(d.mxcsr, 0x1f80);
  assert.equal(d.x87_fcw, 0);
  assert.equal(v[VMSA.X87_FCW], 0);
});

test('vCPU signatures (launch-digest.md §5)', () => {
  assert.equal(vcpuSignature(14, 1, 2), 0x0e12);
  assert.equal(vcpuSignature(23, 1, 2), 0x800f12);
  const table: [string, number][] = [
    ['EPYC', 0x00800f12], ['EPYC-v1', 0x00800f12], ['EPYC-v2', 0x00800f12], ['EPYC-IBPB', 0x00800f12],
    ['EPYC-v3', 0x00800f12], ['EPYC-v4', 0x00800f12], ['EPYC-Rome', 0x00830f10], ['EPYC-Rome-v1', 0x00830f10],
    ['EPYC-Rome-v2', 0x00830f10], ['EPYC-Rome-v3', 0x00830f10], ['EPYC-Milan', 0x00a00f11], ['EPYC-Milan-v1', 0x00a00f11],
    ['EPYC-Milan-v2', 0x00a00f11], ['EPYC-Genoa', 0x00a10f10], ['EPYC-Genoa-v1', 0x00a10f10], ['EPYC-Turin', 0x00b00f00],
  ];
  assert.equal(Object.keys(SEV_SNP_MEASURE_VCPU_TYPES).length, 16);
  for (const [name, sig] of table) assert.equal(vcpuTypeSignature(name), sig, name);
  assert.equal(vcpuTypeSignature('EPYC-Genoa-v2'), 0x00a10f10);
  assert.equal(vcpuTypeSignature('epyc'), undefined);
  assert.equal(vcpuTypeSignature('toString'), undefined);
  // Model and stepping are masked to their field widths.
  assert.equal(vcpuSignature(23, 0x1f1, 0x12), 0x8f0f12);
  assert.equal(vcpuSignature(0, 0, 0), 0);
});

test('SEV_FEATURES names (launch-digest.md §4)', () => {
  assert.deepEqual(decodeSevFeatures(0x21n), ['SNPActive', 'DebugSwap']);
  assert.deepEqual(decodeSevFeatures((1n << 63n) | (1n << 11n)), ['reserved(11)', 'reserved(63)']);
});

test('decodeVmsa rejects a short page with an SnpLaunchError', () => {
  assert.throws(() => decodeVmsa(new Uint8Array(10)), SnpLaunchError);
});

test('field table covers the §3 offsets; diffVmsa names the fields that differ (QEMU vs ec2 BSP)', () => {
  const names = new Map(VMSA_FIELDS.map((f) => [f.offset, f.name]));
  assert.equal(names.get(0xca), 'VMPL');
  assert.equal(names.get(0x178), 'RIP');
  assert.equal(names.get(0x3b0), 'SEV_FEATURES');
  assert.equal(names.get(0x3e8), 'XCR0');
  assert.equal(names.get(0x12), 'CS.attrib');
  for (let i = 1; i < VMSA_FIELDS.length; i++) {
    const p = VMSA_FIELDS[i - 1]!;
    assert.ok(p.offset + p.size <= VMSA_FIELDS[i]!.offset, `${p.name} overlaps ${VMSA_FIELDS[i]!.name}`);
  }
  const q = buildOvmfVmsa(QEMU_PROFILE, { eip: 0xfffffff0, sevFeatures: 1n, vcpuSig: 0x800f12 });
  const e = buildOvmfVmsa(EC2_PROFILE, { eip: 0xfffffff0, sevFeatures: 1n });
  assert.deepEqual(diffVmsa(q, e), ['CS.attrib', 'SS.attrib', 'TR.attrib', 'RDX', 'MXCSR', 'X87_FCW']);
  const g = buildOvmfVmsa(GCE_PROFILE, { eip: 0xfffffff0, sevFeatures: 1n });
  assert.deepEqual(diffVmsa(q, g), ['G_PAT', 'RDX', 'MXCSR', 'X87_FCW']);
});
