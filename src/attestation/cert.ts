/**
 * X.509 v3 certificate parsing (RFC 5280 §4.1) for AMD's SEV certificates, on the strict DER
 * reader: the exact TBSCertificate bytes, the signature algorithm with its RSASSA-PSS parameters
 * (RFC 4055 §3.1), issuer/subject names, validity, serial, the SubjectPublicKeyInfo, and the
 * extensions by OID. Also PEM decoding (RFC 7468) and GHCB certificate tables. No trust decision is
 * made here (chain.ts).
 */
import { inputError } from '../core/errors.js';
import { fromBase64, toBase64, toHex } from '../core/bytes.js';
import { looksLikeCertTable, parseCertTable } from './cert-table.js';
import { children, childrenN, ctx, expectTag, raw, readBitString, readBoolean, readNode, readOid, readRoot, readString, readTime, readUnsigned, TAG, value, type DerContext, type DerNode } from './der.js';

/** Algorithm OIDs used by AMD certificates. */
export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1', // RFC 8017 A.1
  rsassaPss: '1.2.840.113549.1.1.10', // RFC 4055 §3.1
  mgf1: '1.2.840.113549.1.1.8', // RFC 8017 B.2.1
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2', // NIST CSOR
  sha512: '2.16.840.1.101.3.4.2.3',
  ecPublicKey: '1.2.840.10045.2.1', // RFC 5480 §2.1.1
  ecdsaWithSha384: '1.2.840.10045.4.3.3', // RFC 5758 §3.2
  secp384r1: '1.3.132.0.34', // RFC 5480 §2.1.1.1
  secp256r1: '1.2.840.10045.3.1.7',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  crlDistributionPoints: '2.5.29.31',
} as const;

const HASH_NAMES: Record<string, string> = { [OID.sha256]: 'SHA-256', [OID.sha384]: 'SHA-384', [OID.sha512]: 'SHA-512' };

export interface PssParams {
  hash: string;
  mgf1Hash: string;
  saltLength: number;
  trailerField: number;
}

export interface SignatureAlgorithm {
  oid: string;
  /** 'RSASSA-PSS', 'ECDSA-SHA384' or the OID for anything else. */
  name: string;
  pss?: PssParams;
}

export type PublicKeyInfo =
  | { type: 'rsa'; modulusBits: number }
  | { type: 'ec'; curve: string; curveOid: string }
  | { type: 'other'; oid: string };

export interface Extension {
  critical: boolean;
  /** extnValue OCTET STRING contents. */
  value: Uint8Array;
}

export interface Certificate {
  /** Label for messages (file name). */
  name: string;
  der: Uint8Array;
  /** TBSCertificate, byte-exact as signed. */
  tbs: Uint8Array;
  version: number;
  /** Serial number as lower-case hex without leading zeros ("0" for VCEKs). */
  serial: string;
  signatureAlgorithm: SignatureAlgorithm;
  issuer: [string, string][];
  subject: [string, string][];
  issuerCN?: string;
  subjectCN?: string;
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo DER (for WebCrypto importKey('spki')). */
  spki: Uint8Array;
  publicKey: PublicKeyInfo;
  extensions: Map<string, Extension>;
  /** BasicConstraints CA flag (false when absent). */
  isCa: boolean;
  /** KeyUsage keyCertSign (RFC 5280 §4.2.1.3); undefined when there is no KeyUsage. */
  keyCertSign?: boolean;
  /** fullName URIs of the CRLDistributionPoints extension, as Go's x509 collects them (§4.2.1.13). */
  crlUris: string[];
  signature: Uint8Array;
}

function fail(c: DerContext, n: DerNode | number, reason: string, field?: string): never {
  throw inputError('BAD_CERTIFICATE', reason, { file: c.name, offset: typeof n === 'number' ? n : n.start, ...(field ? { field } : {}) });
}

