/**
 * Option resolution of `snp-launch measure` without running the CLI: the reference's check order
 * (specs/sev-snp-measure-cli.md §3), signature priority, snp-launch's own rejections (§6.3), the
 * --platform/--igvm additions, and prefix matching.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SnpLaunchError } from '../../src/core/errors.js';
import { parseArgs } from '../../src/cli/args.js';
import { MEASURE_SPEC } from '../../src/cli/commands/measure.js';
import { MEASURE_OPTIONS, predictFromArgs, resolveMeasureRequest, type OvmfRequest } from '../../src/cli/measure-options.js';
import { requestJsonOptions } from '../../src/cli/measure-run.js';
import { MEASURE_INPUT_OPTIONS, resolveMeasureInputs } from '../../src/measure/request.js';

const A = 'A.fd';
const parse = (s: string) => parseArgs(MEASURE_SPEC, s.split(' ').filter((x) => x !== ''));
const resolve = (s: string, dumpVmsa = false) => resolveMeasureRequest(parse(s), { dumpVmsa });

/** Asserts a SnpLaunchError of the given kind whose message matches. */
function rejects(s: string, kind: 'usage' | 'input', msg: RegExp, dumpVmsa = false): void {
  assert.throws(
    () => resolve(s, dumpVmsa),
    (e: unknown) => e instanceof SnpLaunchError && e.kind === kind && msg.test(e.message),
    `measure ${s}`,
  );
}

test('reference check order: initrd/append before vcpus before VMM type before signature', () => {
  rejects(`--mode snp --ovmf ${A} --initrd i --append x --vmm-type kvm`, 'usage', /--kernel required when using --initrd/);
  rejects(`--mode snp --ovmf ${A} --append x --vmm-type kvm`, 'usage', /--kernel required when using --append/);
  rejects(`--mode seves --ovmf ${A} --vmm-type kvm`, 'usage', /missing --vcpus N in guest mode 'seves'/);
  rejects(`--mode snp --vcpus 1 --ovmf ${A} --vmm-type kvm`, 'usage', /unknown VMM type 'kvm'/);
  rejects(`--mode snp --vcpus 1 --ovmf ${A} --vmm-type qemu`, 'usage', /unknown VMM type 'qemu'/);
  rejects(`--mode snp --vcpus 1 --ovmf ${A}`, 'usage', /missing --vcpu-type or --vcpu-sig or --vcpu-family in guest mode 'snp'/);
  rejects(`--mode snp:svsm --vcpus 1 --vcpu-sig 0 --ovmf ${A} --svsm s`, 'usage', /requires --vars-size or --vars-file/);
  rejects(`--mode snp:svsm --vcpus 1 --vcpu-sig 0 --ovmf ${A} --svsm s --vars-size 0`, 'usage', /requires --vars-size or --vars-file/);
  rejects(`--mode sev --ovmf ${A}`, 'usage', /--dump-vmsa is not available/, true);
  // Our rejections come after the reference's checks.
  rejects(`--mode snp --vcpus 0 --ovmf ${A}`, 'usage', /missing --vcpu-type/);
  rejects(`--mode snp --vcpus 0 --vcpu-type EPYC --ovmf ${A}`, 'usage', /--vcpus: must be at least 1/);
  rejects(`--mode snp --vcpus -3 --vcpu-type EPYC --ovmf ${A}`, 'usage', /--vcpus: must be at least 1/);
  rejects(`--mode snp:svsm --vcpus 1 --vcpu-sig 0 --ovmf ${A} --vars-size 4096`, 'usage', /requires --svsm/);
});

test('parser-level errors: required options, choices, integer syntax, ambiguity, exclusivity', () => {
  rejects(`--vcpus 1`, 'usage', /required: --mode, --ovmf/);
  rejects(`--mode snp --vcpus 1`, 'usage', /required: --ovmf/);
  assert.throws(() => parse(`--mode SNP --ovmf ${A}`), /invalid choice: 'SNP'/);
  assert.throws(() => parse(`--mode snp --vcpu-type EPYC-Genoa-v9 --ovmf ${A}`), /invalid choice: 'EPYC-Genoa-v9' \(choose from 'EPYC', .*'EPYC-Turin-v2'\)/);
  assert.throws(() => parse(`--mode snp --vcpu-family 0x19 --ovmf ${A}`), /invalid int value: '0x19'/);
  assert.throws(() => parse(`--mode snp --vcpu-sig 021 --ovmf ${A}`), /invalid int value: '021'/);
  assert.throws(() => parse(`--mode snp --vcpu 1 --ovmf ${A}`), /ambiguous option: --vcpu/);
  assert.throws(() => parse(`--mode snp --ovmf-hash 00 --ovmf ${A}`), /unrecognized argument: --ovmf-hash/);
  rejects(`--mode snp:svsm --vcpus 1 --vcpu-sig 0 --ovmf ${A} --svsm s --vars-size 1 --vars-file v`, 'usage', /not allowed with argument --vars-size/);
});

