/**
 * The RDX values (CPUID Fn0000_0001_EAX signatures) a real SNP launch puts in its VMSAs, with
 * where each comes from (docs/launch-space.md "vCPU signatures"): QEMU's named CPU models, real
 * EPYC silicon (`-cpu host`), KVM's own 0x600 when a VMM never sets RDX, and 0 (EC2 before 2026).
 * Facts from QEMU target/i386/cpu.c, linux-firmware amd-ucode/README and go-sev-guest.
 */
import { vcpuSignature, VCPU_TYPES } from '../vmsa/vcpu-types.js';

export interface SignatureCandidate {
  sig: number;
  /** Why a launch would have it, in words (QEMU model names, silicon, KVM default). */
  label: string;
  /** QEMU `-cpu` names with this signature (their version suffixes never change it). */
  qemuModels: readonly string[];
}

/** Real EPYC SNP-capable silicon (family, model, stepping → name). Naples and Rome lack SNP. */
const SILICON: readonly (readonly [number, number, number, string])[] = [
  [0x19, 0x01, 0, 'Milan B0 host (-cpu host)'],
  [0x19, 0x01, 1, 'Milan B1 host (-cpu host)'],
  [0x19, 0x01, 2, 'Milan B2 / Milan-X host (-cpu host)'],
  [0x19, 0x11, 0, 'Genoa B0 host (-cpu host)'],
  [0x19, 0x11, 1, 'Genoa B1 host (-cpu host)'],
  [0x19, 0x11, 2, 'Genoa B2 / Genoa-X host (-cpu host)'],
  [0x19, 0xa0, 1, 'Bergamo A1 host (-cpu host)'],
  [0x19, 0xa0, 2, 'Bergamo A2 / Siena host (-cpu host)'],
  [0x1a, 0x02, 0, 'Turin B0 host (-cpu host)'],
  [0x1a, 0x02, 1, 'Turin C1 host (-cpu host)'],
  [0x1a, 0x11, 0, 'Turin dense host (-cpu host)'],
];

/** KVM writes 0x600 into RDX at vCPU reset when the VMM sets no CPUID (kvm_vcpu_reset). */
export const KVM_DEFAULT_RDX = 0x600;

/** QEMU `-cpu` names per signature, in the reference tool's table order. */
export function qemuModelsFor(sig: number): string[] {
  return Object.entries(VCPU_TYPES)
    .filter(([, t]) => vcpuSignature(t.family, t.model, t.stepping) === sig)
    .map(([name]) => name);
}

/** Every signature of the default search space, named models first, each signature once. */
export function defaultSignatures(): SignatureCandidate[] {
  const out = new Map<number, SignatureCandidate>();
  for (const t of Object.values(VCPU_TYPES)) {
    const sig = vcpuSignature(t.family, t.model, t.stepping);
    if (!out.has(sig)) out.set(sig, { sig, label: `QEMU -cpu ${qemuModelsFor(sig)[0]}`, qemuModels: qemuModelsFor(sig) });
  }
  for (const [f, m, s, name] of SILICON) {
    const sig = vcpuSignature(f, m, s);
    const have = out.get(sig);
    if (have) out.set(sig, { ...have, label: `${have.label} or ${name}` });
    else out.set(sig, { sig, label: name, qemuModels: [] });
  }
  out.set(KVM_DEFAULT_RDX, { sig: KVM_DEFAULT_RDX, label: "KVM's reset value 0x600 (the VMM sets no CPUID signature)", qemuModels: [] });
  out.set(0, { sig: 0, label: 'RDX 0', qemuModels: [] });
  return [...out.values()];
}

/** The signature of a host CPU from its family/model/stepping (report v3+ CPUID fields). */
export function hostSignature(family: number, model: number, stepping: number): number {
  return vcpuSignature(family, model, stepping);
}

/** The candidate for `sig`, or a bare one for a signature outside the table. */
export function describeSignature(sig: number): SignatureCandidate {
  return defaultSignatures().find((c) => c.sig === sig) ?? { sig, label: `signature 0x${sig.toString(16)}`, qemuModels: qemuModelsFor(sig) };
}
