/**
 * The Coconut-SVSM VMSA of mode snp:svsm (QEMU only; specs/ovmf.md §7.2). Unlike the OVMF
 * profiles, every vCPU gets the same VMSA: flat 32-bit protected mode (CR0 0x11, 4 GiB code and
 * data segments with selectors 0x08/0x10), RIP = the SVSM entry point, SEV_FEATURES fixed at 0x1.
 * Quirk reproduced on purpose: X87_FCW stays 0 — sev-snp-measure means to set 0x37F but misspells
 * the field, and the upstream vectors (from a real launch) depend on FCW = 0.
 */
import { newVmsa, setMxcsr, setSegment, setU64Field } from '../layout.js';

export interface SvsmVmsaParams {
  /** SVSM load GPA + the SVSM_INFO_GUID entry offset (a full 64-bit value). */
  rip: bigint | number;
  /** CPUID(1).EAX, written to RDX. */
  vcpuSig: number;
}

/** SEV_FEATURES of the SVSM VMSA: SNPActive only, whatever the guest-features option says. */
export const SVSM_SEV_FEATURES = 0x1n;

export function buildSvsmVmsa(p: SvsmVmsaParams): Uint8Array {
  const v = newVmsa();
  const data = { selector: 0x10, attrib: 0x0c93, limit: 0xffffffff, base: 0n };
  setSegment(v, 'ES', data);
  setSegment(v, 'CS', { selector: 0x08, attrib: 0x0c9b, limit: 0xffffffff, base: 0n });
  setSegment(v, 'SS', data);
  setSegment(v, 'DS', data);
  setSegment(v, 'FS', data);
  setSegment(v, 'GS', { selector: 0, attrib: 0x93, limit: 0xffff, base: 0n });
  setSegment(v, 'GDTR', { selector: 0, attrib: 0, limit: 0xffff, base: 0n });
  setSegment(v, 'IDTR', { selector: 0, attrib: 0, limit: 0xffff, base: 0n });
  setSegment(v, 'LDTR', { selector: 0, attrib: 0x82, limit: 0xffff, base: 0n });
  setSegment(v, 'TR', { selector: 0, attrib: 0x8b, limit: 0xffff, base: 0n });
  setU64Field(v, 'EFER', 0x1000); // SVME
  setU64Field(v, 'CR4', 0x40); // MCE
  setU64Field(v, 'CR0', 0x11); // PE | ET: already in protected mode
  setU64Field(v, 'DR7', 0x400);
  setU64Field(v, 'DR6', 0xffff0ff0);
  setU64Field(v, 'RFLAGS', 0x2);
  setU64Field(v, 'RIP', p.rip);
  setU64Field(v, 'G_PAT', 0x0007040600070406n);
  setU64Field(v, 'RDX', p.vcpuSig >>> 0);
  setU64Field(v, 'SEV_FEATURES', SVSM_SEV_FEATURES);
  setU64Field(v, 'XCR0', 0x1);
  setMxcsr(v, 0x1f80);
  // X87_FCW deliberately left 0 (see header).
  return v;
}
