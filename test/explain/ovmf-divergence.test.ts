// First-divergence explanations between OVMF launches on the three VMM types (specs/ovmf.md §8.1,
// §9): the images are built with the OVMF builder and measured with a log; the expected step
// indices come from the builder's section table (AMDSEV_SECTIONS, ovmf.md §5.3), not from the
// library's output. The reasons must name the real mechanism: EC2's CPUID page last, GCE's
// UNMEASURED SNP_SEC_MEM, each VMM's VMSA register profile, one VMSA per vCPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesSource } from '../../src/core/source.js';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { AMDSEV_SECTIONS, buildOvmfImage, type OvmfBuildOptions } from '../../src/images/ovmf/builder.js';
import { SectionType } from '../../src/images/ovmf/metadata.js';
import { measureOvmf } from '../../src/measure/ovmf.js';
import type { VmmType } from '../../src/measure/types.js';
import { firstDivergence } from '../../src/explain/divergence.js';
import { fromLogEntry, type LogStep } from '../../src/explain/entries.js';
import { cliBuilt, runCli } from '../cli/_cli.js';
import { T } from '../platforms/_ref.js';

setHashProvider(nodeHashProvider);

const EPYC_V4 = 0x800f12;
async function log(vmm: VmmType, o: { vcpus?: number; vcpuSig?: number; image?: OvmfBuildOptions } = {}): Promise<LogStep[]> {
  const img = buildOvmfImage(o.image);
  const r = await measureOvmf({ mode: 'snp', ovmf: bytesSource('OVMF.fd', img), vmm, vcpus: o.vcpus ?? 1, vcpuSig: o.vcpuSig ?? EPYC_V4, log: true });
  return r.log!.map(fromLogEntry);
}

// Step indices in the default 16 KiB image: 4 firmware pages, then the metadata pages in order.
const FIRMWARE_PAGES = 16 * 1024 / 4096;
const pagesOf = (s: { size: number; type: number }) => (s.type === SectionType.SNP_SECRETS || s.type === SectionType.CPUID ? 1 : s.size / 4096);
const CPUID_INDEX = AMDSEV_SECTIONS.findIndex((s) => s.type === SectionType.CPUID);
const CPUID_STEP = FIRMWARE_PAGES + AMDSEV_SECTIONS.slice(0, CPUID_INDEX).reduce((n, s) => n + pagesOf(s), 0);
const VMSA_STEP = FIRMWARE_PAGES + AMDSEV_SECTIONS.reduce((n, s) => n + pagesOf(s), 0);
const CPUID_GPA = AMDSEV_SECTIONS[CPUID_INDEX]!.gpa;
const SEC_MEM_PAGES = AMDSEV_SECTIONS.filter((s) => s.type === SectionType.SNP_SEC_MEM).reduce((n, s) => n + s.size / 4096, 0);

test('qemu-kvm vs ec2: EC2 measures the CPUID page after the other metadata pages (not a GPA sort), then the VMSA profiles differ', async () => {
  const d = firstDivergence(await log('QEMU'), await log('ec2'), 'qemu-kvm', 'ec2')!;
  assert.equal(d.kind, 'moved-step');
  assert.equal(d.index, CPUID_STEP);
  assert.equal(d.a!.type, T.CPUID);
  assert.equal(d.a!.gpa, CPUID_GPA);
  assert.match(d.reason, new RegExp(`^ec2 measures the CPUID page at 0x${CPUID_GPA.toString(16)} after all other OVMF metadata pages \\(step ${VMSA_STEP - 1}\\), qemu-kvm in metadata order \\(step ${CPUID_STEP}\\)`));
  assert.doesNotMatch(d.reason, /ascending GPA order|Cloud Hypervisor/);
  // Re-aligned after the move: the BSP VMSA, with ec2's CS/SS/TR attributes, RDX 0x600 and MXCSR/FCW 0.
  assert.equal(d.further?.length, 1);
  const v = d.further![0]!;
  assert.equal(v.kind, 'vmsa-profile');
  assert.equal(v.index, VMSA_STEP);
  for (const f of ['CS.attrib 0x9b / 0x9a', 'SS.attrib 0x93 / 0x92', 'TR.attrib 0x8b / 0x83', 'RDX the vCPU signature / 0x600', 'MXCSR 0x1f80 / 0x0', 'X87_FCW 0x37f / 0x0']) {
    assert.ok(v.reason.includes(f), `${f} in: ${v.reason}`);
  }
  assert.doesNotMatch(v.reason, /G_PAT/);
  assert.ok(d.reason.endsWith(`; further on, at step ${VMSA_STEP}: ${v.reason}`));
  // With 4 vCPUs the three AP VMSAs after it differ as well, and nothing else does.
  const d4 = firstDivergence(await log('QEMU', { vcpus: 4 }), await log('ec2', { vcpus: 4 }), 'qemu-kvm', 'ec2')!;
  assert.equal(d4.further?.length, 1);
  assert.match(d4.further![0]!.reason, /; the 3 VMSAs after it at the same GPA differ too$/);
});

