/**
 * `cloud-hypervisor-kvm` (docs/platforms.md) against an independent computation written here from
 * cloud-hypervisor's vmm/src/igvm/igvm_loader.rs, vmm/src/sev.rs and hypervisor/src/kvm/mod.rs
 * (ae44c2971) and the PAGE_INFO chain of specs/launch-digest.md §2 (node:crypto, via the
 * conformance suite's library-free helpers): directive order, data-less pages as ZERO, every page
 * of a parameter area UNMEASURED, the VP context's registers rebuilt by KVM into a VMSA at
 * 0xfffffffff000 after all pages, KVM reset VMSAs for the other vCPUs, and the kernel-hashes block.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesSource } from '../../src/core/source.js';
import { measureIgvm } from '../../src/measure/igvm.js';
import { DT, encode, FLAG_SHARED, FLAG_UNMEASURED, PT, type Header } from '../conformance/_igvm.js';
import { PTYPE, step } from '../conformance/_rules.js';
import { cliBuilt, runCli } from '../cli/_cli.js';
import { needsShared, shared } from '../_shared.js';

const PAGE = 4096;
const KVM_GPA = 0xfffffffff000n;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const blob = (seed: number, n = PAGE) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

// ---- VMSA pages, by offset (launch-digest.md §3) ----
function put(v: Uint8Array, off: number, value: bigint, size: number): void {
  for (let i = 0; i < size; i++) v[off + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}
function seg(v: Uint8Array, off: number, sel: number, attrib: number, limit: number, base: bigint): void {
  put(v, off, BigInt(sel), 2);
  put(v, off + 2, BigInt(attrib), 2);
  put(v, off + 4, BigInt(limit), 4);
  put(v, off + 8, base, 8);
}
const get = (v: Uint8Array, off: number, size: number) => {
  let x = 0n;
  for (let i = size - 1; i >= 0; i--) x = (x << 8n) | BigInt(v[off + i]!);
  return x;
};

/** KVM's reset VMSA (svm.c init_vmcb + kvm_vcpu_reset, KVM_SEV_INIT2 FPU sync). */
function kvmReset(features: bigint): Uint8Array {
  const v = new Uint8Array(PAGE);
  for (const off of [0x000, 0x020, 0x030, 0x040, 0x050]) seg(v, off, 0, 0x92, 0xffff, 0n); // ES SS DS FS GS
  seg(v, 0x010, 0xf000, 0x9a, 0xffff, 0xffff0000n); // CS
  seg(v, 0x060, 0, 0, 0xffff, 0n); // GDTR
  seg(v, 0x070, 0, 0x82, 0xffff, 0n); // LDTR
  seg(v, 0x080, 0, 0, 0xffff, 0n); // IDTR
  seg(v, 0x090, 0, 0x83, 0xffff, 0n); // TR
  put(v, 0x0d0, 0x1000n, 8); // EFER.SVME
  put(v, 0x148, 0x40n, 8); // CR4.MCE
  put(v, 0x158, 0x10n, 8); // CR0.ET
  put(v, 0x160, 0x400n, 8);
  put(v, 0x168, 0xffff0ff0n, 8);
  put(v, 0x170, 2n, 8);
  put(v, 0x178, 0xfff0n, 8);
  put(v, 0x268, 0x0007040600070406n, 8);
  put(v, 0x310, 0x600n, 8); // RDX: no CPUID at vCPU creation
  put(v, 0x3b0, features, 8);
  put(v, 0x3e8, 1n, 8);
  put(v, 0x408, 0x1f80n, 4);
  put(v, 0x410, 0x37fn, 2);
  return v;
}

/** What Cloud Hypervisor loads with KVM_SET_SREGS/KVM_SET_REGS, rebuilt by KVM (svm_set_* adjustments). */
function fromRegisters(src: Uint8Array, features: bigint): Uint8Array {
  const v = kvmReset(features);
  for (const off of [0x010, 0x030, 0x000, 0x040, 0x050, 0x020, 0x090, 0x070]) {
    seg(v, off, Number(get(src, off, 2)), Number(get(src, off + 2, 2)) & 0xfff, Number(get(src, off + 4, 4)), get(src, off + 8, 8));
  }
  for (const off of [0x060, 0x080]) seg(v, off, 0, 0, Number(get(src, off + 4, 4)), get(src, off + 8, 8));
  v[0xcb] = (Number(get(src, 0x022, 2)) >> 5) & 3; // CPL = SS.DPL
  put(v, 0x158, get(src, 0x158, 8) & ~0x60000000n, 8);
  put(v, 0x150, get(src, 0x150, 8), 8);
  put(v, 0x148, get(src, 0x148, 8) | 0x40n, 8);
  put(v, 0x0d0, get(src, 0x0d0, 8) | 0x1000n, 8);
  for (const off of [0x178, 0x310, 0x1d8, 0x1f8, 0x318, 0x308, 0x328, 0x330, 0x338, 0x340, 0x348, 0x350, 0x358, 0x360, 0x368, 0x370, 0x378]) put(v, off, get(src, off, 8), 8);
  put(v, 0x170, get(src, 0x170, 8) | 2n, 8);
  return v;
}

