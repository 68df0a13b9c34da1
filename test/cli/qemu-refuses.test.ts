// Launches QEMU refuses are named (issue 17 item 2): `measure` keeps the reference's stdout and adds
// one stderr line, `match` says it in its answer, `refvalues` and `igvm build` refuse such firmware
// unless --allow-nonlaunchable. Firmware: Debian's OVMF_CODE_4M.fd (no SEV metadata; skipped when
// the `ovmf` package is not installed) and small images with an AP reset address 0 or a zero-size
// section. Digests are recomputed here with node:crypto (specs/ovmf.md §7.1, §8.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { buildOvmfImage, AMDSEV_SECTIONS } from '../../src/images/ovmf/builder.js';
import { needsShared, shared } from '../_shared.js';
import { assertOneLineError, cliBuilt, pool, runCli } from './_cli.js';
import { RefChain, T } from '../platforms/_ref.js';
import { qemuVmsa } from '../ovmf/_qemu-vmsa.js';

const DEBIAN_4M = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const noDebian = existsSync(DEBIAN_4M) ? false : `${DEBIAN_4M} is absent (install Debian's ovmf package)`;
const dir = mkdtempSync(join(tmpdir(), 'qemu-refuses-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('Debian OVMF_CODE_4M.fd (no SEV metadata): measure prints the reference digest and one warning line', { skip: noDebian }, async () => {
  cliBuilt();
  const fw = readFileSync(DEBIAN_4M);
  const n = fw.length;
  // The reset block is the top footer entry: u16 size 22 + its GUID right below the footer at N-50.
  assert.equal(fw.subarray(n - 66, n - 50).toString('hex'), 'de71f7007e1acb4f890e68c77e2fb44e');
  const apEip = fw.readUInt32LE(n - 72);
  // The reference: firmware pages, no metadata pages (no OVMF_SEV_META_DATA entry: an empty list), VMSAs.
  const c = new RefChain().range(T.NORMAL, 0x1_0000_0000 - n, n / 4096, fw);
  c.step(T.VMSA, 0xfffffffff000, qemuVmsa(0xfffffff0, 1n, 0x800f12)).step(T.VMSA, 0xfffffffff000, qemuVmsa(apEip, 1n, 0x800f12));
  const want = c.hex;

  const r = await runCli(['measure', '--mode', 'snp', '--vcpus', '2', '--vcpu-type', 'EPYC-v4', '--ovmf', DEBIAN_4M], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, want + '\n');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^snp-launch measure: warning: QEMU refuses this launch: no SEV metadata in the firmware .*"Failed to locate SEV metadata header"/);

  // A list of counts: the same digest for 2, and the same one line.
  const range = await runCli(['measure', '--mode', 'snp', '--vcpus', '1-2', '--vcpu-type', 'EPYC-v4', '--ovmf', DEBIAN_4M], dir);
  assert.equal(range.code, 0, range.stderr);
  assert.match(range.stdout, new RegExp(`\\n2\\t${want}\\n$`));
  assert.equal(range.stderr, lines[0] + '\n');

  const j = await runCli(['measure', '--mode', 'snp', '--vcpus', '2', '--vcpu-type', 'EPYC-v4', '--ovmf', DEBIAN_4M, '--json'], dir);
  const doc = JSON.parse(j.stdout);
  assert.equal(doc.digest, want);
  assert.equal(doc.launchable.platform, 'qemu-kvm');
  assert.equal(doc.launchable.ok, false);
  assert.match(doc.launchable.reasons[0], /no SEV metadata/);

  // match names it in its answer, text and JSON.
  const m = await runCli(['match', '--measurement', want, '--ovmf', DEBIAN_4M, '--platform', 'qemu-kvm', '--vcpus', '2', '--vcpu-type', 'EPYC-v4', '--kvm', 'init2'], dir);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /\n {3}QEMU refuses this launch: no SEV metadata in the firmware/);
  const mj = await runCli(['match', '--measurement', want, '--ovmf', DEBIAN_4M, '--platform', 'qemu-kvm', '--vcpus', '2', '--vcpu-type', 'EPYC-v4', '--kvm', 'init2', '--json'], dir);
  const md = JSON.parse(mj.stdout);
  assert.equal(md.matches[0].launchable.ok, false);
  assert.match(md.matches[0].launchable.reasons[0], /no SEV metadata/);

  // refvalues and igvm build refuse it with the reason, unless --allow-nonlaunchable.
  const rv = ['refvalues', '--ovmf', DEBIAN_4M, '--vcpus', '2', '--vcpu-type', 'EPYC-v4'];
  const refused = await runCli(rv, dir);
  assert.equal(refused.code, 1);
  assert.match(assertOneLineError(refused, 'refvalues'), /OVMF_CODE_4M\.fd: QEMU refuses SNP launches of this firmware: no SEV metadata.*--allow-nonlaunchable/);
  const allowed = await runCli([...rv, '--allow-nonlaunchable'], dir);
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.equal(JSON.parse(allowed.stdout).cells[0].measurement, want);
  const ib = await runCli(['igvm', 'build', '--ovmf', DEBIAN_4M, '--vcpu-type', 'EPYC-v4', '-o', join(dir, 'd.igvm')], dir);
  assert.equal(ib.code, 1);
  assert.match(assertOneLineError(ib, 'igvm build'), /QEMU refuses SNP launches of this firmware: no SEV metadata.*--allow-nonlaunchable/);
  assert.equal(existsSync(join(dir, 'd.igvm')), false, 'nothing is written');
});

