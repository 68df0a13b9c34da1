/**
 * What differs between VMMs in the reset-state VMSA of an OVMF launch (modes snp and seves).
 * specs/ovmf.md §7.1 and §9. Each VMM's values live in its own file (qemu.ts, ec2.ts, gce.ts).
 */

export interface OvmfVmsaProfile {
  /** VMM name as sev-snp-measure spells it for --vmm-type. */
  readonly vmm: 'QEMU' | 'ec2' | 'gce';
  /** CS attribute; ec2's depends on whether the vCPU starts at the reset vector. */
  csAttrib(eip: number): number;
  readonly ssAttrib: number;
  readonly trAttrib: number;
  readonly gPat: bigint;
  /** RDX at reset: the vCPU signature (QEMU) or a constant (ec2, gce). */
  rdx(vcpuSig: number | undefined): bigint;
  /** Whether RDX needs the caller's vCPU signature (QEMU only). */
  readonly needsVcpuSig: boolean;
  readonly mxcsr: number;
  readonly x87Fcw: number;
}

/** The architectural reset vector: the BSP's first instruction (ovmf.md §7.1). */
export const RESET_EIP = 0xfffffff0;

/**
 * How the host KVM initialised the VM, as far as the VMSA shows it (specs/launch-space.md §2.2,
 * §2.4): 'init2' (KVM_SEV_INIT2, Linux >= 6.10) syncs the FPU defaults MXCSR 0x1F80 / X87_FCW
 * 0x037F into the VMSAs it builds; 'legacy' (KVM_SEV_INIT / KVM_SEV_ES_INIT, earlier SNP host
 * kernels) leaves both 0. Only the profiles whose MXCSR/FCW come from KVM (QEMU) depend on it.
 */
export type KvmGeneration = 'init2' | 'legacy';
export const KVM_GENERATIONS: readonly KvmGeneration[] = ['init2', 'legacy'];