export function parseAlgorithm(c: DerContext, n: DerNode, what: string): SignatureAlgorithm {
  const parts = childrenN(c, expectTag(c, n, TAG.SEQUENCE, what), 1, 2, what);
  const oid = readOid(c, expectTag(c, parts[0], TAG.OID, `${what} OID`, n.end));
  if (oid === OID.ecdsaWithSha384) return { oid, name: 'ECDSA-SHA384' };
  if (oid !== OID.rsassaPss) return { oid, name: oid };
  // RSASSA-PSS-params (RFC 4055 §3.1): all four fields have DEFAULTs (SHA-1, MGF1-SHA-1, 20, 1).
  const pss: PssParams = { hash: 'SHA-1', mgf1Hash: 'SHA-1', saltLength: 20, trailerField: 1 };
  const params = parts[1];
  if (params !== undefined) {
    // Each field at most once and in order (X.680 SEQUENCE), each [n] wrapping exactly one value.
    let last = -1;
    for (const p of children(c, expectTag(c, params, TAG.SEQUENCE, `${what} PSS parameters`))) {
      if (p.tag < ctx(0) || p.tag > ctx(3) || p.tag - ctx(0) <= last) fail(c, p, `${what}: unexpected or out-of-order PSS parameter tag 0x${p.tag.toString(16)}`);
      last = p.tag - ctx(0);
      const inner = childrenN(c, p, 1, 1, `${what} PSS parameter [${last}]`)[0]!;
      if (p.tag === ctx(0)) pss.hash = hashName(c, inner, `${what} hashAlgorithm`);
      else if (p.tag === ctx(1)) {
        const mgf = childrenN(c, expectTag(c, inner, TAG.SEQUENCE, `${what} maskGenAlgorithm`), 2, 2, `${what} maskGenAlgorithm`);
        if (readOid(c, expectTag(c, mgf[0], TAG.OID, 'MGF OID', inner.end)) !== OID.mgf1) fail(c, inner, `${what}: mask generation function is not MGF1`);
        pss.mgf1Hash = hashName(c, expectTag(c, mgf[1], TAG.SEQUENCE, 'MGF1 hash', inner.end), `${what} MGF1 hash`);
      } else if (p.tag === ctx(2)) pss.saltLength = Number(readUnsigned(c, inner, `${what} saltLength`));
      else pss.trailerField = Number(readUnsigned(c, inner, `${what} trailerField`));
    }
  }
  return { oid, name: 'RSASSA-PSS', pss };
}

function hashName(c: DerContext, n: DerNode, what: string): string {
  const parts = childrenN(c, expectTag(c, n, TAG.SEQUENCE, what), 1, 2, what);
  const oid = readOid(c, expectTag(c, parts[0], TAG.OID, what, n.end));
  // Hash AlgorithmIdentifier parameters are absent or NULL (RFC 4055 §2.1), nothing else.
  const param = parts[1];
  if (parts.length > 2 || (param !== undefined && (param.tag !== TAG.NULL || param.end !== param.valueStart))) fail(c, param ?? n, `${what}: parameters must be absent or NULL`);
  return HASH_NAMES[oid] ?? oid;
}

const STRING_TAGS = new Set<number>([TAG.UTF8_STRING, TAG.PRINTABLE_STRING, TAG.IA5_STRING, TAG.VISIBLE_STRING, TAG.NUMERIC_STRING, TAG.BMP_STRING]);

export function parseName(c: DerContext, n: DerNode, what: string): [string, string][] {
  const out: [string, string][] = [];
  for (const rdn of children(c, expectTag(c, n, TAG.SEQUENCE, what))) {
    for (const atv of childrenN(c, expectTag(c, rdn, TAG.SET, `${what} RDN`), 1, Infinity, `${what} RDN`)) {
      const [o, v] = childrenN(c, expectTag(c, atv, TAG.SEQUENCE, `${what} attribute`), 2, 2, `${what} attribute`);
      const oid = readOid(c, expectTag(c, o, TAG.OID, `${what} attribute type`, atv.end));
      if (v === undefined) fail(c, atv, `${what}: attribute without a value`);
      // Names are informational except the CN; an unusual string type is kept as #hex (RFC 4514 §2.4).
      const text = STRING_TAGS.has(v.tag) ? readString(c, v, `${what} ${oid}`) : '#' + toHex(raw(v));
      out.push([oid, text]);
    }
  }
  return out;
}