test('AP reset address 0 and a zero-size section: named by measure and match; refvalues refuses', async () => {
  cliBuilt();
  const eip0 = join(dir, 'eip0.fd');
  writeFileSync(eip0, buildOvmfImage({ size: 16384, resetEip: 0 }));
  const zero = join(dir, 'zero.fd');
  writeFileSync(zero, buildOvmfImage({ size: 16384, sections: [...AMDSEV_SECTIONS.slice(0, 6), { gpa: 0x811000, size: 0, type: 1 }] }));
  const cases: [string, RegExp][] = [
    [eip0, /QEMU refuses this launch: AP reset address 0 in the SEV-ES reset block \(where the APs would start; QEMU: "SEV-ES reset address is zero"\)/],
    [zero, /QEMU refuses this launch: SEV metadata section #6 \(SNP_SEC_MEM\) has size 0.*"Failed to add metadata page"/],
  ];
  await pool(cases, async ([file, re]) => {
    const r = await runCli(['measure', '--mode', 'snp', '--vcpus', '2', '--vcpu-sig', '0', '--ovmf', file], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^[0-9a-f]{96}\n$/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
    const m = await runCli(['match', '--measurement', r.stdout.trim(), '--ovmf', file, '--platform', 'qemu-kvm', '--vcpus', '2', '--vcpu-sig', '0', '--kvm', 'init2', '--wide'], dir);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, re);
    const rv = await runCli(['refvalues', '--ovmf', file, '--vcpus', '2', '--vcpu-sig', '0'], dir);
    assert.equal(rv.code, 1, rv.stderr);
  }, 2);
  // SEV (no VMSAs, no metadata) and another VMM: QEMU's rules are not applied.
  const sev = await runCli(['measure', '--mode', 'sev', '--ovmf', eip0], dir);
  assert.equal(sev.stderr, '');
  const ec2 = await runCli(['measure', '--mode', 'snp', '--vcpus', '2', '--vmm-type', 'ec2', '--ovmf', zero], dir);
  assert.equal(ec2.code, 0, ec2.stderr);
  assert.equal(ec2.stderr, '');
});

test('match: no --kernel advice for a firmware without SNP_KERNEL_HASHES', { skip: needsShared }, async () => {
  cliBuilt();
  const target = 'ab'.repeat(48);
  const args = (f: string) => ['match', '--measurement', target, '--ovmf', f, '--platform', 'qemu-kvm', '--vcpus', '1', '--vcpu-sig', '0', '--kvm', 'init2'];
  const x64 = await runCli(args(shared('fixtures', 'sev-snp-measure', 'ovmf_OvmfX64_suffix.bin')), dir);
  assert.equal(x64.code, 1);
  assert.match(x64.stdout, /no configuration of the/);
  assert.doesNotMatch(x64.stdout, /--kernel/);
  const amd = await runCli(args(shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin')), dir);
  assert.match(amd.stdout, /direct boot: .*--kernel/);
});
