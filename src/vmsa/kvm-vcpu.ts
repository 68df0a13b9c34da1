/**
 * The VMSA upstream KVM builds at SNP_LAUNCH_FINISH (sev_es_sync_vmsa copies the VMCB save area) for
 * a vCPU whose registers a VMM set with KVM_SET_SREGS / KVM_SET_REGS, or left at KVM's reset state.
 * Used by VMMs that load an IGVM VP context into vCPU registers instead of a VMSA page
 * (Cloud Hypervisor on KVM; docs/platforms.md "cloud-hypervisor-kvm"), and by libkrun.
 *
 * Reset state (Linux arch/x86/kvm/svm/svm.c init_vmcb, x86.c kvm_vcpu_reset; specs/launch-space.md
 * §2.1): data segments attrib 0x92 (present, data, writable; not accessed), CS 0xf000:0xffff0000
 * attrib 0x9a, LDTR 0x82, TR 0x83 (busy 16-bit TSS), GDTR/IDTR limit 0xffff, EFER.SVME, CR0 ET
 * (KVM clears CD/NW), CR4.MCE from the host, DR6/DR7 0xffff0ff0/0x400, RFLAGS 2, RIP 0xfff0, RDX
 * 0x600 (no CPUID is set when the vCPU is created), PAT 0x0007040600070406, XCR0 1, and with
 * KVM_SEV_INIT2 the FPU defaults MXCSR 0x1f80 / FCW 0x037f.
 */
import { inputError } from '../core/errors.js';
import { getSegment, getU64Field, newVmsa, setMxcsr, setSegment, setU64Field, setX87Fcw, VMSA, type SegmentName, type U64Field } from './layout.js';

/** RDX KVM writes at vCPU creation when no CPUID(1) is set yet (kvm_vcpu_reset). */
export const KVM_RESET_RDX = 0x600;

export interface KvmResetOptions {
  /** Pre-INIT2 hosts never synced the FPU into the VMSA: MXCSR and FCW 0. */
  legacyFpu?: boolean;
  /** RDX at reset (default 0x600). */
  rdx?: number;
}

/** The VMSA KVM builds for a vCPU the VMM never set registers for. */
export function kvmResetVmsa(sevFeatures: bigint, o: KvmResetOptions = {}): Uint8Array {
  const v = newVmsa();
  const data = { selector: 0, attrib: 0x92, limit: 0xffff, base: 0n };
  for (const s of ['ES', 'SS', 'DS', 'FS', 'GS'] as const) setSegment(v, s, data);
  setSegment(v, 'CS', { selector: 0xf000, attrib: 0x9a, limit: 0xffff, base: 0xffff0000n });
  setSegment(v, 'GDTR', { selector: 0, attrib: 0, limit: 0xffff, base: 0n });
  setSegment(v, 'IDTR', { selector: 0, attrib: 0, limit: 0xffff, base: 0n });
  setSegment(v, 'LDTR', { selector: 0, attrib: 0x82, limit: 0xffff, base: 0n });
  setSegment(v, 'TR', { selector: 0, attrib: 0x83, limit: 0xffff, base: 0n });
  setU64Field(v, 'EFER', 0x1000);
  setU64Field(v, 'CR4', 0x40);
  setU64Field(v, 'CR0', 0x10);
  setU64Field(v, 'DR7', 0x400);
  setU64Field(v, 'DR6', 0xffff0ff0);
  setU64Field(v, 'RFLAGS', 0x2);
  setU64Field(v, 'RIP', 0xfff0);
  setU64Field(v, 'RDX', o.rdx ?? KVM_RESET_RDX);
  setU64Field(v, 'G_PAT', 0x0007040600070406n);
  setU64Field(v, 'SEV_FEATURES', sevFeatures);
  setU64Field(v, 'XCR0', 0x1);
  if (!o.legacyFpu) {
    setMxcsr(v, 0x1f80);
    setX87Fcw(v, 0x037f);
  }
  return v;
}

/** Segments a VMM loads with KVM_SET_SREGS (Cloud Hypervisor's setup_sev_snp_regs: all but GDTR/IDTR). */
const SREGS: readonly SegmentName[] = ['CS', 'DS', 'ES', 'FS', 'GS', 'SS', 'TR', 'LDTR'];
/** General registers a VMM loads with KVM_SET_REGS (RFLAGS separately: KVM ORs in the fixed bit 1). */
const REGS: readonly U64Field[] = ['RIP', 'RDX', 'RSP', 'RAX', 'RBX', 'RCX', 'RBP', 'RSI', 'RDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];

/**
 * The VMSA KVM builds for a vCPU whose registers were loaded from `source` (an IGVM VP context's VMSA)
 * the way Cloud Hypervisor does (vmm/src/igvm/igvm_loader.rs → hypervisor/src/kvm/mod.rs
 * setup_sev_snp_regs): the eight segment registers, GDTR/IDTR base and limit, CR0, CR3, CR4, EFER,
 * the GPRs, RIP and RFLAGS. Every other field (DR6/DR7, PAT, XCR0, the FPU, XSS ...) keeps KVM's
 * reset value, whatever the IGVM VMSA says. KVM's own adjustments on the way in (svm.c):
 * svm_set_segment keeps attribute bits 0-11 and sets CPL from SS.DPL; svm_set_cr0 clears CD/NW
 * (quirk on by default); svm_set_cr4 ORs in the host's CR4.MCE; svm_set_efer sets EFER.SVME;
 * __set_regs ORs RFLAGS bit 1.
 */
export function kvmVmsaFromRegisters(source: Uint8Array, sevFeatures: bigint, where = 'VMSA'): Uint8Array {
  const v = kvmResetVmsa(sevFeatures);
  for (const name of SREGS) {
    const s = getSegment(source, name);
    setSegment(v, name, { ...s, attrib: s.attrib & 0x0fff });
  }
  for (const name of ['GDTR', 'IDTR'] as const) {
    const s = getSegment(source, name);
    // Cloud Hypervisor converts the limit to kvm_dtable's u16 and fails the launch when it does not fit.
    if (s.limit > 0xffff) throw inputError('VMSA_DTABLE_LIMIT', `${name} limit 0x${s.limit.toString(16)} does not fit the 16-bit limit KVM_SET_SREGS takes`, { field: `${where} ${name}.limit` });
    setSegment(v, name, { selector: 0, attrib: 0, limit: s.limit, base: s.base });
  }
  v[VMSA.CPL] = (getSegment(source, 'SS').attrib >> 5) & 3;
  setU64Field(v, 'CR0', getU64Field(source, 'CR0') & ~0x60000000n);
  setU64Field(v, 'CR3', getU64Field(source, 'CR3'));
  setU64Field(v, 'CR4', getU64Field(source, 'CR4') | 0x40n);
  setU64Field(v, 'EFER', getU64Field(source, 'EFER') | 0x1000n);
  for (const r of REGS) setU64Field(v, r, getU64Field(source, r));
  setU64Field(v, 'RFLAGS', getU64Field(source, 'RFLAGS') | 0x2n);
  return v;
}
