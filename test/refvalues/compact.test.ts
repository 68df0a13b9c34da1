// Issue 18 item 5: the compact launch description. Checked against the reference table
// (sev-snp-measure 0.0.13 outputs: every snp row's digest is extendCompact of its variant at the
// row's vCPU count), against an independent chain (test/launch-space/_independent.ts) for 1..64
// vCPUs on every reference firmware, and its CBOR launch-configuration map is decoded with cborg
// and re-measured here by the SNP ABI from the register maps and the draft's default VMSA values
// written out below. The CLI: refvalues --format compact, measure --compact, report verify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode as cborgDecode } from 'cborg';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import type { ByteSource } from '../../src/core/source.js';
import type { SpaceImage } from '../../src/launch-space/index.js';
import { measureOvmf } from '../../src/measure/ovmf.js';
import type { OvmfMeasureOptions } from '../../src/measure/types.js';
import { compactVariants, encodeLaunchConfig, extendCompact, type CompactVariant } from '../../src/refvalues/index.js';
import { independentDigests } from '../launch-space/_independent.js';
import { RefChain, T } from '../platforms/_ref.js';
import { cliBuilt, runCli } from '../cli/_cli.js';
import { needsShared, shared, SHARED } from '../_shared.js';
import { parse, rowOptions, split } from '../ovmf/_reference-rows.js';

const PLATFORM = { QEMU: 'qemu-kvm', ec2: 'ec2', gce: 'gce' } as const;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function variantOf(o: OvmfMeasureOptions): Promise<CompactVariant> {
  const image: SpaceImage = { kind: 'ovmf', ovmf: o.ovmf, ...(o.kernel ? { kernel: o.kernel } : {}), ...(o.initrd ? { initrd: o.initrd } : {}), ...(o.append !== undefined ? { append: o.append } : {}), ...(o.snpOvmfHash ? { snpOvmfHash: o.snpOvmfHash } : {}) };
  const [v] = await compactVariants(image, { platforms: [PLATFORM[o.vmm ?? 'QEMU']], cpus: [{ sig: o.vcpuSig ?? 0 }], guestFeatures: [o.guestFeatures ?? 1n] });
  return v!;
}

test('every snp row of the reference table is extendCompact of its variant at the row\'s vCPU count', { skip: needsShared }, async () => {
  setHashProvider(nodeHashProvider);
  const rows = readFileSync(shared('vectors', 'sev-snp-measure', 'reference.tsv'), 'utf8').trim().split('\n').slice(1).map((r) => r.split('\t'));
  const snp = rows.filter(([args, exp, rc]) => rc === '0' && / --mode snp /.test(` ${args} `) && !/ (-v|--verbose|--output-format)/.test(` ${args}`) && /^[0-9a-f]{96}$/.test(exp!));
  assert.ok(snp.length > 100, `${snp.length} rows`);
  const failures: string[] = [];
  for (const [args, expected] of snp) {
    const sources: ByteSource[] = [];
    try {
      const o = (await rowOptions(parse(split(args!)), sources)) as OvmfMeasureOptions;
      const got = hex(extendCompact(await variantOf(o), o.vcpus!));
      if (got !== expected) failures.push(`${args}\n  got  ${got}\n  want ${expected}`);
    } finally {
      for (const s of sources) await s.close?.();
    }
  }
  assert.deepEqual(failures, [], failures.join('\n'));
});

/** The page-aligned OVMF images of the reference table that launch in mode snp. */
const FIRMWARE = ['fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin', 'fixtures/sev-snp-measure/ovmf_OvmfX64_suffix.bin', 'fixtures/sev-snp-measure/svsm_ovmf.fd', ...['ovmf_AmdSev_4M.bin', 'ovmf_AmdSev_eip.bin', 'ovmf_AmdSev_eipF0.bin', 'ovmf_AmdSev_htoff.bin', 'ovmf_OvmfX64_2M.bin'].map((f) => `vectors/sev-snp-measure/inputs/${f}`)];

