// The KVM SNP launch UAPI models: every check of specs/kvm-snp-launch.md and each variant's
// measurement, against an independent PAGE_INFO chain (test/platforms/_ref.ts, node:crypto only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LaunchRejectedError } from '../../src/core/errors.js';
import { bytesSource } from '../../src/core/source.js';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { UpstreamKvmSession } from '../../src/uapi/kvm-upstream.js';
import { VmsaPageKvmSession } from '../../src/uapi/kvm-vmsa-page.js';
import { DirectVmsaKvmSession } from '../../src/uapi/kvm-direct-vmsa.js';
import { IsolatedImportSession } from '../../src/uapi/isolated-import.js';
import { PageType } from '../../src/firmware/page-types.js';
import type { LaunchStartParams } from '../../src/uapi/types.js';
import { filled, hex, KVM_GPA, RefChain, T, testVmsa } from '../platforms/_ref.js';

setHashProvider(nodeHashProvider);

const START: LaunchStartParams = { policy: 0x30000n, vmsaFeatures: 1n, vcpus: 1 };

async function rejects(f: () => unknown, errno: string, re: RegExp): Promise<void> {
  await assert.rejects(
    async () => f(),
    (e: unknown) => {
      assert.ok(e instanceof LaunchRejectedError, `expected LaunchRejectedError, got ${String(e)}`);
      assert.equal(e.errno, errno, e.message);
      assert.match(e.message, re);
      return true;
    },
  );
}

test('upstream: pages in call order, then one VMSA per vCPU at 0xFFFFFFFFF000 in vCPU index order', async () => {
  const s = new UpstreamKvmSession({ log: true });
  s.start({ ...START, vcpus: 3 });
  const data = new Uint8Array(3 * 4096).map((_, i) => i & 0xff);
  await s.update({ gpa: 0x100000, length: 3 * 4096, type: PageType.NORMAL, data, origin: 'fw' });
  await s.update({ gpa: 0x200000, length: 2 * 4096, type: PageType.ZERO, origin: 'z' });
  await s.update({ gpa: 0x300000, length: 4096, type: PageType.UNMEASURED, origin: 'u' });
  await s.update({ gpa: 0x301000, length: 4096, type: PageType.SECRETS, origin: 's' });
  await s.update({ gpa: 0x302000, length: 4096, type: PageType.CPUID, data: filled(9), origin: 'c' });
  const v = [testVmsa({ marker: 0 }), testVmsa({ marker: 1 }), testVmsa({ marker: 2 })];
  // State given out of order: KVM still measures in vCPU index order.
  s.setVcpuState(2, v[2]!, 'ap2');
  s.setVcpuState(0, v[0]!, 'bsp');
  s.setVcpuState(1, v[1]!, 'ap1');
  const r = await s.finish();
  const ref = new RefChain().range(T.NORMAL, 0x100000, 3, data).range(T.ZERO, 0x200000, 2).step(T.UNMEASURED, 0x300000).step(T.SECRETS, 0x301000).step(T.CPUID, 0x302000);
  for (const x of v) ref.step(T.VMSA, KVM_GPA, x);
  assert.equal(hex(r.digest), ref.hex);
  assert.equal(r.steps, ref.steps);
  assert.deepEqual(r.log!.slice(-3).map((e) => [e.gpa, e.origin]), [[KVM_GPA, 'bsp'], [KVM_GPA, 'ap1'], [KVM_GPA, 'ap2']]);
});

test('upstream: streamed data from a ByteSource, short data zero-padded', async () => {
  const file = new Uint8Array(5 * 4096 + 100).map((_, i) => (i * 7) & 0xff);
  const s = new UpstreamKvmSession();
  s.start(START);
  await s.update({ gpa: 0x1000, length: 6 * 4096, type: PageType.NORMAL, data: { source: bytesSource('f', file), offset: 0, length: file.length }, origin: 'f' });
  s.setVcpuState(0, testVmsa(), 'bsp');
  const padded = new Uint8Array(6 * 4096);
  padded.set(file);
  const ref = new RefChain().range(T.NORMAL, 0x1000, 6, padded).step(T.VMSA, KVM_GPA, testVmsa());
  assert.equal(hex((await s.finish()).digest), ref.hex);
});