test('abbreviations the reference accepted keep their meaning beside the extension options', () => {
  const a = parse(`--mode snp --dump --i x --gu 3 --ovmf ${A}`);
  assert.equal(a.values.get('dump-vmsa'), true);
  assert.equal(a.values.get('initrd'), 'x');
  assert.equal(a.values.get('guest-features'), 3n);
  assert.throws(() => parse(`--lo`), /ambiguous option: --lo/);
});

test('signature priority: family/model/stepping > --vcpu-sig > --vcpu-type (launch-digest.md §5 values)', () => {
  const sig = (s: string) => (resolve(`--mode snp --vcpus 2 --ovmf ${A} ${s}`) as OvmfRequest).vcpuSig;
  assert.equal(sig('--vcpu-type EPYC-v4'), 0x00800f12);
  assert.equal(sig('--vcpu-type EPYC-Rome'), 0x00830f10);
  assert.equal(sig('--vcpu-type EPYC-Turin'), 0x00b00f00);
  assert.equal(sig('--vcpu-type EPYC-v4 --vcpu-sig 0xa10f10'), 0xa10f10);
  assert.equal(sig('--vcpu-type EPYC-v4 --vcpu-sig 0xa10f10 --vcpu-family 25 --vcpu-model 1 --vcpu-stepping 1'), 0xa00f11);
  assert.equal(sig('--vcpu-family 14 --vcpu-model 1 --vcpu-stepping 2'), 0x0e12);
  assert.equal(sig('--vcpu-family 23 --vcpu-model 1 --vcpu-stepping 2'), 0x800f12);
  assert.equal(sig('--vcpu-sig 0'), 0);
  assert.equal(sig('--vcpu-sig 0xffffffff'), 0xffffffff);
  rejects(`--mode snp --vcpus 1 --ovmf ${A} --vcpu-family 25`, 'usage', /--vcpu-family needs --vcpu-model and --vcpu-stepping/);
  rejects(`--mode sev --ovmf ${A} --vcpu-family 25`, 'usage', /--vcpu-family needs/);
  rejects(`--mode snp --vcpus 1 --ovmf ${A} --vcpu-sig 0x100000000`, 'usage', /--vcpu-sig: .*32 bits/);
  // ec2 and gce need no signature (never used).
  assert.equal((resolve(`--mode snp --vcpus 2 --vmm-type ec2 --ovmf ${A}`) as OvmfRequest).vcpuSig, undefined);
  assert.equal((resolve(`--mode seves --vcpus 2 --platform gce --ovmf ${A}`) as OvmfRequest).vmm, 'gce');
});

test('guest features, --snp-ovmf-hash and snp:ovmf-hash', () => {
  const r = (s: string) => resolve(`--mode snp --vcpus 1 --vcpu-type EPYC --ovmf ${A} ${s}`) as OvmfRequest;
  assert.equal(r('').guestFeatures, 0x1n, 'default 0x1 (§2)');
  assert.equal(r('--guest-features 21').guestFeatures, 21n, 'decimal 21, not 0x21');
  assert.equal(r('--guest-features 0x8000000000000000').guestFeatures, 1n << 63n);
  assert.equal(r('--guest-features 0b101').guestFeatures, 5n);
  assert.equal(r('--guest-features 0x_2_1').guestFeatures, 0x21n, 'Python int(x, 0) underscores');
  rejects(`--mode snp --vcpus 1 --vcpu-type EPYC --ovmf ${A} --guest-features -1`, 'usage', /--guest-features: SEV_FEATURES is 64 bits/);
  rejects(`--mode snp --vcpus 1 --vcpu-type EPYC --ovmf ${A} --guest-features 0x10000000000000000`, 'usage', /64 bits/);
  const h = '65b3226c224fe1a146bba59e3f9b332cf20968a03539c47623d8d2dda629b922c40cb90a84a27bf9d51579dd55c7b24a';
  assert.equal(r(`--snp-ovmf-hash ${h.toUpperCase()}`).snpOvmfHash!.length, 48);
  rejects(`--mode snp --vcpus 1 --vcpu-type EPYC --ovmf ${A} --snp-ovmf-hash abc`, 'input', /--snp-ovmf-hash/);
  rejects(`--mode snp --vcpus 1 --vcpu-type EPYC --ovmf ${A} --snp-ovmf-hash ${h}00`, 'input', /48 bytes/);
  rejects(`--mode seves --vcpus 1 --vcpu-type EPYC --ovmf ${A} --snp-ovmf-hash ${h}`, 'input', /SNP OVMF hash only works with SNP/);
  // snp:ovmf-hash ignores every other option (no --vcpus needed) but not our value checks.
  const o = resolve(`--mode snp:ovmf-hash --ovmf ${A} --initrd x --vmm-type kvm`, true) as OvmfRequest;
  assert.deepEqual([o.mode, o.paths], ['snp:ovmf-hash', { ovmf: A }]);
  assert.deepEqual(o.warnings, ['mode snp:ovmf-hash hashes the firmware pages only and ignores --vmm-type, --initrd']);
  rejects(`--mode snp:ovmf-hash --ovmf ${A} --vcpus 0`, 'usage', /--vcpus: must be at least 1/);
});

