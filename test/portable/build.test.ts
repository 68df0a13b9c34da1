// Acceptance of `igvm build` (issue #9): a file built from OVMF measures, on the platforms it was
// built for, exactly the digest an independent chain (./_ovmf-chain.ts) gives for the OVMF launch,
// equal to `measure --mode snp` and to the published sev-snp-measure reference; six platforms agree
// and the embedded ID block's signatures verify with node:crypto; conflicts and bad input leave no
// file behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fixCrc } from '../conformance/_igvm.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needsShared, shared } from '../_shared.js';
import { assertOneLineError, cliBuilt, runCli } from '../cli/_cli.js';
import { fold, kernelTable, ovmfSteps } from './_ovmf-chain.js';

const FX = shared('fixtures', 'sev-snp-measure');
const IN = shared('vectors', 'sev-snp-measure', 'inputs');
const AMDSEV = join(FX, 'ovmf_AmdSev_suffix.bin');
const DEBIAN = '/usr/share/ovmf/OVMF.fd';
const SIX = 'openvmm,igvmmeasure,kvm-vmsa-page,kvm-direct-vmsa,cloud-hypervisor-mshv,qemu-kvm';

function referenceRow(args: string): string {
  const row = readFileSync(shared('vectors', 'sev-snp-measure', 'reference.tsv'), 'utf8').split('\n').map((l) => l.split('\t')).find((c) => c[0] === args);
  assert.ok(row, `reference.tsv has no row "${args}"`);
  return row[1]!;
}

async function cli(args: string[], dir: string) {
  const r = await runCli(args, dir);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** build --for igvmmeasure, then measure --native-zero; must equal measure --mode snp and the chain. */
async function equivalence(ovmf: string, extra: string[], want: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'snp-igvm-build-'));
  const out = join(dir, 'out.igvm');
  await cli(['igvm', 'build', '--ovmf', ovmf, '--vcpu-type', 'EPYC-v4', '--for', 'igvmmeasure', ...extra, '-o', out], dir);
  const viaIgvm = await cli(['measure', '--igvm', out, '--platform', 'igvmmeasure', '--native-zero'], dir);
  const viaOvmf = await cli(['measure', '--mode', 'snp', '--vcpus', '1', '--vcpu-type', 'EPYC-v4', '--ovmf', ovmf, ...extra], dir);
  assert.equal(viaIgvm, want, 'IGVM (igvmmeasure --native-zero) vs the independent chain');
  assert.equal(viaOvmf, want, 'measure --mode snp vs the independent chain');
}

test('igvm build --for igvmmeasure: AmdSev fixture equals mode snp, the reference and an independent chain', { skip: needsShared }, async () => {
  cliBuilt();
  const want = fold(await ovmfSteps(AMDSEV), { nativeZero: true });
  assert.equal(want, referenceRow('--mode snp --vcpus 1 --vcpu-type EPYC-v4 --ovmf fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin'));
  await equivalence(AMDSEV, [], want);
});

test('igvm build with kernel, initrd and cmdline: the hashes page is filled as QEMU does', { skip: needsShared }, async () => {
  cliBuilt();
  const append = 'console=ttyS0 loglevel=7';
  // Empty kernel/initrd: the published reference row (/dev/null in the reference run).
  const empty = join(IN, 'empty.bin');
  const wantEmpty = fold(await ovmfSteps(AMDSEV, { table: kernelTable(new Uint8Array(0), new Uint8Array(0), append) }), { nativeZero: true });
  assert.equal(wantEmpty, referenceRow(`--mode snp --vcpus 1 --vcpu-type EPYC-v4 --ovmf fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin --guest-features 0x1 --kernel /dev/null --initrd /dev/null --append '${append}'`));
  await equivalence(AMDSEV, ['--kernel', empty, '--initrd', empty, '--append', append], wantEmpty);
  // Real-sized inputs.
  const k = join(IN, 'kernel_1M.bin');
  const i = join(IN, 'initrd_5M123.bin');
  const want = fold(await ovmfSteps(AMDSEV, { table: kernelTable(readFileSync(k), readFileSync(i), append) }), { nativeZero: true });
  await equivalence(AMDSEV, ['--kernel', k, '--initrd', i, '--append', append], want);
});

