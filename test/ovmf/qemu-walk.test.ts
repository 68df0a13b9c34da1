// The footer table is walked as QEMU walks it (pc_system_ovmf_table_find: from the end, stop at an
// entry that runs past the table start) and such an image is measured as sev-snp-measure 0.0.13
// measures it (its walk ends there too, keeping a truncated copy of that entry). The expected
// digests come from an independent node:crypto chain (specs/ovmf.md §5.3, §7.1, §8.1), itself
// checked first against the reference's known answer for the unedited image (§11).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SnpLaunchError } from '../../src/core/errors.js';
import { setHashProvider } from '../../src/core/hash.js';
import { bytesSource } from '../../src/core/source.js';
import { measureOvmf } from '../../src/measure/ovmf.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { needsShared, shared } from '../_shared.js';

setHashProvider(nodeHashProvider);

const sha384 = (b: Uint8Array) => createHash('sha384').update(b).digest();
const EPYC_V4 = 0x800f12;
/** sev-snp-measure: snp, 1 vCPU, QEMU, EPYC-v4, features 0x21, AmdSev suffix, no kernel (ovmf.md §11). */
const KNOWN_1VCPU = 'e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b';
/** The AmdSev suffix's footer table (ovmf.md §5.3): TDX entry at 0xf58 (22 bytes), footer size 136 at 0xfce. */
const TDX_SIZE_FIELD = 0xf58 + 4;
const FOOTER_SIZE_FIELD = 4096 - 50;
const RESET_EIP = 0x0080b004;

function chainStep(ld: Buffer, type: number, gpa: number, page?: Uint8Array): Buffer {
  const info = Buffer.alloc(0x70);
  ld.copy(info, 0);
  if (page) sha384(page).copy(info, 0x30);
  info.writeUInt16LE(0x70, 0x60);
  info[0x62] = type;
  info.writeBigUInt64LE(BigInt(gpa), 0x68);
  return sha384(info);
}

/** QEMU reset-state VMSA (ovmf.md §7.1), written out by hand. */
function qemuVmsa(eip: number, features: bigint, sig: number): Buffer {
  const v = Buffer.alloc(4096);
  const seg = (off: number, sel: number, attrib: number, base = 0) => {
    v.writeUInt16LE(sel, off);
    v.writeUInt16LE(attrib, off + 2);
    v.writeUInt32LE(0xffff, off + 4);
    v.writeBigUInt64LE(BigInt(base), off + 8);
  };
  for (const off of [0x00, 0x20, 0x30, 0x40, 0x50]) seg(off, 0, 0x93);
  seg(0x10, 0xf000, 0x9b, (eip & 0xffff0000) >>> 0);
  seg(0x60, 0, 0);
  seg(0x70, 0, 0x82);
  seg(0x80, 0, 0);
  seg(0x90, 0, 0x8b);
  v.writeBigUInt64LE(0x1000n, 0xd0);
  v.writeBigUInt64LE(0x40n, 0x148);
  v.writeBigUInt64LE(0x10n, 0x158);
  v.writeBigUInt64LE(0x400n, 0x160);
  v.writeBigUInt64LE(0xffff0ff0n, 0x168);
  v.writeBigUInt64LE(0x2n, 0x170);
  v.writeBigUInt64LE(BigInt(eip & 0xffff), 0x178);
  v.writeBigUInt64LE(0x0007040600070406n, 0x268);
  v.writeBigUInt64LE(BigInt(sig), 0x310);
  v.writeBigUInt64LE(features, 0x3b0);
  v.writeBigUInt64LE(1n, 0x3e8);
  v.writeUInt32LE(0x1f80, 0x408);
  v.writeUInt16LE(0x37f, 0x410);
  return v;
}

/**
 * The reference's snp digest on QEMU of `fw`, given the metadata sections and AP reset EIP the
 * reference finds in it (type: 1 SEC_MEM → ZERO, 2 SECRETS, 3 CPUID, 4 SVSM_CAA → ZERO, 0x10 → ZERO
 * without a kernel).
 */
