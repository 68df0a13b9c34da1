/**
 * `snp-launch measure --igvm FILE --platform P` through the built CLI. The expected digest of a
 * small IGVM file is computed here with node:crypto from specs/launch-digest.md §2 and the
 * platform rules of specs/platforms.md §5 (for this file every platform measures the same two
 * pages: one NORMAL page, then the BSP VMSA at 0xFFFFFFFFF000).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { igvmBuilder } from '../../src/images/igvm/builder.js';
import { IGVM_PLATFORMS } from '../../src/measure/types.js';
import { parseMeasureJson } from '../../src/measure/json.js';
import { assertOneLineError, cliBuilt, pool, runCli } from './_cli.js';

const VMSA_GPA = 0xfffffffff000n;
const PAGE_GPA = 0x10000n;
let dir = '';
const page = new Uint8Array(4096).map((_, i) => (i * 7 + 3) & 0xff);
/** A VMSA the strict platforms accept: VMPL (0xCA) 0, SEV_FEATURES (0x3B0) = SNPActive. */
const vmsa = new Uint8Array(4096);
vmsa[0x3b0] = 1;
vmsa[0x178] = 0xf0; // RIP, any value

function step(ld: Buffer, type: number, gpa: bigint, data: Uint8Array): Buffer {
  const info = Buffer.alloc(0x70);
  ld.copy(info, 0);
  createHash('sha384').update(data).digest().copy(info, 0x30);
  info.writeUInt16LE(0x70, 0x60);
  info.writeUInt8(type, 0x62);
  info.writeBigUInt64LE(gpa, 0x68);
  return createHash('sha384').update(info).digest();
}
const EXPECTED = step(step(Buffer.alloc(48), 1, PAGE_GPA, page), 2, VMSA_GPA, vmsa).toString('hex');

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'snp-igvm-'));
  const b = () => igvmBuilder().platform('SEV_SNP').policy(0x30000n).pageData(PAGE_GPA, page);
  writeFileSync(join(dir, 'good.igvm'), b().vpContext(VMSA_GPA, 0, vmsa).build());
  writeFileSync(join(dir, 'low-vmsa.igvm'), b().vpContext(0x20000n, 0, vmsa).build());
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('every platform prints the independently computed digest', async () => {
  cliBuilt();
  // cloud-hypervisor-kvm rebuilds the VMSA from its registers: test/platforms/cloud-hypervisor-kvm.test.ts.
  const platforms = IGVM_PLATFORMS.filter((p) => p !== 'cloud-hypervisor-kvm');
  const outs = await pool(platforms, (p) => runCli(['measure', '--igvm', 'good.igvm', '--platform', p], dir));
  platforms.forEach((p, i) => {
    const r = outs[i]!;
    assert.equal(r.code, 0, `${p}: ${r.stderr}`);
    assert.equal(r.stdout, EXPECTED + '\n', p);
  });
});

test('--json, --log and base64 for an IGVM launch', async () => {
  const r = await runCli(['measure', '--igvm', 'good.igvm', '--platform', 'kvm-vmsa-page', '--json', '--log'], dir);
  assert.equal(r.code, 0, r.stderr);
  const doc = parseMeasureJson(r.stdout, 'stdout');
  assert.deepEqual([doc.image, doc.platform, doc.algorithm, doc.digest], ['igvm', 'kvm-vmsa-page', 'sha384', EXPECTED]);
  assert.equal(doc.inputs.igvm!.path, 'good.igvm');
  assert.deepEqual(doc.log!.map((e) => [e.gpa, e.type]), [['0x10000', 'NORMAL'], ['0xfffffffff000', 'VMSA']]);
  const b64 = await runCli(['measure', '--igvm', 'good.igvm', '--platform', 'openvmm', '--output-format', 'base64', '-v'], dir);
  assert.equal(b64.stdout, `Calculated SEV_SNP guest measurement: ${Buffer.from(EXPECTED, 'hex').toString('base64')}\n`);
});

test('a platform that cannot launch the image: exit 1 and one line', async () => {
  const r = await runCli(['measure', '--igvm', 'low-vmsa.igvm', '--platform', 'qemu-kvm'], dir);
  assert.equal(r.code, 1, r.stderr);
  const line = assertOneLineError(r, 'qemu-kvm, VMSA not at 0xFFFFFFFFF000');
  assert.match(line, /low-vmsa\.igvm/);
  // openvmm measures the VMSA wherever the file puts it.
  const ok = await runCli(['measure', '--igvm', 'low-vmsa.igvm', '--platform', 'openvmm'], dir);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, step(step(Buffer.alloc(48), 1, PAGE_GPA, page), 2, 0x20000n, vmsa).toString('hex') + '\n');
});

test('qemu-kvm with several vCPUs needs a vCPU signature and adds AP VMSAs', async () => {
  const one = await runCli(['measure', '--igvm', 'good.igvm', '--platform', 'qemu-kvm', '--vcpus', '2', '--vcpu-type', 'EPYC-v4'], dir);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /^[0-9a-f]{96}\n$/);
  assert.notEqual(one.stdout, EXPECTED + '\n');
  const missing = await runCli(['measure', '--igvm', 'good.igvm', '--platform', 'qemu-kvm', '--vcpus', '2'], dir);
  assert.ok(missing.code === 1 || missing.code === 2, `exit ${missing.code}`);
  assertOneLineError(missing, 'no signature');
  // Other platforms ignore the vCPU count.
  const ovm = await runCli(['measure', '--igvm', 'good.igvm', '--platform', 'openvmm', '--vcpus', '4'], dir);
  assert.equal(ovm.stdout, EXPECTED + '\n');
});