test('qemu-kvm vs gce: SNP_SEC_MEM measured as UNMEASURED instead of ZERO, then G_PAT, RDX and MXCSR/FCW', async () => {
  const d = firstDivergence(await log('QEMU'), await log('gce'), 'qemu-kvm', 'gce')!;
  assert.equal(d.kind, 'sec-mem-type');
  assert.equal(d.index, FIRMWARE_PAGES);
  assert.deepEqual([d.a!.type, d.b!.type], [T.ZERO, T.UNMEASURED]);
  assert.match(d.reason, new RegExp(`^the OVMF SNP_SEC_MEM pages \\(${SEC_MEM_PAGES} pages, the first at 0x800000\\) are measured as ZERO by qemu-kvm but as UNMEASURED by gce: GCE measures SNP_SEC_MEM sections as UNMEASURED pages`));
  // Every SEC_MEM section is skipped over; the next difference is the VMSA.
  const v = d.further![0]!;
  assert.equal(v.kind, 'vmsa-profile');
  assert.equal(v.index, VMSA_STEP);
  for (const f of ['G_PAT 0x7040600070406 / 0x70106', 'RDX the vCPU signature / 0x600', 'MXCSR 0x1f80 / 0x0', 'X87_FCW 0x37f / 0x0']) assert.ok(v.reason.includes(f), `${f} in: ${v.reason}`);
  assert.doesNotMatch(v.reason, /CS\.attrib|SS\.attrib|TR\.attrib/);
});

test('ec2 vs gce: SEC_MEM type, then the CPUID move (with the SEC_MEM difference in between), then the VMSA', async () => {
  const d = firstDivergence(await log('ec2'), await log('gce'), 'ec2', 'gce')!;
  assert.deepEqual([d.kind, ...d.further!.map((f) => f.kind)], ['sec-mem-type', 'moved-step', 'vmsa-profile']);
  assert.match(d.further![0]!.reason, /^ec2 measures the CPUID page .* after all other OVMF metadata pages/);
  const v = d.further![1]!.reason;
  for (const f of ['CS.attrib 0x9a / 0x9b', 'SS.attrib 0x92 / 0x93', 'TR.attrib 0x83 / 0x8b', 'G_PAT 0x7040600070406 / 0x70106']) assert.ok(v.includes(f), `${f} in: ${v}`);
  assert.doesNotMatch(v, /RDX|MXCSR|X87_FCW/, 'both use RDX 0x600 and MXCSR/FCW 0');
});