function referenceSnp(fw: Uint8Array, sections: readonly [number, number, number][], apEip: number, vcpus: number, features: bigint, sig: number): string {
  let ld: Buffer = Buffer.alloc(48);
  const base = 0x1_0000_0000 - fw.length;
  for (let o = 0; o < fw.length; o += 4096) ld = chainStep(ld, 1, base + o, fw.subarray(o, o + 4096));
  for (const [gpa, size, type] of sections) {
    if (type === 2) ld = chainStep(ld, 5, gpa);
    else if (type === 3) ld = chainStep(ld, 6, gpa);
    else for (let o = 0; o < size; o += 4096) ld = chainStep(ld, 3, gpa + o);
  }
  for (let i = 0; i < vcpus; i++) ld = chainStep(ld, 2, 0xfffffffff000, qemuVmsa(i === 0 ? 0xfffffff0 : apEip, features, sig));
  return ld.toString('hex');
}

const AMDSEV_SECTIONS: [number, number, number][] = [
  [0x800000, 0x9000, 1],
  [0x80a000, 0x3000, 1],
  [0x80d000, 0x1000, 2],
  [0x80e000, 0x1000, 3],
  [0x80f000, 0x1000, 4],
  [0x810000, 0x1000, 0x10],
  [0x811000, 0xf000, 1],
];

const suffix = () => new Uint8Array(readFileSync(shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin')));
const edit = (f: (b: DataView) => void): Uint8Array => {
  const b = suffix();
  f(new DataView(b.buffer));
  return b;
};
const measure = (bytes: Uint8Array, vcpus: number, mode: 'snp' | 'sev' | 'seves' = 'snp') =>
  measureOvmf({ mode, ovmf: bytesSource('edited.fd', bytes), vcpus, vcpuSig: EPYC_V4, guestFeatures: 0x21n });

test('the independent chain reproduces the reference known answer for the unedited suffix', { skip: needsShared }, () => {
  assert.equal(referenceSnp(suffix(), AMDSEV_SECTIONS, RESET_EIP, 1, 0x21n, EPYC_V4), KNOWN_1VCPU);
});

test('a TDX footer entry running 2 bytes past the table start is measured as the reference measures it', { skip: needsShared }, async () => {
  // Two ways an entry overhangs by 2: its own size is 2 too large, or the footer's table size is 2 too small.
  const variants = {
    'TDX entry size 22 -> 24': edit((v) => v.setUint16(TDX_SIZE_FIELD, 24, true)),
    'footer table size 136 -> 134': edit((v) => v.setUint16(FOOTER_SIZE_FIELD, 134, true)),
  };
  for (const [name, bytes] of Object.entries(variants)) {
    for (const vcpus of [1, 4]) {
      const r = await measure(bytes, vcpus);
      assert.equal(Buffer.from(r.digest).toString('hex'), referenceSnp(bytes, AMDSEV_SECTIONS, RESET_EIP, vcpus, 0x21n, EPYC_V4), `${name}, ${vcpus} vCPUs`);
      assert.equal(r.launchable?.ok, true, `${name}: QEMU finds the reset block and metadata above the stop`);
    }
  }
});

test('a needed entry at the stop is missing: the launch fails naming it; modes that do not need it measure', { skip: needsShared }, async () => {
  // Footer size 38: the body holds 20 bytes, so the reset block (22 bytes, the top entry) overhangs by 2.
  const resetCut = edit((v) => v.setUint16(FOOTER_SIZE_FIELD, 38, true));
  for (const mode of ['snp', 'seves'] as const) {
    await assert.rejects(measure(resetCut, 2, mode), (e: unknown) => {
      assert.ok(e instanceof SnpLaunchError);
      assert.match(e.reason, /^footer table entry SEV_ES_RESET_BLOCK_GUID of size 22 runs 2 bytes past the start of the table; QEMU stops reading the table there/);
      assert.equal(e.location.offset, 0xfce - 18);
      return true;
    });
  }
  const sev = await measure(resetCut, 1, 'sev');
  assert.equal(Buffer.from(sev.digest).toString('hex'), createHash('sha256').update(resetCut).digest('hex'));
  // The metadata entry cut by the table start: the reference would read a truncated offset; refused.
  const metaCut = edit((v) => v.setUint16(FOOTER_SIZE_FIELD, 136 - 24, true));
  await assert.rejects(measure(metaCut, 1), /footer table entry OVMF_SEV_META_DATA_GUID of size 22 runs 2 bytes past the start of the table/);
});

test('an entry smaller than its header stays the reference error "Invalid entry size"', { skip: needsShared }, async () => {
  const small = edit((v) => v.setUint16(TDX_SIZE_FIELD, 17, true));
  await assert.rejects(measure(small, 1), (e: unknown) => e instanceof SnpLaunchError && /^Invalid entry size \(17/.test(e.reason));
});
