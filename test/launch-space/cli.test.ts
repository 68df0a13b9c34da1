// `snp-launch match` through the built CLI: report input (v3 host CPUID ranking), the JSON
// document, the no-match explanation, and bad input. Expected digests come from the independent
// chain (./_independent.ts), never from the library.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needsShared, shared, SHARED } from '../_shared.js';
import { assertOneLineError, cliBuilt, runCli, shellWords } from '../cli/_cli.js';
import { independentDigests } from './_independent.js';

const AMDSEV = () => shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin');
const GENOA_V3 = () => shared('vectors', 'attestation', 'mstav_genoa_report.bin');
const dir = mkdtempSync(join(tmpdir(), 'snp-match-'));

/** The real Genoa v3 report (host CPUID 25/17/1) with its MEASUREMENT (0x90, 48 bytes) replaced. */
function reportWith(measurementHex: string): string {
  const r = new Uint8Array(readFileSync(GENOA_V3()));
  r.set(Buffer.from(measurementHex, 'hex'), 0x90);
  const p = join(dir, `report-${measurementHex.slice(0, 8)}.bin`);
  writeFileSync(p, r);
  return p;
}

test('match --report: a v3 report of a -cpu host launch on Genoa B1 is found, ranked by the host CPUID, and reproduced', { skip: needsShared }, async () => {
  cliBuilt();
  const want = (await independentDigests(AMDSEV(), { sig: 0xa10f11 }, 6))[5]!;
  const r = await runCli(['match', '--report', reportWith(want), '--ovmf', AMDSEV()], SHARED);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /host CPU family 0x19 model 0x11 stepping 1 = signature 0xa10f11/);
  assert.match(r.stdout, /^1\. qemu-kvm, 6 vCPUs, Genoa B1 host \(-cpu host\) \(0xa10f11\)/m);
  // The command may be folded to 100 columns with shell line continuations; joined, as a shell would.
  const cmd = /^ {3}(snp-launch measure (?:.* \\\n)*.*)$/m.exec(r.stdout)![1]!.replace(/ \\\n\s*/g, ' ');
  assert.match(cmd, /--vcpu-sig 0xa10f11/);
  const m = await runCli(shellWords(cmd).slice(1), SHARED);
  assert.equal(m.stdout, want + '\n');
});

test('match --json: the issue 8 schema; equal-digest CPU models are listed together', { skip: needsShared }, async () => {
  cliBuilt();
  const want = (await independentDigests(AMDSEV(), { sig: 0x800f12, features: 0x21n }, 3))[2]!;
  const r = await runCli(['match', '--measurement', want, '--ovmf', AMDSEV(), '--vcpus', '1-8', '--json'], SHARED);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.measurement, want);
  assert.equal(doc.searched.configurations, 110 * 8);
  assert.equal(typeof doc.searched.ms, 'number');
  assert.equal(doc.matches.length, 1);
  const m = doc.matches[0];
  assert.deepEqual(Object.keys(m).sort(), ['command', 'guestFeatures', 'kernelHashes', 'kvm', 'launchable', 'platform', 'referenceCommand', 'vcpuSig', 'vcpuTypes', 'vcpus', 'vmsaGpa'].sort());
  assert.deepEqual(m.launchable, { ok: true, reasons: [] }, 'QEMU launches the AmdSev build');
  assert.deepEqual([m.platform, m.vcpus, m.vcpuSig, m.guestFeatures, m.kvm, m.vmsaGpa, m.kernelHashes], ['qemu-kvm', 3, '0x00800f12', '0x21', 'init2', '0xfffffffff000', false]);
  for (const t of ['EPYC', 'EPYC-v4', 'EPYC-IBPB']) assert.ok(m.vcpuTypes.includes(t), t);
  assert.match(m.referenceCommand, /^sev-snp-measure --mode snp --vcpus 3 --vcpu-type EPYC /);
});

test('match: a random measurement exits 1 with the size of the space and what must differ', { skip: needsShared }, async () => {
  cliBuilt();
  const r = await runCli(['match', '--measurement', 'ab'.repeat(48), '--ovmf', AMDSEV(), '--kernel', shared('vectors', 'sev-snp-measure', 'inputs', 'kernel_1M.bin')], SHARED);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /no configuration of the 112,640 searched produces\s+abab/);
  for (const l of r.stdout.split('\n')) assert.ok([...l].length <= 100, `over 100 columns: ${l}`);
  // --json carries the same explanation.
  const j = await runCli(['match', '--measurement', 'ab'.repeat(48), '--ovmf', AMDSEV(), '--vcpus', '1-4', '--json'], SHARED);
  assert.equal(j.code, 1);
  const doc = JSON.parse(j.stdout);
  assert.equal(doc.format, 'snp-launch.match/1');
  assert.match(doc.explanation[0], /^no configuration of the 440 searched produces abab/);
  assert.ok(doc.explanation.some((l: string) => /firmware bytes/.test(l)));
  assert.match(r.stdout, /firmware bytes/);
  assert.match(r.stdout, /kernel, initrd or command line bytes/);
  assert.match(r.stdout, /kernel hashes\s+on\s+and\s+off/);
});

