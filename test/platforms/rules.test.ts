// Each IGVM measurement rule of specs/platforms.md §5 has a test here: the IGVM file is built with
// the writer, and the expected digest is computed independently with node:crypto over the known
// pages (test/platforms/_ref.ts), never by the library.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesSource } from '../../src/core/source.js';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { igvmBuilder, type IgvmBuilder } from '../../src/images/igvm/index.js';
import { measureIgvm } from '../../src/measure/igvm.js';
import { IGVM_PLATFORMS, type IgvmMeasureOptions, type IgvmPlatform } from '../../src/measure/types.js';
import { filled, hex, KVM_GPA, qemuResetVmsaFromSpec, RefChain, T, testVmsa } from './_ref.js';

setHashProvider(nodeHashProvider);

const snp = (): IgvmBuilder => igvmBuilder().platform('SEV_SNP').policy(0x30000n);
const measure = (b: IgvmBuilder, platform: IgvmPlatform, o: Partial<IgvmMeasureOptions> = {}) => measureIgvm({ igvm: bytesSource('t.igvm', b.build()), platform, ...o });
const digestOf = async (b: IgvmBuilder, platform: IgvmPlatform, o: Partial<IgvmMeasureOptions> = {}) => hex((await measure(b, platform, o)).digest);
async function fails(b: IgvmBuilder, platform: IgvmPlatform, re: RegExp, o: Partial<IgvmMeasureOptions> = {}): Promise<void> {
  await assert.rejects(() => measure(b, platform, o), (e: Error & { kind?: string }) => {
    assert.match(e.message, re);
    return true;
  });
}

const V = testVmsa({ features: 1n, marker: 0x42 });

// ---- §5.1 common rules ---------------------------------------------------------------------------

test('common: only directives whose mask has the SNP bit apply; no SNP platform is an error', async () => {
  const b = igvmBuilder().platform('NATIVE').platform('SEV_SNP').policy(0x30000n, 2)
    .pageData(0x1000, filled(1), { mask: 1 }) // NATIVE only: ignored
    .pageData(0x2000, filled(2), { mask: 2 })
    .pageData(0x3000, filled(3), { mask: 3 })
    .vpContext(KVM_GPA, 0, V, 2);
  const want = new RefChain().step(T.NORMAL, 0x2000, filled(2)).step(T.NORMAL, 0x3000, filled(3)).step(T.VMSA, KVM_GPA, V).hex;
  // cloud-hypervisor-kvm rebuilds the VMSA from its registers (test/platforms/cloud-hypervisor-kvm.test.ts).
  for (const p of IGVM_PLATFORMS) if (p !== 'kvm-direct-vmsa' && p !== 'cloud-hypervisor-kvm') assert.equal(await digestOf(b, p), want, p);
  await fails(igvmBuilder().platform('NATIVE').pageData(0, filled(1)), 'openvmm', /no SUPPORTED_PLATFORM header with platform_type SEV_SNP/);
});

test('common: data types and flags map to SECRETS, CPUID, UNMEASURED, NORMAL; no file data is a zero page', async () => {
  const b = snp()
    .pageData(0x1000, filled(1), { type: 'SECRETS' })
    .pageData(0x2000, filled(2), { type: 'CPUID_DATA' })
    .pageData(0x3000, filled(3), { type: 'CPUID_XF' })
    .pageData(0x4000, filled(4), { unmeasured: true })
    .pageData(0x5000, new Uint8Array([9, 9, 9])) // short data: zero-padded to 4 KiB
    .pageData(0x6000, null)
    .pageData(0x7000, filled(7), { type: 'SECRETS', unmeasured: true });
  const want = new RefChain().step(T.SECRETS, 0x1000).step(T.CPUID, 0x2000).step(T.CPUID, 0x3000).step(T.UNMEASURED, 0x4000)
    .step(T.NORMAL, 0x5000, new Uint8Array([9, 9, 9])).step(T.NORMAL, 0x6000, new Uint8Array(4096)).step(T.SECRETS, 0x7000).hex;
  assert.equal(await digestOf(b, 'openvmm'), want);
  assert.equal(await digestOf(b, 'igvmmeasure'), want);
});

