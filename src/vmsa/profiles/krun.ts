/**
 * libkrun's VMSAs (containers/libkrunfw e0647fa, utils/vmsa.h: SNP_VMSA_BP / SNP_VMSA_AP, dumps of a
 * real launch; docs/platforms.md "krun"). They are KVM's reset state (src/vmsa/kvm-vcpu.ts) after
 * libkrun's KVM_GET_SREGS/KVM_SET_SREGS round trip, which sets the accessed bit of DS/ES/FS/GS
 * (0x93; CS stays 0x9a, SS 0x92), with RDX 0 (libkrun writes its own general registers) and, on the
 * pre-INIT2 host the dumps come from, MXCSR and FCW 0. The BSP starts qboot at 0xfffffff0 with
 * RSP = RBP = 0x8ff0 (boot stack) and RSI = 0x7000 (boot_params); APs start at 0xfffffff3.
 */
import { setSegment, setU64Field } from '../layout.js';
import { kvmResetVmsa } from '../kvm-vcpu.js';
import type { KvmGeneration } from './_profile.js';

/** RIP of libkrun's APs (CS.base 0xffff0000): qboot's AP entry. */
export const KRUN_AP_RIP = 0xfff3;
/** libkrun's boot stack and boot_params GPA, in the BSP's RSP/RBP and RSI. */
export const KRUN_BOOT_STACK = 0x8ff0;
export const KRUN_BOOT_PARAMS = 0x7000;

export function buildKrunVmsa(role: 'bsp' | 'ap', sevFeatures: bigint, kvm: KvmGeneration = 'legacy'): Uint8Array {
  const v = kvmResetVmsa(sevFeatures, { rdx: 0, legacyFpu: kvm === 'legacy' });
  for (const s of ['ES', 'DS', 'FS', 'GS'] as const) setSegment(v, s, { selector: 0, attrib: 0x93, limit: 0xffff, base: 0n });
  if (role === 'ap') {
    setU64Field(v, 'RIP', KRUN_AP_RIP);
    return v;
  }
  setU64Field(v, 'RSP', KRUN_BOOT_STACK);
  setU64Field(v, 'RBP', KRUN_BOOT_STACK);
  setU64Field(v, 'RSI', KRUN_BOOT_PARAMS);
  return v;
}