test('igvm build with --kvm legacy, --guest-features and the ec2/gce profiles equals mode snp', { skip: needsShared }, async () => {
  cliBuilt();
  await equivalence(AMDSEV, ['--guest-features', '0x21'], fold(await ovmfSteps(AMDSEV, { features: 0x21n }), { nativeZero: true }));
  // Legacy KVM leaves MXCSR/FCW 0 (measure gets --kvm from another issue; compared with the chain only).
  const dir = mkdtempSync(join(tmpdir(), 'snp-igvm-vmm-'));
  await cli(['igvm', 'build', '--ovmf', AMDSEV, '--vcpu-type', 'EPYC-v4', '--kvm', 'legacy', '--for', 'igvmmeasure', '-o', 'legacy.igvm'], dir);
  const legacy = fold(await ovmfSteps(AMDSEV, { legacy: true }), { nativeZero: true });
  assert.equal(await cli(['measure', '--igvm', 'legacy.igvm', '--platform', 'igvmmeasure', '--native-zero'], dir), legacy);
  assert.notEqual(legacy, fold(await ovmfSteps(AMDSEV), { nativeZero: true }));
  // ec2 (CPUID page last, its register profile) and gce (SNP_SEC_MEM unmeasured): published rows.
  const empty = join(IN, 'empty.bin');
  for (const [vmm, ref] of [
    ['ec2', '--mode snp --vcpus 1 --vcpu-type EPYC-v4 --vmm-type ec2 --ovmf fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin --guest-features 0x1 --kernel /dev/null --initrd /dev/null'],
    ['gce', '--mode snp --vcpus 1 --vmm-type gce --ovmf fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin --guest-features 0x1 --kernel /dev/null --initrd /dev/null'],
  ] as const) {
    await cli(['igvm', 'build', '--ovmf', AMDSEV, '--vmm-type', vmm, ...(vmm === 'ec2' ? ['--vcpu-type', 'EPYC-v4'] : []), '--kernel', empty, '--initrd', empty, '--for', 'igvmmeasure', '-o', `${vmm}.igvm`], dir);
    assert.equal(await cli(['measure', '--igvm', `${vmm}.igvm`, '--platform', 'igvmmeasure', '--native-zero'], dir), referenceRow(ref), vmm);
  }
});

test("igvm build from Debian's /usr/share/ovmf/OVMF.fd equals mode snp and an independent chain", { skip: existsSync(DEBIAN) ? needsShared : `${DEBIAN} not installed (apt-get install ovmf)` }, async () => {
  cliBuilt();
  await equivalence(DEBIAN, [], fold(await ovmfSteps(DEBIAN), { nativeZero: true }));
});

test('igvm build --svsm: igvmmeasure --native-zero equals the sev-snp-measure snp:svsm reference', { skip: needsShared }, async () => {
  cliBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'snp-igvm-svsm-'));
  const svsm = ['--ovmf', join(FX, 'svsm_ovmf.fd'), '--svsm', join(FX, 'svsm.bin'), '--vars-size', '540672', '--vcpu-type', 'EPYC-v4'];
  await cli(['igvm', 'build', ...svsm, '--for', 'igvmmeasure', '-o', 's.igvm'], dir);
  const want = referenceRow('--mode snp:svsm --vcpus 1 --vcpu-type EPYC-v4 --ovmf fixtures/sev-snp-measure/svsm_ovmf.fd --svsm fixtures/sev-snp-measure/svsm.bin --vars-size 540672');
  assert.equal(await cli(['measure', '--igvm', 's.igvm', '--platform', 'igvmmeasure', '--native-zero'], dir), want);
  // And for all six platforms, one digest.
  const six = await cli(['igvm', 'build', ...svsm, '-o', 's6.igvm'], dir);
  assert.match(six, /all 6 platforms agree/);
  for (const l of six.split('\n')) assert.ok([...l].length <= 100, `over 100 columns: ${l}`);
});

