/**
 * OVMF measurement entry point: sev-snp-measure's modes snp, seves, sev, snp:ovmf-hash and
 * snp:svsm for the VMM types QEMU, ec2 and gce (specs/ovmf.md §8, specs/sev-snp-measure-cli.md
 * §3 and §6). Options are checked in the reference's order with its messages; the deliberate
 * differences of sev-snp-measure-cli.md §6.3 are rejected up front. SNP launches run through the
 * VMM loaders on the upstream KVM model, so the digest is what KVM + the firmware would compute.
 * Memory stays constant in the firmware and kernel sizes (pages are streamed) when no log is kept.
 */
import { inputError, usageError } from '../core/errors.js';
import { SnpFirmware } from '../firmware/launch-digest.js';
import { PageType } from '../firmware/page-types.js';
import { sevEsLaunchDigest, sevLaunchDigest } from '../firmware/sev-legacy.js';
import { buildKernelHashTable } from '../images/ovmf/kernel-hashes.js';
import { initrdGiven, kernelGiven, kernelHashesOf } from './by-hash.js';
import { firmwareGpa, parseOvmf, requireResetEip, sevHashesSupported, type OvmfImage } from '../images/ovmf/parse.js';
import { ovmfVcpuStates, planOvmfSnpLaunch, requirePageAligned, runLaunchPlan, type LaunchPlan, type OvmfVmmRules } from '../loaders/ovmf/common.js';
import { QEMU_RULES } from '../loaders/ovmf/qemu.js';
import { EC2_RULES } from '../loaders/ovmf/ec2.js';
import { GCE_RULES } from '../loaders/ovmf/gce.js';
import { planSvsmLaunch } from '../loaders/ovmf/svsm.js';
import { qemuLaunchability, refusalSentence } from '../loaders/ovmf/qemu-launchable.js';
import { UpstreamKvmSession } from '../uapi/kvm-upstream.js';
import { reservedSevFeatures } from '../vmsa/sev-features.js';
import type { MeasureResult, OvmfMeasureOptions, VmmType } from './types.js';

const U64_MAX = (1n << 64n) - 1n;
/** CONFIG_KVM_MAX_NR_VCPUS upper bound on x86 (KVM_MAX_VCPUS). */
export const MAX_VCPUS = 4096;
const RULES: Record<VmmType, OvmfVmmRules> = { QEMU: QEMU_RULES, ec2: EC2_RULES, gce: GCE_RULES };
const PLATFORM: Record<VmmType, string> = { QEMU: 'qemu-kvm', ec2: 'ec2', gce: 'gce' };
const MODES = ['snp', 'seves', 'sev', 'snp:ovmf-hash', 'snp:svsm'];

export async function measureOvmf(opts: OvmfMeasureOptions): Promise<MeasureResult> {
  const mode = opts.mode;
  if (!MODES.includes(mode)) throw usageError('BAD_MODE', `invalid mode '${String(mode)}' (choose from ${MODES.join(', ')})`, 'mode');
  checkDeliberateDifferences(opts);
  const warnings: string[] = [];

  // §3 step 1: snp:ovmf-hash ignores every other option.
  if (mode === 'snp:ovmf-hash') return ovmfHash(opts);

  // §3 steps 2–7.
  if (initrdGiven(opts) && !kernelGiven(opts)) throw usageError('NEED_KERNEL', '--kernel required when using --initrd', 'initrd');
  if (opts.append && !kernelGiven(opts)) throw usageError('NEED_KERNEL', '--kernel required when using --append', 'append');
  if (mode !== 'sev' && opts.vcpus === undefined) throw usageError('NEED_VCPUS', `missing --vcpus N in guest mode '${mode}'`, 'vcpus');
  const vmm = opts.vmm ?? 'QEMU';
  if (!Object.prototype.hasOwnProperty.call(RULES, vmm)) throw usageError('BAD_VMM', `unknown VMM type '${String(vmm)}'`, 'vmm-type');
  const rules = RULES[vmm];
  if (mode !== 'sev' && opts.vcpuSig === undefined && vmm === 'QEMU') {
    throw usageError('NEED_VCPU_SIG', `missing --vcpu-type or --vcpu-sig or --vcpu-family in guest mode '${mode}'`, 'vcpu-type');
  }
  if (mode === 'snp:svsm' && !opts.varsSize) throw usageError('NEED_VARS', 'snp:svsm mode requires --vars-size or --vars-file', 'vars-size');
  if (mode === 'snp:svsm' && !opts.svsm) throw usageError('NEED_SVSM', 'snp:svsm mode requires --svsm (the Coconut-SVSM binary)', 'svsm');

  // Compute-time checks of the reference (input errors).
  if (opts.snpOvmfHash && mode !== 'snp') throw inputError('OVMF_HASH_MODE', 'SNP OVMF hash only works with SNP', { field: 'snp-ovmf-hash' });
  if (mode === 'snp:svsm' && vmm !== 'QEMU') throw inputError('SVSM_VMM', 'SVSM mode is only implemented for Qemu.', { field: 'vmm-type' });

  const platform = PLATFORM[vmm];
  if (vmm !== 'QEMU' && opts.vcpuSig !== undefined && mode !== 'sev') warnings.push(`--vmm-type ${vmm} writes RDX = 0x600 and ignores the vCPU signature`);
  if ((mode === 'seves' || mode === 'snp:svsm') && opts.guestFeatures !== undefined) {
    warnings.push(`mode ${mode} ignores the guest features (SEV_FEATURES is ${mode === 'seves' ? '0' : '0x1'})`);
  }

  const ovmf = await parseOvmf(opts.ovmf);
  if (!ovmf.footer.present) warnings.push(`${ovmf.name} has no OVMF footer table (SEV works; SNP and SEV-ES need the reset block)`);

  if (mode === 'snp:svsm') return svsm(opts, ovmf, platform, warnings);
  const r = mode === 'sev' || mode === 'seves' ? await sevLegacy(opts, ovmf, rules, platform, warnings) : await snp(opts, ovmf, rules, platform, warnings);
  return vmm === 'QEMU' ? withQemuVerdict(r, ovmf, opts) : r;
}