function parsePublicKey(c: DerContext, n: DerNode): PublicKeyInfo {
  const [alg, key] = childrenN(c, expectTag(c, n, TAG.SEQUENCE, 'SubjectPublicKeyInfo'), 2, 2, 'SubjectPublicKeyInfo');
  const algParts = childrenN(c, expectTag(c, alg, TAG.SEQUENCE, 'public key algorithm', n.end), 1, 2, 'public key algorithm');
  const oid = readOid(c, expectTag(c, algParts[0], TAG.OID, 'public key algorithm OID', n.end));
  const bits = readBitString(c, expectTag(c, key, TAG.BIT_STRING, 'subjectPublicKey', n.end), 'subjectPublicKey');
  if (oid === OID.ecPublicKey) {
    const curveOid = algParts[1]?.tag === TAG.OID ? readOid(c, algParts[1]) : '';
    const curve = curveOid === OID.secp384r1 ? 'P-384' : curveOid === OID.secp256r1 ? 'P-256' : curveOid || 'unknown';
    if (curve === 'P-384' && (bits.length !== 97 || bits[0] !== 0x04)) fail(c, key!, 'P-384 public key is not an uncompressed 97-byte point');
    return { type: 'ec', curve, curveOid };
  }
  if (oid === OID.rsaEncryption || oid === OID.rsassaPss) {
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1)
    const rsa = readRoot(c, bits);
    const mod = value(childrenN(c, expectTag(c, rsa, TAG.SEQUENCE, 'RSAPublicKey'), 2, 2, 'RSAPublicKey')[0]!);
    const mag = mod[0] === 0 ? mod.length - 1 : mod.length;
    return { type: 'rsa', modulusBits: mag * 8 };
  }
  return { type: 'other', oid };
}

