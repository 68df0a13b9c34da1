/**
 * QEMU/KVM reset-state VMSA for OVMF launches (specs/ovmf.md §7.1): the baseline the other VMM
 * profiles are compared with. RDX carries the guest vCPU signature (CPUID(1).EAX), and since
 * KVM_SEV_INIT2 (host kernel ≥ 6.10) KVM fills the FPU defaults MXCSR 0x1F80 and FCW 0x037F.
 * Also used for the AP reset VMSAs of IGVM launches on qemu-kvm (eip 0xFFFFFFF0).
 */
import type { OvmfVmsaProfile } from './_profile.js';

export const QEMU_PROFILE: OvmfVmsaProfile = {
  vmm: 'QEMU',
  csAttrib: () => 0x9b, // present, code, readable, accessed
  ssAttrib: 0x93, // present, data, writable, accessed
  trAttrib: 0x8b, // busy 32-bit TSS
  gPat: 0x0007040600070406n, // the power-on PAT value
  rdx: (sig) => BigInt(sig ?? 0), // CPUID(1).EAX; written as given (u64 field)
  needsVcpuSig: true,
  mxcsr: 0x1f80,
  x87Fcw: 0x037f,
};
