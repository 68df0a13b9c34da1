/**
 * Every CBOR codepoint the CoRIM encoder writes, with its source. Sections:
 *   [CoRIM]   draft-ietf-rats-corim (CoRIM/CoMID CDDL)
 *   [SNP]     draft-deeglaze-amd-sev-snp-corim-profile (github deeglaze/draft-deeglaze-amd-sev-snp-corim-profile,
 *             commit 0fbed55b), §"AMD SEV-SNP CoRIM Profile" and §"Evidence Translation"
 *   [COSE]    RFC 9052 (COSE_Sign1), RFC 9053 §2.1 (ES384)
 * The table is repeated with prose in docs/refvalues.md.
 */

/** CBOR tags. */
export const TAG = {
  /** [CoRIM] tagged-unsigned-corim-map = #6.501(unsigned-corim-map). */
  UNSIGNED_CORIM: 501,
  /** [CoRIM] tagged-concise-mid-tag = #6.506(bytes .cbor concise-mid-tag). */
  COMID: 506,
  /** [CoRIM] profile-type-choice: uri = #6.32(tstr) (RFC 8949 §3.4.5.3). */
  URI: 32,
  /** [CoRIM] tagged-oid-type = #6.111(bytes) (RFC 9090). */
  OID: 111,
  /** [CoRIM] tagged-svn = #6.552(svn): exact security version. */
  SVN: 552,
  /** [CoRIM] tagged-min-svn = #6.553(svn): minimum security version. */
  MIN_SVN: 553,
  /** [CoRIM] tagged-bytes = #6.560(bytes) (raw-value). */
  BYTES: 560,
  /** [COSE] COSE_Sign1_Tagged = #6.18; [CoRIM] signed-corim. */
  COSE_SIGN1: 18,
} as const;

/** [CoRIM] corim-map keys. */
export const CORIM = { ID: 0, TAGS: 1, PROFILE: 3 } as const;
/**
 * snp-launch's own corim-map extension ($$corim-map-extension socket of [CoRIM]): the description of
 * each reference triple's launch configuration, in triple order. A text key, so it can never
 * collide with a registered integer codepoint; verifiers ignore it.
 */
export const CELLS_KEY = 'snp-launch-cells';
/** [CoRIM] concise-mid-tag keys. */
export const COMID = { TAG_IDENTITY: 1, TRIPLES: 4 } as const;
/** [CoRIM] tag-identity-map key. */
export const TAG_ID = 0;
/** [CoRIM] triples-map key: reference-triples. */
export const REFERENCE_TRIPLES = 0;
/** [CoRIM] environment-map / class-map keys. */
export const ENV = { CLASS: 0, INSTANCE: 1 } as const;
export const CLASS = { CLASS_ID: 0 } as const;
/** [CoRIM] measurement-map keys. */
export const MM = { MKEY: 0, MVAL: 1 } as const;
/** [CoRIM] measurement-values-map keys. */
export const MVAL = { SVN: 1, DIGESTS: 2, RAW_VALUE: 4 } as const;
/** [CoRIM] digest algorithm: sha-384 = 7 (IANA Named Information Hash Algorithm Registry), as [SNP] writes `[[7, ...]]`. */
export const ALG_SHA384 = 7;

/** [SNP] profile identifier (§"AMD SEV-SNP CoRIM Profile", cddl/examples/profile.diag). */
export const SNP_PROFILE = 'tag:amd.com,2025:snp-corim-profile';
/** [SNP] class-id "by chip" 1.3.6.1.4.1.3704.3.1 (§"Target Environment", cddl/examples/environment.diag). */
export const SNP_CLASS_BY_CHIP = new Uint8Array([0x06, 0x09, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x9c, 0x78, 0x03, 0x01]);

/**
 * [VER] Veraison's SEV-SNP scheme (github veraison/services, commit 6b881029, scheme/sevsnp/corim.go
 * and scheme.go; evidence translation in jraman567/go-gen-ref cmd/sevsnp/parser.go, commit 97b7e781)
 * differs from the draft's examples in four places, so `--corim-flavor veraison` writes:
 *   - the profile as one #6.32 URI (not an array), 'tag:amd.com,2024:snp-corim-profile' (EndorsementMediaTypeRV);
 *   - class-id OIDs as RFC 9090 contents octets (no DER tag/length), by chip ...3704.3.1 and by CSP
 *     ...3704.3.2 (the evidence's class depends on VCEK/VLEK signing, so each cell is written for both);
 *   - environment instance #6.560(MEASUREMENT): GetReferenceValueIDs looks reference values up by it;
 *   - HOST_DATA / ID / AUTHOR key digests as raw-value, GUEST_SVN as #6.553 (its evidence does so;
 *     min-svn against min-svn compares equal).
 */
export const SNP_PROFILE_VERAISON = 'tag:amd.com,2024:snp-corim-profile';
export const OID_BY_CHIP = new Uint8Array([0x2b, 0x06, 0x01, 0x04, 0x01, 0x9c, 0x78, 0x03, 0x01]);
export const OID_BY_CSP = new Uint8Array([0x2b, 0x06, 0x01, 0x04, 0x01, 0x9c, 0x78, 0x03, 0x02]);
/** [VER] media type for `cocli corim submit` (scheme.go EndorsementMediaTypeRV). */
export const VERAISON_MEDIA_TYPE = `application/corim-unsigned+cbor; profile="${SNP_PROFILE_VERAISON}"`;

/** [SNP] mkey numbers (§"AMD SEV-SNP measurements"). */
export const MKEY = {
  GUEST_SVN: 1,
  POLICY: 2,
  FAMILY_ID: 3,
  IMAGE_ID: 4,
  MEASUREMENT: 641,
  HOST_DATA: 642,
  ID_KEY_DIGEST: 643,
  AUTHOR_KEY_DIGEST: 644,
  REPORTED_TCB: 647,
} as const;

/** [COSE] header labels and values. */
export const COSE = {
  ALG: 1,
  CONTENT_TYPE: 3,
  /** ES384 (RFC 9053 §2.1). */
  ES384: -35,
  /** [CoRIM] media type of an unsigned CoRIM carried as a COSE payload. */
  CORIM_MEDIA_TYPE: 'application/rim+cbor',
} as const;
