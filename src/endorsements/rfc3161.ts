/**
 * The RFC 3161 time-stamp token Microsoft puts in an ACI UVM endorsement's unprotected header
 * ("timestamp"): a CMS SignedData (RFC 5652 §5) over a TSTInfo (RFC 3161 §2.4.2) whose
 * messageImprint is the hash of the COSE signature. The COSE signature does not cover it, so it is
 * verified on its own, strictly, so that no byte of it goes unchecked: the imprint, the signed
 * attributes (contentType, messageDigest, signingCertificateV2 = the TSA certificate's hash,
 * RFC 5816), the signer's RSA signature, the TSA certificate (timeStamping EKU) signed by the
 * Microsoft Time-Stamp PCA 2010, which is pinned by fingerprint, validity at the token's genTime.
 * Browser-safe.
 */
import { bytesEqual, toHex } from '../core/bytes.js';
import { inputError, SnpLaunchError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { sha384 as nobleSha384, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { parseCertificate, type Certificate } from '../attestation/cert.js';
import { fail, pass, type Check } from '../attestation/check.js';
import { children, ctx, expectTag, raw, readOid, readRoot, TAG, value, type DerContext, type DerNode } from '../attestation/der.js';
import { extendedKeyUsages, verifySignedBy, verifyWithSpki } from './x509.js';

/**
 * SHA-256 of "Microsoft Time-Stamp PCA 2010" (valid 2021-09-30 .. 2030-09-30), the issuer of
 * Microsoft's time-stamping certificates, as carried in the real endorsement of
 * microsoft/confidential-aci-attestation @ 7ffea0a8 (examples/reference-info-base64). Its own
 * issuer (Microsoft Root Certificate Authority 2010) is not in the token, so this is the anchor.
 */
export const MS_TIMESTAMP_PCA_2010_SHA256 = 'ebec1edd9e140d9c105cc62b15a915c5443ddc514a35e5773c09afb0274c7ba5';

const OIDS = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  rsaEncryption: '1.2.840.113549.1.1.1',
} as const;
/** Digest AlgorithmIdentifiers accepted (RFC 5754 §2), parameters absent or NULL. */
const HASHES: Record<string, { name: string; fn: (b: Uint8Array) => Uint8Array }> = {
  '2.16.840.1.101.3.4.2.1': { name: 'SHA-256', fn: (b) => sha256(b) },
  '2.16.840.1.101.3.4.2.2': { name: 'SHA-384', fn: (b) => nobleSha384(b) },
  '2.16.840.1.101.3.4.2.3': { name: 'SHA-512', fn: (b) => nobleSha512(b) },
};
/** sha{256,384,512}WithRSAEncryption per digest (RFC 4055 §5). */
const RSA_WITH: Record<string, string> = { 'SHA-256': '1.2.840.113549.1.1.11', 'SHA-384': '1.2.840.113549.1.1.12', 'SHA-512': '1.2.840.113549.1.1.13' };

export interface TimestampInfo {
  genTime: Date;
  tsa: Certificate;
}

function bad(c: DerContext, n: DerNode | undefined, why: string): never {
  throw inputError('BAD_TIMESTAMP', why, { file: c.name, ...(n ? { offset: n.start } : {}) });
}

/** exactly `count` children */
function kids(c: DerContext, n: DerNode | undefined, tag: number, what: string, count?: number): DerNode[] {
  const k = children(c, expectTag(c, n, tag, what));
  if (count !== undefined && k.length !== count) bad(c, n, `${what} has ${k.length} elements, expected ${count}`);
  return k;
}

/** A digest AlgorithmIdentifier with absent or NULL parameters. */
function hashAlg(c: DerContext, n: DerNode | undefined, what: string): { name: string; fn: (b: Uint8Array) => Uint8Array; oid: string } {
  const k = kids(c, n, TAG.SEQUENCE, what);
  const oid = readOid(c, expectTag(c, k[0], TAG.OID, what));
  const h = HASHES[oid];
  if (!h) bad(c, n, `${what} ${oid} is not SHA-256/384/512`);
  if (k.length > 2 || (k[1] && (k[1].tag !== TAG.NULL || k[1].end !== k[1].valueStart))) bad(c, n, `${what} parameters must be absent or NULL`);
  return { ...h, oid };
}

function readInt(c: DerContext, n: DerNode | undefined, what: string): number {
  const v = value(expectTag(c, n, TAG.INTEGER, what));
  if (v.length !== 1) bad(c, n, `${what} is not a small integer`);
  return v[0]!;
}

/** GeneralizedTime with optional fraction, Zulu (RFC 3161 §2.4.2). */
function genTime(c: DerContext, n: DerNode | undefined): Date {
  const s = new TextDecoder().decode(value(expectTag(c, n, TAG.GENERALIZED_TIME, 'genTime')));
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,6}))?Z$/.exec(s);
  if (!m) bad(c, n, `genTime '${s}' is not YYYYMMDDhhmmss[.f]Z`);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, m[7] ? Math.floor(Number('0.' + m[7]) * 1000) : 0));
}