/** A 32-bit protected-mode BSP VMSA with values KVM must drop or adjust. */
function bspVmsa(): Uint8Array {
  const v = new Uint8Array(PAGE);
  for (const off of [0x000, 0x030, 0x040, 0x050]) seg(v, off, 0x10, 0xc093, 0xffffffff, 0n); // attrib bits 12-15 set: dropped
  seg(v, 0x020, 0x10, 0xc093, 0xffffffff, 0n);
  seg(v, 0x010, 0x08, 0xc09b, 0xffffffff, 0n);
  seg(v, 0x060, 0, 0, 0x27, 0x7000n);
  seg(v, 0x080, 0, 0, 0x7ff, 0x8000n);
  seg(v, 0x090, 0x18, 0x8b, 0x67, 0x9000n);
  put(v, 0x158, 0x60000011n, 8); // CD|NW cleared by KVM
  put(v, 0x150, 0x123000n, 8);
  put(v, 0x0d0, 0n, 8);
  put(v, 0x170, 0n, 8); // RFLAGS bit 1 forced
  put(v, 0x178, 0x100000n, 8);
  put(v, 0x1d8, 0x8ff0n, 8);
  put(v, 0x330, 0x7000n, 8);
  put(v, 0x310, 0xa10f11n, 8);
  put(v, 0x268, 0x70106n, 8); // not loaded: KVM's PAT
  put(v, 0x160, 0n, 8); // DR7 not loaded
  put(v, 0x3e8, 3n, 8); // XCR0 not loaded
  put(v, 0x3b0, 0x20n, 8); // DebugSwap; SNP_ACTIVE added by KVM
  return v;
}

const MASK = 1;
function file(extra: Header[] = []): Header[] {
  return [
    { kind: 'platform', mask: MASK, type: PT.SEV_SNP },
    { kind: 'policy', policy: 0x30000n, mask: MASK },
    { kind: 'paramArea', index: 0, size: 2 * PAGE },
    { kind: 'pageData', gpa: 0x300000n, mask: MASK, data: blob(1) },
    { kind: 'pageData', gpa: 0x100000n, mask: MASK, data: blob(2) },
    { kind: 'pageData', gpa: 0x200000n, mask: MASK }, // no data: ZERO
    { kind: 'pageData', gpa: 0x201000n, mask: MASK, flags: FLAG_UNMEASURED, data: blob(3) },
    { kind: 'pageData', gpa: 0x9f000n, mask: MASK, flags: FLAG_SHARED, data: blob(4) }, // shared: measured
    { kind: 'paramInsert', gpa: 0x80000n, mask: MASK, index: 0 },
    { kind: 'vp', gpa: 0x4000n, mask: MASK, vpIndex: 0, vmsa: bspVmsa() }, // any GPA: not page-measured
    { kind: 'pageData', gpa: 0x5000n, mask: MASK, dataType: DT.SECRETS },
    { kind: 'pageData', gpa: 0x6000n, mask: MASK, dataType: DT.CPUID_DATA, data: blob(5) },
    ...extra,
  ];
}

interface Entry { type: number; gpa: bigint; page?: Uint8Array }
const pagesOf = (): Entry[] => [
  { type: PTYPE.NORMAL, gpa: 0x300000n, page: blob(1) },
  { type: PTYPE.NORMAL, gpa: 0x100000n, page: blob(2) },
  { type: PTYPE.ZERO, gpa: 0x200000n },
  { type: PTYPE.UNMEASURED, gpa: 0x201000n },
  { type: PTYPE.NORMAL, gpa: 0x9f000n, page: blob(4) },
  { type: PTYPE.UNMEASURED, gpa: 0x80000n },
  { type: PTYPE.UNMEASURED, gpa: 0x81000n },
  { type: PTYPE.SECRETS, gpa: 0x5000n },
  { type: PTYPE.CPUID, gpa: 0x6000n },
];