/** QEMU's verdict on the launch (seves, snp): the digest stays the reference's, one warning says why QEMU refuses. */
function withQemuVerdict(r: MeasureResult, ovmf: OvmfImage, opts: OvmfMeasureOptions): MeasureResult {
  if (r.mode !== 'snp' && r.mode !== 'seves') return r;
  const launchable = qemuLaunchability(ovmf, { mode: r.mode, ...(opts.vcpus !== undefined ? { vcpus: opts.vcpus } : {}) });
  return { ...r, launchable, warnings: launchable.ok ? r.warnings : [...r.warnings, refusalSentence(launchable)] };
}

/** sev-snp-measure-cli.md §6.3: inputs snp-launch rejects whatever the mode. */
function checkDeliberateDifferences(o: OvmfMeasureOptions): void {
  if (o.guestFeatures !== undefined && (typeof o.guestFeatures !== 'bigint' || o.guestFeatures < 0n || o.guestFeatures > U64_MAX)) {
    throw usageError('BAD_FEATURES', `guest features ${String(o.guestFeatures)} are outside 0..2^64-1`, 'guest-features');
  }
  if (o.vcpus !== undefined && (!Number.isSafeInteger(o.vcpus) || o.vcpus <= 0)) {
    throw usageError('BAD_VCPUS', `--vcpus must be a positive number of vCPUs (got ${o.vcpus})`, 'vcpus');
  }
  // Bounds the work a typo can cause (one VMSA step per vCPU); x86 KVM allows at most this many.
  if (o.vcpus !== undefined && o.vcpus > MAX_VCPUS) {
    throw usageError('BAD_VCPUS', `--vcpus ${o.vcpus} is more than KVM's maximum of ${MAX_VCPUS} vCPUs`, 'vcpus');
  }
  if (o.vcpuSig !== undefined && (!Number.isSafeInteger(o.vcpuSig) || o.vcpuSig < 0)) {
    throw usageError('BAD_VCPU_SIG', `vCPU signature ${o.vcpuSig} is not a non-negative integer`, 'vcpu-sig');
  }
  if (o.varsSize !== undefined && (!Number.isSafeInteger(o.varsSize) || o.varsSize < 0)) {
    throw usageError('BAD_VARS_SIZE', `--vars-size ${o.varsSize} is not a non-negative size in bytes`, 'vars-size');
  }
  if (o.snpOvmfHash !== undefined && o.snpOvmfHash.length !== 48) {
    throw inputError('BAD_OVMF_HASH', `--snp-ovmf-hash must be 48 bytes (96 hex digits), got ${o.snpOvmfHash.length} bytes`, { field: 'snp-ovmf-hash' });
  }
}

function result(mode: string, platform: string, digest: Uint8Array, algorithm: 'sha384' | 'sha256', warnings: string[], extra: Partial<MeasureResult> = {}): MeasureResult {
  return { digest, algorithm, mode, platform, warnings, ...extra };
}

