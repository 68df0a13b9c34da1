/**
 * AWS EC2 loader for OVMF SNP launches. Differs from QEMU (specs/ovmf.md §8.1 step 3, §9):
 * - the CPUID page is measured after all other metadata pages, not in metadata order;
 * - the VMSAs use the ec2 profile: BSP CS attrib 0x9A, SS 0x92, TR 0x83, RDX 0x600 whatever the
 *   vCPU options (0 before sev-snp-measure 0.0.13), MXCSR/FCW 0.
 * SNP_SEC_MEM is ZERO, as on QEMU. AWS's OVMF has no SNP_KERNEL_HASHES section (aws/uefi#20).
 */
import { PageType } from '../../firmware/page-types.js';
import { EC2_PROFILE } from '../../vmsa/profiles/ec2.js';
import { planOvmfSnpLaunch, runLaunchPlan, type LaunchPlan, type OvmfSnpLaunch, type OvmfVmmRules } from './common.js';
import type { LaunchResult, LaunchSession } from '../../uapi/types.js';

export const EC2_RULES: OvmfVmmRules = {
  vmm: 'ec2',
  profile: EC2_PROFILE,
  secMemPageType: PageType.ZERO,
  cpuidLast: true,
};

export function planEc2OvmfLaunch(l: OvmfSnpLaunch): LaunchPlan {
  return planOvmfSnpLaunch(l, EC2_RULES);
}

export function launchOvmfOnEc2(session: LaunchSession, l: OvmfSnpLaunch): Promise<LaunchResult> {
  return runLaunchPlan(session, planEc2OvmfLaunch(l));
}
