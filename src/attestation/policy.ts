/**
 * GUEST_POLICY (u64; specs/attestation.md §1.4): the policy given at SNP_LAUNCH_START, copied into
 * the ID block and the attestation report. Decoded into named flags; reused by IGVM inspect.
 */

/** Bit positions (§1.4 table). */
export const POLICY_BITS = {
  SMT: 16,
  RESERVED_MBO: 17, // must be one
  MIGRATE_MA: 18,
  DEBUG: 19,
  SINGLE_SOCKET: 20,
  CXL_ALLOW: 21,
  MEM_AES_256_XTS: 22,
  RAPL_DIS: 23,
  CIPHERTEXT_HIDING: 24,
  PAGE_SWAP_DISABLE: 25,
} as const;

/** Bits 63:26 are reserved, must be zero (§1.4). */
export const POLICY_RESERVED_MASK = ~((1n << 26n) - 1n) & 0xffff_ffff_ffff_ffffn;

export interface GuestPolicy {
  raw: bigint;
  abiMinor: number;
  abiMajor: number;
  smt: boolean;
  /** Bit 17: must be 1; a policy with it clear is invalid. */
  reservedMbo: boolean;
  migrateMa: boolean;
  debug: boolean;
  singleSocket: boolean;
  cxlAllow: boolean;
  memAes256Xts: boolean;
  raplDis: boolean;
  ciphertextHiding: boolean;
  pageSwapDisable: boolean;
  /** Bits 63:26 (should be zero). */
  reservedHigh: bigint;
}

const bit = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;

export function decodePolicy(raw: bigint): GuestPolicy {
  return {
    raw,
    abiMinor: Number(raw & 0xffn),
    abiMajor: Number((raw >> 8n) & 0xffn),
    smt: bit(raw, POLICY_BITS.SMT),
    reservedMbo: bit(raw, POLICY_BITS.RESERVED_MBO),
    migrateMa: bit(raw, POLICY_BITS.MIGRATE_MA),
    debug: bit(raw, POLICY_BITS.DEBUG),
    singleSocket: bit(raw, POLICY_BITS.SINGLE_SOCKET),
    cxlAllow: bit(raw, POLICY_BITS.CXL_ALLOW),
    memAes256Xts: bit(raw, POLICY_BITS.MEM_AES_256_XTS),
    raplDis: bit(raw, POLICY_BITS.RAPL_DIS),
    ciphertextHiding: bit(raw, POLICY_BITS.CIPHERTEXT_HIDING),
    pageSwapDisable: bit(raw, POLICY_BITS.PAGE_SWAP_DISABLE),
    reservedHigh: raw & POLICY_RESERVED_MASK,
  };
}

/** Names of the set flags, e.g. ["SMT", "DEBUG"], for one-line display. */
export function policyFlagNames(p: GuestPolicy): string[] {
  const names: [boolean, string][] = [
    [p.smt, 'SMT'],
    [p.migrateMa, 'MIGRATE_MA'],
    [p.debug, 'DEBUG'],
    [p.singleSocket, 'SINGLE_SOCKET'],
    [p.cxlAllow, 'CXL_ALLOW'],
    [p.memAes256Xts, 'MEM_AES_256_XTS'],
    [p.raplDis, 'RAPL_DIS'],
    [p.ciphertextHiding, 'CIPHERTEXT_HIDING'],
    [p.pageSwapDisable, 'PAGE_SWAP_DISABLE'],
  ];
  return names.filter(([on]) => on).map(([, n]) => n);
}

/** Problems that make a policy invalid for the firmware (§1.4, go-sev-guest abi checks). */
export function policyProblems(p: GuestPolicy): string[] {
  const out: string[] = [];
  if (!p.reservedMbo) out.push('policy bit 17 (reserved, must be one) is zero');
  if (p.reservedHigh !== 0n) out.push(`policy reserved bits 63:26 are not zero (0x${p.reservedHigh.toString(16)})`);
  return out;
}