test('common: 2 MiB PAGE_DATA is an error on every platform', async () => {
  const b = snp().pageData(0x200000, filled(1), { is2MiB: true }).vpContext(KVM_GPA, 0, V);
  for (const p of IGVM_PLATFORMS) await fails(b, p, /2 MiB pages are not supported/);
});

test('common: consecutive PAGE_DATA are coalesced without changing the digest (contiguous and not)', async () => {
  const data = new Uint8Array(6 * 4096).map((_, i) => (i * 31) & 0xff);
  const b = snp().pages(0x10000, data).pageData(0x20000, filled(5)).pageData(0x16000, filled(6)).zeroPages(0x30000, 3);
  const want = new RefChain().range(T.NORMAL, 0x10000, 6, data).step(T.NORMAL, 0x20000, filled(5)).step(T.NORMAL, 0x16000, filled(6)).range(T.NORMAL, 0x30000, 3).hex;
  assert.equal(await digestOf(b, 'openvmm'), want);
});

// ---- §5.2 rule 1: openvmm ------------------------------------------------------------------------

test('openvmm: file order; shared pages skipped; every parameter page UNMEASURED; every VP context at its gpa', async () => {
  const b = snp()
    .pageData(0x5000, filled(5))
    .pageData(0x6000, filled(6), { shared: true })
    .parameterArea(0, 3 * 4096).parameter('VP_COUNT_PARAMETER', 0).parameterInsert(0x9000, 0)
    .vpContext(0x4000, 0, V)
    .vpContext(0x8000, 3, testVmsa({ marker: 3 }))
    .pageData(0x1000, filled(1));
  const want = new RefChain().step(T.NORMAL, 0x5000, filled(5)).range(T.UNMEASURED, 0x9000, 3).step(T.VMSA, 0x4000, V).step(T.VMSA, 0x8000, testVmsa({ marker: 3 })).step(T.NORMAL, 0x1000, filled(1)).hex;
  assert.equal(await digestOf(b, 'openvmm'), want);
  assert.equal(await digestOf(b, 'openvmm', { vcpus: 8 }), want, 'the vCPU count does not matter');
  // A file without any VP context is measured as its pages.
  assert.equal(await digestOf(snp().pageData(0x1000, filled(1)), 'openvmm'), new RefChain().step(T.NORMAL, 0x1000, filled(1)).hex);
});

// ---- rule 2: igvmmeasure -------------------------------------------------------------------------

test('igvmmeasure: shared pages measured; ONE parameter page; --native-zero measures data-less NORMAL as ZERO', async () => {
  const b = snp()
    .pageData(0x6000, filled(6), { shared: true })
    .parameterArea(1, 4 * 4096).parameterInsert(0x9000, 1)
    .zeroPages(0x20000, 2)
    .zeroPages(0x30000, 1, { unmeasured: true })
    .vpContext(0x4000, 0, V);
  const base = () => new RefChain().step(T.NORMAL, 0x6000, filled(6)).step(T.UNMEASURED, 0x9000);
  assert.equal(await digestOf(b, 'igvmmeasure'), base().range(T.NORMAL, 0x20000, 2).step(T.UNMEASURED, 0x30000).step(T.VMSA, 0x4000, V).hex);
  assert.equal(await digestOf(b, 'igvmmeasure', { nativeZero: true }), base().range(T.ZERO, 0x20000, 2).step(T.UNMEASURED, 0x30000).step(T.VMSA, 0x4000, V).hex);
  await fails(b, 'openvmm', /--native-zero applies to --platform igvmmeasure only/, { nativeZero: true });
});

// ---- rule 3: qemu-kvm ----------------------------------------------------------------------------