/** The issuer Name DER inside a certificate's TBS (for the SignerIdentifier comparison). */
function tbsIssuerAndSerial(cert: Certificate): { issuer: Uint8Array; serial: Uint8Array } {
  const c = { name: cert.name };
  const k = children(c, readRoot(c, cert.tbs));
  const i = k[0]?.tag === ctx(0) ? 1 : 0;
  return { serial: raw(k[i]!), issuer: raw(k[i + 2]!) };
}

/**
 * Verifies a token against the COSE signature it time-stamps. Throws SnpLaunchError (BAD_TIMESTAMP)
 * with the reason on any failure; returns the genTime and TSA certificate.
 */
export async function verifyTimestampToken(token: Uint8Array, stamped: Uint8Array, name: string): Promise<TimestampInfo> {
  const c: DerContext = { name };
  const [ctOid, ctBody] = kids(c, readRoot(c, token), TAG.SEQUENCE, 'ContentInfo', 2);
  if (readOid(c, expectTag(c, ctOid, TAG.OID, 'contentType')) !== OIDS.signedData) bad(c, ctOid, 'is not CMS SignedData');
  const [sd] = kids(c, ctBody, ctx(0), 'content', 1);
  const parts = kids(c, sd, TAG.SEQUENCE, 'SignedData');
  // version, digestAlgorithms, encapContentInfo, certificates [0], signerInfos: no CRLs.
  if (parts.length !== 5 || parts[3]!.tag !== ctx(0)) bad(c, sd, 'SignedData must be version, digestAlgorithms, encapContentInfo, certificates, signerInfos');
  if (readInt(c, parts[0], 'SignedData version') !== 3) bad(c, parts[0], 'SignedData version is not 3');
  const [digestAlgs] = kids(c, parts[1], TAG.SET, 'digestAlgorithms', 1);
  const [eType, eWrap] = kids(c, parts[2], TAG.SEQUENCE, 'encapContentInfo', 2);
  if (readOid(c, expectTag(c, eType, TAG.OID, 'eContentType')) !== OIDS.tstInfo) bad(c, eType, 'eContentType is not id-ct-TSTInfo');
  const [eOctets] = kids(c, eWrap, ctx(0), 'eContent', 1);
  const eContent = value(expectTag(c, eOctets, TAG.OCTET_STRING, 'eContent'));
  const certs = children(c, parts[3]!).map((n, i) => parseCertificate(raw(expectTag(c, n, TAG.SEQUENCE, `certificate ${i}`)), `${name} certificate ${i}`));
  const [si] = kids(c, parts[4], TAG.SET, 'signerInfos', 1);

  // TSTInfo: version 1, policy, messageImprint = hash(stamped), ..., genTime.
  const tc: DerContext = { name: `${name} TSTInfo` };
  const t = kids(tc, readRoot(tc, eContent), TAG.SEQUENCE, 'TSTInfo');
  if (readInt(tc, t[0], 'TSTInfo version') !== 1) bad(tc, t[0], 'TSTInfo version is not 1');
  const [impAlg, impHash] = kids(tc, t[2], TAG.SEQUENCE, 'messageImprint', 2);
  const ih = hashAlg(tc, impAlg, 'messageImprint hashAlgorithm');
  if (!bytesEqual(value(expectTag(tc, impHash, TAG.OCTET_STRING, 'hashedMessage')), ih.fn(stamped))) bad(tc, impHash, `messageImprint is not the ${ih.name} of the COSE signature`);
  const when = genTime(tc, t[4]);

  // SignerInfo: version 1, issuerAndSerialNumber, digestAlgorithm, signedAttrs, signatureAlgorithm, signature.
  const s = kids(c, si, TAG.SEQUENCE, 'SignerInfo', 6);
  if (readInt(c, s[0], 'SignerInfo version') !== 1) bad(c, s[0], 'SignerInfo version is not 1 (issuerAndSerialNumber)');
  const [sidIssuer, sidSerial] = kids(c, s[1], TAG.SEQUENCE, 'issuerAndSerialNumber', 2);
  const tsa = certs.find((x) => {
    const ids = tbsIssuerAndSerial(x);
    return bytesEqual(ids.issuer, raw(sidIssuer!)) && bytesEqual(ids.serial, raw(sidSerial!));
  });
  if (!tsa) bad(c, s[1], 'no certificate in the token matches the signer identifier');
  const dh = hashAlg(c, s[2], 'digestAlgorithm');
  if (!bytesEqual(raw(digestAlgs!), raw(s[2]!))) bad(c, digestAlgs, 'digestAlgorithms is not exactly the signer\'s digest algorithm');
  const attrs = expectTag(c, s[3], ctx(0), 'signedAttrs');
  const seen = new Map<string, DerNode>();
  for (const a of children(c, attrs)) {
    const [o, vals] = kids(c, a, TAG.SEQUENCE, 'attribute', 2);
    const oid = readOid(c, expectTag(c, o, TAG.OID, 'attribute type'));
    if (seen.has(oid)) bad(c, a, `attribute ${oid} appears twice`);
    const [v] = kids(c, vals, TAG.SET, `attribute ${oid} values`, 1);
    seen.set(oid, v!);
  }
  if (seen.size !== 3) bad(c, attrs, 'signedAttrs must be exactly contentType, messageDigest, signingCertificateV2');
  const ctype = seen.get(OIDS.contentType);
  if (!ctype || readOid(c, ctype) !== OIDS.tstInfo) bad(c, attrs, 'the contentType attribute is not id-ct-TSTInfo');
  const md = seen.get(OIDS.messageDigest);
  if (!md || !bytesEqual(value(expectTag(c, md, TAG.OCTET_STRING, 'messageDigest')), dh.fn(eContent))) bad(c, attrs, `the messageDigest attribute is not the ${dh.name} of the TSTInfo`);
  // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 {hashAlgorithm DEFAULT sha256, certHash, issuerSerial} } (RFC 5035 §3).
  const scv2 = seen.get(OIDS.signingCertificateV2);
  const [ids] = kids(c, scv2, TAG.SEQUENCE, 'SigningCertificateV2', 1);
  // The first ESSCertIDv2 names the signing certificate (RFC 5035 §3); the rest are signed too.
  const [first] = kids(c, ids, TAG.SEQUENCE, 'certs');
  const idParts = kids(c, first, TAG.SEQUENCE, 'ESSCertIDv2');
  const certHash = idParts[0]?.tag === TAG.SEQUENCE ? idParts[1] : idParts[0];
  const chAlg = idParts[0]?.tag === TAG.SEQUENCE ? hashAlg(c, idParts[0], 'ESSCertIDv2 hashAlgorithm') : { fn: (b: Uint8Array) => sha256(b) };
  if (!certHash || !bytesEqual(value(expectTag(c, certHash, TAG.OCTET_STRING, 'certHash')), chAlg.fn(tsa.der))) bad(c, scv2, 'signingCertificateV2 does not name the signer certificate');
  if (idParts.length > 3) bad(c, first, 'ESSCertIDv2 has extra elements');

  // The signature over the DER of the SET OF attributes (RFC 5652 §5.4: the [0] tag becomes SET).
  const signed = raw(attrs).slice();
  signed[0] = TAG.SET;
  const sigAlgK = kids(c, s[4], TAG.SEQUENCE, 'signatureAlgorithm');
  const sigOid = readOid(c, expectTag(c, sigAlgK[0], TAG.OID, 'signatureAlgorithm'));
  if (sigAlgK.length !== 2 || sigAlgK[1]!.tag !== TAG.NULL || sigAlgK[1]!.end !== sigAlgK[1]!.valueStart) bad(c, s[4], 'signatureAlgorithm parameters must be NULL');
  const withOid = sigOid === OIDS.rsaEncryption ? RSA_WITH[dh.name] : sigOid;
  if (withOid !== RSA_WITH[dh.name]) bad(c, s[4], `signatureAlgorithm ${sigOid} is not RSA with ${dh.name}`);
  const sig = value(expectTag(c, s[5], TAG.OCTET_STRING, 'signature'));
  if (!(await verifyWithSpki(tsa.spki, { oid: withOid!, name: withOid! }, sig, signed))) bad(c, s[5], `the signature does not verify with ${tsa.subjectCN ?? 'the TSA certificate'}`);

  // The TSA certificate: timeStamping EKU, signed by the pinned PCA, valid at genTime.
  if (!(extendedKeyUsages(tsa) ?? []).includes(OIDS.timeStamping)) bad(c, undefined, `${tsa.subjectCN ?? 'the TSA certificate'} lacks the timeStamping extended key usage`);
  const pca = certs.find((x) => toHex(sha256(x.der)) === MS_TIMESTAMP_PCA_2010_SHA256);
  if (!pca) bad(c, parts[3], 'the token does not carry the pinned Microsoft Time-Stamp PCA 2010');
  if (certs.length !== 2) bad(c, parts[3], `the token carries ${certs.length} certificates; expected the TSA certificate and the PCA`);
  if (!(await verifySignedBy(tsa, pca))) bad(c, undefined, `${tsa.subjectCN ?? 'the TSA certificate'} is not signed by ${pca.subjectCN}`);
  for (const x of [tsa, pca]) if (when < x.notBefore || when > x.notAfter) bad(c, undefined, `${x.subjectCN} is not valid at genTime ${when.toISOString()}`);
  return { genTime: when, tsa };
}

/** "uvm.timestamp" for a token (or none) and the COSE signature bytes. */
export async function timestampCheck(token: unknown, stamped: Uint8Array, name: string): Promise<Check | undefined> {
  if (token === undefined) return undefined;
  if (!(token instanceof Uint8Array)) return fail('uvm.timestamp', 'the unprotected "timestamp" is not a byte string');
  try {
    const t = await verifyTimestampToken(token, stamped, `${name} timestamp`);
    return pass('uvm.timestamp', `RFC 3161 token over the COSE signature, ${t.genTime.toISOString()}, by ${t.tsa.subjectCN} ← Microsoft Time-Stamp PCA 2010 (pinned)`);
  } catch (e) {
    if (e instanceof SnpLaunchError) return fail('uvm.timestamp', e.message);
    throw e;
  }
}

