/**
 * PLATFORM_INFO (u64 at report 0x040) and SIGNER_INFO (u32 at 0x048) decoded into named flags
 * (specs/attestation.md §1.5, §1.6). Unknown PLATFORM_INFO bits are reported, not rejected.
 */

/** PLATFORM_INFO bit names (§1.5). Bit 6 is named only by newer verifiers (unverified name). */
export const PLATFORM_INFO_BITS: readonly (readonly [number, string])[] = [
  [0, 'SMT_EN'],
  [1, 'TSME_EN'],
  [2, 'ECC_EN'],
  [3, 'RAPL_DIS'],
  [4, 'CIPHERTEXT_HIDING_DRAM_EN'],
  [5, 'ALIAS_CHECK_COMPLETE'],
  [6, 'IOMMU_WRITE_SAFE'],
  [7, 'TIO_EN'],
];

export interface PlatformInfo {
  raw: bigint;
  smtEn: boolean;
  tsmeEn: boolean;
  eccEn: boolean;
  raplDis: boolean;
  ciphertextHidingDramEn: boolean;
  aliasCheckComplete: boolean;
  /** Bit 6: set in real Turin v5 reports; reserved in go-sev-guest/virtee (§1.5). */
  iommuWriteSafe: boolean;
  tioEn: boolean;
  /** Names of the set bits, unknown ones as "BIT<n>". */
  flags: string[];
  /** Set bits above 7 (not defined by the consulted ABI revisions). */
  unknownBits: number[];
}

const bit = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;

export function decodePlatformInfo(raw: bigint): PlatformInfo {
  const flags: string[] = [];
  const unknownBits: number[] = [];
  for (let i = 0; i < 64; i++) {
    if (!bit(raw, i)) continue;
    const known = PLATFORM_INFO_BITS.find(([b]) => b === i);
    if (known) flags.push(known[1]);
    else {
      flags.push(`BIT${i}`);
      unknownBits.push(i);
    }
  }
  return {
    raw,
    smtEn: bit(raw, 0),
    tsmeEn: bit(raw, 1),
    eccEn: bit(raw, 2),
    raplDis: bit(raw, 3),
    ciphertextHidingDramEn: bit(raw, 4),
    aliasCheckComplete: bit(raw, 5),
    iommuWriteSafe: bit(raw, 6),
    tioEn: bit(raw, 7),
    flags,
    unknownBits,
  };
}

/** SIGNING_KEY values (SIGNER_INFO bits 4:2, §1.6). */
export type SigningKey = 'VCEK' | 'VLEK' | 'NONE' | 'RESERVED';

export interface SignerInfo {
  raw: number;
  /** Bit 0: the ID block was signed with an author key (AUTHOR_KEY_DIGEST valid). */
  authorKeyEn: boolean;
  /** Bit 1: the platform's MaskChipKey setting. */
  maskChipKey: boolean;
  /** Bits 4:2 as a number (0 VCEK, 1 VLEK, 7 NONE, others reserved). */
  signingKeyValue: number;
  signingKey: SigningKey;
  /** Bits 31:5, must be zero. */
  reservedBits: number;
}

export function decodeSignerInfo(raw: number): SignerInfo {
  const v = (raw >>> 2) & 7;
  return {
    raw,
    authorKeyEn: (raw & 1) === 1,
    maskChipKey: (raw & 2) === 2,
    signingKeyValue: v,
    signingKey: v === 0 ? 'VCEK' : v === 1 ? 'VLEK' : v === 7 ? 'NONE' : 'RESERVED',
    reservedBits: raw >>> 5,
  };
}