test('qemu-kvm: pages in order (shared measured, whole parameter area); VMSAs last at 0xFFFFFFFFF000; N−1 AP reset VMSAs', async () => {
  const bsp = testVmsa({ features: 0x21n, marker: 7 });
  const b = snp()
    .pageData(0x6000, filled(6), { shared: true })
    .vpContext(KVM_GPA, 0, bsp) // not last in the file: KVM still measures it at FINISH
    .parameterArea(0, 2 * 4096).parameterInsert(0x9000, 0)
    .pageData(0x1000, null);
  const pages = () => new RefChain().step(T.NORMAL, 0x6000, filled(6)).range(T.UNMEASURED, 0x9000, 2).step(T.NORMAL, 0x1000, new Uint8Array(4096)).step(T.VMSA, KVM_GPA, bsp);
  assert.equal(await digestOf(b, 'qemu-kvm'), pages().hex);
  const sig = 0xa00f11; // EPYC-Milan
  const ap = qemuResetVmsaFromSpec(0x21n, sig); // the AP's sev_features are the IGVM VMSA's
  assert.equal(await digestOf(b, 'qemu-kvm', { vcpus: 3, vcpuSig: sig }), pages().step(T.VMSA, KVM_GPA, ap).step(T.VMSA, KVM_GPA, ap).hex);
  await fails(b, 'qemu-kvm', /--vcpus 2 needs the vCPU signature/, { vcpus: 2 });
});

test('qemu-kvm: rejects what QEMU/KVM cannot launch', async () => {
  await fails(snp().pageData(0, filled(1)), 'qemu-kvm', /^t\.igvm: qemu-kvm: the file has no SNP VP_CONTEXT/);
  await fails(snp().vpContext(0x1000, 0, V), 'qemu-kvm', /qemu-kvm: the VP context GPA is 0x1000 but KVM measures the VMSA at 0xfffffffff000 \(QEMU requires it\)/);
  await fails(snp().vpContext(KVM_GPA, 1, V), 'qemu-kvm', /vp_index 1/);
  await fails(snp().vpContext(KVM_GPA, 0, V).vpContext(0x3000, 1, V), 'qemu-kvm', /2 SNP VP_CONTEXTs/);
  await fails(snp().vpContext(KVM_GPA, 0, testVmsa({ vmpl: 1 })), 'qemu-kvm', /vmpl 1 \(offset 0xca\)/);
  await fails(snp().vpContext(KVM_GPA, 0, testVmsa({ features: 0x20n })), 'qemu-kvm', /sev_features 0x20 without SNP_ACTIVE/);
});

// ---- rule 4: kvm-vmsa-page -----------------------------------------------------------------------

test('kvm-vmsa-page: the BSP VMSA inline at its own gpa in directive order; N does not matter', async () => {
  const b = snp().pageData(0x6000, filled(6), { shared: true }).vpContext(0x4000, 0, V).parameterArea(0, 8192).parameterInsert(0x9000, 0);
  const want = new RefChain().step(T.NORMAL, 0x6000, filled(6)).step(T.VMSA, 0x4000, V).range(T.UNMEASURED, 0x9000, 2).hex;
  assert.equal(await digestOf(b, 'kvm-vmsa-page'), want);
  assert.equal(await digestOf(b, 'kvm-vmsa-page', { vcpus: 4 }), want);
  assert.equal(await digestOf(b, 'kvm-vmsa-page', { guestFeatures: 1n }), want);
});

test('kvm-vmsa-page: rejections (second VP, other vp_index, unaligned gpa cannot occur, vmpl, SNP_ACTIVE, --guest-features)', async () => {
  await fails(snp().vpContext(0x4000, 0, V).vpContext(0x5000, 1, V), 'kvm-vmsa-page', /only one, for the BSP/);
  await fails(snp().vpContext(0x4000, 2, V), 'kvm-vmsa-page', /vp_index 2/);
  await fails(snp().vpContext(0x4000, 0, testVmsa({ vmpl: 2 })), 'kvm-vmsa-page', /vmpl 2/);
  await fails(snp().vpContext(0x4000, 0, testVmsa({ features: 0x4n })), 'kvm-vmsa-page', /without SNP_ACTIVE/);
  await fails(snp().vpContext(0x4000, 0, V), 'kvm-vmsa-page', /sev_features 0x1 but --guest-features is 0x21/, { guestFeatures: 0x21n });
  await fails(snp().pageData(0, filled(1)), 'kvm-vmsa-page', /no SNP VP_CONTEXT/);
});

