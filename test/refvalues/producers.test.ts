// Producers refuse to guess (issue 17 item 1): `refvalues` for qemu-kvm needs the vCPU type or
// signature as `measure` does (a value left out would be a guess that never matches a fleet);
// `--vcpu-sig 0` stays possible when given explicitly. Expected digests: sev-snp-measure's known
// answers for the AmdSev suffix (specs/ovmf.md §11).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsShared, shared, SHARED } from '../_shared.js';
import { assertOneLineError, cliBuilt, pool, runCli } from '../cli/_cli.js';

const AMDSEV = () => shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin');

test('refvalues for qemu-kvm without --vcpu-type/--vcpu-sig exits 2 naming the option', { skip: needsShared }, async () => {
  cliBuilt();
  const cases: string[][] = [
    ['refvalues', '--ovmf', AMDSEV(), '--vcpus', '4'],
    ['refvalues', '--ovmf', AMDSEV(), '--vcpus', '1-4', '--platform', 'qemu-kvm,ec2'],
  ];
  await pool(cases, async (args) => {
    const r = await runCli(args, SHARED);
    assert.equal(r.code, 2, r.stderr);
    assert.match(assertOneLineError(r, args.join(' ')), /--vcpu-type: .*give --vcpu-type or --vcpu-sig/);
  }, 2);
});

test('refvalues: --vcpu-sig 0 given explicitly, and ec2/gce alone, need no vCPU type', { skip: needsShared }, async () => {
  cliBuilt();
  // snp_without_kernel_default: 1 vCPU, EPYC-v4, features 0x21, no kernel.
  const withType = await runCli(['refvalues', '--ovmf', AMDSEV(), '--vcpus', '1', '--vcpu-type', 'EPYC-v4', '--guest-features', '0x21'], SHARED);
  assert.equal(withType.code, 0, withType.stderr);
  assert.equal(JSON.parse(withType.stdout).cells[0].measurement, 'e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b');
  const zero = await runCli(['refvalues', '--ovmf', AMDSEV(), '--vcpus', '4', '--vcpu-sig', '0'], SHARED);
  assert.equal(zero.code, 0, zero.stderr);
  const cell = JSON.parse(zero.stdout).cells[0];
  assert.equal(cell.vcpuSig, '0x00000000');
  const m = await runCli(['measure', '--mode', 'snp', '--vcpus', '4', '--vcpu-sig', '0', '--ovmf', AMDSEV()], SHARED);
  assert.equal(cell.measurement + '\n', m.stdout, 'the same digest measure gives for --vcpu-sig 0');
  // snp_gce_with_multiple_vcpus_default (gce ignores the vCPU signature).
  const gce = await runCli(['refvalues', '--ovmf', AMDSEV(), '--vcpus', '4', '--platform', 'gce', '--kernel', shared('vectors', 'sev-snp-measure', 'inputs', 'empty.bin'), '--initrd', shared('vectors', 'sev-snp-measure', 'inputs', 'empty.bin')], SHARED);
  assert.equal(gce.code, 0, gce.stderr);
  assert.equal(JSON.parse(gce.stdout).cells[0].measurement, '5c5debf100fc339f90276e761ee1f1658d08922c3b20e2a2e6c7a6c3370b2452a15a00eae11886a93d6fd1e7ab81e29d');
});
