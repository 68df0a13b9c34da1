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
import { RefChain, T } from '../platforms/_ref.js';
import { qemuVmsa } from './_qemu-vmsa.js';

setHashProvider(nodeHashProvider);

const EPYC_V4 = 0x800f12;
/** sev-snp-measure: snp, 1 vCPU, QEMU, EPYC-v4, features 0x21, AmdSev suffix, no kernel (ovmf.md §11). */
const KNOWN_1VCPU = 'e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b';
/** The AmdSev suffix's footer table (ovmf.md §5.3): TDX entry at 0xf58 (22 bytes), footer size 136 at 0xfce. */
const TDX_SIZE_FIELD = 0xf58 + 4;
const FOOTER_SIZE_FIELD = 4096 - 50;
const RESET_EIP = 0x0080b004;

/**
 * The reference's snp digest on QEMU of `fw`, given the metadata sections and AP reset EIP the
 * reference finds in it (type: 1 SEC_MEM → ZERO, 2 SECRETS, 3 CPUID, 4 SVSM_CAA → ZERO, 0x10 → ZERO
 * without a kernel).
 */
function referenceSnp(fw: Uint8Array, sections: readonly [number, number, number][], apEip: number, vcpus: number, features: bigint, sig: number): string {
  const c = new RefChain();
  c.range(T.NORMAL, 0x1_0000_0000 - fw.length, fw.length / 4096, fw);
  for (const [gpa, size, type] of sections) {
    if (type === 2) c.step(T.SECRETS, gpa);
    else if (type === 3) c.step(T.CPUID, gpa);
    else c.range(T.ZERO, gpa, size / 4096);
  }
  for (let i = 0; i < vcpus; i++) c.step(T.VMSA, 0xfffffffff000, qemuVmsa(i === 0 ? 0xfffffff0 : apEip, features, sig));
  return c.hex;
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
