// Acceptance: IGVM tied to the sev-snp-measure reference vectors. The OVMF launch of
// fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin is written as an IGVM file in launch order
// (specs/ovmf.md §8.1): the firmware pages with data, then the SEV metadata sections in file order —
// SNP_SEC_MEM / SVSM_CAA / kernel-hashes-without-kernel as PAGE_DATA without file data, SECRETS and
// CPUID as pages of those data types — then the BSP VMSA as the VP context at 0xFFFFFFFFF000, last.
// igvmmeasure --native-zero must give the reference.tsv digest of
// `--mode snp --vcpus 1 --vcpu-type EPYC-v4` on that fixture; qemu-kvm must differ exactly as the
// rules say (zero pages measured as NORMAL; N−1 AP VMSAs appended), computed here independently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesSource } from '../../src/core/source.js';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { igvmBuilder } from '../../src/images/igvm/index.js';
import { parseOvmf, firmwareGpa, SectionType } from '../../src/images/ovmf/index.js';
import { measureIgvm } from '../../src/measure/igvm.js';
import { needsShared, shared } from '../_shared.js';
import { cliBuilt, runCli } from '../cli/_cli.js';
import { hex, KVM_GPA, qemuResetVmsaFromSpec, RefChain, T } from './_ref.js';

setHashProvider(nodeHashProvider);

const ARGS = '--mode snp --vcpus 1 --vcpu-type EPYC-v4 --ovmf fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin';

function referenceDigest(): string {
  const rows = readFileSync(shared('vectors', 'sev-snp-measure', 'reference.tsv'), 'utf8').split('\n');
  const row = rows.map((l) => l.split('\t')).find((c) => c[0] === ARGS);
  assert.ok(row, `reference.tsv has no row "${ARGS}"`);
  return row[1]!;
}

async function build() {
  const fw = new Uint8Array(readFileSync(shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin')));
  const ovmf = await parseOvmf(bytesSource('ovmf_AmdSev_suffix.bin', fw));
  const sections = ovmf.metadata!.sections;
  // The BSP VMSA from the decoded bytes in ovmf.md §7.1 (QEMU, EPYC-v4, features 0x1).
  const vmsa = qemuResetVmsaFromSpec(1n, 0x800f12);
  const b = igvmBuilder().platform('SEV_SNP').policy(0x30000n);
  const fwGpa = firmwareGpa(ovmf);
  b.pages(fwGpa, fw);
  const ref = { native: new RefChain().range(T.NORMAL, fwGpa, fw.length / 4096, fw), qemu: new RefChain().range(T.NORMAL, fwGpa, fw.length / 4096, fw) };
  for (const s of sections) {
    const pages = s.size / 4096;
    switch (s.type) {
      case SectionType.SNP_SEC_MEM:
      case SectionType.SVSM_CAA:
      case SectionType.SNP_KERNEL_HASHES: // no kernel: ZERO pages
        b.zeroPages(s.gpa, pages);
        ref.native.range(T.ZERO, s.gpa, pages);
        ref.qemu.range(T.NORMAL, s.gpa, pages); // QEMU issues data-less NORMAL as zero-filled NORMAL
        break;
      case SectionType.SNP_SECRETS:
        b.pageData(s.gpa, null, { type: 'SECRETS' });
        ref.native.step(T.SECRETS, s.gpa);
        ref.qemu.step(T.SECRETS, s.gpa);
        break;
      case SectionType.CPUID:
        b.pageData(s.gpa, null, { type: 'CPUID_DATA' });
        ref.native.step(T.CPUID, s.gpa);
        ref.qemu.step(T.CPUID, s.gpa);
        break;
      default:
        assert.fail(`unexpected section type ${s.type}`);
    }
  }
  b.vpContext(KVM_GPA, 0, vmsa);
  ref.native.step(T.VMSA, KVM_GPA, vmsa);
  const bytes = b.build();
  return { igvm: bytesSource('ovmf.igvm', bytes), bytes, vmsa, ref, sections };
}

test('IGVM of the OVMF launch: igvmmeasure --native-zero equals the sev-snp-measure reference', { skip: needsShared }, async () => {
  const { igvm, ref, sections } = await build();
  assert.equal(sections.length, 7, 'ovmf.md §5.3: seven metadata sections');
  const r = await measureIgvm({ igvm, platform: 'igvmmeasure', nativeZero: true });
  assert.equal(hex(r.digest), referenceDigest());
  assert.equal(ref.native.hex, referenceDigest(), 'the independent chain agrees with the reference too');
});

test('IGVM of the OVMF launch: qemu-kvm differs exactly by NORMAL zero pages and N−1 AP VMSAs', { skip: needsShared }, async () => {
  const { igvm, vmsa, ref } = await build();
  for (const n of [1, 2, 4]) {
    const want = Object.assign(new RefChain(), { ld: ref.qemu.ld, steps: ref.qemu.steps });
    want.step(T.VMSA, KVM_GPA, vmsa);
    // AP reset VMSAs (QEMU profile, eip 0xFFFFFFF0): the same bytes as this BSP VMSA (ovmf.md §7.1).
    for (let i = 1; i < n; i++) want.step(T.VMSA, KVM_GPA, qemuResetVmsaFromSpec(1n, 0x800f12));
    const r = await measureIgvm({ igvm, platform: 'qemu-kvm', vcpus: n, vcpuSig: 0x800f12, log: true });
    assert.equal(hex(r.digest), want.hex, `vcpus ${n}`);
    assert.notEqual(hex(r.digest), referenceDigest());
    assert.equal(r.log!.filter((e) => e.pageType === T.VMSA && e.gpa === KVM_GPA).length, n);
  }
  // Without --native-zero, igvmmeasure equals qemu-kvm with one vCPU (platforms.md §6).
  const im = await measureIgvm({ igvm, platform: 'igvmmeasure' });
  const q1 = await measureIgvm({ igvm, platform: 'qemu-kvm', vcpus: 1 });
  assert.equal(hex(im.digest), hex(q1.digest));
});

test('the same through the CLI: measure --igvm --platform igvmmeasure --native-zero prints the reference digest', { skip: needsShared }, async () => {
  cliBuilt();
  const { bytes, ref } = await build();
  const dir = mkdtempSync(join(tmpdir(), 'snp-eqv-'));
  writeFileSync(join(dir, 'ovmf.igvm'), bytes);
  const r = await runCli(['measure', '--igvm', 'ovmf.igvm', '--platform', 'igvmmeasure', '--native-zero'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), referenceDigest());
  const q = await runCli(['measure', '--igvm', 'ovmf.igvm', '--platform', 'qemu-kvm', '--vcpus', '2', '--vcpu-type', 'EPYC-v4'], dir);
  assert.equal(q.code, 0, q.stderr);
  const want = Object.assign(new RefChain(), { ld: ref.qemu.ld }).step(T.VMSA, KVM_GPA, qemuResetVmsaFromSpec()).step(T.VMSA, KVM_GPA, qemuResetVmsaFromSpec());
  assert.equal(q.stdout.trim(), want.hex);
});
