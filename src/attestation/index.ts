/**
 * Attestation: parse (report.ts, cert.ts, vek.ts) → verify (verify.ts, chain.ts) → validate
 * (validate.ts), following the go-sev-guest split; specs/attestation.md. Browser-safe (WebCrypto).
 */
export { parseReport, withProduct, formatFirmwareVersion, compareFirmwareVersion, REPORT_FIELDS, REPORT_SIZE, SIGNED_SIZE, LATEST_KNOWN_VERSION } from './report.js';
export type { AttestationReport, FirmwareVersion, ParseReportOptions } from './report.js';
export { decodeReportInput } from './input.js';
export { decodeTcb, encodeTcb, formatTcb, tcbBelow, tcbDiff, TCB_COMPONENTS, type Tcb, type TcbParts, type TcbComponent } from './tcb.js';
export { decodePolicy, policyFlagNames, policyProblems, POLICY_BITS, type GuestPolicy } from './policy.js';
export { decodePlatformInfo, decodeSignerInfo, PLATFORM_INFO_BITS, type PlatformInfo, type SignerInfo, type SigningKey } from './platform-info.js';
export { productFromCpuid, productFromName, parseProductLine, tcbLayoutOf, PRODUCT_LINES, type Product, type ProductLine, type ProductSource, type TcbLayout } from './product.js';
export { parseCertificate, loadCertificates, parsePem, toPem, type Certificate, type Extension, type PublicKeyInfo, type SignatureAlgorithm } from './cert.js';
export { parseVek, unwrapHwId, AMD_OID, type VekInfo, type VekKind } from './vek.js';
export { amdRoots, verifyChain, verifyCertSignature, validityCheck, expectedCNs, type AmdChainCerts, type ChainOptions, type ChainResult } from './chain.js';
export { certChainUrl, crlUrl, vcekUrl, vlekUrl, KDS_BASE } from './kds.js';
export { verifyReport, verifyReportSignature, signatureToP1363, selectVek, type VerifyOptions, type VerifyResult } from './verify.js';
export { validateReport, type ValidateOptions, type ValidateContext, type PolicyConstraints } from './validate.js';
export { PINNABLE_FIELDS, CHECK_FIELDS, fieldsPinnedBy, uncheckedFields } from './pinned-fields.js';
export { formatProblems, reportFormatCheck, mbzRanges, SUPPORTED_VERSIONS, UNSIGNED_TAIL, type FormatProblem, type FormatRule } from './report-format.js';
export { profileCheck, profileProblems, unhandledCriticalExtensions, AMD_LOCATION } from './cert-profile.js';
export { reportToJson, formatReportText } from './format.js';
export type { Check } from './check.js';
export { parseBytesText, parseTcbText, parseFirmwareText, parseTimeText, type ParsedText } from './text.js';
export { checkAttestation, type CheckAttestationOptions, type AttestationResult } from './api.js';
export { parseCertTable, looksLikeCertTable, CERT_TABLE_GUIDS, type CertTableEntry } from './cert-table.js';
// AMD KDS endorsements and revocation (issue 16 items 6-7; docs/kds.md).
export { parseCrl, loadCrls, CRL_OID, MAX_CRL_BYTES, MAX_CRL_ENTRIES, type Crl, type RevokedEntry } from './crl.js';
export { checkRevocation, chainIntermediate, crlAuthenticityProblem, crlCurrencyProblem, type CrlTrust, type RevocationInput } from './revocation.js';
export { obtainVcek, obtainCertChain, obtainCrl, vcekUrlFor, atBase, type KdsAccess, type KdsFetcher, type KdsStore, type Obtained } from './endorsements.js';
