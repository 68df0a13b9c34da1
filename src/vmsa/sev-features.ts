/**
 * SEV_FEATURES (VMSA offset 0x3B0) bit names, as listed by the virtee/sev-snp-measure README and the
 * igvm crate 0.4.0. specs/launch-digest.md §4.
 */

/** Bit number → name (sev-snp-measure README naming; bits 10 and 12 are reserved in the igvm crate). */
export const SEV_FEATURE_BITS: Readonly<Record<number, string>> = {
  0: 'SNPActive',
  1: 'vTOM',
  2: 'ReflectVC',
  3: 'RestrictedInjection',
  4: 'AlternateInjection',
  5: 'DebugSwap',
  6: 'PreventHostIBS',
  7: 'BTBIsolation',
  8: 'VmplSSS',
  9: 'SecureTSC',
  10: 'VmgexitParameter',
  12: 'IbsVirtualization',
  14: 'VmsaRegProt',
  15: 'SmtProtection',
};

/** Named feature masks. */
export const SevFeature = {
  SNP_ACTIVE: 1n << 0n,
  VTOM: 1n << 1n,
  REFLECT_VC: 1n << 2n,
  RESTRICTED_INJECTION: 1n << 3n,
  ALTERNATE_INJECTION: 1n << 4n,
  DEBUG_SWAP: 1n << 5n,
  PREVENT_HOST_IBS: 1n << 6n,
  BTB_ISOLATION: 1n << 7n,
  VMPL_SSS: 1n << 8n,
  SECURE_TSC: 1n << 9n,
  VMGEXIT_PARAMETER: 1n << 10n,
  IBS_VIRTUALIZATION: 1n << 12n,
  VMSA_REG_PROT: 1n << 14n,
  SMT_PROTECTION: 1n << 15n,
} as const;

/** Bits that have no name in either source (11, 13, 16..63). */
export const SEV_FEATURES_RESERVED_MASK: bigint = /* @__PURE__ */ (() => {
  let m = (1n << 64n) - 1n;
  for (const b of Object.keys(SEV_FEATURE_BITS)) m &= ~(1n << BigInt(b));
  return m;
})();

/** Names of the set bits, low to high; unnamed bits appear as `reserved(N)`. */
export function decodeSevFeatures(v: bigint): string[] {
  const out: string[] = [];
  const x = BigInt.asUintN(64, v);
  for (let b = 0n; b < 64n; b++) {
    if ((x >> b) & 1n) out.push(SEV_FEATURE_BITS[Number(b)] ?? `reserved(${b})`);
  }
  return out;
}

/** Bits that are set but reserved (for warnings). */
export function reservedSevFeatures(v: bigint): bigint {
  return BigInt.asUintN(64, v) & SEV_FEATURES_RESERVED_MASK;
}
