/**
 * A compact variant as the AMD SEV-SNP CoRIM profile draft's launch-configuration map
 * (deeglaze/draft-deeglaze-amd-sev-snp-corim-profile cddl/sevsnp-launch-configuration-map.cddl at
 * 0fbed55, media type application/vnd.amd.sev.snp.launch-config.v1+cbor; removed from the draft in
 * 8021736). Choices where the draft's examples and CDDL disagree (docs/refvalues.md "Compact"):
 *   0 fms       CPUID[1].EAX & 0x0fff3fff, for qemu-kvm variants with a signature (their RDX)
 *   1 baseline  the digest before the VMSAs (every page update folded in, so no key 2 updates)
 *   3 bsp-vmsa  #6.32781(register map)
 *   4 ap-vmsa   #6.32781(register map) — one map standing for every AP, as the draft's prose and
 *               its ovmf-compact.diag example write it, not the CDDL's array or #6.32872([vmsa,
 *               repeat]): a repeat count would fix the vCPU count the form is meant to leave open.
 * Deterministic CBOR (RFC 8949 §4.2.1, cbor2 `cde`). Browser-safe.
 */
import { encode, Tag } from 'cbor2';
import { inputError } from '../core/errors.js';
import { KVM_VMSA_GPA } from '../firmware/page-types.js';
import type { CompactVariant } from './compact.js';
import { TAG_VMSA_MAP, vmsaToMap } from './vmsa-map.js';

/** launch-configuration-map keys (CDDL). */
export const LAUNCH_CONFIG = { FMS: 0, BASELINE: 1, UPDATES: 2, BSP_VMSA: 3, AP_VMSA: 4 } as const;
/** The draft's mask for the fms value (family, model, stepping bits of CPUID[1].EAX). */
export const FMS_MASK = 0x0fff3fff;

/** The map of one variant (a cbor2 value). */
export function launchConfigValue(v: CompactVariant): Map<number, unknown> {
  if (!v.pages) throw new Error('launchConfigValue: the variant carries no VMSA pages (compute it with compactVariants)');
  // The draft's mk_vmsa_info always uses KVM's initial_vmsa_gpa.
  if (v.vmsaGpa !== KVM_VMSA_GPA) throw inputError('COMPACT_VMSA_GPA', `VMSA GPA 0x${v.vmsaGpa.toString(16)} cannot be written in the launch-configuration map (it fixes 0xfffffffff000)`, { field: 'vmsaGpa' });
  const m = new Map<number, unknown>();
  if (v.platform === 'qemu-kvm' && v.vcpuSig !== 0) m.set(LAUNCH_CONFIG.FMS, (v.vcpuSig & FMS_MASK) >>> 0);
  m.set(LAUNCH_CONFIG.BASELINE, v.baseline);
  m.set(LAUNCH_CONFIG.BSP_VMSA, new Tag(TAG_VMSA_MAP, vmsaToMap(v.pages.bsp)));
  m.set(LAUNCH_CONFIG.AP_VMSA, new Tag(TAG_VMSA_MAP, vmsaToMap(v.pages.ap)));
  return m;
}

export function encodeLaunchConfig(v: CompactVariant): Uint8Array {
  return encode(launchConfigValue(v), { cde: true });
}

/** Several variants: a CBOR array of maps (snp-launch's framing); one variant is the bare map. */
export function encodeLaunchConfigs(vs: readonly CompactVariant[]): Uint8Array {
  return vs.length === 1 ? encodeLaunchConfig(vs[0]!) : encode(vs.map(launchConfigValue), { cde: true });
}