function expected(entries: Entry[], vcpus: number): string {
  const features = 0x21n;
  const vmsas = [fromRegisters(bspVmsa(), features), ...Array.from({ length: vcpus - 1 }, () => kvmReset(features))];
  let ld: Uint8Array = new Uint8Array(48);
  for (const e of entries) ld = step(ld, e.type, e.gpa, e.page);
  for (const v of vmsas) ld = step(ld, PTYPE.VMSA, KVM_GPA, v);
  return hex(ld);
}

const measure = async (headers: Header[], o: Partial<Parameters<typeof measureIgvm>[0]> = {}) =>
  measureIgvm({ igvm: bytesSource('ch.igvm', encode({ version: 1, headers }).bytes), platform: 'cloud-hypervisor-kvm', ...o });

test('directive order, ZERO/UNMEASURED pages, whole parameter areas, KVM-built VMSAs after all pages (1 and 3 vCPUs)', async () => {
  for (const vcpus of [1, 3]) {
    const r = await measure(file(), { vcpus, keepVmsas: true });
    assert.equal(hex(r.digest), expected(pagesOf(), vcpus), `${vcpus} vCPUs`);
    assert.equal(r.vmsas!.length, vcpus);
  }
  // The vCPU count changes the digest; the vCPU signature does not (APs keep KVM's RDX 0x600).
  const a = await measure(file(), { vcpus: 2, vcpuSig: 0xa00f11 });
  const b = await measure(file(), { vcpus: 2 });
  assert.equal(hex(a.digest), hex(b.digest));
  assert.notEqual(hex(a.digest), expected(pagesOf(), 1));
});

// ---- kernel hashes (vmm/src/sev.rs build_hash_block; the table of specs/ovmf.md §6) ----
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();
function guidLe(s: string): Buffer {
  const h = s.replace(/-/g, '');
  const b = Buffer.from(h, 'hex');
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
}
function hashBlock(kernel: Uint8Array, initrd: Uint8Array, cmdline: string): Uint8Array {
  const entry = (g: string, d: Buffer) => Buffer.concat([guidLe(g), Buffer.from([50, 0]), d]);
  const table = Buffer.concat([
    guidLe('9438d606-4f22-4cc9-b479-a793d411fd21'),
    Buffer.from([168, 0]),
    entry('97d02dd8-bd20-4c94-aa78-e7714d36ab2a', sha256(Buffer.concat([Buffer.from(cmdline), Buffer.from([0])]))),
    entry('44baf731-3a2f-4bd7-9af1-41e29169781d', sha256(initrd)),
    entry('4de79437-abd2-427f-b835-d5b172d2045b', sha256(kernel)),
  ]);
  assert.equal(table.length, 168);
  const block = new Uint8Array(0x400);
  block.set(table);
  return block;
}
const KERNEL = (() => {
  const k = blob(9, 3 * PAGE + 100);
  k[0x1f1] = 3; // setup_sects: setup = 2048 bytes
  return k;
})();
const INITRD = blob(10, 5000);

test('kernel hashes: block appended as a NORMAL page at 0x10000 when no IGVM page is there', async () => {
  const block = hashBlock(KERNEL, INITRD, 'console=ttyS0');
  const page = new Uint8Array(PAGE);
  page.set(block, 0xc00);
  const r = await measure(file(), { vcpus: 2, kernel: bytesSource('k', KERNEL), initrd: bytesSource('i', INITRD), append: 'console=ttyS0' });
  assert.equal(hex(r.digest), expected([...pagesOf(), { type: PTYPE.NORMAL, gpa: 0x10000n, page }], 2));
  // No initrd: SHA-256 of nothing.
  const page2 = new Uint8Array(PAGE);
  page2.set(hashBlock(KERNEL, new Uint8Array(0), ''), 0xc00);
  const r2 = await measure(file(), { kernel: bytesSource('k', KERNEL), append: '' });
  assert.equal(hex(r2.digest), expected([...pagesOf(), { type: PTYPE.NORMAL, gpa: 0x10000n, page: page2 }], 1));
});

