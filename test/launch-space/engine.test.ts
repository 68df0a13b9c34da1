// The launch-space engine and the measure options it added (--kvm, --vmsa-gpa, --vcpus lists),
// checked against independent chains (./_independent.ts): no expected value comes from the library.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bytesSource } from '../../src/core/source.js';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { defaultSpace, digestsOf, forEachDigest, narrowSpace, parseVcpuList, spaceSize, searchMeasurement, KVM_VMSA_GPA_52, type LaunchSpace } from '../../src/launch-space/index.js';
import { needsShared, shared, SHARED } from '../_shared.js';
import { cliBuilt, runCli } from '../cli/_cli.js';
import { independentDigests } from './_independent.js';

setHashProvider(nodeHashProvider);
const AMDSEV = () => shared('fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin');
const image = () => ({ kind: 'ovmf' as const, ovmf: bytesSource('ovmf_AmdSev_suffix.bin', new Uint8Array(readFileSync(AMDSEV()))) });
const MILAN = 0xa00f11;

function oneVariant(over: Partial<LaunchSpace>): LaunchSpace {
  return { platforms: ['qemu-kvm'], vcpus: [1, 2, 3, 4, 7, 16], vcpuSigs: [0x800f12], guestFeatures: [1n], kvm: ['init2'], vmsaGpas: [0xfffffffff000], kernelHashes: [false], cloudRdx: [0x600], ...over };
}

test('default space: 110 VMSA variants per vCPU count over 1-512 (launch-space.md §5 plus GCE 0x21)', () => {
  // QEMU 16 signatures x 6 (KVM generation, features) + 6 pre-v9 52-bit rows; EC2 2 RDX x 2 features; GCE 2 GPAs x 2 features.
  const s = defaultSpace('ovmf');
  assert.equal(spaceSize(s, 'ovmf'), (16 * 6 + 6 + 4 + 4) * 512);
  assert.equal(spaceSize(defaultSpace('ovmf', true), 'ovmf'), 2 * 110 * 512);
});

test('engine digests equal an independent chain per vCPU count (init2, legacy, 52-bit GPA, DebugSwap)', { skip: needsShared }, async () => {
  const counts = [1, 2, 3, 4, 7, 16];
  for (const v of [
    { sig: 0x800f12, features: 1n },
    { sig: MILAN, features: 0x21n },
    { sig: MILAN, features: 1n, legacy: true },
    { sig: 0xa10f11, features: 1n, legacy: true, vmsaGpa: KVM_VMSA_GPA_52 },
  ]) {
    const want = await independentDigests(AMDSEV(), v, 16);
    const got = await digestsOf(image(), oneVariant({ vcpuSigs: [v.sig], guestFeatures: [v.features], kvm: [v.legacy ? 'legacy' : 'init2'], vmsaGpas: [v.vmsaGpa ?? 0xfffffffff000] }));
    assert.deepEqual(
      got.map((g) => [g.cell.vcpus, Buffer.from(g.digest).toString('hex')]),
      counts.map((n) => [n, want[n - 1]]),
      JSON.stringify({ ...v, features: String(v.features) }),
    );
  }
});

test('legacy KVM: pre-INIT2 VMSAs differ only in MXCSR/FCW; measure --kvm legacy and match agree with the independent chain', { skip: needsShared }, async () => {
  cliBuilt();
  const want = await independentDigests(AMDSEV(), { sig: MILAN, legacy: true }, 4);
  const init2 = await independentDigests(AMDSEV(), { sig: MILAN }, 4);
  assert.notEqual(want[3], init2[3]);
  const r = await runCli(['measure', '--mode', 'snp', '--vcpus', '4', '--vcpu-type', 'EPYC-Milan', '--kvm', 'legacy', '--ovmf', AMDSEV()], SHARED);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, want[3] + '\n');
  const m = await runCli(['match', '--measurement', want[3]!, '--ovmf', AMDSEV(), '--json'], SHARED);
  assert.equal(m.code, 0, m.stderr);
  const doc = JSON.parse(m.stdout);
  assert.ok(doc.matches.some((x: { vcpus: number; kvm: string; vcpuSig: string }) => x.vcpus === 4 && x.kvm === 'legacy' && x.vcpuSig === '0x00a00f11'), m.stdout);
  // A reproducing command for the legacy row cannot be a sev-snp-measure one.
  assert.ok(doc.matches.every((x: { kvm: string; referenceCommand?: string }) => x.kvm === 'init2' || x.referenceCommand === undefined));
});

test('measure --vmsa-gpa and --vcpus lists equal the independent chain', { skip: needsShared }, async () => {
  cliBuilt();
  const want = await independentDigests(AMDSEV(), { sig: 0xa10f11, legacy: true, vmsaGpa: KVM_VMSA_GPA_52 }, 6);
  const r = await runCli(['measure', '--mode', 'snp', '--vcpus', '1-3,6', '--vcpu-sig', '0xa10f11', '--kvm', 'legacy', '--vmsa-gpa', '0xffffffffff000', '--ovmf', AMDSEV()], SHARED);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, [1, 2, 3, 6].map((n) => `${n}\t${want[n - 1]}`).join('\n') + '\n');
  const j = await runCli(['measure', '--mode', 'snp', '--vcpus=2,6', '--vcpu-sig', '0xa10f11', '--kvm', 'legacy', '--vmsa-gpa', '0xffffffffff000', '--ovmf', AMDSEV(), '--json'], SHARED);
  assert.deepEqual(JSON.parse(j.stdout).digests, [2, 6].map((n) => ({ vcpus: n, measurement: want[n - 1] })));
});

test('early stop: the visitor ends the enumeration; search --first stops at the first match', { skip: needsShared }, async () => {
  let seen = 0;
  const s = await forEachDigest(image(), oneVariant({ vcpus: parseVcpuList('1-64') }), () => ++seen < 5);
  assert.equal(seen, 5);
  assert.equal(s.stopped, true);
  const want = await independentDigests(AMDSEV(), { sig: 0x800f12 }, 3);
  const r = await searchMeasurement(image(), defaultSpace('ovmf'), Buffer.from(want[2]!, 'hex'), { first: true });
  assert.equal(r.matches.length, 1);
  assert.ok(r.configurations < r.spaceSize);
  assert.equal(r.matches[0]!.vcpus, 3);
});

test('vCPU lists and narrowing: bad values are usage errors naming the option', () => {
  assert.deepEqual(parseVcpuList('1-4,8, 2,16-16'), [1, 2, 3, 4, 8, 16]);
  for (const bad of ['0', '5-2', '1-99999', '', 'a', '1,,2', '-3']) {
    assert.throws(() => parseVcpuList(bad), (e: unknown) => e instanceof SnpLaunchError && e.kind === 'usage' && /--vcpus/.test(e.message), bad);
  }
  assert.throws(() => narrowSpace('ovmf', false, { platform: 'openvmm' }), /invalid choice/);
  assert.throws(() => narrowSpace('ovmf', false, { vcpuType: 'EPYC-Foo' }), /unknown vCPU type/);
  assert.throws(() => narrowSpace('ovmf', false, { kvm: 'init3' }), /invalid choice/);
  assert.throws(() => narrowSpace('ovmf', false, { vmsaGpa: '0x1001' }), /page-aligned/);
  const n = narrowSpace('ovmf', false, { guestFeatures: '0x1,0x10001' });
  assert.equal(n.historical, false);
  assert.deepEqual(n.guestFeatures, [1n, 0x10001n]);
});
