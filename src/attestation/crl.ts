/**
 * X.509 v2 certificate revocation lists (RFC 5280 §5) as AMD KDS serves them at
 * /{vcek,vlek}/v1/{product}/crl (specs/attestation.md §3): one ARK-signed list of revoked ASK/ASVK
 * serials. A strict, bounded walk over the DER (der.ts): the exact TBSCertList bytes, the signature
 * algorithm (RSASSA-PSS parameters, RFC 4055), issuer, thisUpdate/nextUpdate, the revoked serials
 * and the extensions. No trust decision is made here (revocation.ts).
 *
 * Strictness: version must be v2; nextUpdate must be present (RFC 5280 §5.1.2.5 "MUST"); the outer
 * and TBS AlgorithmIdentifiers must be byte-identical (§5.1.1.2); a critical extension this parser
 * does not understand, on the list or on an entry, rejects the CRL (§5.2, §5.3); nothing may
 * follow a structure's last element. Bounded: at most MAX_CRL_BYTES of input and MAX_CRL_ENTRIES.
 */
import { inputError } from '../core/errors.js';
import { toHex } from '../core/bytes.js';
import { parseAlgorithm, parseName, parsePem, OID, type SignatureAlgorithm } from './cert.js';
import { children, ctx, expectTag, raw, readBitString, readNode, readOid, readRoot, readTime, readUnsigned, TAG, value, type DerContext, type DerNode } from './der.js';

/** AMD's CRLs are under 1 KiB; a CRL for a whole CA hierarchy rarely exceeds a few MiB. */
export const MAX_CRL_BYTES = 4 << 20;
/** Bounds the work per CRL (each entry is a few dozen bytes). */
export const MAX_CRL_ENTRIES = 100_000;
/** CertificateSerialNumber is at most 20 octets (RFC 5280 §4.1.2.2), plus a sign byte. */
const MAX_SERIAL_BYTES = 21;

/** CRL and CRL-entry extension OIDs (RFC 5280 §5.2, §5.3). */
export const CRL_OID = {
  authorityKeyIdentifier: '2.5.29.35',
  crlNumber: '2.5.29.20',
  deltaCrlIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  reasonCode: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  subjectKeyIdentifier: '2.5.29.14',
} as const;

/** Extensions whose meaning does not change which certificates are revoked (safe to ignore). */
const KNOWN_CRL_EXTENSIONS = new Set<string>([CRL_OID.authorityKeyIdentifier, CRL_OID.crlNumber]);
const KNOWN_ENTRY_EXTENSIONS = new Set<string>([CRL_OID.reasonCode, CRL_OID.invalidityDate]);

export interface RevokedEntry {
  /** Serial as lower-case hex without leading zeros (the form Certificate.serial uses). */
  serial: string;
  revocationDate: Date;
  /** CRLReason code when the entry has one (RFC 5280 §5.3.1). */
  reason?: number;
}

export interface Crl {
  /** Label for messages (file name or URL). */
  name: string;
  der: Uint8Array;
  /** TBSCertList, byte-exact as signed. */
  tbs: Uint8Array;
  signatureAlgorithm: SignatureAlgorithm;
  issuer: [string, string][];
  issuerCN?: string;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: RevokedEntry[];
  /** cRLNumber as decimal text (up to 20 octets, so not a JS number). */
  crlNumber?: string;
  /** authorityKeyIdentifier keyIdentifier, hex. */
  authorityKeyId?: string;
  signature: Uint8Array;
}

function fail(c: DerContext, at: DerNode | number, reason: string): never {
  throw inputError('BAD_CRL', reason, { file: c.name, offset: typeof at === 'number' ? at : at.start });
}

/** Exactly `n` children (or between min and max), else an error naming the structure. */
function parts(c: DerContext, n: DerNode, what: string, min: number, max = min): DerNode[] {
  const ch = children(c, expectTag(c, n, TAG.SEQUENCE, what));
  if (ch.length < min) fail(c, n.end, `${what}: ${min - ch.length} element(s) missing`);
  if (ch.length > max) fail(c, ch[max]!, `${what}: unexpected element after the last one`);
  return ch;
}

function serialOf(c: DerContext, n: DerNode): string {
  const v = value(expectTag(c, n, TAG.INTEGER, 'userCertificate serial'));
  if (v.length === 0) fail(c, n, 'empty serial number');
  if ((v[0]! & 0x80) !== 0) fail(c, n.valueStart, 'negative serial number');
  if (v.length > MAX_SERIAL_BYTES) fail(c, n.valueStart, `serial number of ${v.length} bytes (at most 20 octets)`);
  if (v.length > 1 && v[0] === 0 && (v[1]! & 0x80) === 0) fail(c, n.valueStart, 'non-minimal INTEGER encoding of a serial number');
  return toHex(v).replace(/^0+(?=.)/, '');
}