// ---- rule 5: kvm-direct-vmsa ---------------------------------------------------------------------

test('kvm-direct-vmsa: several VP contexts inline, one per vp_index; BSP required; not 2 MiB-aligned', async () => {
  const ap = testVmsa({ marker: 5 });
  const b = snp().vpContext(0x5000, 2, ap).pageData(0x1000, filled(1)).vpContext(0x4000, 0, V);
  const want = new RefChain().step(T.VMSA, 0x5000, ap).step(T.NORMAL, 0x1000, filled(1)).step(T.VMSA, 0x4000, V).hex;
  assert.equal(await digestOf(b, 'kvm-direct-vmsa'), want);
  assert.equal(await digestOf(b, 'kvm-direct-vmsa', { vcpus: 8 }), want);
  await fails(snp().vpContext(0x4000, 0, V).vpContext(0x5000, 0, V), 'kvm-direct-vmsa', /both for vp_index 0/);
  await fails(snp().vpContext(0x4000, 1, V), 'kvm-direct-vmsa', /no VP_CONTEXT for vp_index 0/);
  await fails(snp().vpContext(0x200000, 0, V), 'kvm-direct-vmsa', /0x200000 .* is 2 MiB-aligned/);
  await fails(snp().vpContext(0x4000, 0, V).vpContext(0x5000, 1, testVmsa({ vmpl: 3 })), 'kvm-direct-vmsa', /vp_index 1\) has vmpl 3/);
  // The letter of §5: sev_features is checked against SNP_ACTIVE and --guest-features only, so VMSAs
  // with different features are measured (KVM's one vmsa_features per VM becomes a warning).
  const ap21 = testVmsa({ features: 0x21n });
  const mixed = await measure(snp().vpContext(0x4000, 0, V).vpContext(0x5000, 1, ap21), 'kvm-direct-vmsa');
  assert.equal(hex(mixed.digest), new RefChain().step(T.VMSA, 0x4000, V).step(T.VMSA, 0x5000, ap21).hex);
  assert.ok(mixed.warnings.some((w) => /sev_features 0x21 .* vmsa_features are 0x1/.test(w)));
  await fails(snp().vpContext(0x4000, 0, V).vpContext(0x5000, 1, ap21), 'kvm-direct-vmsa', /sev_features 0x21 but --guest-features is 0x1/, { guestFeatures: 1n });
  await fails(snp().vpContext(0x4000, 0, V), 'kvm-direct-vmsa', /--guest-features is 0x3/, { guestFeatures: 3n });
});

// ---- rule 6: cloud-hypervisor-mshv ---------------------------------------------------------------

test('cloud-hypervisor-mshv: every entry sorted by GPA (stable); shared measured; ONE parameter page; VMSAs carry vp 0 bytes', async () => {
  const ap = testVmsa({ marker: 9 });
  const b = snp()
    .pageData(0x9000, filled(9))
    .vpContext(0x8000, 1, ap)
    .pageData(0x2000, filled(2), { shared: true })
    .parameterArea(0, 3 * 4096).parameterInsert(0x5000, 0)
    .vpContext(0x7000, 0, V)
    .pageData(0x3000, null)
    .pageData(0x2000, filled(4)); // same GPA as an earlier page: stable sort keeps file order
  const want = new RefChain().step(T.NORMAL, 0x2000, filled(2)).step(T.NORMAL, 0x2000, filled(4)).step(T.NORMAL, 0x3000)
    .step(T.UNMEASURED, 0x5000).step(T.VMSA, 0x7000, V).step(T.VMSA, 0x8000, V).step(T.NORMAL, 0x9000, filled(9)).hex;
  assert.equal(await digestOf(b, 'cloud-hypervisor-mshv'), want);
  await fails(snp().vpContext(0x7000, 1, V), 'cloud-hypervisor-mshv', /no SNP VP_CONTEXT for vp_index 0/);
});

