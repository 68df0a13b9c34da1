// `igvm build` says the vCPU count it built for (text and JSON `vcpus`), and `igvm inspect` shows on
// which (platform, vCPU count) launches the embedded ID block's launch digest holds (issue 17 item 1).
// What inspect lists is re-measured with `measure --igvm` (whose digests test/portable checks against
// an independent chain and the sev-snp-measure reference): listed launches give the LD, others not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { needsShared, shared } from '../_shared.js';
import { cliBuilt, runCli } from '../cli/_cli.js';

const FX = () => shared('fixtures', 'sev-snp-measure');
const dir = mkdtempSync(join(tmpdir(), 'idb-launches-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function ok(args: string[]): Promise<string> {
  const r = await runCli(args, dir);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('built for 1 vCPU on six platforms: the ID block holds for every count except qemu-kvm > 1', { skip: needsShared, timeout: 120_000 }, async () => {
  cliBuilt();
  const ovmf = join(FX(), 'ovmf_AmdSev_suffix.bin');
  const keys = ['--id-key', join(FX(), 'id_key_test.pem'), '--author-key', join(FX(), 'author_key_test.pem')];
  const out = join(dir, 'six.igvm');
  const text = await ok(['igvm', 'build', '--ovmf', ovmf, '--vcpu-type', 'EPYC-v4', ...keys, '-o', out]);
  assert.match(text, /^built for 1 vCPU: qemu-kvm measures the count/m);
  const doc = JSON.parse(await ok(['igvm', 'inspect', out, '--json']));
  const ld: string = doc.idBlocks[0].ld;
  const l = doc.idBlockLaunches[0];
  assert.equal(l.ld, ld);
  const by = Object.fromEntries(l.platforms.map((p: { platform: string; vcpusText: string }) => [p.platform, p.vcpusText]));
  assert.deepEqual(by, { openvmm: '1-512', igvmmeasure: '1-512', 'qemu-kvm': '1', 'kvm-vmsa-page': '1-512', 'kvm-direct-vmsa': '1-512', 'cloud-hypervisor-mshv': '1-512' });
  const shown = await ok(['igvm', 'inspect', out]);
  assert.match(shown, /launch digest matches on \(vCPUs 1-512 searched\):\n {4}openvmm: 1-512 vCPUs\n/);
  assert.match(shown, /\n {4}qemu-kvm: 1 vCPU\n/);
  // What inspect says, measured: qemu-kvm with 2 vCPUs does not give ld, openvmm with 7 does.
  const m = async (p: string, n: string) => (await ok(['measure', '--igvm', out, '--platform', p, '--vcpus', n, '--vcpu-type', 'EPYC-v4'])).trim();
  assert.equal(await m('openvmm', '7'), ld);
  assert.equal(await m('qemu-kvm', '1'), ld);
  assert.notEqual(await m('qemu-kvm', '2'), ld);
  // refvalues on qemu-kvm: AP VMSAs (more than one vCPU) need the vCPU signature, one vCPU does not.
  const rv2 = await runCli(['refvalues', '--igvm', out, '--platform', 'qemu-kvm', '--vcpus', '1-2'], dir);
  assert.equal(rv2.code, 2, rv2.stderr);
  assert.match(rv2.stderr, /--vcpu-type/);
  assert.equal(JSON.parse(await ok(['refvalues', '--igvm', out, '--platform', 'qemu-kvm', '--vcpus', '1'])).cells[0].measurement, ld);
});

test('built for 4 vCPUs on qemu-kvm: JSON vcpus 4, and the ID block holds for 4 vCPUs with the EPYC-v4 signature only', { skip: needsShared, timeout: 120_000 }, async () => {
  cliBuilt();
  const out = join(dir, 'q4.igvm');
  const args = ['igvm', 'build', '--ovmf', join(FX(), 'ovmf_AmdSev_suffix.bin'), '--vcpu-type', 'EPYC-v4', '--vcpus', '4', '--for', 'qemu-kvm', '--id-key', join(FX(), 'id_key_test.pem'), '-o', out, '--json'];
  const built = JSON.parse(await ok(args));
  assert.equal(built.vcpus, 4);
  const l = JSON.parse(await ok(['igvm', 'inspect', out, '--json'])).idBlockLaunches[0];
  assert.equal(l.platforms.length, 1);
  assert.equal(l.platforms[0].platform, 'qemu-kvm');
  assert.deepEqual(l.platforms[0].vcpus, [4]);
  assert.match(l.platforms[0].apSignatures.join(' '), /^0x00800f12 \(.*EPYC-v4/);
  const q = (n: string, t: string) => ok(['measure', '--igvm', out, '--platform', 'qemu-kvm', '--vcpus', n, '--vcpu-type', t]);
  assert.equal((await q('4', 'EPYC-v4')).trim(), l.ld);
  assert.notEqual((await q('4', 'EPYC-Milan')).trim(), l.ld);
  assert.notEqual((await q('3', 'EPYC-v4')).trim(), l.ld);
  assert.match(await ok(['igvm', 'inspect', out]), /qemu-kvm: 4 vCPUs \(AP signature 0x00800f12 \(/);
});