/** node:crypto verification of an IGVM SNP_ID_BLOCK TLV payload (igvm.md §4.15, attestation.md §5). */
function verifyIgvmIdBlock(p: Buffer, policy: bigint): { ld: string; idOk: boolean; authorOk: boolean } {
  const be = (le: Buffer) => Buffer.from(le.subarray(0, 48)).reverse();
  const jwk = (at: number) => createPublicKey({ key: { kty: 'EC', crv: 'P-384', x: be(p.subarray(at + 8, at + 80)).toString('base64url'), y: be(p.subarray(at + 80, at + 152)).toString('base64url') }, format: 'jwk' });
  const sig = (at: number) => Buffer.concat([be(p.subarray(at, at + 72)), be(p.subarray(at + 72, at + 144))]);
  // The firmware ID block QEMU builds: ld, family_id, image_id, version 1, guest_svn, policy.
  const block = Buffer.alloc(0x60);
  p.copy(block, 0, 8, 56);
  p.copy(block, 0x30, 56, 72);
  p.copy(block, 0x40, 72, 88);
  block.writeUInt32LE(1, 0x50);
  block.writeUInt32LE(p.readUInt32LE(92), 0x54);
  block.writeBigUInt64LE(policy, 0x58);
  const idOk = verify('sha384', block, { key: jwk(248), dsaEncoding: 'ieee-p1363' }, sig(104));
  // The author key signs the ID key's 0x404-byte firmware struct: curve, qx, qy (IGVM's reserved u32 dropped).
  const idKey = Buffer.alloc(0x404);
  idKey.writeUInt32LE(p.readUInt32LE(248), 0);
  p.copy(idKey, 4, 256, 400);
  const authorOk = p[4] === 1 && verify('sha384', idKey, { key: jwk(544), dsaEncoding: 'ieee-p1363' }, sig(400));
  return { ld: p.subarray(8, 56).toString('hex'), idOk, authorOk };
}

/** TLV payloads of one type in an IGVM file (igvm.md §3.1). */
function tlvs(f: Buffer, type: number): Buffer[] {
  const out: Buffer[] = [];
  const end = f.readUInt32LE(8) + f.readUInt32LE(12);
  for (let p = f.readUInt32LE(8); p < end; p = (p + 8 + f.readUInt32LE(p + 4) + 7) & ~7) if (f.readUInt32LE(p) === type) out.push(f.subarray(p + 8, p + 8 + f.readUInt32LE(p + 4)));
  return out;
}

test('igvm build for six platforms: one digest (independent sorted chain), valid ID block', { skip: needsShared }, async () => {
  cliBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'snp-igvm-six-'));
  const out = join(dir, 'six.igvm');
  const k = join(IN, 'kernel_1M.bin');
  const i = join(IN, 'initrd_1M.bin');
  const printed = await cli(
    ['igvm', 'build', '--ovmf', AMDSEV, '--kernel', k, '--initrd', i, '--append', 'quiet', '--vcpu-type', 'EPYC-v4', '--vcpus', '1', '--policy', '0x30000',
      '--for', SIX, '--id-key', join(FX, 'id_key_test.pem'), '--author-key', join(FX, 'author_key_test.pem'), '-o', out, '--wide'],
    dir,
  );
  // Sorted by GPA (cloud-hypervisor-mshv), data-less pages as NORMAL zeros, VMSA last.
  const want = fold(await ovmfSteps(AMDSEV, { table: kernelTable(readFileSync(k), readFileSync(i), 'quiet') }), { nativeZero: false, sorted: true });
  for (const p of SIX.split(',')) {
    assert.equal(await cli(['measure', '--igvm', out, '--platform', p, '--vcpus', '1'], dir), want, p);
    assert.match(printed, new RegExp(`${p}\\s+${want}`));
  }
  assert.match(printed, /all 6 platforms agree on the launch digest:\n {2}[0-9a-f]{96}\n/);
  const f = readFileSync(out);
  const [idb] = tlvs(f, 0x30b);
  const [pol] = tlvs(f, 0x101);
  assert.ok(idb && pol, 'the file has an SNP_ID_BLOCK and a GUEST_POLICY');
  const v = verifyIgvmIdBlock(idb, pol.readBigUInt64LE(0));
  assert.equal(v.ld, want, 'ID block launch digest');
  assert.ok(v.idOk, 'ID key signature verifies with node:crypto');
  assert.ok(v.authorOk, 'author key signature verifies with node:crypto');
  // A flipped LD no longer verifies (the check can fail).
  const bad = Buffer.from(idb);
  bad[8] = bad[8]! ^ 1;
  assert.equal(verifyIgvmIdBlock(bad, 0x30000n).idOk, false);
  // igvm inspect shows the same verdicts, and notices the flipped byte.
  const inspect = JSON.parse(await cli(['igvm', 'inspect', out, '--json'], dir));
  assert.deepEqual([inspect.idBlocks[0].ld, inspect.idBlocks[0].signature, inspect.idBlocks[0].authorSignature], [want, 'valid', 'valid']);
  const tampered = Buffer.from(f);
  const at = idb.byteOffset - f.byteOffset + 8;
  tampered[at] = tampered[at]! ^ 1;
  writeFileSync(join(dir, 'tampered.igvm'), fixCrc(tampered));
  const t = JSON.parse(await cli(['igvm', 'inspect', 'tampered.igvm', '--json'], dir));
  assert.deepEqual([t.idBlocks[0].signature, t.idBlocks[0].authorSignature], ['invalid', 'valid']);
});