interface Ext {
  oid: string;
  critical: boolean;
  value: DerNode;
}

/** Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension; duplicates rejected (RFC 5280 §4.2). */
function extensions(c: DerContext, n: DerNode, what: string): Ext[] {
  const out: Ext[] = [];
  const list = children(c, expectTag(c, n, TAG.SEQUENCE, what));
  if (list.length === 0) fail(c, n, `${what}: empty extension list`);
  for (const e of list) {
    const p = parts(c, e, `${what} extension`, 2, 3);
    const oid = readOid(c, expectTag(c, p[0], TAG.OID, `${what} extension OID`));
    let critical = false;
    if (p.length === 3) {
      const b = value(expectTag(c, p[1], TAG.BOOLEAN, `${what} extension critical flag`));
      // DER: BOOLEAN is one byte, 0xFF for TRUE; a DEFAULT FALSE value must be omitted (X.690 §11.5).
      if (b.length !== 1 || b[0] !== 0xff) fail(c, p[1]!, `${what} extension ${oid}: critical flag is not a DER TRUE`);
      critical = true;
    }
    const v = expectTag(c, p[p.length - 1], TAG.OCTET_STRING, `${what} extension ${oid} value`);
    if (out.some((x) => x.oid === oid)) fail(c, e, `${what}: duplicate extension ${oid}`);
    out.push({ oid, critical, value: v });
  }
  return out;
}

/** The DER inside an extension's OCTET STRING, as a node of the same buffer (offsets stay absolute). */
function inner(c: DerContext, e: Ext): DerNode {
  const n = readNode(c, e.value.buf, e.value.valueStart, e.value.end);
  if (n.end !== e.value.end) fail(c, n.end, `extension ${e.oid}: bytes after its value`);
  return n;
}

function entry(c: DerContext, n: DerNode): RevokedEntry {
  const p = parts(c, n, 'revoked certificate entry', 2, 3);
  const out: RevokedEntry = { serial: serialOf(c, p[0]!), revocationDate: readTime(c, p[1]!, 'revocationDate') };
  if (p[2]) {
    for (const e of extensions(c, p[2], 'CRL entry')) {
      if (e.oid === CRL_OID.reasonCode) {
        const r = inner(c, e);
        if (r.tag !== 0x0a || r.end - r.valueStart !== 1) fail(c, r, 'reasonCode is not a one-byte ENUMERATED');
        out.reason = r.buf[r.valueStart]!;
      } else if (e.critical && !KNOWN_ENTRY_EXTENSIONS.has(e.oid)) fail(c, e.value, `unknown critical CRL entry extension ${e.oid}`);
    }
  }
  return out;
}