test('extendCompact for 1..64 vCPUs equals an independent chain (QEMU) and measureOvmf (ec2, gce) on every reference firmware', { skip: needsShared, timeout: 300_000 }, async () => {
  setHashProvider(nodeHashProvider);
  const sources: ByteSource[] = [];
  try {
    for (const f of FIRMWARE) {
      const o = (await rowOptions(parse(split(`--mode snp --vcpus 1 --vcpu-type EPYC-Milan --ovmf ${f}`)), sources)) as OvmfMeasureOptions;
      const want = await independentDigests(shared(f), { sig: 0xa00f11 }, 64);
      const v = await variantOf(o);
      for (let n = 1; n <= 64; n++) assert.equal(hex(extendCompact(v, n)), want[n - 1], `${f} qemu-kvm ${n} vCPUs`);
      for (const vmm of ['ec2', 'gce'] as const) {
        const cloud = await variantOf({ ...o, vmm });
        const seed = await measureOvmf({ mode: 'snp:ovmf-hash', ovmf: o.ovmf });
        for (let n = 1; n <= 64; n++) {
          const full = await measureOvmf({ ...o, vmm, vcpus: n, snpOvmfHash: seed.digest });
          assert.equal(hex(extendCompact(cloud, n)), hex(full.digest), `${f} ${vmm} ${n} vCPUs`);
        }
      }
    }
  } finally {
    for (const s of sources) await s.close?.();
  }
});

// The draft's default VMSA values (draft text at db1988b, figure "SEV-SNP default VMSA values"),
// by CDDL key (ldtr 6, gdtr 7), and the VMSA offsets of the fields the maps use (launch-digest.md §3).
const SEG_OFF: Record<number, number> = { 0: 0x00, 1: 0x10, 2: 0x20, 3: 0x30, 4: 0x40, 5: 0x50, 6: 0x70, 7: 0x60, 8: 0x80, 9: 0x90 };
const SEG_DEF: Record<number, [number, number, number, bigint]> = {
  0: [0, 0x92, 0xffff, 0n], 1: [0xf000, 0x9b, 0xffff, 0xffff0000n], 2: [0, 0x92, 0xffff, 0n], 3: [0, 0x92, 0xffff, 0n], 4: [0, 0x92, 0xffff, 0n],
  5: [0, 0x92, 0xffff, 0n], 6: [0, 0x82, 0xffff, 0n], 7: [0, 0, 0xffff, 0n], 8: [0, 0, 0xffff, 0n], 9: [0, 0x83, 0xffff, 0n],
};
const FIELDS: Record<number, [number, number, bigint]> = {
  15: [0xca, 1, 0n], 17: [0xd0, 8, 0n], 31: [0x148, 8, 0n], 32: [0x150, 8, 0n], 33: [0x158, 8, 0x10n], 34: [0x160, 8, 0x400n], 35: [0x168, 8, 0xffff0ff0n],
  36: [0x170, 8, 2n], 37: [0x178, 8, 0xfff0n], 49: [0x1d8, 8, 0n], 63: [0x268, 8, 0x7040600070406n], 77: [0x310, 8, 0n], 81: [0x330, 8, 0n],
  91: [0x3b0, 8, 1n], 97: [0x3e8, 8, 1n], 99: [0x408, 4, 0x1f80n], 100: [0x40c, 2, 0x5555n], 102: [0x410, 2, 0x40n],
};

