// Acceptance of issue 11: `refvalues --ovmf <4 MiB fixture> --platform qemu-kvm,ec2,gce --vcpus 1-512
// --vcpu-type EPYC-v4,EPYC-Milan,EPYC-Genoa --format json` has 4,608 cells; every one equals an
// independent chain, and a random sample of 50 equals `measure` for that cell.
//   qemu-kvm: the whole launch folded by the test chain (../launch-space/_independent.ts).
//   ec2, gce: the shared prefix is the 1-vCPU digest of `measure` (a full launch through the CLI);
//             the test folds each further AP VMSA itself (test/platforms/_ref.ts), with the AP VMSA
//             page `measure --dump-vmsa-dir` writes for 2 vCPUs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needsShared, shared, SHARED } from '../_shared.js';
import { cliBuilt, pool, runCli } from '../cli/_cli.js';
import { independentDigests } from '../launch-space/_independent.js';
import { KVM_GPA, RefChain, T } from '../platforms/_ref.js';

const FIXTURE = () => shared('fixtures', 'sev-snp-measure', 'svsm_ovmf.fd');
// Signatures of sev-snp-measure's vcpu_types table (family/model/stepping 23/1/2, 25/1/1, 25/17/0).
const TYPES: Record<string, number> = { 'EPYC-v4': 0x800f12, 'EPYC-Milan': 0xa00f11, 'EPYC-Genoa': 0xa10f10 };

interface JsonCell {
  platform: string;
  vcpus: number;
  vcpuType: string;
  vcpuSig: string;
  guestFeatures: string;
  kvm: string;
  measurement: string;
}

async function cloudChain(platform: string, dir: string): Promise<string[]> {
  const one = await runCli(['measure', '--mode', 'snp', '--ovmf', FIXTURE(), '--vcpus', '1', '--vmm-type', platform], SHARED);
  assert.equal(one.code, 0, one.stderr);
  const dump = join(dir, platform);
  const two = await runCli(['measure', '--mode', 'snp', '--ovmf', FIXTURE(), '--vcpus', '2', '--vmm-type', platform, '--dump-vmsa-dir', dump], SHARED);
  assert.equal(two.code, 0, two.stderr);
  const ap = new Uint8Array(readFileSync(join(dump, 'vmsa1.bin')));
  const c = new RefChain();
  c.ld = Buffer.from(one.stdout.trim(), 'hex');
  const out = [c.hex];
  for (let n = 2; n <= 512; n++) out.push(c.step(T.VMSA, KVM_GPA, ap).hex);
  // The test's own fold must reach `measure`'s 2-vCPU digest, or the prefix/VMSA reading is wrong.
  assert.equal(out[1], two.stdout.trim(), `${platform}: the independent fold differs from measure --vcpus 2`);
  return out;
}

test('refvalues: the 4,608-cell matrix equals an independent chain for every cell and `measure` for a random sample of 50', { skip: needsShared, timeout: 600_000 }, async () => {
  cliBuilt();
  const r = await runCli(['refvalues', '--ovmf', FIXTURE(), '--platform', 'qemu-kvm,ec2,gce', '--vcpus', '1-512', '--vcpu-type', Object.keys(TYPES).join(','), '--format', 'json'], SHARED, 120_000);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { format: string; tool: string; inputs: Record<string, string>; cells: JsonCell[] };
  assert.equal(doc.cells.length, 4608);
  assert.deepEqual([doc.format, doc.tool], ['snp-launch.refvalues/1', 'snp-launch']);
  const sha = (await import('node:crypto')).createHash('sha256').update(readFileSync(FIXTURE())).digest('hex');
  assert.deepEqual(doc.inputs, { 'svsm_ovmf.fd': sha });

  const dir = mkdtempSync(join(tmpdir(), 'snp-refv-'));
  const expected = new Map<string, string[]>();
  for (const [type, sig] of Object.entries(TYPES)) expected.set(`qemu-kvm ${type}`, await independentDigests(FIXTURE(), { sig }, 512));
  for (const p of ['ec2', 'gce']) {
    const chain = await cloudChain(p, dir);
    for (const type of Object.keys(TYPES)) expected.set(`${p} ${type}`, chain);
  }
  let i = 0;
  for (const p of ['qemu-kvm', 'ec2', 'gce']) {
    for (const [type, sig] of Object.entries(TYPES)) {
      for (let n = 1; n <= 512; n++, i++) {
        const c = doc.cells[i]!;
        assert.deepEqual(
          { platform: c.platform, vcpus: c.vcpus, vcpuType: c.vcpuType, vcpuSig: c.vcpuSig, guestFeatures: c.guestFeatures, kvm: c.kvm },
          { platform: p, vcpus: n, vcpuType: type, vcpuSig: '0x' + sig.toString(16).padStart(8, '0'), guestFeatures: '0x1', kvm: 'init2' },
          `cell ${i}`,
        );
        assert.equal(c.measurement, expected.get(`${p} ${type}`)![n - 1], `cell ${i}: ${p} ${type} ${n} vCPUs`);
      }
    }
  }

  // 50 random cells against `measure`, grouped into one `measure --vcpus LIST` run per platform and type.
  const sample = new Set<number>();
  while (sample.size < 50) sample.add(Math.floor(Math.random() * doc.cells.length));
  const groups = new Map<string, JsonCell[]>();
  for (const k of sample) {
    const c = doc.cells[k]!;
    groups.set(`${c.platform} ${c.vcpuType}`, [...(groups.get(`${c.platform} ${c.vcpuType}`) ?? []), c]);
  }
  await pool([...groups.values()], async (cells) => {
    const { platform, vcpuType } = cells[0]!;
    const counts = [...new Set(cells.map((c) => c.vcpus))].sort((a, b) => a - b);
    const m = await runCli(['measure', '--mode', 'snp', '--ovmf', FIXTURE(), '--platform', platform, '--vcpu-type', vcpuType, '--vcpus', counts.join(',')], SHARED);
    assert.equal(m.code, 0, m.stderr);
    // One count prints the bare digest; a list prints "N<TAB>digest" rows.
    const got = new Map(counts.length === 1 ? [[counts[0]!, m.stdout.trim()]] : m.stdout.trim().split('\n').map((l) => [Number(l.split('\t')[0]), l.split('\t')[1]!] as const));
    for (const c of cells) assert.equal(c.measurement, got.get(c.vcpus), `${platform} ${vcpuType} ${c.vcpus} vCPUs vs measure`);
  }, 2);
});