test('match: bad input gives one line and exit 1 or 2', { skip: needsShared }, async () => {
  cliBuilt();
  const short = join(dir, 'short.bin');
  writeFileSync(short, new Uint8Array(100));
  const v0 = new Uint8Array(readFileSync(GENOA_V3()));
  v0.fill(0, 0, 4);
  const badVersion = join(dir, 'v0.bin');
  writeFileSync(badVersion, v0);
  const cases: [string, string[], number, RegExp][] = [
    ['short report', ['--report', short], 1, /short\.bin/],
    ['version 0 report', ['--report', badVersion], 1, /v0\.bin/],
    ['47-byte measurement', ['--measurement', 'ab'.repeat(47)], 1, /--measurement.*48 bytes/],
    ['not hex', ['--measurement', 'xyz'], 1, /--measurement/],
    ['--vcpus 0', ['--measurement', 'ab'.repeat(48), '--vcpus', '0'], 2, /--vcpus/],
    ['--vcpus 5-2', ['--measurement', 'ab'.repeat(48), '--vcpus', '5-2'], 2, /--vcpus.*5-2/],
    ['--vcpus 1-99999', ['--measurement', 'ab'.repeat(48), '--vcpus', '1-99999'], 2, /--vcpus.*4096/],
    ['both inputs', ['--measurement', 'ab'.repeat(48), '--report', short], 2, /--report/],
    ['IGVM platform for OVMF', ['--measurement', 'ab'.repeat(48), '--platform', 'openvmm'], 2, /--platform/],
    ['space too large', ['--measurement', 'ab'.repeat(48), '--vcpus', '1-4096', '--vcpu-sig', Array.from({ length: 40 }, (_, i) => String(i + 1)).join(','), '--guest-features', '1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,33'], 2, /narrow it/],
  ];
  for (const [what, args, code, re] of cases) {
    const r = await runCli(['match', ...args, '--ovmf', AMDSEV()], SHARED);
    assert.equal(r.code, code, `${what}: ${r.stderr}`);
    assert.match(assertOneLineError(r, what), re, what);
  }
  const noImage = await runCli(['match', '--measurement', 'ab'.repeat(48)], SHARED);
  assert.equal(noImage.code, 2);
  assertOneLineError(noImage, 'no image');
});

test('match --igvm: the qemu-kvm vCPU count and AP signature are searched and the command reproduces the digest', { skip: needsShared }, async () => {
  cliBuilt();
  const igvm = join(dir, 'amdsev.igvm');
  const b = await runCli(['igvm', 'build', '--ovmf', AMDSEV(), '--vcpu-type', 'EPYC-v4', '--for', 'qemu-kvm,kvm-vmsa-page', '-o', igvm], SHARED);
  assert.equal(b.code, 0, b.stderr);
  // The 4-vCPU qemu-kvm digest of this file: the OVMF pages in launch order with the zero pages as
  // data (IGVM page data), then KVM's VMSAs (the file's BSP, three QEMU AP VMSAs at the reset vector).
  const want = (await independentDigests(AMDSEV(), { sig: 0x800f12, zeroAsData: true, apAtResetVector: true }, 4))[3]!;
  const m = await runCli(['match', '--measurement', want, '--igvm', igvm, '--vcpus', '1-16', '--json'], SHARED);
  assert.equal(m.code, 0, m.stderr + m.stdout);
  const doc = JSON.parse(m.stdout);
  assert.ok(doc.matches.some((x: { platform: string; vcpus: number; vcpuSig: string }) => x.platform === 'qemu-kvm' && x.vcpus === 4 && x.vcpuSig === '0x00800f12'), m.stdout);
  const cmd = doc.matches.find((x: { platform: string }) => x.platform === 'qemu-kvm').command as string;
  const r = await runCli(shellWords(cmd).slice(1), SHARED);
  assert.equal(r.stdout, want + '\n');
});

// A list of counts once skipped the per-launch options of one count (here --guest-features, which
// kvm-vmsa-page compares with the file's VMSA): it must refuse exactly what one count refuses.
test('measure --igvm --vcpus 1-4: the same launch options and the same refusal as one count', { skip: needsShared }, async () => {
  cliBuilt();
  const igvm = join(dir, 'amdsev-gf.igvm');
  const b = await runCli(['igvm', 'build', '--ovmf', AMDSEV(), '--vcpu-type', 'EPYC-v4', '--for', 'qemu-kvm,kvm-vmsa-page', '-o', igvm], SHARED);
  assert.equal(b.code, 0, b.stderr);
  const one = await runCli(['measure', '--igvm', igvm, '--platform', 'kvm-vmsa-page', '--vcpus', '4', '--guest-features', '0x21'], SHARED);
  const list = await runCli(['measure', '--igvm', igvm, '--platform', 'kvm-vmsa-page', '--vcpus', '1-4', '--guest-features', '0x21'], SHARED);
  for (const r of [one, list]) {
    assert.equal(r.code, 1, r.stderr);
    assert.match(assertOneLineError(r, 'guest features'), /amdsev-gf\.igvm: .*has sev_features 0x1 but --guest-features is 0x21/);
  }
  const ok = await runCli(['measure', '--igvm', igvm, '--platform', 'kvm-vmsa-page', '--vcpus', '1-2', '--guest-features', '0x1'], SHARED);
  assert.equal(ok.code, 0, ok.stderr);
});

test('report verify: a failed predicted MEASUREMENT names the launch of the same image that matches', { skip: needsShared }, async () => {
  cliBuilt();
  const want = (await independentDigests(AMDSEV(), { sig: 0xa00f11, features: 0x21n }, 8))[7]!;
  const r = await runCli(['report', 'verify', reportWith(want), '--no-cert', '--ovmf', AMDSEV(), '--vcpus', '4', '--vcpu-type', 'EPYC-Milan'], SHARED);
  assert.equal(r.code, 1, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.startsWith('FAIL  measurement'))!;
  assert.match(line, /the report matches qemu-kvm, 8 vCPUs, EPYC-Milan .*SEV_FEATURES 0x21 .* — you predicted 4 vCPUs, SEV_FEATURES 0x1/);
  const cmd = /reproduce: (snp-launch measure .*)$/.exec(line)![1]!;
  assert.equal((await runCli(shellWords(cmd).slice(1), SHARED)).stdout, want + '\n');
});
