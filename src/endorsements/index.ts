/**
 * What clouds and container stacks publish beside an SNP report (docs/endorsements.md): ACI UVM
 * endorsements (COSE_Sign1 + did:x509), the THIM host certificate JSON, Azure HCL reports, GCE
 * launch endorsements (protobuf, RSA-PSS), and the HOST_DATA rules of ACI policies and Kata
 * initdata. Every function here is browser-safe: the explorer calls them on dropped files.
 */
export { ACI_UVM_DID, ACI_UVM_FEED, looksLikeUvmEndorsement, parseUvmEndorsement, verifyUvmEndorsement, uvmReportChecks, checkReportWithUvmEndorsement, type UvmEndorsement, type UvmCheckOptions } from './aci.js';
export { decodeCoseSign1, coseToBeSigned, coseX5Chain, verifyCoseSign1, COSE_ALGS, type CoseSign1 } from './cose.js';
export { parseDidX509, chainMatchesDid, type DidX509 } from './did-x509.js';
export { verifyLeafFirstChain, verifySignedBy, verifyWithSpki, extendedKeyUsages } from './x509.js';
export { parseThimCerts, thimTcbCheck, type ThimCerts } from './thim.js';
export { isHclReport, parseHclReport, hclBindingCheck, hclAkCheck, hclAkPub, rsaPublicFromPem, formatHclText, hclToJson, type HclReport, type HclJwk } from './hcl.js';
export { GCE_ENDORSEMENT_GUID, parseGceEndorsement, verifyGceEndorsement, gceReportChecks, type GceEndorsement, type GceSevSnp, type GceVerifyOptions } from './gce.js';
export { gceEndorsementFromCertTable, gceEndorsementInFile, looksLikeEndorsementTable, gceOvmfChecks, gceRefValues, formatGceEndorsement, gceEndorsementToJson } from './gce-use.js';
export { hostDataOfPolicy, hostDataCheck, initdataHostData, initdataAlgorithm, type InitdataDigest } from './kata.js';
export { readMessage as readProtobufMessage, type PbField } from './protobuf.js';
export { detectEndorsement, checkDroppedEndorsement, hclChecksOf, type EndorsementKind, type DropOptions, type DropResult } from './detect.js';