/** Parses one DER certificate. `name` labels errors. */
export function parseCertificate(der: Uint8Array, name = 'certificate'): Certificate {
  const c: DerContext = { name };
  if (der.length === 0) fail(c, 0, 'empty certificate');
  const root = readRoot(c, der);
  const [tbs0, algN, sigN] = childrenN(c, expectTag(c, root, TAG.SEQUENCE, 'Certificate'), 3, 3, 'Certificate');
  const tbsN = expectTag(c, tbs0, TAG.SEQUENCE, 'TBSCertificate', root.end);
  const tbsParts = children(c, tbsN);
  let i = 0;
  let version = 1;
  if (tbsParts[0]?.tag === ctx(0)) {
    version = Number(readUnsigned(c, childrenN(c, tbsParts[0], 1, 1, 'version')[0]!, 'version')) + 1;
    // RFC 5280 §4.1.2.1: v1, v2 or v3 (Go's x509: "invalid version").
    if (version > 3) fail(c, tbsParts[0], `X.509 version ${version} is not 1, 2 or 3`, 'version');
    i++;
  }
  const serialN = expectTag(c, tbsParts[i++], TAG.INTEGER, 'serialNumber', tbsN.end);
  const tbsAlgN = tbsParts[i++] ?? fail(c, tbsN.end, 'TBS signature algorithm is missing');
  const tbsAlg = parseAlgorithm(c, tbsAlgN, 'TBS signature');
  const issuer = parseName(c, tbsParts[i++] ?? fail(c, tbsN.end, 'issuer is missing'), 'issuer');
  const validity = childrenN(c, expectTag(c, tbsParts[i++], TAG.SEQUENCE, 'validity', tbsN.end), 2, 2, 'validity');
  const notBefore = readTime(c, validity[0] ?? fail(c, tbsN.end, 'notBefore is missing'), 'notBefore');
  const notAfter = readTime(c, validity[1] ?? fail(c, tbsN.end, 'notAfter is missing'), 'notAfter');
  const subject = parseName(c, tbsParts[i++] ?? fail(c, tbsN.end, 'subject is missing'), 'subject');
  const spkiN = expectTag(c, tbsParts[i++], TAG.SEQUENCE, 'SubjectPublicKeyInfo', tbsN.end);
  const publicKey = parsePublicKey(c, spkiN);
  const extensions = new Map<string, Extension>();
  // issuerUniqueID [1], subjectUniqueID [2] (ignored), extensions [3]: each at most once, in this
  // order, and nothing after them (RFC 5280 §4.1; Go's x509 rejects trailing TBS data).
  let lastField = 0;
  for (; i < tbsParts.length; i++) {
    const p = tbsParts[i]!;
    const field = p.tag & 0x1f;
    if ((p.tag & 0xc0) !== 0x80 || field < 1 || field > 3 || field <= lastField || (field === 3 && p.tag !== ctx(3))) {
      fail(c, p, `unexpected or out-of-order field with DER tag 0x${p.tag.toString(16)} in TBSCertificate`);
    }
    lastField = field;
    if (field !== 3) continue;
    const list = childrenN(c, expectTag(c, childrenN(c, p, 1, 1, 'extensions [3]')[0], TAG.SEQUENCE, 'extensions', p.end), 1, Infinity, 'extensions');
    for (const e of list) {
      const parts = childrenN(c, expectTag(c, e, TAG.SEQUENCE, 'extension'), 2, 3, 'extension');
      const oid = readOid(c, expectTag(c, parts[0], TAG.OID, 'extension OID', e.end));
      let critical = false;
      let k = 1;
      if (parts.length === 3 && parts[1]!.tag !== TAG.BOOLEAN) fail(c, parts[2]!, `extension ${oid} has 1 unexpected trailing element(s)`);
      if (parts.length === 3) critical = readBoolean(c, parts[k++]!, `extension ${oid} critical`);
      const val = expectTag(c, parts[k], TAG.OCTET_STRING, `extension ${oid} value`, e.end);
      if (extensions.has(oid)) fail(c, e, `duplicate extension ${oid}`);
      extensions.set(oid, { critical, value: value(val) });
    }
  }
  const outerAlg = parseAlgorithm(c, algN ?? fail(c, root.end, 'signatureAlgorithm is missing'), 'signatureAlgorithm');
  // RFC 5280 §4.1.1.2: the same AlgorithmIdentifier, compared as encoded (the outer one is not signed).
  if (JSON.stringify(outerAlg) !== JSON.stringify(tbsAlg) || toHex(raw(algN!)) !== toHex(raw(tbsAlgN))) fail(c, algN!, 'signatureAlgorithm differs from the TBS signature algorithm');
  const signature = readBitString(c, expectTag(c, sigN, TAG.BIT_STRING, 'signatureValue', root.end), 'signatureValue');
  const serialBytes = value(serialN);
  const cn = (n: [string, string][]) => n.find(([o]) => o === OID.commonName)?.[1];
  const cert: Certificate = {
    name,
    der,
    tbs: raw(tbsN),
    version,
    serial: BigInt('0x' + (toHex(serialBytes) || '0')).toString(16),
    signatureAlgorithm: outerAlg,
    issuer,
    subject,
    notBefore,
    notAfter,
    spki: raw(spkiN),
    publicKey,
    extensions,
    isCa: basicConstraintsCa(c, extensions.get(OID.basicConstraints)),
    crlUris: crlDistributionUris(c, extensions.get(OID.crlDistributionPoints)),
    signature,
  };
  const ku = keyUsageCertSign(c, extensions.get(OID.keyUsage));
  if (ku !== undefined) cert.keyCertSign = ku;
  const icn = cn(issuer);
  const scn = cn(subject);
  if (icn !== undefined) cert.issuerCN = icn;
  if (scn !== undefined) cert.subjectCN = scn;
  return cert;
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } */
function basicConstraintsCa(c: DerContext, e: Extension | undefined): boolean {
  if (!e) return false;
  const seq = readRoot(c, e.value);
  const first = childrenN(c, expectTag(c, seq, TAG.SEQUENCE, 'basicConstraints'), 0, 2, 'basicConstraints')[0];
  return first?.tag === TAG.BOOLEAN && readBoolean(c, first, 'basicConstraints cA');
}

/** KeyUsage ::= BIT STRING; bit 5 is keyCertSign (bit 0 is the first byte's top bit). */
function keyUsageCertSign(c: DerContext, e: Extension | undefined): boolean | undefined {
  if (!e) return undefined;
  const n = expectTag(c, readRoot(c, e.value), TAG.BIT_STRING, 'keyUsage');
  const v = value(n);
  if (v.length < 2 || v[0]! > 7) fail(c, n, 'keyUsage: malformed BIT STRING', 'keyUsage');
  return ((v[1]! >> 2) & 1) === 1;
}