test('--platform is --vmm-type under another name; contradictions are usage errors', () => {
  assert.equal((resolve(`--mode snp --vcpus 1 --platform ec2 --ovmf ${A}`) as OvmfRequest).vmm, 'ec2');
  assert.equal((resolve(`--mode snp --vcpus 1 --vcpu-sig 1 --platform qemu-kvm --vmm-type QEMU --ovmf ${A}`) as OvmfRequest).platform, 'qemu-kvm');
  rejects(`--mode snp --vcpus 1 --platform gce --vmm-type ec2 --ovmf ${A}`, 'usage', /contradicts/);
  rejects(`--mode snp --vcpus 1 --platform openvmm --ovmf ${A}`, 'usage', /--platform: invalid choice for --ovmf: 'openvmm'/);
  rejects(`--mode snp --vcpus 1 --vcpu-sig 1 --native-zero --ovmf ${A}`, 'usage', /--native-zero applies to --igvm/);
});

test('IGVM form', () => {
  const r = resolve('--igvm f.igvm --platform qemu-kvm --vcpus 4 --vcpu-type EPYC-Milan --guest-features 0x1');
  assert.ok(r && r.kind === 'igvm');
  assert.deepEqual([r.platform, r.vcpus, r.vcpuSig, r.guestFeatures], ['qemu-kvm', 4, 0x00a00f11, 1n]);
  assert.deepEqual(requestJsonOptions(r), { vcpus: 4, vcpuType: 'EPYC-Milan', vcpuSig: '0x00a00f11', guestFeatures: '0x1' });
  assert.equal((resolve('--igvm f --platform igvmmeasure --native-zero') as { nativeZero: boolean }).nativeZero, true);
  rejects('--igvm f', 'usage', /--igvm needs --platform/);
  rejects('--igvm f --platform ec2', 'usage', /invalid choice for --igvm: 'ec2'/);
  rejects('--igvm f --platform openvmm --native-zero', 'usage', /--native-zero applies to --platform igvmmeasure only/);
  rejects(`--igvm f --ovmf ${A} --platform openvmm`, 'usage', /--igvm: not allowed with argument --ovmf/);
  rejects('--igvm f --platform openvmm --kernel k', 'usage', /--kernel applies to --ovmf images/);
  rejects('--igvm f --platform openvmm --vmm-type QEMU', 'usage', /use --platform/);
  rejects('--igvm f --platform openvmm --mode seves', 'usage', /always SNP/);
  rejects('--igvm f --platform openvmm --vcpus 0', 'usage', /--vcpus: must be at least 1/);
});

test('predictFromArgs: undefined without image options; MEASURE_OPTIONS is the shared option list', async () => {
  const spec = { usage: 'x', summary: 'x', options: [{ name: 'cert', type: 'string' as const, help: '' }, ...MEASURE_OPTIONS] };
  assert.equal(await predictFromArgs(parseArgs(spec, ['--cert', 'c.pem'])), undefined);
  await assert.rejects(predictFromArgs(parseArgs(spec, ['--vcpus', '2'])), /required: --mode, --ovmf/);
  await assert.rejects(predictFromArgs(parseArgs(spec, ['--ovmf', 'x'])), /required: --mode/);
  const names = MEASURE_OPTIONS.map((o) => o.name);
  for (const n of ['ovmf', 'igvm', 'platform', 'vmm-type', 'vcpus', 'vcpu-type', 'vcpu-sig', 'vcpu-family', 'vcpu-model', 'vcpu-stepping', 'guest-features', 'kernel', 'initrd', 'append', 'snp-ovmf-hash', 'svsm', 'vars-size', 'vars-file', 'native-zero', 'mode']) {
    assert.ok(names.includes(n), n);
  }
});

test('MEASURE_OPTIONS covers the shared request inputs (src/measure/request.ts) in their order', () => {
  assert.deepEqual(
    MEASURE_OPTIONS.map((o) => o.name),
    MEASURE_INPUT_OPTIONS.map(([name]) => name),
  );
  // The browser-safe resolver gives what the command line gives, without ParsedArgs.
  const cli = resolve(`--mode snp --vcpus 2 --vcpu-type EPYC-v4 --ovmf ${A} --kernel k --append x --guest-features 0x21`);
  const shared = resolveMeasureInputs({ mode: 'snp', vcpus: 2, vcpuType: 'EPYC-v4', ovmf: A, kernel: 'k', append: 'x', guestFeatures: 0x21n });
  assert.deepEqual(shared, cli);
  assert.deepEqual(requestJsonOptions(shared!), { vcpus: 2, vcpuType: 'EPYC-v4', vcpuSig: '0x00800f12', guestFeatures: '0x21', append: 'x' });
  // A flag given as false counts as not given (the page's form).
  assert.deepEqual(resolveMeasureInputs({ mode: 'sev', ovmf: A, nativeZero: false }), resolve(`--mode sev --ovmf ${A}`));
  assert.throws(() => resolveMeasureInputs({ mode: 'SNP', ovmf: A }), /--mode: invalid choice: 'SNP'/);
});
