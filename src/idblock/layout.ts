/**
 * Byte layouts of the SNP_LAUNCH_FINISH ID structures: ID_BLOCK (0x60), ID_AUTH_INFO (0x1000), the
 * ECDSA public key struct (0x404) and the ECDSA signature struct (0x200).
 * specs/attestation.md §5.1–5.2 and specs/sev-snp-measure-cli.md §8.3 (SNP ABI "ID_BLOCK" and
 * "ID_AUTH_INFO"). All integers are little-endian.
 */

/** ID_BLOCK, 0x60 bytes (attestation.md §5.1). */
export const ID_BLOCK = {
  SIZE: 0x60,
  /** LD: the expected launch digest (48 bytes). */
  LD: 0x00,
  FAMILY_ID: 0x30,
  IMAGE_ID: 0x40,
  /** u32; the ABI defines only version 1. */
  VERSION: 0x50,
  GUEST_SVN: 0x54,
  /** u64; must equal the guest policy given to SNP_LAUNCH_START. */
  POLICY: 0x58,
} as const;

/** ID_AUTH_INFO, 0x1000 bytes (attestation.md §5.2). Areas not listed are reserved, zero. */
export const ID_AUTH = {
  SIZE: 0x1000,
  ID_KEY_ALGO: 0x000,
  AUTH_KEY_ALGO: 0x004,
  /** Reserved 0x008–0x03F. */
  RESERVED1: [0x008, 0x040],
  ID_BLOCK_SIG: 0x040,
  ID_KEY: 0x240,
  /** Reserved 0x644–0x67F. */
  RESERVED2: [0x644, 0x680],
  ID_KEY_SIG: 0x680,
  AUTHOR_KEY: 0x880,
  /** Reserved 0xC84–0xFFF. */
  RESERVED3: [0xc84, 0x1000],
} as const;

/** ECDSA public key struct, 0x404 bytes (attestation.md §5.2). */
export const PUBKEY = {
  SIZE: 0x404,
  /** u32 curve id. */
  CURVE: 0x00,
  /** QX, 72-byte little-endian, zero-extended. */
  QX: 0x04,
  /** QY, 72-byte little-endian, zero-extended. */
  QY: 0x4c,
  /** Reserved 0x94–0x403. */
  RESERVED: 0x94,
} as const;

/** ECDSA signature struct, 0x200 bytes (attestation.md §5.2; same encoding as the report signature). */
export const SIGNATURE = {
  SIZE: 0x200,
  /** R, 72-byte little-endian, zero-extended. */
  R: 0x00,
  /** S, 72-byte little-endian, zero-extended. */
  S: 0x48,
  /** Reserved 0x90–0x1FF. */
  RESERVED: 0x90,
} as const;

/** Width of each little-endian scalar/coordinate field in the AMD structs. */
export const LE_FIELD = 72;
/** P-384 scalar and coordinate size (big-endian, as noble/JWK/WebCrypto give them). */
export const P384_BYTES = 48;

/** *_KEY_ALGO value 1: ECDSA P-384 with SHA-384, the only algorithm defined (attestation.md §5.2). */
export const ALGO_ECDSA_P384_SHA384 = 1;
/** Public key CURVE value 2: P-384 (attestation.md §5.2; go-sev-guest EccP384 = 2). */
export const CURVE_P384 = 2;
/** ID_BLOCK.VERSION written by every known builder (attestation.md §5.1). */
export const ID_BLOCK_VERSION = 1;
/** Default ID_BLOCK.POLICY of the reference tool: SMT allowed + reserved bit 17 (sev-snp-measure-cli.md §8.3). */
export const DEFAULT_ID_POLICY = 0x30000n;
/** GUEST_POLICY bit 17 is reserved and must be 1 (attestation.md §1.4). */
export const POLICY_RESERVED_MBO = 1n << 17n;
/** GUEST_POLICY bits 63:26 are reserved, must be zero (attestation.md §1.4). */
export const POLICY_RESERVED_MBZ = ~((1n << 26n) - 1n) & ((1n << 64n) - 1n);