test('kernel hashes: written into the IGVM page at 0x10000 (measured NORMAL in its place, even when unmeasured)', async () => {
  const data = blob(11);
  const withPage = file([{ kind: 'pageData', gpa: 0x10000n, mask: MASK, flags: FLAG_UNMEASURED, data }, { kind: 'pageData', gpa: 0x11000n, mask: MASK, data: blob(12) }]);
  const page = data.slice();
  page.set(hashBlock(KERNEL, INITRD, 'x'), 0xc00);
  const r = await measure(withPage, { kernel: bytesSource('k', KERNEL), initrd: bytesSource('i', INITRD), append: 'x' });
  assert.equal(hex(r.digest), expected([...pagesOf(), { type: PTYPE.NORMAL, gpa: 0x10000n, page }, { type: PTYPE.NORMAL, gpa: 0x11000n, page: blob(12) }], 1));
  // Without a kernel the same page is just an UNMEASURED page.
  const plain = await measure(withPage);
  assert.equal(hex(plain.digest), expected([...pagesOf(), { type: PTYPE.UNMEASURED, gpa: 0x10000n }, { type: PTYPE.NORMAL, gpa: 0x11000n, page: blob(12) }], 1));
});

test('kernel hashes: refusals (parameter area over the block, short kernel, no command line, other platforms)', async () => {
  const over: Header[] = [{ kind: 'paramArea', index: 1, size: PAGE }, { kind: 'paramInsert', gpa: 0x10000n, mask: MASK, index: 1 }];
  await assert.rejects(measure(file(over), { kernel: bytesSource('k', KERNEL), append: '' }), /parameter area 1 at 0x10000 covers the kernel-hashes block/);
  await assert.rejects(measure(file(), { kernel: bytesSource('k', blob(1, 4000)), append: '' }), /4096-byte boot_params header/);
  await assert.rejects(measure(file(), { kernel: bytesSource('k', KERNEL) }), /command line/);
  await assert.rejects(
    measureIgvm({ igvm: bytesSource('ch.igvm', encode({ version: 1, headers: file() }).bytes), platform: 'qemu-kvm', kernel: bytesSource('k', KERNEL), append: '' }),
    /cloud-hypervisor-kvm only/,
  );
});

test('CLI: measure --igvm ... --platform cloud-hypervisor-kvm --kernel/--initrd/--append', async () => {
  cliBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'ch-kvm-'));
  writeFileSync(join(dir, 'ch.igvm'), encode({ version: 1, headers: file() }).bytes);
  writeFileSync(join(dir, 'k'), KERNEL);
  writeFileSync(join(dir, 'i'), INITRD);
  const page = new Uint8Array(PAGE);
  page.set(hashBlock(KERNEL, INITRD, 'a b'), 0xc00);
  const r = await runCli(['measure', '--igvm', 'ch.igvm', '--platform', 'cloud-hypervisor-kvm', '--vcpus', '2', '--kernel', 'k', '--initrd', 'i', '--append', 'a b'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, expected([...pagesOf(), { type: PTYPE.NORMAL, gpa: 0x10000n, page }], 2) + '\n');
  // Inputs by hash (issue 18 item 4): the same digest from the SHA-256 values.
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const h = await runCli(['measure', '--igvm', 'ch.igvm', '--platform', 'cloud-hypervisor-kvm', '--vcpus', '2', '--kernel-sha256', sha(KERNEL), '--initrd-sha256', sha(INITRD), '--append', 'a b'], dir);
  assert.equal(h.code, 0, h.stderr);
  assert.equal(h.stdout, r.stdout);
  const bad = await runCli(['measure', '--igvm', 'ch.igvm', '--platform', 'openvmm', '--kernel', 'k'], dir);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
});

test('igvm build --for cloud-hypervisor-kvm,...: a QEMU-profile BSP VMSA survives the register round trip, so the platforms agree', { skip: needsShared }, async () => {
  cliBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'ch-kvm-build-'));
  const ovmf = shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin');
  const b = await runCli(['igvm', 'build', '--ovmf', ovmf, '--vcpu-type', 'EPYC-v4', '--for', 'cloud-hypervisor-kvm,openvmm,qemu-kvm', '-o', 'x.igvm'], dir);
  assert.equal(b.code, 0, b.stderr);
  const digests = await Promise.all(['cloud-hypervisor-kvm', 'openvmm', 'qemu-kvm'].map((p) => runCli(['measure', '--igvm', 'x.igvm', '--platform', p], dir)));
  for (const d of digests) assert.equal(d.code, 0, d.stderr);
  assert.equal(digests[0]!.stdout, digests[1]!.stdout);
  assert.equal(digests[0]!.stdout, digests[2]!.stdout);
  // With 2 vCPUs KVM adds an AP VMSA that no inline platform measures: a conflict, explained.
  const c = await runCli(['igvm', 'build', '--ovmf', ovmf, '--vcpu-type', 'EPYC-v4', '--vcpus', '2', '--for', 'cloud-hypervisor-kvm,openvmm', '-o', 'y.igvm'], dir);
  assert.equal(c.code, 1);
  assert.match(c.stderr, /cloud-hypervisor-kvm with 2 vCPUs measures 1 KVM-built AP VMSA/);
});

