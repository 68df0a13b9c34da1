// First-divergence explanations on real logs from the platforms (built IGVM files), and on
// hand-made logs for the edge cases. The reasons must name the mechanism (platforms.md §6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesSource } from '../../src/core/source.js';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { igvmBuilder, type IgvmBuilder } from '../../src/images/igvm/index.js';
import { measureIgvm } from '../../src/measure/igvm.js';
import type { IgvmMeasureOptions, IgvmPlatform } from '../../src/measure/types.js';
import { firstDivergence } from '../../src/explain/divergence.js';
import { fromLogEntry, type LogStep } from '../../src/explain/entries.js';
import { analyzePortability } from '../../src/explain/portability.js';
import { diffMeasuredDocs, readMeasuredDoc } from '../../src/explain/measure-json.js';
import { filled, hex, KVM_GPA, RefChain, T, testVmsa } from '../platforms/_ref.js';

setHashProvider(nodeHashProvider);

const V = testVmsa({ marker: 1 });
const snp = (): IgvmBuilder => igvmBuilder().platform('SEV_SNP').policy(0x30000n);
async function log(b: IgvmBuilder, platform: IgvmPlatform, o: Partial<IgvmMeasureOptions> = {}): Promise<LogStep[]> {
  const r = await measureIgvm({ igvm: bytesSource('t.igvm', b.build()), platform, log: true, ...o });
  return r.log!.map(fromLogEntry);
}

test('VMSA inline at its GPA vs last at 0xFFFFFFFFF000', async () => {
  const b = snp().vpContext(KVM_GPA, 0, V).pageData(0x1000, filled(1));
  const d = firstDivergence(await log(b, 'openvmm'), await log(b, 'qemu-kvm'), 'openvmm', 'qemu-kvm')!;
  assert.equal(d.index, 0);
  assert.equal(d.kind, 'vmsa-placement');
  assert.match(d.reason, /openvmm measures the VMSA inline at its GPA 0xfffffffff000 .* qemu-kvm measures the same VMSA last at 0xfffffffff000 \(step 1\)/);
  const b2 = snp().pageData(0x1000, filled(1)).vpContext(0x4000, 0, V).pageData(0x2000, filled(2));
  const d2 = firstDivergence(await log(b2, 'kvm-vmsa-page'), await log(b2, 'cloud-hypervisor-mshv'), 'kvm-vmsa-page', 'cloud-hypervisor-mshv')!;
  assert.equal(d2.index, 1);
});

test('N−1 AP VMSAs added', async () => {
  const b = snp().pageData(0x1000, filled(1)).vpContext(KVM_GPA, 0, V);
  const d = firstDivergence(await log(b, 'qemu-kvm'), await log(b, 'qemu-kvm', { vcpus: 3, vcpuSig: 0x800f12 }), '1 vCPU', '3 vCPUs')!;
  assert.equal(d.kind, 'extra-vmsas');
  assert.equal(d.index, 2);
  assert.match(d.reason, /3 vCPUs adds 2 VMSAs at 0xfffffffff000 after the last step of 1 vCPU: one per additional vCPU/);
});

test('pages sorted by GPA', async () => {
  const b = snp().pageData(0x9000, filled(9)).pageData(0x1000, filled(1)).vpContext(0x5000, 0, V);
  const d = firstDivergence(await log(b, 'openvmm'), await log(b, 'cloud-hypervisor-mshv'), 'openvmm', 'cloud-hypervisor-mshv')!;
  assert.equal(d.kind, 'gpa-order');
  assert.match(d.reason, /cloud-hypervisor-mshv measures the remaining pages in ascending GPA order/);
});

test('parameter area measured as one page', async () => {
  const b = snp().parameterArea(0, 3 * 4096).parameterInsert(0x8000, 0).pageData(0x1000, filled(1)).vpContext(0x5000, 0, V);
  const d = firstDivergence(await log(b, 'openvmm'), await log(b, 'igvmmeasure'), 'openvmm', 'igvmmeasure')!;
  assert.equal(d.kind, 'parameter-area');
  assert.equal(d.index, 1);
  assert.match(d.reason, /openvmm measures the whole parameter area as UNMEASURED pages \(2 more after 0x8000\); igvmmeasure measures only its first page/);
});

test('shared page skipped', async () => {
  const b = snp().pageData(0x1000, filled(1)).pageData(0x2000, filled(2), { shared: true }).vpContext(0x5000, 0, V);
  const d = firstDivergence(await log(b, 'openvmm'), await log(b, 'kvm-vmsa-page'), 'openvmm', 'kvm-vmsa-page')!;
  assert.equal(d.kind, 'skipped-pages');
  assert.match(d.reason, /openvmm skips 1 page that kvm-vmsa-page measures, starting with NORMAL at 0x2000 .*shared flag/);
});

