/**
 * vCPU types and the CPUID Fn0000_0001_EAX signature QEMU writes into RDX of OVMF VMSAs.
 * specs/launch-digest.md §5 (the 16 sev-snp-measure 0.0.13 `--vcpu-type` names, plus
 * EPYC-Genoa-v2 from virtee/sev-snp-measure-go with the same family/model/stepping as Genoa).
 */

export interface VcpuType {
  family: number;
  model: number;
  stepping: number;
}

/**
 * CPUID(1).EAX from family/model/stepping: families above 0xF are split into base 0xF plus an
 * extended family; model and stepping are masked to their field widths.
 */
export function vcpuSignature(family: number, model: number, stepping: number): number {
  const baseFamily = family > 0xf ? 0xf : family & 0xf;
  const extFamily = family > 0xf ? (family - 0xf) & 0xff : 0;
  const sig = (extFamily << 20) | (((model >> 4) & 0xf) << 16) | (baseFamily << 8) | ((model & 0xf) << 4) | (stepping & 0xf);
  return sig >>> 0;
}

const EPYC: VcpuType = { family: 23, model: 1, stepping: 2 };
const ROME: VcpuType = { family: 23, model: 49, stepping: 0 };
const MILAN: VcpuType = { family: 25, model: 1, stepping: 1 };
const GENOA: VcpuType = { family: 25, model: 17, stepping: 0 };
/** From QEMU's CPU model table; upstream notes it was not checked on Turin hardware. */
const TURIN: VcpuType = { family: 26, model: 0, stepping: 0 };

/** The 16 names sev-snp-measure 0.0.13 accepts for `--vcpu-type`, in its order. */
export const SEV_SNP_MEASURE_VCPU_TYPES: Readonly<Record<string, VcpuType>> = {
  EPYC,
  'EPYC-v1': EPYC,
  'EPYC-v2': EPYC,
  'EPYC-IBPB': EPYC,
  'EPYC-v3': EPYC,
  'EPYC-v4': EPYC,
  'EPYC-Rome': ROME,
  'EPYC-Rome-v1': ROME,
  'EPYC-Rome-v2': ROME,
  'EPYC-Rome-v3': ROME,
  'EPYC-Milan': MILAN,
  'EPYC-Milan-v1': MILAN,
  'EPYC-Milan-v2': MILAN,
  'EPYC-Genoa': GENOA,
  'EPYC-Genoa-v1': GENOA,
  'EPYC-Turin': TURIN,
};

/** Names accepted beyond the reference: only those whose facts the spec gives. */
export const EXTRA_VCPU_TYPES: Readonly<Record<string, VcpuType>> = {
  /** In virtee/sev-snp-measure-go; same CPUID family/model/stepping as EPYC-Genoa. */
  'EPYC-Genoa-v2': GENOA,
};

export const VCPU_TYPES: Readonly<Record<string, VcpuType>> = { ...SEV_SNP_MEASURE_VCPU_TYPES, ...EXTRA_VCPU_TYPES };

/** Signature of a named vCPU type, or undefined for an unknown name (exact case). */
export function vcpuTypeSignature(name: string): number | undefined {
  const t = Object.prototype.hasOwnProperty.call(VCPU_TYPES, name) ? VCPU_TYPES[name] : undefined;
  return t ? vcpuSignature(t.family, t.model, t.stepping) : undefined;
}
