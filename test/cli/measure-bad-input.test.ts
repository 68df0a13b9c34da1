/**
 * Bad input to `snp-launch measure` through the built CLI: hostile or broken files and bad flag
 * values. Each must give exit status 1 (input) or 2 (usage), nothing on stdout, and exactly one
 * stderr line, without a stack trace, that names the file or flag and says what is wrong.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needsShared, shared } from '../_shared.js';
import { assertOneLineError, cliBuilt, pool, runCli } from './_cli.js';

let dir = '';
const p = (n: string) => join(dir, n);
const SNP = ['--mode', 'snp', '--vcpus', '1', '--vcpu-type', 'EPYC-v4'];
const isRoot = process.getuid?.() === 0;

before(() => {
  if (needsShared) return;
  dir = mkdtempSync(join(tmpdir(), 'snp-bad-'));
  const suffix = readFileSync(shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin'));
  writeFileSync(p('empty.fd'), new Uint8Array());
  writeFileSync(p('truncated.fd'), suffix.subarray(0, 3000));
  // Page-aligned but cut: the footer table's last bytes are gone (first 4 KiB of a 2-page image).
  writeFileSync(p('cut.fd'), Buffer.concat([suffix, suffix]).subarray(2048, 2048 + 4096));
  writeFileSync(p('random.fd'), randomBytes(3 * 4096));
  const badSig = Buffer.from(suffix);
  badSig.writeUInt8(badSig.readUInt8(0xaac) ^ 0xff, 0xaac); // metadata header "ASEV" at 0xAAC (ovmf.md §5.3)
  writeFileSync(p('bad-signature.fd'), badSig);
  const badVersion = Buffer.from(suffix);
  badVersion.writeUInt32LE(2, 0xaac + 8);
  writeFileSync(p('bad-version.fd'), badVersion);
  const hugeCount = Buffer.from(suffix);
  hugeCount.writeUInt32LE(0xffffffff, 0xaac + 12); // NUM_ITEMS: descriptors would run past the file
  writeFileSync(p('huge-count.fd'), hugeCount);
  const badEntry = Buffer.from(suffix);
  badEntry.writeUInt16LE(3, 4096 - 50); // footer size < 18
  writeFileSync(p('bad-footer.fd'), badEntry);
  copyFileSync(shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin'), p('noread.fd'));
  chmodSync(p('noread.fd'), 0o000);
  mkdirSync(p('a-directory'));
  writeFileSync(p('random.igvm'), randomBytes(8192));
  writeFileSync(p('short.igvm'), Buffer.from('IGVM'));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Case {
  what: string;
  args: string[];
  code: 1 | 2;
  /** What the line must name (file path or flag). */
  names: string;
  skip?: boolean;
}