test('zero page measured as ZERO vs NORMAL; different contents; tail of extra non-VMSA steps', async () => {
  const b = snp().pageData(0x1000, null).vpContext(0x5000, 0, V);
  const d = firstDivergence(await log(b, 'igvmmeasure', { nativeZero: true }), await log(b, 'igvmmeasure'), 'native-zero', 'default')!;
  assert.equal(d.kind, 'zero-page-type');
  assert.match(d.reason, /0x1000 is measured as ZERO by native-zero .* as NORMAL with SHA-384 of a zero page by default/);
  const s = (type: number, gpa: number, contents = '00'): LogStep => ({ index: 0, gpa, type, contents, digest: '', origin: '' });
  assert.equal(firstDivergence([s(T.VMSA, 0x1000, 'aa')], [s(T.VMSA, 0x1000, 'bb')])!.kind, 'contents');
  assert.equal(firstDivergence([s(T.NORMAL, 0x1000)], [s(T.NORMAL, 0x1000), s(T.NORMAL, 0x2000)])!.kind, 'extra-steps');
  assert.equal(firstDivergence([s(T.NORMAL, 0x1000)], [s(T.NORMAL, 0x1000)]), undefined);
});

test('portability: rows, agreeing groups, explanations and the ID block per platform', async () => {
  const body = () => snp().pageData(0x1000, filled(1)).pageData(0x2000, filled(2), { shared: true }).vpContext(0x4000, 0, V);
  const inline = new RefChain().step(T.NORMAL, 0x1000, filled(1)).step(T.NORMAL, 0x2000, filled(2)).step(T.VMSA, 0x4000, V);
  const igvm = bytesSource('p.igvm', body().idBlock({ ld: new Uint8Array(inline.ld) }).build());
  const rep = await analyzePortability({ igvm, vcpus: 2, vcpuSig: 0x800f12 });
  const row = (p: string) => rep.rows.find((r) => r.platform === p)!;
  assert.match(row('qemu-kvm').error!, /^qemu-kvm: the VP context GPA is 0x4000 but KVM measures the VMSA at 0xfffffffff000/);
  assert.equal(row('kvm-vmsa-page').digest, inline.hex);
  assert.equal(row('kvm-vmsa-page').idBlock?.matches, true);
  assert.equal(row('openvmm').idBlock?.matches, false);
  const group = (p: string) => rep.groups.find((g) => g.platforms.includes(p))!.platforms;
  assert.deepEqual(group('kvm-vmsa-page'), ['igvmmeasure', 'kvm-vmsa-page', 'kvm-direct-vmsa', 'cloud-hypervisor-mshv']);
  assert.deepEqual(group('openvmm'), ['openvmm']);
  assert.deepEqual(group('cloud-hypervisor-kvm'), ['cloud-hypervisor-kvm']);
  assert.equal(rep.differences.length, 3); // openvmm ↔ the inline group, and each of them ↔ cloud-hypervisor-kvm
  const reasons = rep.differences.map((d) => d.divergence.reason);
  assert.ok(reasons.some((r) => /shared flag/.test(r)), reasons.join(' | '));
  assert.ok(reasons.some((r) => /VMSA/.test(r)), reasons.join(' | '));
  assert.equal(rep.idBlock, inline.hex);
});

test('diff of measure --json documents (tolerant reader)', () => {
  const doc = (platform: string, log: object[]) => JSON.stringify({ format: 'snp-launch.measure/1', platform, digest: hex(new Uint8Array(48).fill(platform.length)), log });
  const e = (gpa: string, type: string | number, contents = 'aa') => ({ index: 0, gpa, type, contents, digest: '', origin: '' });
  const a = readMeasuredDoc(doc('openvmm', [e('0x1000', 'NORMAL'), e('0x4000', 'VMSA', 'bb')]), 'a.json');
  const b = readMeasuredDoc(doc('qemu-kvm', [e('0x1000', 1), e('0xfffffffff000', 2, 'bb')]), 'b.json');
  const d = diffMeasuredDocs(a, b, 'A', 'B');
  assert.equal(d.same, false);
  assert.equal(d.divergence?.kind, 'vmsa-placement');
  assert.throws(() => readMeasuredDoc('{"digest":"zz"}', 'x.json'), /x\.json: digest: must be a hex string/);
  assert.throws(() => readMeasuredDoc(doc('p', [{ gpa: '0x1000', type: 'BOGUS', contents: '' }]), 'x.json'), /log\[0\]\.type/);
  assert.match(diffMeasuredDocs(readMeasuredDoc('{"digest":"aa"}', 'n'), b).note!, /has no measurement log/);
});

test('two differences at the same step: a larger parameter area and a shared page are both named', async () => {
  const b = snp().parameterArea(0, 2 * 4096).parameterInsert(0x10000, 0).pageData(0x20000, filled(2), { shared: true }).vpContext(0x4000, 0, V);
  const d = firstDivergence(await log(b, 'openvmm'), await log(b, 'igvmmeasure'), 'openvmm', 'igvmmeasure')!;
  assert.equal(d.index, 1);
  assert.match(d.reason, /openvmm measures more pages of the parameter area at 0x10000 .* than igvmmeasure, which measures only its first page; and openvmm skips NORMAL at 0x20000 .*shared flag/);
});
