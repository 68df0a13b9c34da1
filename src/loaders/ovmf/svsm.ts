/**
 * Coconut-SVSM launch under QEMU (mode snp:svsm; specs/ovmf.md §8.3). Differs from the OVMF QEMU
 * launch: a second image (the SVSM binary) is loaded below OVMF and its OVMF_VARS area; it is the
 * SVSM's own metadata (not OVMF's) that is measured; every vCPU gets the same SVSM VMSA (§7.2)
 * entering the SVSM at its SVSM_INFO offset, with SEV_FEATURES fixed at 0x1. QEMU only.
 */
import { inputError } from '../../core/errors.js';
import { firmwareGpa, requireSvsmEntryOffset, type OvmfImage } from '../../images/ovmf/parse.js';
import { buildSvsmVmsa, SVSM_SEV_FEATURES } from '../../vmsa/profiles/svsm.js';
import { firmwareUpdate, metadataUpdates, OVMF_LAUNCH_POLICY, requirePageAligned, runLaunchPlan, type LaunchPlan } from './common.js';
import { QEMU_RULES } from './qemu.js';
import type { LaunchResult, LaunchSession } from '../../uapi/types.js';

export interface SvsmLaunch {
  ovmf: OvmfImage;
  svsm: OvmfImage;
  /** OVMF_VARS size in bytes (from --vars-size or the size of --vars-file). */
  varsSize: number;
  vcpus: number;
  vcpuSig: number;
}

/** GPA of the SVSM image: below OVMF and the vars area (ovmf.md §8.3 step 1). */
export function svsmGpa(l: SvsmLaunch): number {
  const gpa = firmwareGpa(l.ovmf) - l.varsSize - l.svsm.size;
  if (gpa < 0 || gpa % 4096 !== 0) {
    throw inputError('SVSM_GPA', `the SVSM image would load at ${gpa < 0 ? 'a negative GPA' : `GPA 0x${gpa.toString(16)}, not page aligned`} (OVMF ${l.ovmf.size} B, vars ${l.varsSize} B, SVSM ${l.svsm.size} B)`, {
      file: l.svsm.name,
      field: 'vars size',
    });
  }
  return gpa;
}

export function planSvsmLaunch(l: SvsmLaunch): LaunchPlan {
  requirePageAligned(l.ovmf, 'firmware');
  requirePageAligned(l.svsm, 'SVSM image');
  const gpa = svsmGpa(l);
  const updates = [firmwareUpdate(l.ovmf, 'OVMF firmware'), firmwareUpdate(l.svsm, 'SVSM image', gpa), ...metadataUpdates(l.svsm, QEMU_RULES, undefined, 'SVSM')];
  const vmsa = buildSvsmVmsa({ rip: BigInt(gpa) + BigInt(requireSvsmEntryOffset(l.svsm)), vcpuSig: l.vcpuSig });
  const vcpuStates = Array.from({ length: l.vcpus }, (_, i) => ({ vcpu: i, vmsa, origin: `SVSM VMSA vCPU ${i}` }));
  return { start: { policy: OVMF_LAUNCH_POLICY, vmsaFeatures: SVSM_SEV_FEATURES, vcpus: l.vcpus }, updates, vcpuStates };
}

export function launchSvsmOnQemu(session: LaunchSession, l: SvsmLaunch): Promise<LaunchResult> {
  return runLaunchPlan(session, planSvsmLaunch(l));
}