/** Parses one DER CRL. `name` labels errors. */
export function parseCrl(der: Uint8Array, name = 'CRL'): Crl {
  const c: DerContext = { name };
  if (der.length === 0) fail(c, 0, 'empty CRL');
  if (der.length > MAX_CRL_BYTES) fail(c, 0, `CRL of ${der.length} bytes is larger than ${MAX_CRL_BYTES}`);
  const root = readRoot(c, der);
  const [tbsN, algN, sigN] = parts(c, root, 'CertificateList', 3);
  const t = children(c, expectTag(c, tbsN!, TAG.SEQUENCE, 'TBSCertList'));
  let i = 0;
  // version is OPTIONAL in the ASN.1 but v2 is required here (AMD's CRLs carry extensions).
  if (t[i]?.tag !== TAG.INTEGER) fail(c, t[i] ?? tbsN!.end, 'version is missing: only v2 CRLs are accepted');
  const version = readUnsigned(c, t[i]!, 'CRL version');
  if (version !== 1n) fail(c, t[i]!, `CRL version ${version + 1n} (only v2 is accepted)`);
  i++;
  const tbsAlgN = t[i++] ?? fail(c, tbsN!.end, 'TBS signature algorithm is missing');
  const tbsAlg = parseAlgorithm(c, tbsAlgN, 'TBS signature');
  const issuer = parseName(c, t[i++] ?? fail(c, tbsN!.end, 'issuer is missing'), 'issuer');
  const thisUpdate = readTime(c, t[i++] ?? fail(c, tbsN!.end, 'thisUpdate is missing'), 'thisUpdate');
  const nu = t[i];
  if (nu === undefined || (nu.tag !== TAG.UTC_TIME && nu.tag !== TAG.GENERALIZED_TIME)) fail(c, nu ?? tbsN!.end, 'nextUpdate is missing (RFC 5280 §5.1.2.5 requires it)');
  const nextUpdate = readTime(c, nu, 'nextUpdate');
  i++;
  if (nextUpdate < thisUpdate) fail(c, nu, `nextUpdate ${nextUpdate.toISOString()} is before thisUpdate ${thisUpdate.toISOString()}`);
  const revoked: RevokedEntry[] = [];
  if (t[i]?.tag === TAG.SEQUENCE) {
    const list = t[i++]!;
    // Walk the entries one by one (children() would materialise them all before the bound applies).
    for (let off = list.valueStart; off < list.end; ) {
      if (revoked.length >= MAX_CRL_ENTRIES) fail(c, off, `more than ${MAX_CRL_ENTRIES} revoked certificates`);
      const n = readNode(c, list.buf, off, list.end);
      revoked.push(entry(c, n));
      off = n.end;
    }
    // revokedCertificates, when present, is non-empty (RFC 5280 §5.1.2.6).
    if (revoked.length === 0) fail(c, list, 'empty revokedCertificates list (it must be omitted instead)');
  }
  const crl: Crl = { name, der, tbs: raw(tbsN!), signatureAlgorithm: tbsAlg, issuer, thisUpdate, nextUpdate, revoked, signature: new Uint8Array(0) };
  if (t[i]?.tag === ctx(0)) {
    const wrap = t[i++]!;
    const [list, extra] = children(c, wrap);
    if (list === undefined) fail(c, wrap, 'empty crlExtensions');
    if (extra !== undefined) fail(c, extra, 'crlExtensions: unexpected element after the extension list');
    for (const e of extensions(c, list, 'CRL')) {
      if (e.oid === CRL_OID.crlNumber) {
        const v = value(expectTag(c, inner(c, e), TAG.INTEGER, 'cRLNumber'));
        if (v.length === 0 || (v[0]! & 0x80) !== 0 || v.length > MAX_SERIAL_BYTES) fail(c, e.value, 'cRLNumber is not a non-negative INTEGER of at most 20 octets');
        crl.crlNumber = BigInt('0x' + toHex(v)).toString(10);
      } else if (e.oid === CRL_OID.authorityKeyIdentifier) {
        // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, ... }
        const first = children(c, expectTag(c, inner(c, e), TAG.SEQUENCE, 'authorityKeyIdentifier'))[0];
        if (first?.tag === 0x80) crl.authorityKeyId = toHex(value(first));
      } else if (e.critical && !KNOWN_CRL_EXTENSIONS.has(e.oid)) {
        // Includes deltaCRLIndicator and issuingDistributionPoint: a delta or partitioned CRL
        // does not list every revoked certificate, so it cannot clear one.
        fail(c, e.value, `unknown critical CRL extension ${e.oid}`);
      }
    }
  }
  if (i < t.length) fail(c, t[i]!, `unexpected field with DER tag 0x${t[i]!.tag.toString(16)} in TBSCertList`);
  const outerAlg = parseAlgorithm(c, algN!, 'signatureAlgorithm');
  if (toHex(raw(algN!)) !== toHex(raw(tbsAlgN))) fail(c, algN!, 'signatureAlgorithm differs from the TBS signature algorithm');
  crl.signatureAlgorithm = outerAlg;
  crl.signature = readBitString(c, expectTag(c, sigN, TAG.BIT_STRING, 'signatureValue'), 'signatureValue');
  const cn = issuer.find(([o]) => o === OID.commonName)?.[1];
  if (cn !== undefined) crl.issuerCN = cn;
  return crl;
}

/**
 * One or more CRLs from a file's bytes: DER (starts with a SEQUENCE tag) or PEM text with
 * `X509 CRL` blocks (RFC 7468 §6). Other PEM blocks are rejected by name.
 */
export function loadCrls(bytes: Uint8Array, name = 'CRL'): Crl[] {
  if (bytes.length === 0) throw inputError('BAD_CRL', 'empty file', { file: name });
  if (bytes[0] === TAG.SEQUENCE) return [parseCrl(bytes, name)];
  if (bytes.length > MAX_CRL_BYTES * 2) throw inputError('BAD_CRL', `file of ${bytes.length} bytes is too large for a PEM CRL`, { file: name });
  const blocks = parsePem(new TextDecoder('utf-8', { fatal: false }).decode(bytes), name);
  if (blocks.length === 0) throw inputError('BAD_CRL', 'neither a DER CRL nor PEM text with an X509 CRL block', { file: name });
  const bad = blocks.find((b) => b.label !== 'X509 CRL');
  if (bad) throw inputError('BAD_CRL', `holds a PEM '${bad.label}' block; expected X509 CRL blocks`, { file: name });
  return blocks.map((b, k) => parseCrl(b.der, blocks.length === 1 ? name : `${name}#${k + 1}`));
}
