/**
 * libkrun (`--vmm-type krun`) against libkrunfw itself: the VMSA pages byte for byte against the four
 * dumps of utils/vmsa.h (../shared/vectors/krun), and whole launches against an independent
 * computation written here from utils/krunfw_measurement.c (e0647fa) and bin2cbundle.py — its
 * digest_blob/digest_zero/digest_vmsa order, setup_bootp's fields, 64 KiB bundle padding and ELF
 * flattening — with the PAGE_INFO chain of specs/launch-digest.md §2 (node:crypto). The VMSAs in the
 * independent chain are the dump files themselves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesSource } from '../../src/core/source.js';
import { measureKrun } from '../../src/measure/krun.js';
import { buildKrunVmsa } from '../../src/vmsa/profiles/krun.js';
import { digestsOf } from '../../src/launch-space/engine.js';
import { PTYPE, step } from '../conformance/_rules.js';
import { needsShared, shared } from '../_shared.js';
import { cliBuilt, runCli } from '../cli/_cli.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const dump = (name: string) => new Uint8Array(readFileSync(shared('vectors', 'krun', `libkrunfw_vmsa_${name}.bin`)));

test('VMSA pages equal libkrunfw vmsa.h byte for byte (SNP BP/AP with SEV_FEATURES 1, SEV-ES BP/AP with 0)', { skip: needsShared }, () => {
  for (const [name, role, f] of [['SNP_VMSA_BP', 'bsp', 1n], ['SNP_VMSA_AP', 'ap', 1n], ['VMSA_BP', 'bsp', 0n], ['VMSA_AP', 'ap', 0n]] as const) {
    const want = dump(name);
    const got = buildKrunVmsa(role, f);
    const diff = [...want.keys()].filter((i) => want[i] !== got[i]);
    assert.deepEqual(diff, [], `${name}: bytes differ at ${diff.slice(0, 8).map((i) => '0x' + i.toString(16)).join(', ')}`);
  }
  // A host with KVM_SEV_INIT2 would sync the FPU defaults into both: an explicit choice, not the default.
  assert.notEqual(hex(buildKrunVmsa('bsp', 1n, 'init2')), hex(dump('SNP_VMSA_BP')));
});

// ---- inputs: a 64 KiB qboot, a vmlinux ELF with two PT_LOAD segments and a gap, an initrd ----
const blob = (seed: number, n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);
const QBOOT = blob(1, 0x10000);
const SEG1 = blob(2, 0x23456);
const SEG2 = blob(3, 0x11111);
const GAP = 0x1000 - (0x23456 % 0x1000) + 0x3000; // segment 2 starts page-aligned after a gap
function vmlinux(): Uint8Array {
  const phoff = 0x40;
  const data1 = 0x1000;
  const data2 = data1 + SEG1.length + 0x100;
  const f = new Uint8Array(data2 + SEG2.length);
  const v = new DataView(f.buffer);
  v.setUint32(0, 0x464c457f, true);
  f[4] = 2; // ELFCLASS64
  f[5] = 1; // little endian
  v.setBigUint64(0x20, BigInt(phoff), true);
  v.setUint16(0x36, 0x38, true);
  v.setUint16(0x38, 3, true);
  const ph = (i: number, type: number, off: number, vaddr: bigint, paddr: number, size: number) => {
    const o = phoff + i * 0x38;
    v.setUint32(o, type, true);
    v.setBigUint64(o + 8, BigInt(off), true);
    v.setBigUint64(o + 0x10, vaddr, true);
    v.setBigUint64(o + 0x18, BigInt(paddr), true);
    v.setBigUint64(o + 0x20, BigInt(size), true);
  };
  ph(0, 1, data1, 0xffffffff81000000n, 0x1000000, SEG1.length);
  ph(1, 4, 0, 0n, 0, 0); // PT_NOTE: ignored
  ph(2, 1, data2, 0xffffffff81000000n + BigInt(SEG1.length + GAP), 0x1000000 + SEG1.length + GAP, SEG2.length);
  f.set(SEG1, data1);
  f.set(SEG2, data2);
  return f;
}
const INITRD = blob(4, 100_000);

// ---- the independent computation (krunfw_measurement.c) ----
const pad64k = (b: Uint8Array) => {
  const out = new Uint8Array(Math.ceil(b.length / 0x10000) * 0x10000);
  out.set(b);
  return out;
};
function bootParams(vcpus: number, ramMiB: number, ramdiskSize: number): Uint8Array {
  const b = new Uint8Array(4096);
  const v = new DataView(b.buffer);
  b[0x210] = 0xff;
  v.setUint16(0x1fe, 0xaa55, true);
  v.setUint32(0x202, 0x53726448, true);
  v.setUint32(0x230, 0x01000000, true);
  v.setUint32(0x228, 0x20000, true);
  v.setUint32(0x238, 0x200, true);
  v.setUint32(0x218, 0xa00000, true);
  v.setUint32(0x21c, ramdiskSize, true);
  v.setUint32(0x1f4, vcpus, true);
  const mem = BigInt(ramMiB) * 1024n * 1024n;
  const e = (i: number, addr: bigint, size: bigint) => {
    v.setBigUint64(0x2d0 + i * 20, addr, true);
    v.setBigUint64(0x2d0 + i * 20 + 8, size, true);
    v.setUint32(0x2d0 + i * 20 + 16, 1, true);
  };
  e(0, 0n, 0x9fc00n);
  if (mem <= 0xd0000000n) {
    e(1, 0x100000n, mem - 0x100000n + 1n);
    b[0x1e8] = 2;
  } else {
    e(1, 0x100000n, 0xd0000000n - 0x100000n);
    e(2, 0x100000000n, mem - 0xd0000000n + 1n);
    b[0x1e8] = 3;
  }
  return b;
}
function expected(vcpus: number, ramMiB: number): string {
  let ld: Uint8Array = new Uint8Array(48);
  const blobAt = (data: Uint8Array, gpa: number) => {
    for (let i = 0; i < data.length; i += 4096) ld = step(ld, PTYPE.NORMAL, BigInt(gpa + i), data.subarray(i, i + 4096));
  };
  const kernel = new Uint8Array(SEG1.length + GAP + SEG2.length);
  kernel.set(SEG1);
  kernel.set(SEG2, SEG1.length + GAP);
  const initrd = pad64k(INITRD);
  blobAt(pad64k(QBOOT), 0xffff0000);
  blobAt(pad64k(kernel), 0x1000000);
  blobAt(initrd, 0xa00000);
  blobAt(bootParams(vcpus, ramMiB, initrd.length), 0x7000);
  ld = step(ld, PTYPE.ZERO, 0n);
  ld = step(ld, PTYPE.SECRETS, 0x5000n);
  ld = step(ld, PTYPE.CPUID, 0x6000n);
  for (let g = 0x8000; g < 0xf000; g += 0x1000) ld = step(ld, PTYPE.ZERO, BigInt(g));
  ld = step(ld, PTYPE.VMSA, 0xfffffffff000n, dump('SNP_VMSA_BP'));
  for (let i = 1; i < vcpus; i++) ld = step(ld, PTYPE.VMSA, 0xfffffffff000n, dump('SNP_VMSA_AP'));
  return hex(ld);
}

const sources = () => ({ qboot: bytesSource('bios.bin', QBOOT), kernel: bytesSource('vmlinux', vmlinux()), initrd: bytesSource('initrd', INITRD) });

test('krun launches equal the independent krunfw_measurement.c computation (1/2/4 vCPUs, RAM below and above the MMIO hole)', { skip: needsShared }, async () => {
  for (const [vcpus, ram] of [[1, 2048], [2, 2048], [4, 4096], [1, 512]] as const) {
    const r = await measureKrun({ ...sources(), vcpus, ramMiB: ram });
    assert.equal(hex(r.digest), expected(vcpus, ram), `${vcpus} vCPUs, ${ram} MiB`);
  }
  // A flattened kernel with its load address gives the same launch as the ELF.
  const flat = new Uint8Array(SEG1.length + GAP + SEG2.length);
  flat.set(SEG1);
  flat.set(SEG2, SEG1.length + GAP);
  const r = await measureKrun({ ...sources(), kernel: bytesSource('flat', flat), kernelGpa: 0x1000000, vcpus: 2, ramMiB: 2048 });
  assert.equal(hex(r.digest), expected(2, 2048));
  await assert.rejects(measureKrun({ ...sources(), kernel: bytesSource('flat', flat), vcpus: 1, ramMiB: 2048 }), /--kernel-gpa/);
  await assert.rejects(measureKrun({ ...sources(), qboot: bytesSource('big', new Uint8Array(0x10001)), vcpus: 1, ramMiB: 2048 }), /64 KiB/);
});

test('the launch-space layer extends one krun prefix to every vCPU count (match, refvalues)', { skip: needsShared }, async () => {
  const s = sources();
  const space = { platforms: ['krun' as const], vcpus: [1, 2, 3, 8], vcpuSigs: [0], guestFeatures: [1n], kvm: ['legacy' as const], vmsaGpas: [0xfffffffff000], kernelHashes: [false], cloudRdx: [0x600] };
  const rows = await digestsOf({ kind: 'krun', qboot: s.qboot, kernel: s.kernel, initrd: s.initrd, ramMiB: 2048 }, space);
  assert.deepEqual(rows.map((r) => r.cell.vcpus), [1, 2, 3, 8]);
  for (const r of rows) assert.equal(hex(r.digest), expected(r.cell.vcpus, 2048), `${r.cell.vcpus} vCPUs`);
});

test('CLI: measure --vmm-type krun, --vcpus lists, match --krun, refvalues --krun', { skip: needsShared }, async () => {
  cliBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'krun-'));
  writeFileSync(join(dir, 'bios.bin'), QBOOT);
  writeFileSync(join(dir, 'vmlinux'), vmlinux());
  writeFileSync(join(dir, 'initrd'), INITRD);
  const img = ['--qboot', 'bios.bin', '--kernel', 'vmlinux', '--initrd', 'initrd', '--ram', '2048'];
  const r = await runCli(['measure', '--vmm-type', 'krun', ...img, '--vcpus', '2'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, expected(2, 2048) + '\n');
  const list = await runCli(['measure', '--krun', ...img, '--vcpus', '1-3'], dir);
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stdout, [1, 2, 3].map((n) => `${n}\t${expected(n, 2048)}`).join('\n') + '\n');
  const m = await runCli(['match', '--measurement', expected(3, 2048), '--krun', ...img, '--vcpus', '1-8'], dir);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /krun, 3 vCPUs/);
  // Long commands may be wrapped with a backslash-newline.
  assert.match(m.stdout.replace(/ \\\n\s+/g, ' '), /snp-launch measure --vmm-type krun --qboot bios\.bin --kernel vmlinux --initrd initrd --ram 2048 --vcpus 3/);
  const rv = await runCli(['refvalues', '--krun', ...img, '--vcpus', '1-2'], dir);
  assert.equal(rv.code, 0, rv.stderr);
  assert.deepEqual(JSON.parse(rv.stdout).cells.map((c: { platform: string; vcpus: number; measurement: string }) => [c.platform, c.vcpus, c.measurement]), [['krun', 1, expected(1, 2048)], ['krun', 2, expected(2, 2048)]]);
  const bad = await runCli(['measure', '--vmm-type', 'krun', ...img, '--vcpu-type', 'EPYC-v4'], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /RDX 0/);
});
