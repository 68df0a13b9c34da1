/**
 * ID_BLOCK / ID_AUTH_INFO for SNP_LAUNCH_FINISH: layouts, builders, parsers, key digests, ECDSA
 * P-384 signing (random or RFC 6979) and verification. specs/attestation.md §5.
 */
export {
  ID_BLOCK, ID_AUTH, PUBKEY, SIGNATURE, ALGO_ECDSA_P384_SHA384, CURVE_P384, ID_BLOCK_VERSION, DEFAULT_ID_POLICY,
} from './layout.js';
export {
  encodePublicKey, decodePublicKey, encodeSignature, decodeSignature, signatureFromCompact, signatureToCompact, keyDigest,
  type EcPublicKey, type EcSignature,
} from './structs.js';
export {
  buildIdBlock, parseIdBlock, buildIdAuth, parseIdAuth, LD_SIZE, ID_SIZE,
  type IdBlockFields, type IdBlock, type IdAuthParts, type ParsedIdAuth,
} from './build.js';
export {
  p384Signer, verifyP384, createIdBlock, verifyIdAuth,
  type IdSigner, type P384SignerOptions, type SignedIdBlock, type IdAuthVerification,
} from './sign.js';