const INPUT_CASES = (): Case[] => [
  { what: 'empty firmware', args: [...SNP, '--ovmf', p('empty.fd')], code: 1, names: p('empty.fd') },
  { what: 'empty firmware (/dev/null)', args: [...SNP, '--ovmf', '/dev/null'], code: 1, names: '/dev/null' },
  { what: 'truncated firmware', args: [...SNP, '--ovmf', p('truncated.fd')], code: 1, names: p('truncated.fd') },
  { what: 'cut firmware (page aligned, table damaged)', args: [...SNP, '--ovmf', p('cut.fd')], code: 1, names: p('cut.fd') },
  { what: 'footer-less firmware', args: [...SNP, '--ovmf', shared('vectors', 'sev-snp-measure', 'inputs', 'ovmf_nofooter.bin')], code: 1, names: 'ovmf_nofooter.bin' },
  { what: 'footer-less firmware, seves', args: ['--mode', 'seves', '--vcpus', '2', '--vcpu-sig', '0', '--ovmf', shared('vectors', 'sev-snp-measure', 'inputs', 'ovmf_nofooter.bin')], code: 1, names: 'ovmf_nofooter.bin' },
  { what: 'metadata signature', args: [...SNP, '--ovmf', p('bad-signature.fd')], code: 1, names: p('bad-signature.fd') },
  { what: 'metadata version', args: [...SNP, '--ovmf', p('bad-version.fd')], code: 1, names: p('bad-version.fd') },
  { what: 'metadata item count', args: [...SNP, '--ovmf', p('huge-count.fd')], code: 1, names: p('huge-count.fd') },
  { what: 'footer entry size', args: [...SNP, '--ovmf', p('bad-footer.fd')], code: 1, names: p('bad-footer.fd') },
  { what: 'unknown section type', args: [...SNP, '--ovmf', shared('vectors', 'sev-snp-measure', 'inputs', 'ovmf_AmdSev_badtype.bin')], code: 1, names: 'ovmf_AmdSev_badtype.bin' },
  { what: 'non-page-aligned firmware', args: [...SNP, '--ovmf', shared('vectors', 'sev-snp-measure', 'inputs', 'ovmf_AmdSev_odd.bin')], code: 1, names: 'ovmf_AmdSev_odd.bin' },
  { what: 'non-page-aligned, snp:ovmf-hash', args: ['--mode', 'snp:ovmf-hash', '--ovmf', shared('vectors', 'sev-snp-measure', 'inputs', 'ovmf_AmdSev_odd.bin')], code: 1, names: 'ovmf_AmdSev_odd.bin' },
  { what: 'random firmware', args: [...SNP, '--ovmf', p('random.fd')], code: 1, names: p('random.fd') },
  { what: 'random firmware with a kernel, sev', args: ['--mode', 'sev', '--ovmf', p('random.fd'), '--kernel', '/dev/null'], code: 1, names: p('random.fd') },
  { what: 'unreadable firmware', args: [...SNP, '--ovmf', p('noread.fd')], code: 1, names: p('noread.fd'), skip: isRoot },
  { what: 'a directory as firmware', args: [...SNP, '--ovmf', p('a-directory')], code: 1, names: p('a-directory') },
  { what: 'missing firmware', args: [...SNP, '--ovmf', p('missing.fd')], code: 1, names: p('missing.fd') },
  { what: 'missing kernel', args: [...SNP, '--ovmf', shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin'), '--kernel', p('missing-kernel')], code: 1, names: p('missing-kernel') },
  { what: 'missing initrd', args: [...SNP, '--ovmf', shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin'), '--kernel', '/dev/null', '--initrd', p('missing-initrd')], code: 1, names: p('missing-initrd') },
  { what: 'missing vars file', args: ['--mode', 'snp:svsm', '--vcpus', '1', '--vcpu-sig', '0', '--ovmf', shared('fixtures', 'sev-snp-measure', 'svsm_ovmf.fd'), '--svsm', shared('fixtures', 'sev-snp-measure', 'svsm.bin'), '--vars-file', p('missing-vars')], code: 1, names: p('missing-vars') },
  { what: 'empty vars file', args: ['--mode', 'snp:svsm', '--vcpus', '1', '--vcpu-sig', '0', '--ovmf', shared('fixtures', 'sev-snp-measure', 'svsm_ovmf.fd'), '--svsm', shared('fixtures', 'sev-snp-measure', 'svsm.bin'), '--vars-file', p('empty.fd')], code: 1, names: p('empty.fd') },
  { what: 'random SVSM binary', args: ['--mode', 'snp:svsm', '--vcpus', '1', '--vcpu-sig', '0', '--ovmf', shared('fixtures', 'sev-snp-measure', 'svsm_ovmf.fd'), '--svsm', p('random.fd'), '--vars-size', '540672'], code: 1, names: p('random.fd') },
  { what: 'random IGVM', args: ['--igvm', p('random.igvm'), '--platform', 'openvmm'], code: 1, names: p('random.igvm') },
  { what: 'short IGVM', args: ['--igvm', p('short.igvm'), '--platform', 'qemu-kvm'], code: 1, names: p('short.igvm') },
  { what: 'empty IGVM', args: ['--igvm', p('empty.fd'), '--platform', 'qemu-kvm'], code: 1, names: p('empty.fd') },
  { what: 'firmware given as IGVM', args: ['--igvm', shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin'), '--platform', 'openvmm'], code: 1, names: 'ovmf_AmdSev_suffix.bin' },
  { what: 'dump dir is a file', args: [...SNP, '--ovmf', shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin'), '--dump-vmsa-dir', p('random.fd')], code: 1, names: p('random.fd') },
];

const A = () => shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin');
const FLAG_CASES = (): Case[] => [
  { what: '--vcpus abc', args: ['--mode', 'snp', '--vcpus', 'abc', '--vcpu-type', 'EPYC', '--ovmf', A()], code: 2, names: '--vcpus' },
  { what: '--vcpus 0', args: ['--mode', 'snp', '--vcpus', '0', '--vcpu-type', 'EPYC', '--ovmf', A()], code: 2, names: '--vcpus' },
  { what: '--vcpus 1.5', args: ['--mode', 'snp', '--vcpus', '1.5', '--vcpu-type', 'EPYC', '--ovmf', A()], code: 2, names: '--vcpus' },
  { what: '--vcpus 99999999999999999999', args: ['--mode', 'snp', '--vcpus', '99999999999999999999', '--vcpu-type', 'EPYC', '--ovmf', A()], code: 2, names: '--vcpus' },
  { what: '--vcpus 100000', args: ['--mode', 'snp', '--vcpus', '100000', '--vcpu-type', 'EPYC', '--ovmf', A()], code: 2, names: '--vcpus' },
  { what: '--guest-features -1', args: [...SNP, '--ovmf', A(), '--guest-features', '-1'], code: 2, names: '--guest-features' },
  { what: '--guest-features 2^64', args: [...SNP, '--ovmf', A(), '--guest-features', '0x10000000000000000'], code: 2, names: '--guest-features' },
  { what: '--guest-features xyz', args: [...SNP, '--ovmf', A(), '--guest-features', 'xyz'], code: 2, names: '--guest-features' },
  { what: '--vcpu-sig 021', args: ['--mode', 'snp', '--vcpus', '1', '--vcpu-sig', '021', '--ovmf', A()], code: 2, names: '--vcpu-sig' },
  { what: '--vcpu-sig 2^32', args: ['--mode', 'snp', '--vcpus', '1', '--vcpu-sig', '0x100000000', '--ovmf', A()], code: 2, names: '--vcpu-sig' },
  { what: '--vcpu-family 0x19', args: ['--mode', 'snp', '--vcpus', '1', '--vcpu-family', '0x19', '--ovmf', A()], code: 2, names: '--vcpu-family' },
  { what: '--vcpu-family alone', args: ['--mode', 'snp', '--vcpus', '1', '--vcpu-family', '25', '--ovmf', A()], code: 2, names: '--vcpu-family' },
  { what: '--vcpu-type bogus', args: ['--mode', 'snp', '--vcpus', '1', '--vcpu-type', 'EPYC-v9', '--ovmf', A()], code: 2, names: '--vcpu-type' },
  { what: '--mode bogus', args: ['--mode', 'tdx', '--ovmf', A()], code: 2, names: '--mode' },
  { what: '--vmm-type kvm', args: [...SNP, '--ovmf', A(), '--vmm-type', 'kvm'], code: 2, names: 'kvm' },
  { what: '--platform bogus', args: [...SNP, '--ovmf', A(), '--platform', 'azure'], code: 2, names: '--platform' },
  { what: '--igvm --platform bogus', args: ['--igvm', p('random.igvm'), '--platform', 'gce'], code: 2, names: '--platform' },
  { what: '--output-format xml', args: [...SNP, '--ovmf', A(), '--output-format', 'xml'], code: 2, names: '--output-format' },
  { what: '--snp-ovmf-hash zz', args: [...SNP, '--ovmf', A(), '--snp-ovmf-hash', 'zz'], code: 1, names: '--snp-ovmf-hash' },
  { what: '--snp-ovmf-hash short', args: [...SNP, '--ovmf', A(), '--snp-ovmf-hash', '00'.repeat(32)], code: 1, names: '--snp-ovmf-hash' },
  { what: 'unknown option', args: [...SNP, '--ovmf', A(), '--ovmf-hash', '00'], code: 2, names: '--ovmf-hash' },
  { what: 'ambiguous option', args: ['--mode', 'snp', '--vcpu', '1', '--ovmf', A()], code: 2, names: '--vcpu' },
  { what: 'missing value', args: [...SNP, '--ovmf'], code: 2, names: '--ovmf' },
  { what: 'flag with a value', args: [...SNP, '--ovmf', A(), '--log=yes'], code: 2, names: '--log' },
  { what: 'stray positional', args: [...SNP, '--ovmf', A(), 'extra.bin'], code: 2, names: 'extra.bin' },
  { what: 'no image', args: ['--mode', 'snp', '--vcpus', '1'], code: 2, names: '--ovmf' },
  { what: '--ovmf and --igvm', args: ['--igvm', p('random.igvm'), '--ovmf', A(), '--platform', 'openvmm'], code: 2, names: '--igvm' },
  { what: '--native-zero off igvmmeasure', args: ['--igvm', p('random.igvm'), '--platform', 'openvmm', '--native-zero'], code: 2, names: '--native-zero' },
  { what: '--dump-vmsa with sev', args: ['--mode', 'sev', '--ovmf', A(), '--dump-vmsa'], code: 2, names: '--dump-vmsa' },
  { what: 'empty --dump-vmsa-dir', args: [...SNP, '--ovmf', A(), '--dump-vmsa-dir='], code: 2, names: '--dump-vmsa-dir' },
];

for (const [group, cases] of [['bad files', INPUT_CASES], ['bad flags', FLAG_CASES]] as const) {
  test(`measure rejects ${group} with one clear line`, { skip: needsShared }, async () => {
    cliBuilt();
    const failures: string[] = [];
    await pool(cases().filter((c) => !c.skip), async (c) => {
      const r = await runCli(['measure', ...c.args], dir);
      try {
        assert.equal(r.code, c.code, `exit status ${r.code}, want ${c.code}; stderr: ${r.stderr.trim()} stdout: ${r.stdout.trim()}`);
        const line = assertOneLineError(r, c.what);
        assert.ok(line.includes(c.names), `does not name ${c.names}: ${line}`);
        assert.doesNotMatch(line, /internal error|undefined|\[object/, line);
      } catch (e) {
        failures.push(`${c.what}: ${(e as Error).message.split('\n')[0]}`);
      }
    });
    assert.deepEqual(failures, []);
  });
}
