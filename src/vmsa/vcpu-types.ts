/**
 * vCPU types and the CPUID Fn0000_0001_EAX signature QEMU writes into RDX of OVMF VMSAs.
 * specs/launch-digest.md §5 (the 16 sev-snp-measure 0.0.13 `--vcpu-type` names), plus every other
 * EPYC model and version QEMU defines (QEMU_EPYC_MODELS below).
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

/**
 * Every EPYC CPU model QEMU defines (target/i386/cpu.c `builtin_x86_defs`): family/model/stepping
 * of the base definition and its number of versions. A version's props only switch features, cache
 * info and model-id, never family/model/stepping (qemu/qemu 0048035a87 for EPYC v1-v4, EPYC-Rome
 * v1-v4, EPYC-Milan v1-v2, EPYC-Genoa; Babu Moger's series "Add support for EPYC-Turin model"
 * (v5, Feb 2025, merged for QEMU 10.0) for EPYC-v5, EPYC-Rome-v5, EPYC-Milan-v3, EPYC-Genoa-v2 and
 * EPYC-Turin; EPYC-Turin-v2 later; specs/launch-space.md §1.2). So `-cpu NAME-vK` and `-cpu NAME`
 * put the same signature in RDX. EPYC-IBPB is QEMU's alias of EPYC-v2.
 */
export const QEMU_EPYC_MODELS: readonly { name: string; fms: VcpuType; versions: number; aliases?: Readonly<Record<string, number>> }[] = [
  { name: 'EPYC', fms: EPYC, versions: 5, aliases: { 'EPYC-IBPB': 2 } },
  { name: 'EPYC-Rome', fms: ROME, versions: 5 },
  { name: 'EPYC-Milan', fms: MILAN, versions: 3 },
  { name: 'EPYC-Genoa', fms: GENOA, versions: 2 },
  { name: 'EPYC-Turin', fms: TURIN, versions: 2 },
];

/** Every QEMU EPYC name (model, each version, aliases), model by model. */
export const QEMU_EPYC_VCPU_TYPES: Readonly<Record<string, VcpuType>> = /* @__PURE__ */ Object.fromEntries(
  QEMU_EPYC_MODELS.flatMap((m) => [
    [m.name, m.fms] as const,
    ...Array.from({ length: m.versions }, (_, i) => [`${m.name}-v${i + 1}`, m.fms] as const),
    ...Object.keys(m.aliases ?? {}).map((a) => [a, m.fms] as const),
  ]),
);

/** Names accepted beyond the reference: the QEMU EPYC names sev-snp-measure 0.0.13 lacks. */
export const EXTRA_VCPU_TYPES: Readonly<Record<string, VcpuType>> = /* @__PURE__ */ Object.fromEntries(
  Object.entries(QEMU_EPYC_VCPU_TYPES).filter(([n]) => !Object.prototype.hasOwnProperty.call(SEV_SNP_MEASURE_VCPU_TYPES, n)),
);

/** Every accepted `--vcpu-type`: the reference's 16 names in its order, then the other QEMU names. */
export const VCPU_TYPES: Readonly<Record<string, VcpuType>> = { ...SEV_SNP_MEASURE_VCPU_TYPES, ...EXTRA_VCPU_TYPES };

/** Signature of a named vCPU type, or undefined for an unknown name (exact case). */
export function vcpuTypeSignature(name: string): number | undefined {
  const t = Object.prototype.hasOwnProperty.call(VCPU_TYPES, name) ? VCPU_TYPES[name] : undefined;
  return t ? vcpuSignature(t.family, t.model, t.stepping) : undefined;
}