test('upstream: KVM writes vmsa_features into the VMSAs it builds', async () => {
  const s = new UpstreamKvmSession();
  s.start({ ...START, vmsaFeatures: 0x21n });
  s.setVcpuState(0, testVmsa({ features: 1n }), 'bsp');
  const r = await s.finish();
  assert.equal(hex(r.digest), new RefChain().step(T.VMSA, KVM_GPA, testVmsa({ features: 0x21n })).hex);
  assert.ok(r.warnings.some((w) => /replaced by KVM's vmsa_features 0x21/.test(w)));
});

test('upstream: SNP_LAUNCH_UPDATE argument checks', async () => {
  const s = new UpstreamKvmSession();
  await rejects(() => s.update({ gpa: 0, length: 4096, type: PageType.ZERO, origin: 'x' }), 'EINVAL', /before SNP_LAUNCH_START/);
  s.start(START);
  await rejects(() => s.update({ gpa: 0, length: 4096, type: PageType.VMSA, data: testVmsa(), origin: 'x' }), 'EINVAL', /VMSA \(0x2\) is not accepted/);
  await rejects(() => s.update({ gpa: 0, length: 4096, type: 0 as PageType, origin: 'x' }), 'EINVAL', /page type 0/);
  await rejects(() => s.update({ gpa: 0, length: 4096, type: 7 as PageType, origin: 'x' }), 'EINVAL', /page type 7/);
  await rejects(() => s.update({ gpa: 0x800, length: 4096, type: PageType.ZERO, origin: 'x' }), 'EINVAL', /not a page-aligned/);
  await rejects(() => s.update({ gpa: 0, length: 100, type: PageType.ZERO, origin: 'x' }), 'EINVAL', /len 100/);
  await rejects(() => s.update({ gpa: 0, length: 0, type: PageType.ZERO, origin: 'x' }), 'EINVAL', /len 0/);
  await rejects(() => s.update({ gpa: 0, length: 4096, type: PageType.ZERO, flags: 1, origin: 'x' }), 'EINVAL', /flags must be 0/);
  await rejects(() => s.update({ gpa: 0, length: 4096, type: PageType.NORMAL, origin: 'x' }), 'EFAULT', /no uaddr data/);
  await s.update({ gpa: 0x10000, length: 0x3000, type: PageType.ZERO, origin: 'x' });
  await rejects(() => s.update({ gpa: 0x12000, length: 0x2000, type: PageType.NORMAL, data: filled(1, 0x2000), origin: 'y' }), 'EEXIST', /0x12000 was already made private/);
  await s.update({ gpa: 0x13000, length: 0x1000, type: PageType.ZERO, origin: 'adjacent is fine' });
  await s.update({ gpa: 0xf000, length: 0x1000, type: PageType.ZERO, origin: 'below is fine' });
  await rejects(() => s.update({ gpa: 0xe000, length: 0x3000, type: PageType.ZERO, origin: 'overlaps the start' }), 'EEXIST', /0xf000/);
});

test('upstream: SNP_LAUNCH_START policy checks (sev.c fixed rules and KVM_X86_SNP_POLICY_BITS)', async () => {
  const start = (p: Partial<LaunchStartParams>) => () => new UpstreamKvmSession().start({ ...START, ...p });
  await rejects(start({ policy: 0x10000n }), 'EINVAL', /reserved bit 17 clear/);
  await rejects(start({ policy: 0x20000n }), 'EINVAL', /SMT \(bit 16\) clear/);
  await rejects(start({ policy: 0x130000n }), 'EINVAL', /SINGLE_SOCKET/);
  await rejects(start({ policy: 0x70000n }), 'EINVAL', /sets bits 0x40000/); // MIGRATE_MA (bit 18)
  await rejects(start({ flags: 2 }), 'EINVAL', /flags must be 0/);
  await rejects(start({ vcpus: 0 }), 'EINVAL', /at least one vCPU/);
  await rejects(start({ vmsaFeatures: 0x21n, supportedVmsaFeatures: 0x1n }), 'EINVAL', /outside KVM_X86_SEV_VMSA_FEATURES/);
  start({ policy: 0xb1f1fn })(); // DEBUG + ABI bits: accepted
  start({ policy: 0x20000n, supportedPolicyBits: 0x1fffffn })(); // newer kernels: SMT not required
  await rejects(start({ policy: 0x1030000n, supportedPolicyBits: 0x1fffffn }), 'EINVAL', /KVM_X86_SNP_POLICY_BITS/);
  const s = new UpstreamKvmSession();
  s.start(START);
  await rejects(() => s.start(START), 'EINVAL', /issued twice/);
});

test('upstream: SNP_LAUNCH_FINISH checks (vCPU state, ID block, ID auth, host data, after FINISH)', async () => {
  const mk = () => {
    const s = new UpstreamKvmSession();
    s.start(START);
    return s;
  };
  await rejects(() => mk().finish(), 'EINVAL', /vCPU 0 has no register state/);
  await rejects(() => mk().finish({ flags: 1 }), 'EINVAL', /flags must be 0/);
  await rejects(() => mk().finish({ idBlock: new Uint8Array(96) }), 'EFAULT', /no 4096-byte ID auth/);
  await rejects(() => mk().finish({ idBlock: new Uint8Array(95), idAuth: new Uint8Array(4096) }), 'EFAULT', /96 bytes/);
  await rejects(() => mk().finish({ hostData: new Uint8Array(31) }), 'EINVAL', /host data must be 32/);
  assert.throws(() => mk().setVcpuState(1, testVmsa(), 'x'), /vCPU 1 does not exist/);
  // ID block: the firmware compares its digest and policy with the launch (EIO on mismatch).
  const expected = new RefChain().step(T.VMSA, KVM_GPA, testVmsa()).ld;
  const idBlock = (ld: Uint8Array, policy = 0x30000n) => {
    const b = Buffer.alloc(96);
    Buffer.from(ld).copy(b, 0);
    b.writeUInt32LE(1, 0x50);
    b.writeBigUInt64LE(policy, 0x58);
    return new Uint8Array(b);
  };
  const ok = mk();
  ok.setVcpuState(0, testVmsa(), 'bsp');
  const r = await ok.finish({ idBlock: idBlock(expected), idAuth: new Uint8Array(4096), hostData: new Uint8Array(32) });
  assert.equal(hex(r.digest), hex(expected));
  await rejects(() => ok.update({ gpa: 0, length: 4096, type: PageType.ZERO, origin: 'x' }), 'EINVAL', /after SNP_LAUNCH_FINISH/);
  const bad = mk();
  bad.setVcpuState(0, testVmsa(), 'bsp');
  await rejects(() => bad.finish({ idBlock: idBlock(new Uint8Array(48)), idAuth: new Uint8Array(4096) }), 'EIO', /BAD_MEASUREMENT/);
  const badPolicy = mk();
  badPolicy.setVcpuState(0, testVmsa(), 'bsp');
  await rejects(() => badPolicy.finish({ idBlock: idBlock(expected, 0x30001n), idAuth: new Uint8Array(4096) }), 'EIO', /policy 0x30001 differs/);
});

test('vmsa-page: the BSP VMSA is measured inline at its GPA; APs get none; N does not matter', async () => {
  for (const vcpus of [1, 4]) {
    const s = new VmsaPageKvmSession();
    s.start({ ...START, vcpus, vmsaFeatures: 0x21n });
    await s.update({ gpa: 0x1000, length: 4096, type: PageType.NORMAL, data: filled(3), origin: 'p' });
    const v = testVmsa({ features: 0x21n });
    await s.update({ gpa: 0x5000, length: 4096, type: PageType.VMSA, data: v, origin: 'vmsa' });
    await s.update({ gpa: 0x6000, length: 4096, type: PageType.ZERO, origin: 'after' });
    for (let i = 0; i < vcpus; i++) s.setVcpuState(i, testVmsa({ marker: 9 }), `vcpu ${i}`);
    const r = await s.finish();
    assert.equal(hex(r.digest), new RefChain().step(T.NORMAL, 0x1000, filled(3)).step(T.VMSA, 0x5000, v).step(T.ZERO, 0x6000).hex, `vcpus ${vcpus}`);
  }
});

test('vmsa-page: rejections (second VMSA, vmpl, sev_features, length, vCPU other than the BSP)', async () => {
  const mk = () => {
    const s = new VmsaPageKvmSession();
    s.start({ ...START, vcpus: 2 });
    return s;
  };
  const vmsa = (o: Parameters<typeof testVmsa>[0] = {}) => ({ gpa: 0x5000, length: 4096, type: PageType.VMSA, data: testVmsa(o), origin: 'v' }) as const;
  const s = mk();
  await s.update(vmsa());
  await rejects(() => s.update({ ...vmsa(), gpa: 0x7000 }), 'EINVAL', /already given at 0x5000/);
  await rejects(() => mk().update(vmsa({ vmpl: 1 })), 'EINVAL', /vmpl 1/);
  await rejects(() => mk().update(vmsa({ features: 0x21n })), 'EINVAL', /sev_features 0x21 .* vmsa_features are 0x1/);
  // KVM ORs SNP_ACTIVE into vmsa_features, so a VMSA without bit 0 never matches.
  const s0 = new VmsaPageKvmSession();
  s0.start({ ...START, vmsaFeatures: 0x20n });
  await rejects(() => s0.update(vmsa({ features: 0x20n })), 'EINVAL', /vmsa_features are 0x21/);
  await rejects(() => mk().update({ ...vmsa(), length: 8192, data: new Uint8Array(8192) }), 'EINVAL', /exactly one page/);
  await rejects(() => mk().update({ ...vmsa(), vcpu: 1 }), 'EINVAL', /BSP's VMSA only/);
});

test('vmsa-page: without a VMSA page the VM behaves as upstream', async () => {
  const s = new VmsaPageKvmSession();
  s.start({ ...START, vcpus: 2 });
  s.setVcpuState(0, testVmsa({ marker: 1 }), 'a');
  s.setVcpuState(1, testVmsa({ marker: 2 }), 'b');
  const r = await s.finish();
  assert.equal(hex(r.digest), new RefChain().step(T.VMSA, KVM_GPA, testVmsa({ marker: 1 })).step(T.VMSA, KVM_GPA, testVmsa({ marker: 2 })).hex);
});

test('direct-vmsa: several VMSA pages inline, each bound to a vCPU; GPA rules', async () => {
  const s = new DirectVmsaKvmSession();
  s.start({ ...START, vcpus: 4, guestMemory: 0x4000_0000 });
  const a = testVmsa({ marker: 1 });
  const b = testVmsa({ marker: 2 });
  await s.update({ gpa: 0x1000, length: 4096, type: PageType.VMSA, data: a, vcpu: 0, origin: 'bsp' });
  await s.update({ gpa: 0x2000, length: 4096, type: PageType.NORMAL, data: filled(5), origin: 'page' });
  await s.update({ gpa: 0x3000, length: 4096, type: PageType.VMSA, data: b, origin: 'ap' });
  s.setVcpuStateIoctl({ vcpu: 1, vmsaGpa: 0x3000 });
  s.setVcpuStateIoctl({ vcpu: 1, vmsaGpa: 0x3000 }); // rebinding is allowed
  const r = await s.finish();
  assert.equal(hex(r.digest), new RefChain().step(T.VMSA, 0x1000, a).step(T.NORMAL, 0x2000, filled(5)).step(T.VMSA, 0x3000, b).hex);
  assert.deepEqual([...s.bindings], [[0, 0x1000], [1, 0x3000]]);

  const mk = () => {
    const x = new DirectVmsaKvmSession();
    x.start({ ...START, vcpus: 2, guestMemory: 0x1_0000_0000 });
    return x;
  };
  const v = (gpa: number) => ({ gpa, length: 4096, type: PageType.VMSA, data: testVmsa(), origin: 'v' }) as const;
  await rejects(() => mk().update(v(0x200000)), 'EINVAL', /2 MiB-aligned/);
  await rejects(() => mk().update(v(0)), 'EINVAL', /2 MiB-aligned/);
  await rejects(() => mk().update(v(0x1_0000_1000)), "EINVAL", /outside guest memory/);
  await mk().update(v(0xffff_f000)); // the last page inside memory
  await rejects(() => mk().update({ ...v(0x5000), data: testVmsa({ vmpl: 2 }) }), 'EINVAL', /vmpl 2/);
  await rejects(() => mk().update({ ...v(0x5000), data: testVmsa({ features: 3n }) }), 'EINVAL', /sev_features 0x3/);
  assert.throws(() => mk().setVcpuStateIoctl({ vcpu: 0, vmsaGpa: 0x5000, validFields: 4 }), /valid_fields 0x4/);
  assert.throws(() => mk().setVcpuStateIoctl({ vcpu: 0, vmsaGpa: 0x5000, padNonZero: true }), /pad must be zero/);
  assert.throws(() => mk().setVcpuStateIoctl({ vcpu: 2, vmsaGpa: 0x5000 }), /vCPU 2 does not exist/);
  assert.throws(() => mk().setVcpuStateIoctl({ vcpu: 0, vmsaGpa: 0x400000 }), /2 MiB-aligned/);
  const unbound = mk();
  unbound.setVcpuStateIoctl({ vcpu: 0, vmsaGpa: 0x5000 });
  await rejects(() => unbound.finish(), 'EINVAL', /no VMSA page was launched there/);
});

test('isolated import: every page type at any GPA in call order, nothing added at FINISH', async () => {
  const s = new IsolatedImportSession();
  s.start({ ...START, policy: 0x20000n }); // the firmware itself does not require SMT
  const v = testVmsa({ vmpl: 2, features: 0n });
  await s.update({ gpa: 0x9000, length: 4096, type: PageType.VMSA, data: v, origin: 'v' });
  await s.update({ gpa: 0x1000, length: 8192, type: PageType.ZERO, origin: 'z' });
  const r = await s.finish();
  assert.equal(hex(r.digest), new RefChain().step(T.VMSA, 0x9000, v).range(T.ZERO, 0x1000, 2).hex);
  await rejects(() => new IsolatedImportSession().start({ ...START, policy: 0x10000n }), 'EINVAL', /bit 17/);
});

test('GPA range: KVM refuses GPAs past 52 bits (EINVAL); a soft session measures them with a warning', async () => {
  const s = new UpstreamKvmSession();
  s.start(START);
  await rejects(() => s.update({ gpa: 2 ** 52, length: 4096, type: PageType.ZERO, origin: 'x' }), 'EINVAL', /52-bit/);
  await rejects(() => s.update({ gpa: 2 ** 64 - 4096, length: 8192, type: PageType.ZERO, origin: 'x' }), 'EINVAL', /wraps past the 64-bit/);
  const soft = new UpstreamKvmSession({ softChecks: true, log: true });
  soft.start(START);
  const top = 2 ** 64 - 8192;
  await soft.update({ gpa: top, length: 8192, type: PageType.NORMAL, data: filled(3, 8192), origin: 'top' });
  soft.setVcpuState(0, testVmsa(), 'bsp');
  const r = await soft.finish();
  assert.equal(hex(r.digest), new RefChain().range(T.NORMAL, top, 2, filled(3, 8192)).step(T.VMSA, KVM_GPA, testVmsa()).hex);
  assert.deepEqual(r.log!.map((e) => e.index), [0, 1, 2]);
  assert.ok(r.warnings.some((w) => /52-bit/.test(w)));
});