/** snp:ovmf-hash: the digest after the firmware pages only, from zero (ovmf.md §8.2). */
async function ovmfHash(opts: OvmfMeasureOptions): Promise<MeasureResult> {
  const ovmf = await parseOvmf(opts.ovmf);
  requirePageAligned(ovmf, 'firmware');
  const fw = new SnpFirmware({ log: opts.log === true });
  await fw.measureSource(PageType.NORMAL, firmwareGpa(ovmf), ovmf.source, 0, ovmf.size, 'OVMF firmware');
  return result('snp:ovmf-hash', 'qemu-kvm', fw.digest, 'sha384', [], opts.log ? { log: fw.log } : {});
}

async function kernelTable(opts: OvmfMeasureOptions): Promise<Uint8Array | undefined> {
  const h = await kernelHashesOf(opts);
  return h && buildKernelHashTable(h);
}

/** sev and seves: SHA-256 over the firmware, the hashes table and (seves) the VMSAs (ovmf.md §8.4, §8.5). */
async function sevLegacy(opts: OvmfMeasureOptions, ovmf: OvmfImage, rules: OvmfVmmRules, platform: string, warnings: string[]): Promise<MeasureResult> {
  if (kernelGiven(opts) && !sevHashesSupported(ovmf)) {
    throw inputError('OVMF_NO_HASH_TABLE', "Kernel specified but OVMF doesn't support kernel/initrd/cmdline measurement", { file: ovmf.name });
  }
  const hashTable = await kernelTable(opts);
  if (opts.mode === 'sev') {
    const digest = await sevLaunchDigest({ firmware: ovmf.source, hashTable });
    return result('sev', platform, digest, 'sha256', warnings, opts.keepVmsas ? { vmsas: [] } : {});
  }
  // SEV-ES: SEV_FEATURES 0 whatever the guest features (ovmf.md §7.1).
  const vmsas = ovmfVcpuStates(rules.profile, opts.vcpus!, requireResetEip(ovmf), 0n, opts.vcpuSig, { kvm: opts.kvm, rdx: opts.rdx }).map((s) => s.vmsa);
  const digest = await sevEsLaunchDigest({ firmware: ovmf.source, hashTable, vmsas });
  return result('seves', platform, digest, 'sha256', warnings, opts.keepVmsas ? { vmsas } : {});
}

async function snp(opts: OvmfMeasureOptions, ovmf: OvmfImage, rules: OvmfVmmRules, platform: string, warnings: string[]): Promise<MeasureResult> {
  const features = opts.guestFeatures ?? 0x1n;
  if (reservedSevFeatures(features) !== 0n) warnings.push(`guest features 0x${features.toString(16)} set reserved SEV_FEATURES bits 0x${reservedSevFeatures(features).toString(16)}`);
  // Not awaited: the firmware pages in front of the kernel-hashes page are measured while the
  // kernel and initrd streams are hashed (the plan reads the page when it gets there).
  const kernelHashTable = kernelGiven(opts) ? kernelTable(opts).then((t) => t!) : undefined;
  kernelHashTable?.catch(() => undefined); // a plan error first must not leave it unhandled
  const plan = planOvmfSnpLaunch(
    { ovmf, vcpus: opts.vcpus!, guestFeatures: features, vcpuSig: opts.vcpuSig, ...(kernelHashTable ? { kernelHashTable } : {}), skipFirmware: opts.snpOvmfHash !== undefined, ...(opts.kvm ? { kvm: opts.kvm } : {}), ...(opts.rdx !== undefined ? { rdx: opts.rdx } : {}) },
    rules,
  );
  return runSnp(plan, opts, 'snp', platform, warnings);
}

async function svsm(opts: OvmfMeasureOptions, ovmf: OvmfImage, platform: string, warnings: string[]): Promise<MeasureResult> {
  const svsmImg = await parseOvmf(opts.svsm!);
  const plan = planSvsmLaunch({ ovmf, svsm: svsmImg, varsSize: opts.varsSize!, vcpus: opts.vcpus!, vcpuSig: opts.vcpuSig ?? 0 });
  return runSnp(plan, opts, 'snp:svsm', platform, warnings);
}

async function runSnp(plan: LaunchPlan, opts: OvmfMeasureOptions, mode: string, platform: string, warnings: string[]): Promise<MeasureResult> {
  const session = new UpstreamKvmSession({ log: opts.log === true, seed: opts.snpOvmfHash, ...(opts.vmsaGpa !== undefined ? { vmsaGpa: opts.vmsaGpa } : {}) });
  const r = await runLaunchPlan(session, plan);
  return result(mode, platform, r.digest, 'sha384', [...warnings, ...r.warnings], {
    ...(opts.log ? { log: r.log } : {}),
    ...(opts.keepVmsas ? { vmsas: plan.vcpuStates.map((s) => s.vmsa.slice()) } : {}),
  });
}
