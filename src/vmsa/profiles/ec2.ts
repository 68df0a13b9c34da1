/**
 * AWS EC2 reset-state VMSA for OVMF launches (specs/ovmf.md §7.1, §9). Differs from QEMU in:
 * CS attrib 0x9A (not accessed) when the vCPU starts at the reset vector 0xFFFFFFF0, else 0x9B;
 * SS attrib 0x92 and TR attrib 0x83; RDX fixed at 0x600 (the vCPU options are ignored; it was 0
 * before sev-snp-measure 0.0.13); MXCSR and FCW 0.
 * (Its loader also measures the CPUID page after all other metadata pages: src/loaders/ovmf/ec2.ts.)
 */
import { RESET_EIP, type OvmfVmsaProfile } from './_profile.js';

export const EC2_PROFILE: OvmfVmsaProfile = {
  vmm: 'ec2',
  csAttrib: (eip) => (eip >>> 0 === RESET_EIP ? 0x9a : 0x9b),
  ssAttrib: 0x92,
  trAttrib: 0x83,
  gPat: 0x0007040600070406n,
  rdx: () => 0x600n, // aws/uefi#19, sev-snp-measure PR #60
  needsVcpuSig: false,
  mxcsr: 0,
  x87Fcw: 0,
};
