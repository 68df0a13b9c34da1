/**
 * Builds the reset-state VMSA of an OVMF vCPU (modes snp and seves; specs/ovmf.md §7.1) from a VMM
 * profile. Real mode at `eip`: CS.base = eip & 0xFFFF0000, RIP = eip & 0xFFFF; all fields not
 * listed in §7.1 stay zero.
 */
import { inputError } from '../../core/errors.js';
import { newVmsa, setMxcsr, setSegment, setU64Field, setX87Fcw } from '../layout.js';
import { RESET_EIP, type KvmGeneration, type OvmfVmsaProfile } from './_profile.js';
import { QEMU_PROFILE } from './qemu.js';
import { EC2_PROFILE } from './ec2.js';
import { GCE_PROFILE } from './gce.js';

export interface OvmfVmsaParams {
  /** 32-bit start address: 0xFFFFFFF0 for the BSP, the OVMF SEV-ES reset block EIP for APs. */
  eip: number;
  /** SEV_FEATURES (the guest features for snp; 0 for seves). */
  sevFeatures: bigint;
  /** CPUID(1).EAX for RDX; needed by QEMU, ignored by ec2/gce. */
  vcpuSig?: number;
  /** Host KVM generation (default 'init2'): 'legacy' leaves MXCSR and X87_FCW 0. */
  kvm?: KvmGeneration;
  /** RDX overriding the profile's fixed value (ec2/gce: EC2 wrote 0 before 2026). */
  rdx?: number;
}

export const OVMF_VMSA_PROFILES: Readonly<Record<OvmfVmsaProfile['vmm'], OvmfVmsaProfile>> = {
  QEMU: QEMU_PROFILE,
  ec2: EC2_PROFILE,
  gce: GCE_PROFILE,
};

export function buildOvmfVmsa(profile: OvmfVmsaProfile, p: OvmfVmsaParams): Uint8Array {
  if (!Number.isInteger(p.eip) || p.eip < 0 || p.eip > 0xffffffff) {
    throw inputError('BAD_EIP', `reset EIP ${p.eip} is not a 32-bit address`, { field: 'eip' });
  }
  const eip = p.eip >>> 0;
  const v = newVmsa();
  const data = { selector: 0, attrib: 0x93, limit: 0xffff, base: 0n };
  setSegment(v, 'ES', data);
  setSegment(v, 'CS', { selector: 0xf000, attrib: profile.csAttrib(eip), limit: 0xffff, base: BigInt((eip & 0xffff0000) >>> 0) });
  setSegment(v, 'SS', { ...data, attrib: profile.ssAttrib });
  setSegment(v, 'DS', data);
  setSegment(v, 'FS', data);
  setSegment(v, 'GS', data);
  setSegment(v, 'GDTR', { selector: 0, attrib: 0, limit: 0xffff, base: 0n });
  setSegment(v, 'IDTR', { selector: 0, attrib: 0, limit: 0xffff, base: 0n });
  setSegment(v, 'LDTR', { selector: 0, attrib: 0x82, limit: 0xffff, base: 0n });
  setSegment(v, 'TR', { selector: 0, attrib: profile.trAttrib, limit: 0xffff, base: 0n });
  setU64Field(v, 'EFER', 0x1000); // SVME
  setU64Field(v, 'CR4', 0x40); // MCE
  setU64Field(v, 'CR0', 0x10); // ET
  setU64Field(v, 'DR7', 0x400);
  setU64Field(v, 'DR6', 0xffff0ff0);
  setU64Field(v, 'RFLAGS', 0x2);
  setU64Field(v, 'RIP', eip & 0xffff);
  setU64Field(v, 'G_PAT', profile.gPat);
  setU64Field(v, 'RDX', p.rdx !== undefined ? BigInt(p.rdx) : profile.rdx(p.vcpuSig));
  setU64Field(v, 'SEV_FEATURES', p.sevFeatures);
  setU64Field(v, 'XCR0', 0x1);
  // Pre-INIT2 KVM never synced the FPU state into the VMSA (launch-space.md §2.4).
  const legacy = p.kvm === 'legacy';
  setMxcsr(v, legacy ? 0 : profile.mxcsr);
  setX87Fcw(v, legacy ? 0 : profile.x87Fcw);
  return v;
}

/** The QEMU/KVM AP reset VMSA at the architectural reset vector (used by the IGVM qemu-kvm platform). */
export function buildQemuResetVmsa(sevFeatures: bigint, vcpuSig: number, kvm?: KvmGeneration): Uint8Array {
  return buildOvmfVmsa(QEMU_PROFILE, { eip: RESET_EIP, sevFeatures, vcpuSig, ...(kvm ? { kvm } : {}) });
}