// ---- ID block (item 7) ---------------------------------------------------------------------------

test('SNP_ID_BLOCK: the result says per platform whether its launch digest matches', async () => {
  const body = () => snp().pageData(0x5000, filled(1)).vpContext(0x4000, 0, V);
  const inline = new RefChain().step(T.NORMAL, 0x5000, filled(1)).step(T.VMSA, 0x4000, V);
  const b = body().idBlock({ ld: new Uint8Array(inline.ld) });
  const r = await measure(b, 'openvmm');
  assert.deepEqual(r.idBlock, { present: true, matches: true, expected: inline.hex });
  assert.equal((await measure(b, 'kvm-vmsa-page')).idBlock?.matches, true);
  assert.equal((await measure(b, 'cloud-hypervisor-mshv')).idBlock?.matches, false, 'sorted by GPA: the VMSA comes first');
  assert.equal((await measure(body(), 'openvmm')).idBlock, undefined);
});

test('common: GPAs are u64 — a page at 0xfffffffffffff000 is measured like any other', async () => {
  const top = 0xffff_ffff_ffff_f000n;
  const b = snp().pageData(top, filled(8)).pageData(0x1000, filled(1)).vpContext(0x4000, 0, V);
  const want = new RefChain().step(T.NORMAL, Number(top), filled(8)).step(T.NORMAL, 0x1000, filled(1)).step(T.VMSA, 0x4000, V).hex;
  const r = await measure(b, 'openvmm', { log: true });
  assert.equal(hex(r.digest), want);
  assert.equal(r.log![0]!.gpa.toString(16), 'fffffffffffff000');
  assert.equal(r.log![1]!.index, 1);
  // Cloud Hypervisor sorts it last.
  const sorted = new RefChain().step(T.NORMAL, 0x1000, filled(1)).step(T.VMSA, 0x4000, V).step(T.NORMAL, Number(top), filled(8)).hex;
  assert.equal(await digestOf(b, 'cloud-hypervisor-mshv'), sorted);
  // A parameter area that would wrap past 2^64 cannot be launched.
  await fails(snp().parameterArea(0, 8192).parameterInsert(top, 0).pageData(0x1000, filled(1)), 'openvmm', /openvmm: the launch is rejected with EINVAL: .*wraps past the 64-bit/);
});

test('hostile input: a parameter area of 2^40 bytes is refused by whole-area platforms, not measured for days', async () => {
  const b = snp().parameterArea(0, 2 ** 40).parameterInsert(0x100000, 0).vpContext(0x4000, 0, V);
  await fails(b, 'openvmm', /^t\.igvm: header \d+: PARAMETER_INSERT: parameter area 0 is 1099511627776 bytes; snp-launch measures parameter areas of at most 4 GiB/);
  // One-page platforms measure it as its first page.
  assert.equal(await digestOf(b, 'igvmmeasure'), new RefChain().step(T.UNMEASURED, 0x100000).step(T.VMSA, 0x4000, V).hex);
});

test('an empty parameter area has no pages on the whole-area platforms, and one page on the others', async () => {
  const b = snp().parameterArea(0, 0).parameterInsert(0x10000, 0).pageData(0x1000, filled(1)).vpContext(KVM_GPA, 0, V);
  const none = new RefChain().step(T.NORMAL, 0x1000, filled(1)).step(T.VMSA, KVM_GPA, V).hex;
  const one = new RefChain().step(T.UNMEASURED, 0x10000).step(T.NORMAL, 0x1000, filled(1)).step(T.VMSA, KVM_GPA, V).hex;
  for (const p of ['openvmm', 'qemu-kvm', 'kvm-vmsa-page'] as const) assert.equal(await digestOf(b, p), none, p);
  assert.equal(await digestOf(b, 'igvmmeasure'), one);
});