test('igvm build --vcpus 4 with qemu-kvm: exit 1, the conflict explained, no output file', { skip: needsShared }, async () => {
  cliBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'snp-igvm-conflict-'));
  const r = await runCli(['igvm', 'build', '--ovmf', AMDSEV, '--vcpu-type', 'EPYC-v4', '--vcpus', '4', '--for', SIX, '-o', 'x.igvm'], dir);
  const line = assertOneLineError(r, 'conflict');
  assert.equal(r.code, 1);
  assert.match(line, /qemu-kvm/);
  assert.match(line, /AP reset VMSA/);
  assert.match(line, /subsets that agree: \{openvmm, igvmmeasure, kvm-vmsa-page, kvm-direct-vmsa, cloud-hypervisor-mshv\} \| \{qemu-kvm\}/);
  assert.deepEqual(readdirSync(dir), [], 'nothing written');
  // Without qemu-kvm the vCPU count does not matter.
  await cli(['igvm', 'build', '--ovmf', AMDSEV, '--vcpu-type', 'EPYC-v4', '--vcpus', '4', '--for', 'openvmm,kvm-vmsa-page,cloud-hypervisor-mshv', '-o', 'y.igvm'], dir);
});

test('igvm build with igvmmeasure --native-zero in the set writes zero pages as data; all agree', { skip: needsShared }, async () => {
  cliBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'snp-igvm-nz-'));
  const printed = await cli(['igvm', 'build', '--ovmf', AMDSEV, '--vcpu-type', 'EPYC-v4', '--for', 'openvmm,igvmmeasure-native-zero', '-o', 'nz.igvm'], dir);
  const want = fold(await ovmfSteps(AMDSEV), { nativeZero: false });
  assert.match(printed, /zero pages written as zero-filled file data/);
  assert.equal(await cli(['measure', '--igvm', 'nz.igvm', '--platform', 'igvmmeasure', '--native-zero'], dir), want);
  assert.equal(await cli(['measure', '--igvm', 'nz.igvm', '--platform', 'openvmm'], dir), want);
});

test('igvm build bad input: one line, exit 1 or 2, no file left behind', { skip: needsShared }, async () => {
  cliBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'snp-igvm-bad-'));
  const x64 = join(FX, 'ovmf_OvmfX64_suffix.bin');
  const cases: [string[], number, RegExp][] = [
    [['--ovmf', x64, '--vcpu-type', 'EPYC-v4', '--kernel', join(IN, 'kernel_1M.bin'), '-o', 'a.igvm'], 1, /SNP_KERNEL_HASHES/],
    [['--ovmf', AMDSEV, '--vcpu-type', 'EPYC-v4', '-o', join(dir, 'no-such-dir', 'b.igvm')], 1, /directory does not exist/],
    [['--ovmf', AMDSEV, '--vcpu-type', 'EPYC-v4', '--author-key', join(FX, 'author_key_test.pem'), '-o', 'c.igvm'], 2, /--author-key needs --id-key/],
    [['--ovmf', AMDSEV, '--vcpu-type', 'EPYC-v4', '--initrd', join(IN, 'initrd_1M.bin'), '-o', 'd.igvm'], 2, /--kernel required/],
    [['--ovmf', AMDSEV, '--vcpu-type', 'EPYC-v4', '--for', 'qemu-kvm,bogus', '-o', 'e.igvm'], 2, /invalid platform 'bogus'/],
    [['--ovmf', AMDSEV, '--vcpu-type', 'EPYC-v4', '--for', 'qemu-kvm', '--vmsa-gpa', '0x1000', '-o', 'f.igvm'], 1, /qemu-kvm cannot launch it/],
    [['--ovmf', AMDSEV, '--vcpu-type', 'EPYC-v4', '--id-key', join(IN, 'kernel_1M.bin'), '-o', 'g.igvm'], 1, /kernel_1M\.bin/],
    [['--ovmf', join(dir, 'missing.fd'), '--vcpu-type', 'EPYC-v4', '-o', 'h.igvm'], 1, /missing\.fd.*no such file/],
    [['--ovmf', AMDSEV, '-o', 'i.igvm'], 2, /vCPU signature/],
  ];
  for (const [args, code, re] of cases) {
    const r = await runCli(['igvm', 'build', ...args], dir);
    const line = assertOneLineError(r, args.join(' '));
    assert.equal(r.code, code, `${args.join(' ')}: ${line}`);
    assert.match(line, re);
  }
  assert.deepEqual(readdirSync(dir), [], 'no output or partial file');
});
