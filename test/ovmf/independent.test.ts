// An independent re-computation, written here with node:crypto from specs/ovmf.md §6–§8 and
// launch-digest.md §2–§3, of launches of a small image made by buildOvmfImage: the whole PAGE_INFO
// chain, the VMSAs and the kernel-hashes table are written out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { bytesSource } from '../../src/core/source.js';
import { buildOvmfImage } from '../../src/images/ovmf/builder.js';
import { measureOvmf } from '../../src/measure/ovmf.js';
import { hex, pattern } from './_helpers.js';

const sha384 = (b: Uint8Array) => createHash('sha384').update(b).digest();
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();

const SIZE = 8192;
const AP_EIP = 0x0080b004;
const HASH_GPA = 0x806c40;
const SECTIONS = [
  { gpa: 0x800000, size: 0x2000, type: 1 }, // SNP_SEC_MEM
  { gpa: 0x802000, size: 0x1000, type: 2 }, // SNP_SECRETS
  { gpa: 0x803000, size: 0x2000, type: 3 }, // CPUID (declared 2 pages, measured as one)
  { gpa: 0x805000, size: 0x1000, type: 4 }, // SVSM_CAA
  { gpa: 0x806000, size: 0x1000, type: 0x10 }, // SNP_KERNEL_HASHES
  { gpa: 0x807000, size: 0x1000, type: 1 }, // SNP_SEC_MEM
];
const image = buildOvmfImage({ size: SIZE, resetEip: AP_EIP, hashTable: { gpa: HASH_GPA, size: 0x400 }, sections: SECTIONS, fillerSeed: 3 });
const kernel = pattern(10000, 1);
const initrd = pattern(5000, 2);
const append = 'console=ttyS0';

class Chain {
  ld: Buffer = Buffer.alloc(48);
  step(type: number, gpa: number, page?: Uint8Array): void {
    const info = Buffer.alloc(0x70);
    this.ld.copy(info, 0);
    if (type === 1 || type === 2) sha384(page!).copy(info, 0x30);
    info.writeUInt16LE(0x70, 0x60);
    info[0x62] = type;
    info.writeBigUInt64LE(BigInt(gpa), 0x68);
    this.ld = sha384(info);
  }
  range(type: number, gpa: number, size: number): void {
    for (let o = 0; o < size; o += 4096) this.step(type, gpa + o);
  }
}

/** The reset-state VMSA of ovmf.md §7.1, byte by byte. */
function refVmsa(vmm: 'QEMU' | 'ec2' | 'gce', eip: number, features: bigint, sig: number): Buffer {
  const v = Buffer.alloc(4096);
  const seg = (off: number, sel: number, attrib: number, limit: number, base: number) => {
    v.writeUInt16LE(sel, off);
    v.writeUInt16LE(attrib, off + 2);
    v.writeUInt32LE(limit, off + 4);
    v.writeBigUInt64LE(BigInt(base), off + 8);
  };
  for (const off of [0x00, 0x30, 0x40, 0x50]) seg(off, 0, 0x93, 0xffff, 0);
  seg(0x10, 0xf000, vmm === 'ec2' && eip === 0xfffffff0 ? 0x9a : 0x9b, 0xffff, (eip & 0xffff0000) >>> 0);
  seg(0x20, 0, vmm === 'ec2' ? 0x92 : 0x93, 0xffff, 0);
  seg(0x60, 0, 0, 0xffff, 0);
  seg(0x70, 0, 0x82, 0xffff, 0);
  seg(0x80, 0, 0, 0xffff, 0);
  seg(0x90, 0, vmm === 'ec2' ? 0x83 : 0x8b, 0xffff, 0);
  v.writeBigUInt64LE(0x1000n, 0xd0);
  v.writeBigUInt64LE(0x40n, 0x148);
  v.writeBigUInt64LE(0x10n, 0x158);
  v.writeBigUInt64LE(0x400n, 0x160);
  v.writeBigUInt64LE(0xffff0ff0n, 0x168);
  v.writeBigUInt64LE(0x2n, 0x170);
  v.writeBigUInt64LE(BigInt(eip & 0xffff), 0x178);
  v.writeBigUInt64LE(vmm === 'gce' ? 0x70106n : 0x0007040600070406n, 0x268);
  v.writeBigUInt64LE(vmm === 'QEMU' ? BigInt(sig) : 0x600n, 0x310);
  v.writeBigUInt64LE(features, 0x3b0);
  v.writeBigUInt64LE(1n, 0x3e8);
  if (vmm === 'QEMU') {
    v.writeUInt32LE(0x1f80, 0x408);
    v.writeUInt16LE(0x37f, 0x410);
  }
  return v;
}

function refHashTable(): Buffer {
  const t = Buffer.alloc(176);
  const guid = (s: string) => {
    const h = s.replace(/-/g, '');
    const b = Buffer.from(h, 'hex');
    return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
  };
  guid('9438d606-4f22-4cc9-b479-a793d411fd21').copy(t, 0);
  t.writeUInt16LE(168, 16);
  const entries: [string, Buffer][] = [
    ['97d02dd8-bd20-4c94-aa78-e7714d36ab2a', sha256(Buffer.concat([Buffer.from(append), Buffer.from([0])]))],
    ['44baf731-3a2f-4bd7-9af1-41e29169781d', sha256(initrd)],
    ['4de79437-abd2-427f-b835-d5b172d2045b', sha256(kernel)],
  ];
  entries.forEach(([g, d], i) => {
    const o = 18 + i * 50;
    guid(g).copy(t, o);
    t.writeUInt16LE(50, o + 16);
    d.copy(t, o + 18);
  });
  return t;
}