// measure --vcpus lists and match once dropped the kernel on this platform: every count of a list
// was the launch without the block. Now both go through the same launch as one count.
test('CLI: measure --vcpus 1-3, match and refvalues --igvm with --kernel/--initrd/--append (the kernel-hashes block at every count)', async () => {
  cliBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'ch-kvm-list-'));
  writeFileSync(join(dir, 'ch.igvm'), encode({ version: 1, headers: file() }).bytes);
  writeFileSync(join(dir, 'k'), KERNEL);
  writeFileSync(join(dir, 'i'), INITRD);
  const page = new Uint8Array(PAGE);
  page.set(hashBlock(KERNEL, INITRD, 'a b'), 0xc00);
  const withBlock = (n: number) => expected([...pagesOf(), { type: PTYPE.NORMAL, gpa: 0x10000n, page }], n);
  const boot = ['--kernel', 'k', '--initrd', 'i', '--append', 'a b'];
  const list = await runCli(['measure', '--igvm', 'ch.igvm', '--platform', 'cloud-hypervisor-kvm', '--vcpus', '1-3', ...boot], dir);
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stdout, [1, 2, 3].map((n) => `${n}\t${withBlock(n)}`).join('\n') + '\n');

  // match: the launch with the block at 3 vCPUs, and the one without it (no --cmdline) at 2.
  const m = await runCli(['match', '--measurement', withBlock(3), '--igvm', 'ch.igvm', ...boot, '--vcpus', '1-8', '--json'], dir);
  assert.equal(m.code, 0, m.stderr);
  const hit = JSON.parse(m.stdout).matches;
  assert.deepEqual(hit.map((c: { platform: string; vcpus: number; kernelHashes: boolean }) => [c.platform, c.vcpus, c.kernelHashes]), [['cloud-hypervisor-kvm', 3, true]]);
  assert.equal(hit[0].command, "snp-launch measure --igvm ch.igvm --kernel k --initrd i --append 'a b' --platform cloud-hypervisor-kvm --vcpus 3");
  const plain = await runCli(['match', '--measurement', expected(pagesOf(), 2), '--igvm', 'ch.igvm', ...boot, '--vcpus', '1-8', '--json'], dir);
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(JSON.parse(plain.stdout).matches.map((c: { vcpus: number; kernelHashes: boolean }) => [c.vcpus, c.kernelHashes]), [[2, false]]);

  // refvalues: one cloud-hypervisor-kvm cell per count with the block, and the inputs' SHA-256.
  const rv = await runCli(['refvalues', '--igvm', 'ch.igvm', ...boot, '--vcpus', '1-3'], dir);
  assert.equal(rv.code, 0, rv.stderr);
  const doc = JSON.parse(rv.stdout);
  assert.deepEqual(doc.cells.map((c: { platform: string; vcpus: number; measurement: string }) => [c.platform, c.vcpus, c.measurement]), [1, 2, 3].map((n) => ['cloud-hypervisor-kvm', n, withBlock(n)]));
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  assert.deepEqual([doc.inputs.k, doc.inputs.i], [sha(KERNEL), sha(INITRD)]);

  // A kernel Cloud Hypervisor cannot read: input error (exit 1), one line naming the kernel file, for a list as for one count.
  writeFileSync(join(dir, 'short'), blob(11, 100));
  for (const args of [['measure', '--platform', 'cloud-hypervisor-kvm', '--vcpus', '1-2'], ['measure', '--platform', 'cloud-hypervisor-kvm', '--vcpus', '2'], ['refvalues', '--vcpus', '1']]) {
    const r = await runCli([...args, '--igvm', 'ch.igvm', '--kernel', 'short', '--append', 'a'], dir);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /short: is 100 bytes; Cloud Hypervisor reads a 4096-byte boot_params header/);
  }

  // Usage errors, one line each: no command line; a platform that boots no kernel beside the file.
  for (const cmd of ['match', 'refvalues']) {
    for (const args of [['--kernel', 'k'], [...boot, '--platform', 'openvmm']]) {
      const r = await runCli([cmd, ...(cmd === 'match' ? ['--measurement', withBlock(1)] : ['--vcpus', '1']), '--igvm', 'ch.igvm', ...args], dir);
      assert.equal(r.code, 2, `${cmd} ${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  }
});