test('only the VMSA differs (an image without CPUID and SEC_MEM sections): the profile is the first divergence', async () => {
  const image = { sections: [{ gpa: 0x80d000, size: 0x1000, type: SectionType.SNP_SECRETS }] };
  const d = firstDivergence(await log('QEMU', { image }), await log('ec2', { image }), 'A', 'B', { platformA: 'qemu-kvm', platformB: 'ec2' })!;
  assert.equal(d.kind, 'vmsa-profile');
  assert.equal(d.index, FIRMWARE_PAGES + 1);
  assert.match(d.reason, /the BSP VMSA at 0xfffffffff000 has different contents because A and B build the reset-state VMSA from different register profiles \(QEMU vs ec2/);
  // Same VMM, other vCPU signature: no profile to blame, the register state differs.
  const s = firstDivergence(await log('QEMU', { image }), await log('QEMU', { image, vcpuSig: 0xa00f11 }), 'EPYC-v4', 'EPYC-Milan')!;
  assert.equal(s.kind, 'contents');
  assert.match(s.reason, /different register state or sev_features, e\.g\. another --vcpu-type/);
});

test('1 vs 4 vCPUs: three AP VMSAs added, one per additional vCPU', async () => {
  for (const vmm of ['QEMU', 'ec2', 'gce'] as const) {
    const d = firstDivergence(await log(vmm), await log(vmm, { vcpus: 4 }), '1 vCPU', '4 vCPUs')!;
    assert.equal(d.kind, 'extra-vmsas', vmm);
    assert.equal(d.index, VMSA_STEP + 1, vmm);
    assert.match(d.reason, /^4 vCPUs adds 3 VMSAs at 0xfffffffff000 after the last step of 1 vCPU: one per additional vCPU \(every vCPU's VMSA is measured .*SEV-ES reset-block EIP/, vmm);
  }
});

test('ordering: "another order" only when the remaining steps are the same set', () => {
  const s = (gpa: number, c: string): LogStep => ({ index: 0, gpa, type: T.NORMAL, contents: c, digest: '', origin: '' });
  const a = [s(0x1000, '01'), s(0x2000, '02'), s(0x3000, '03'), s(0x4000, 'aa')];
  const sameSet = firstDivergence(a, [s(0x3000, '03'), s(0x2000, '02'), s(0x1000, '01'), s(0x4000, 'aa')])!;
  assert.equal(sameSet.kind, 'gpa-order');
  assert.match(sameSet.reason, /^A measures the remaining pages in ascending GPA order/);
  const other = firstDivergence(a, [s(0x3000, '03'), s(0x2000, '02'), s(0x1000, '01'), s(0x4000, 'bb')])!;
  assert.equal(other.kind, 'different');
  assert.doesNotMatch(other.reason, /ascending GPA order/);
  // One page moved and the rest different: the move, not a sort.
  const mv = firstDivergence(a, [s(0x2000, '02'), s(0x1000, '01'), s(0x3000, '03'), s(0x4000, 'bb')])!;
  assert.equal(mv.kind, 'moved-step');
  assert.match(mv.reason, /^B measures NORMAL at 0x1000 later \(step 1\)/);
  assert.equal(mv.further?.[0]?.kind, 'contents');
});

test('snp-launch diff on measure --log --json of qemu-kvm and ec2 names the CPUID rule and the VMSA registers', async () => {
  cliBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'snp-ovmf-diff-'));
  writeFileSync(join(dir, 'OVMF.fd'), buildOvmfImage());
  const m = (vmm: string) => runCli(['measure', '--mode', 'snp', '--vcpus', '1', '--vcpu-type', 'EPYC-v4', '--vmm-type', vmm, '--ovmf', 'OVMF.fd', '--log', '--json'], dir);
  const [q, e] = await Promise.all([m('QEMU'), m('ec2')]);
  assert.equal(q.code, 0, q.stderr);
  assert.equal(e.code, 0, e.stderr);
  writeFileSync(join(dir, 'q.json'), q.stdout);
  writeFileSync(join(dir, 'e.json'), e.stdout);
  const r = await runCli(['diff', 'q.json', 'e.json', '--wide'], dir);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, new RegExp(`First diverging step: ${CPUID_STEP}\\n`));
  assert.match(r.stdout, /why: ec2 measures the CPUID page at 0x80e000 after all other OVMF metadata pages/);
  assert.match(r.stdout, /register profiles \(QEMU vs ec2.*CS\.attrib 0x9b \/ 0x9a/);
  assert.doesNotMatch(r.stdout, /ascending GPA order/);
});
