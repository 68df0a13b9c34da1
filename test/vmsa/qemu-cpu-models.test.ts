/**
 * Every EPYC model and version QEMU defines is a `--vcpu-type` (issue 18 item 3). The expected
 * names and family/model/stepping are written out here from QEMU's target/i386/cpu.c (not read from
 * the library), and the signature is encoded independently per specs/launch-digest.md §5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../src/cli/args.js';
import { MEASURE_SPEC } from '../../src/cli/commands/measure.js';
import { resolveMeasureRequest, type OvmfRequest } from '../../src/cli/measure-options.js';
import { narrowSpace } from '../../src/launch-space/narrow.js';
import { qemuModelsFor } from '../../src/launch-space/signatures.js';
import { SEV_SNP_MEASURE_VCPU_TYPES, vcpuTypeSignature } from '../../src/vmsa/vcpu-types.js';
import { needsShared, SHARED } from '../_shared.js';
import { cliBuilt, runCli } from '../cli/_cli.js';

/** launch-digest.md §5, written out again. */
function sig(family: number, model: number, stepping: number): number {
  const base = Math.min(family, 0xf);
  const ext = family > 0xf ? family - 0xf : 0;
  return ((ext << 20) | ((model >> 4) << 16) | (base << 8) | ((model & 0xf) << 4) | stepping) >>> 0;
}

/** QEMU's EPYC models: [name, family, model, stepping, versions] (+ the EPYC-IBPB alias of EPYC-v2). */
const QEMU: [string, number, number, number, number][] = [
  ['EPYC', 23, 1, 2, 5],
  ['EPYC-Rome', 23, 49, 0, 5],
  ['EPYC-Milan', 25, 1, 1, 3],
  ['EPYC-Genoa', 25, 17, 0, 2],
  ['EPYC-Turin', 26, 0, 0, 2],
];
const EXPECTED = new Map<string, number>([['EPYC-IBPB', sig(23, 1, 2)]]);
for (const [name, f, m, s, n] of QEMU) {
  EXPECTED.set(name, sig(f, m, s));
  for (let v = 1; v <= n; v++) EXPECTED.set(`${name}-v${v}`, sig(f, m, s));
}

const parse = (s: string) => parseArgs(MEASURE_SPEC, s.split(' ').filter((x) => x !== ''));

test('every QEMU EPYC name is a --vcpu-type with its model signature (23 names)', () => {
  assert.equal(EXPECTED.size, 23);
  for (const [name, want] of EXPECTED) {
    assert.equal(vcpuTypeSignature(name), want, name);
    const req = resolveMeasureRequest(parse(`--mode snp --vcpus 2 --vcpu-type ${name} --ovmf x.fd`)) as OvmfRequest;
    assert.equal(req.vcpuSig, want, `measure --vcpu-type ${name}`);
    // match and refvalues share the table.
    assert.deepEqual(narrowSpace('ovmf', false, { vcpuType: name }).vcpuSigs, [want], `match --vcpu-type ${name}`);
    assert.ok(qemuModelsFor(want).includes(name), `match lists ${name} for 0x${want.toString(16)}`);
  }
  assert.equal(vcpuTypeSignature('EPYC-Genoa-v2'), 0xa10f10);
  assert.equal(vcpuTypeSignature('EPYC-Turin-v3'), undefined);
});

test('the 16 reference names keep their place and signatures', () => {
  const names = Object.keys(SEV_SNP_MEASURE_VCPU_TYPES);
  assert.deepEqual(names.slice(0, 3), ['EPYC', 'EPYC-v1', 'EPYC-v2']);
  assert.equal(names.length, 16);
  for (const n of names) assert.equal(vcpuTypeSignature(n), EXPECTED.get(n), n);
  // The choice list of measure starts with the reference's 16, in its order.
  const choices = MEASURE_SPEC.options.find((o) => o.name === 'vcpu-type')!.choices!;
  assert.deepEqual(choices.slice(0, 16), names);
  assert.deepEqual([...choices].sort(), [...EXPECTED.keys()].sort());
});

test('unknown names still list the choices', () => {
  assert.throws(() => parse('--mode snp --vcpu-type EPYC-Bergamo --ovmf x.fd'), /invalid choice: 'EPYC-Bergamo' \(choose from 'EPYC', 'EPYC-v1',.*'EPYC-Genoa-v2'.*'EPYC-Turin-v2'\)/);
});

test('measure --vcpu-type EPYC-Genoa-v2 equals --vcpu-sig 0xa10f10 (and Turin-v2 equals 0xb00f00)', { skip: needsShared }, async () => {
  cliBuilt();
  const base = ['measure', '--mode', 'snp', '--vcpus', '3', '--ovmf', 'fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin'];
  for (const [name, s] of [['EPYC-Genoa-v2', '0xa10f10'], ['EPYC-Turin-v2', '0xb00f00'], ['EPYC-Rome-v5', '0x830f10']] as const) {
    const a = await runCli([...base, '--vcpu-type', name], SHARED);
    const b = await runCli([...base, '--vcpu-sig', s], SHARED);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /^[0-9a-f]{96}\n$/);
    assert.equal(a.stdout, b.stdout, name);
  }
});
