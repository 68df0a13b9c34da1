/**
 * Google Compute Engine loader for OVMF SNP launches. Differs from QEMU (specs/ovmf.md §8.1, §9):
 * - SNP_SEC_MEM sections are UNMEASURED pages (page type 4), not ZERO;
 * - the VMSAs use the gce profile: G_PAT 0x0000000000070106, RDX 0x600 whatever the vCPU
 *   options, MXCSR/FCW 0.
 * Metadata order is otherwise QEMU's. Source: sev-snp-measure 0.0.12 "interpreted from
 * gce-tcb-verifier"; no GCE firmware fixture exists.
 */
import { PageType } from '../../firmware/page-types.js';
import { GCE_PROFILE } from '../../vmsa/profiles/gce.js';
import { planOvmfSnpLaunch, runLaunchPlan, type LaunchPlan, type OvmfSnpLaunch, type OvmfVmmRules } from './common.js';
import type { LaunchResult, LaunchSession } from '../../uapi/types.js';

export const GCE_RULES: OvmfVmmRules = {
  vmm: 'gce',
  profile: GCE_PROFILE,
  secMemPageType: PageType.UNMEASURED,
  cpuidLast: false,
};

export function planGceOvmfLaunch(l: OvmfSnpLaunch): LaunchPlan {
  return planOvmfSnpLaunch(l, GCE_RULES);
}

export function launchOvmfOnGce(session: LaunchSession, l: OvmfSnpLaunch): Promise<LaunchResult> {
  return runLaunchPlan(session, planGceOvmfLaunch(l));
}
