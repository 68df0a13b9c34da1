/**
 * QEMU/KVM loader for OVMF SNP launches — the baseline (specs/ovmf.md §8.1, §9): SNP_SEC_MEM as
 * ZERO pages, CPUID in metadata order, VMSAs with the QEMU profile (vCPU signature in RDX, KVM's
 * FPU defaults). Upstream QEMU queues the flash first and the metadata pages at LAUNCH_FINISH; KVM
 * then adds the VMSAs in vCPU order, which is the order used here.
 */
import { PageType } from '../../firmware/page-types.js';
import { QEMU_PROFILE } from '../../vmsa/profiles/qemu.js';
import { planOvmfSnpLaunch, runLaunchPlan, type LaunchPlan, type OvmfSnpLaunch, type OvmfVmmRules } from './common.js';
import type { LaunchResult, LaunchSession } from '../../uapi/types.js';

export const QEMU_RULES: OvmfVmmRules = {
  vmm: 'QEMU',
  profile: QEMU_PROFILE,
  secMemPageType: PageType.ZERO,
  cpuidLast: false,
};

export function planQemuOvmfLaunch(l: OvmfSnpLaunch): LaunchPlan {
  return planOvmfSnpLaunch(l, QEMU_RULES);
}

export function launchOvmfOnQemu(session: LaunchSession, l: OvmfSnpLaunch): Promise<LaunchResult> {
  return runLaunchPlan(session, planQemuOvmfLaunch(l));
}