function refSnp(vmm: 'QEMU' | 'ec2' | 'gce', vcpus: number, features: bigint, sig: number, withKernel: boolean): string {
  const c = new Chain();
  const fwGpa = 0x1_0000_0000 - SIZE;
  for (let o = 0; o < SIZE; o += 4096) c.step(1, fwGpa + o, image.subarray(o, o + 4096));
  const secMem = vmm === 'gce' ? 4 : 3;
  c.range(secMem, 0x800000, 0x2000);
  c.step(5, 0x802000);
  if (vmm !== 'ec2') c.step(6, 0x803000);
  c.range(3, 0x805000, 0x1000);
  if (withKernel) {
    const page = Buffer.alloc(4096);
    refHashTable().copy(page, HASH_GPA & 0xfff);
    c.step(1, 0x806000, page);
  } else {
    c.range(3, 0x806000, 0x1000);
  }
  c.range(secMem, 0x807000, 0x1000);
  if (vmm === 'ec2') c.step(6, 0x803000);
  for (let i = 0; i < vcpus; i++) c.step(2, 0xfffffffff000, refVmsa(vmm, i === 0 ? 0xfffffff0 : AP_EIP, features, sig));
  return c.ld.toString('hex');
}

const src = () => bytesSource('built.fd', image);

for (const vmm of ['QEMU', 'ec2', 'gce'] as const) {
  for (const withKernel of [false, true]) {
    test(`snp on ${vmm}, 3 vCPUs, ${withKernel ? 'with' : 'without'} kernel: equals a hand-written chain`, async () => {
      const r = await measureOvmf({
        mode: 'snp',
        ovmf: src(),
        vcpus: 3,
        vmm,
        vcpuSig: 0xa10f10,
        guestFeatures: 0x21n,
        ...(withKernel ? { kernel: bytesSource('k', kernel), initrd: bytesSource('i', initrd), append } : {}),
      });
      assert.equal(hex(r.digest), refSnp(vmm, 3, 0x21n, 0xa10f10, withKernel));
      assert.equal(r.platform, vmm === 'QEMU' ? 'qemu-kvm' : vmm);
    });
  }
}

test('snp:ovmf-hash then --snp-ovmf-hash gives the full digest', async () => {
  const h = await measureOvmf({ mode: 'snp:ovmf-hash', ovmf: src() });
  const c = new Chain();
  for (let o = 0; o < SIZE; o += 4096) c.step(1, 0x1_0000_0000 - SIZE + o, image.subarray(o, o + 4096));
  assert.equal(hex(h.digest), c.ld.toString('hex'));
  const seeded = await measureOvmf({ mode: 'snp', ovmf: bytesSource('tail', image), vcpus: 2, vcpuSig: 7, snpOvmfHash: h.digest });
  assert.equal(hex(seeded.digest), refSnp('QEMU', 2, 1n, 7, false));
});

test('seves and sev: SHA-256 over firmware ‖ table ‖ VMSAs (ovmf.md §8.4, §8.5)', async () => {
  const k = { kernel: bytesSource('k', kernel), initrd: bytesSource('i', initrd), append };
  const seves = await measureOvmf({ mode: 'seves', ovmf: src(), vcpus: 2, vcpuSig: 0x800f12, guestFeatures: 0x21n, ...k });
  const want = sha256(Buffer.concat([image, refHashTable(), refVmsa('QEMU', 0xfffffff0, 0n, 0x800f12), refVmsa('QEMU', AP_EIP, 0n, 0x800f12)]));
  assert.equal(hex(seves.digest), want.toString('hex'));
  const sev = await measureOvmf({ mode: 'sev', ovmf: src(), ...k });
  assert.equal(hex(sev.digest), sha256(Buffer.concat([image, refHashTable()])).toString('hex'));
});

test('the measurement log names every step', async () => {
  const r = await measureOvmf({ mode: 'snp', ovmf: src(), vcpus: 3, vcpuSig: 1, log: true, kernel: bytesSource('k', kernel) });
  const origins = r.log!.map((e) => e.origin);
  assert.deepEqual([...new Set(origins)], [
    'OVMF firmware',
    'OVMF SNP_SEC_MEM section #0',
    'OVMF SNP_SECRETS section',
    'OVMF CPUID section',
    'OVMF SVSM_CAA section',
    'kernel hashes table (kernel, initrd, cmdline)',
    'OVMF SNP_SEC_MEM section #5',
    'VMSA vCPU 0 (BSP)',
    'VMSA vCPU 1 (AP)',
    'VMSA vCPU 2 (AP)',
  ]);
  assert.equal(r.log!.length, 2 + 2 + 1 + 1 + 1 + 1 + 1 + 3);
  assert.deepEqual(r.log![r.log!.length - 1]!.digest, r.digest);
  const noKernel = await measureOvmf({ mode: 'snp', ovmf: src(), vcpus: 1, vcpuSig: 1, log: true });
  assert.ok(noKernel.log!.some((e) => e.origin === 'OVMF SNP_KERNEL_HASHES section (no kernel: zero)' && e.pageType === 3));
});
