/**
 * Google Compute Engine reset-state VMSA for OVMF launches (specs/ovmf.md §7.1, §9), as
 * sev-snp-measure 0.0.12+ interprets gce-tcb-verifier. Differs from QEMU in: G_PAT
 * 0x0000000000070106; RDX fixed at 0x600 (vCPU options ignored); MXCSR and FCW 0.
 * (Its loader also measures SNP_SEC_MEM as UNMEASURED pages: src/loaders/ovmf/gce.ts.)
 */
import type { OvmfVmsaProfile } from './_profile.js';

export const GCE_PROFILE: OvmfVmsaProfile = {
  vmm: 'gce',
  csAttrib: () => 0x9b,
  ssAttrib: 0x93,
  trAttrib: 0x8b,
  gPat: 0x0000000000070106n,
  rdx: () => 0x600n,
  needsVcpuSig: false,
  mxcsr: 0,
  x87Fcw: 0,
};
