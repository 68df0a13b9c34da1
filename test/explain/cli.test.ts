// `snp-launch portability` and `snp-launch diff` through the built CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { igvmBuilder } from '../../src/images/igvm/index.js';
import { cliBuilt, runCli } from '../cli/_cli.js';
import { filled, KVM_GPA, RefChain, T, testVmsa } from '../platforms/_ref.js';

const dir = mkdtempSync(join(tmpdir(), 'snp-port-'));
const V = testVmsa({ marker: 4 });
// A file every platform can launch: VMSA last at KVM's GPA, no shared page, small parameter area.
writeFileSync(join(dir, 'kvm.igvm'), igvmBuilder().platform('SEV_SNP').policy(0x30000n).pageData(0x1000, filled(1)).pageData(0x2000, null).vpContext(KVM_GPA, 0, V).build());
// One with a shared page and the VMSA inside guest memory.
writeFileSync(join(dir, 'hv.igvm'), igvmBuilder().platform('SEV_SNP').pageData(0x1000, filled(1)).vpContext(0x2000, 0, V).pageData(0x3000, filled(3), { shared: true }).build());

test('portability: all agree (exit 0) with one vCPU; qemu-kvm splits off with four vCPUs (exit 1)', async () => {
  cliBuilt();
  // The six platforms that measure a data-less page as NORMAL (cloud-hypervisor-kvm measures it as
  // ZERO); listed as a comma list plus a repeat.
  const six = ['--platform', 'openvmm,igvmmeasure,qemu-kvm,kvm-vmsa-page', '--platform', 'kvm-direct-vmsa,cloud-hypervisor-mshv'];
  const one = await runCli(['portability', '--igvm', 'kvm.igvm', ...six], dir);
  assert.equal(one.code, 0, one.stdout + one.stderr);
  const want = new RefChain().step(T.NORMAL, 0x1000, filled(1)).step(T.NORMAL, 0x2000).step(T.VMSA, KVM_GPA, V).hex;
  assert.match(one.stdout, /All 6 platforms that can launch it agree \(A\):\n {2}A [0-9a-f]{96}\n/);
  // Rows show a short digest within 100 columns; the group line, and every row with --wide, the whole.
  assert.equal(one.stdout.split(want).length - 1, 1);
  assert.equal(one.stdout.split(`A  ${want.slice(0, 16)}…`).length - 1, 6);
  for (const l of one.stdout.split('\n')) assert.ok([...l].length <= 100, l);
  assert.equal((await runCli(['portability', '--igvm', 'kvm.igvm', ...six, '--wide'], dir)).stdout.split(want).length - 1, 7);
  const listed = await runCli(['portability', '--igvm', 'kvm.igvm', '--platform', 'openvmm,qemu-kvm', '--platform', 'igvmmeasure'], dir);
  assert.match(listed.stdout, /All 3 platforms that can launch it agree/, 'a comma list and a repeat add up');
  const all = await runCli(['portability', '--igvm', 'kvm.igvm'], dir);
  assert.equal(all.code, 1, 'cloud-hypervisor-kvm (KVM rebuilds the VMSA, data-less pages are ZERO) parts from the six');
  assert.match(all.stdout, /measured as ZERO\s+by\s+cloud-hypervisor-kvm/);
  const four = await runCli(['portability', '--igvm', 'kvm.igvm', '--vcpus', '4', '--vcpu-type', 'EPYC-v4', '--native-zero'], dir);
  assert.equal(four.code, 1);
  assert.match(four.stdout, /qemu-kvm adds 3 VMSAs at 0xfffffffff000/);
  assert.match(four.stdout, /measured as ZERO by igvmmeasure --native-zero/);
  const json = JSON.parse((await runCli(['portability', '--igvm', 'hv.igvm', ...six, '--json'], dir)).stdout);
  assert.equal(json.format, 'snp-launch.portability/1');
  const qemu = json.rows.find((r: { platform: string }) => r.platform === 'qemu-kvm');
  assert.match(qemu.error, /qemu-kvm: the VP context GPA is 0x2000 but KVM measures the VMSA at 0xfffffffff000/);
  assert.equal(json.groups.length, 2);
  assert.match(json.differences[0].divergence.reason, /shared flag/);
  const bad = await runCli(['portability', '--igvm', 'missing.igvm'], dir);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^Error: missing\.igvm: no such file/);
  assert.equal((await runCli(['portability'], dir)).code, 2);
});

test('diff of two measure --log --json outputs explains the first divergence', async () => {
  cliBuilt();
  for (const p of ['openvmm', 'qemu-kvm', 'igvmmeasure']) {
    const r = await runCli(['measure', '--igvm', 'kvm.igvm', '--platform', p, '--log', '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    writeFileSync(join(dir, `${p}.json`), r.stdout);
  }
  const d = await runCli(['diff', 'openvmm.json', 'qemu-kvm.json'], dir);
  assert.equal(d.code, 0, 'this file has the same digest on both');
  assert.match(d.stdout, /The launch digests are equal\./);
  const r4 = await runCli(['measure', '--igvm', 'kvm.igvm', '--platform', 'qemu-kvm', '--vcpus', '2', '--vcpu-type', 'EPYC-Milan', '--log', '--json'], dir);
  writeFileSync(join(dir, 'q2.json'), r4.stdout);
  const d2 = await runCli(['diff', 'igvmmeasure.json', 'q2.json'], dir);
  assert.equal(d2.code, 1);
  assert.match(d2.stdout, /First diverging step: 3/);
  assert.match(d2.stdout, /^A: igvmmeasure\.json \(igvmmeasure\)\n {3}[0-9a-f]{96}\nB: q2\.json \(qemu-kvm\)\n/);
  assert.match(d2.stdout, /qemu-kvm adds 1 VMSA at 0xfffffffff000/);
  const j = JSON.parse((await runCli(['diff', '--json', 'igvmmeasure.json', 'q2.json'], dir)).stdout);
  assert.equal(j.divergence.kind, 'extra-vmsas');
  writeFileSync(join(dir, 'junk.json'), '{"digest": 5}');
  const junk = await runCli(['diff', 'junk.json', 'q2.json'], dir);
  assert.equal(junk.code, 1);
  assert.match(junk.stderr, /^Error: junk\.json: digest: must be a hex string/);
  assert.equal((await runCli(['diff', 'junk.json'], dir)).code, 2);
});