function pageFromMap(m: Map<number, unknown>): Buffer {
  const p = Buffer.alloc(4096);
  const put = (off: number, size: number, v: bigint) => {
    for (let i = 0; i < size; i++) p[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
  };
  for (const [k, off] of Object.entries(SEG_OFF)) {
    const s = (m.get(Number(k)) as Map<number, number | bigint> | undefined) ?? new Map();
    const d = SEG_DEF[Number(k)]!;
    [[0, 2], [2, 2], [4, 4], [8, 8]].forEach(([o, size], i) => put(off + o!, size!, BigInt(s.get(i) ?? d[i]!)));
  }
  for (const [k, [off, size, def]] of Object.entries(FIELDS)) put(off, size, m.has(Number(k)) ? BigInt(m.get(Number(k)) as number) : def);
  for (const k of m.keys()) assert.ok(k <= 9 || k in FIELDS, `the map uses key ${k}, which this test does not rebuild`);
  return p;
}

test('the CBOR launch-configuration map re-measures, from the register maps alone, to the reference digests', { skip: needsShared }, async () => {
  setHashProvider(nodeHashProvider);
  const sources: ByteSource[] = [];
  const cases: [string, string][] = [
    // Reference rows (sev-snp-measure 0.0.13): QEMU EPYC-v4 4 vCPUs, ec2 and gce (upstream tests of ovmf.md §11).
    ['--mode snp --vcpus 4 --vcpu-type EPYC-v4 --ovmf fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin --guest-features 0x21 --kernel /dev/null --initrd /dev/null', '4953b1fb416fa874980e8442b3706d345926d5f38879134e00813c5d7abcbe78eafe7b422907be0b4698e2414a631942'],
    ['--mode snp --vcpus 1 --vmm-type ec2 --ovmf fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin --guest-features 0x21 --kernel /dev/null --initrd /dev/null', '0ce9ccc06bab55eebe8abc234f3df6514883977a68a591b71052498ab52b2f1aa415db338033946ef93aa8278c0d67fb'],
    ['--mode snp --vcpus 4 --vmm-type gce --ovmf fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin --kernel /dev/null --initrd /dev/null', '5c5debf100fc339f90276e761ee1f1658d08922c3b20e2a2e6c7a6c3370b2452a15a00eae11886a93d6fd1e7ab81e29d'],
  ];
  try {
    for (const [args, want] of cases) {
      const o = (await rowOptions(parse(split(args)), sources)) as OvmfMeasureOptions;
      const bytes = encodeLaunchConfig(await variantOf(o));
      const tags: ((d: () => unknown) => unknown)[] = [];
      tags[32781] = (d) => d();
      const m = cborgDecode(bytes, { useMaps: true, tags }) as Map<number, unknown>;
      assert.deepEqual([...m.keys()].filter((k) => k !== 0), [1, 3, 4], 'baseline, bsp-vmsa, ap-vmsa');
      if (o.vmm === undefined || o.vmm === 'QEMU') assert.equal(m.get(0), 0x800f12 & 0x0fff3fff, 'fms');
      // The draft's measurement: baseline, the BSP VMSA, then the AP VMSA once per AP, at KVM's VMSA GPA.
      const c = new RefChain();
      c.ld = Buffer.from(m.get(1) as Uint8Array);
      c.step(T.VMSA, 0xfffffffff000, pageFromMap(m.get(3) as Map<number, unknown>));
      for (let i = 1; i < o.vcpus!; i++) c.step(T.VMSA, 0xfffffffff000, pageFromMap(m.get(4) as Map<number, unknown>));
      assert.equal(c.hex, want, args);
    }
  } finally {
    for (const s of sources) await s.close?.();
  }
});

test('CLI: refvalues --format compact, measure --compact --vcpus 1-64, report verify --refvalues compact.json --max-vcpus', { skip: needsShared, timeout: 180_000 }, async () => {
  cliBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'snp-compact-'));
  for (const f of [FIRMWARE[0]!, FIRMWARE[3]!]) {
    const c = join(dir, 'c.json');
    const r = await runCli(['refvalues', '--ovmf', shared(f), '--vcpu-type', 'EPYC-Genoa', '--format', 'compact', '--policy', '0x30000', '-o', c], SHARED);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(readFileSync(c, 'utf8'));
    assert.equal(doc.format, 'snp-launch.compact/1');
    const a = await runCli(['measure', '--compact', c, '--vcpus', '1-64'], SHARED);
    const b = await runCli(['measure', '--mode', 'snp', '--vcpu-type', 'EPYC-Genoa', '--ovmf', shared(f), '--vcpus', '1-64'], SHARED);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    assert.equal(a.stdout.trim().split('\n').length, 64);
    const one = await runCli(['measure', '--compact', c, '--vcpus', '7'], SHARED);
    assert.equal(one.stdout, b.stdout.split('\n')[6]!.split('\t')[1] + '\n');
  }
  // report verify: a report of 100 vCPUs passes with --max-vcpus 128, fails with --max-vcpus 64.
  const c = join(dir, 'c.json');
  const genoa = new Uint8Array(readFileSync(shared('vectors', 'attestation', 'mstav_genoa_report.bin')));
  const row = (await runCli(['measure', '--mode', 'snp', '--vcpu-type', 'EPYC-Genoa', '--ovmf', shared(FIRMWARE[3]!), '--vcpus', '100'], SHARED)).stdout.trim();
  const report = genoa.slice();
  report.set(Buffer.from(row, 'hex'), 0x90);
  report.set(Buffer.from('0000030000000000', 'hex'), 0x08); // POLICY 0x30000, as pinned
  writeFileSync(join(dir, 'r.bin'), report);
  const ok = await runCli(['report', 'verify', join(dir, 'r.bin'), '--no-cert', '--refvalues', c, '--max-vcpus', '128'], SHARED);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /PASS +refvalues +matches qemu-kvm, 100 vCPUs, vCPU type EPYC-Genoa/);
  const low = await runCli(['report', 'verify', join(dir, 'r.bin'), '--no-cert', '--refvalues', c, '--max-vcpus', '64'], SHARED);
  assert.equal(low.code, 1);
  assert.match(low.stdout, /FAIL +refvalues\.MEASUREMENT/);
});