/**
 * CRLDistributionPoints ::= SEQUENCE OF DistributionPoint { distributionPoint [0] { fullName [0]
 * GeneralNames } ... }: the uniformResourceIdentifier [6] names (RFC 5280 §4.2.1.13).
 */
function crlDistributionUris(c: DerContext, e: Extension | undefined): string[] {
  if (!e) return [];
  const out: string[] = [];
  for (const dp of childrenN(c, expectTag(c, readRoot(c, e.value), TAG.SEQUENCE, 'CRLDistributionPoints'), 1, Infinity, 'CRLDistributionPoints')) {
    const parts = childrenN(c, expectTag(c, dp, TAG.SEQUENCE, 'DistributionPoint'), 0, 3, 'DistributionPoint');
    const name = parts.find((p) => p.tag === ctx(0));
    if (!name) continue;
    for (const full of childrenN(c, name, 1, 1, 'distributionPoint')) {
      if (full.tag !== ctx(0)) continue; // nameRelativeToCRLIssuer: no URI
      for (const gn of children(c, full)) if (gn.tag === 0x86) out.push(readString(c, { ...gn, tag: TAG.IA5_STRING }, 'CRL distribution point URI'));
    }
  }
  return out;
}

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

/** All PEM blocks in a text (RFC 7468), in order. */
export function parsePem(text: string, name = 'PEM'): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== m[3]) throw inputError('BAD_PEM', `PEM block BEGIN ${m[1]} ends with END ${m[3]}`, { file: name });
    const der = fromBase64(m[2]!.replace(/\s+/g, ''));
    if (!der) throw inputError('BAD_PEM', `PEM block ${m[1]} has invalid base64`, { file: name });
    out.push({ label: m[1]!, der });
  }
  return out;
}

/**
 * One or more certificates from a file's bytes: DER (starts with a SEQUENCE tag) or PEM text
 * with one or more CERTIFICATE blocks. Other PEM blocks (keys) are rejected by name.
 */
export function loadCertificates(bytes: Uint8Array, name = 'certificate'): Certificate[] {
  if (bytes.length === 0) throw inputError('BAD_CERTIFICATE', 'empty file', { file: name });
  // A GHCB certificate table (auxblob), alone or after a 1184-byte report (an extended report).
  const tableAt = looksLikeCertTable(bytes) ? 0 : bytes.length > 0x4a0 && looksLikeCertTable(bytes, 0x4a0) ? 0x4a0 : -1;
  if (tableAt >= 0) {
    const entries = parseCertTable(bytes, name, tableAt).filter((e) => e.kind !== undefined && e.data.length > 0);
    if (entries.length === 0) throw inputError('BAD_CERTIFICATE', 'the certificate table holds no certificate', { file: name });
    return entries.flatMap((e) => loadCertificates(e.data, `${name}[${e.kind}]`));
  }
  if (bytes[0] === TAG.SEQUENCE) {
    const out: Certificate[] = [];
    // Concatenated DER certificates are accepted too (some tools write chains that way).
    for (let off = 0; off < bytes.length; ) {
      const n = readNode({ name }, bytes, off);
      out.push(parseCertificate(bytes.subarray(off, n.end), out.length === 0 ? name : `${name}#${out.length + 1}`));
      off = n.end;
    }
    return out;
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const blocks = parsePem(text, name);
  if (blocks.length === 0) throw inputError('BAD_CERTIFICATE', 'neither a DER certificate nor PEM text with a CERTIFICATE block', { file: name });
  const bad = blocks.find((b) => b.label !== 'CERTIFICATE');
  if (bad) throw inputError('BAD_CERTIFICATE', `holds a PEM '${bad.label}' block; expected only CERTIFICATE blocks`, { file: name });
  return blocks.map((b, k) => parseCertificate(b.der, blocks.length === 1 ? name : `${name}#${k + 1}`));
}

/** PEM text for a DER certificate (64-column base64). */
export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const s = toBase64(der);
  let b64 = '';
  for (let i = 0; i < s.length; i += 64) b64 += s.slice(i, i + 64) + '\n';
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}
