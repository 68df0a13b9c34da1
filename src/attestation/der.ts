/**
 * A small, strict DER reader (ITU-T X.690 §8 and §10) for the fixed-shape certificates AMD issues
 * (ARK, ASK, ASVK, VCEK, VLEK). It reads tag-length-value nodes over one Uint8Array and never
 * copies: a node is a view (tag, header start, value range). Only what X.509 needs is supported:
 * single-byte tags, definite lengths in minimal form, at most 4 length bytes. Anything else is an
 * error naming the input, the byte offset and what was expected.
 */
import { inputError } from '../core/errors.js';

/** Universal tags used by X.509 (X.690 §8; X.680 §8.6). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  VISIBLE_STRING: 0x1a,
  BMP_STRING: 0x1e,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific constructed tag [n] (X.690 §8.1.2: class bits 10, constructed bit 0x20). */
export const ctx = (n: number): number => 0xa0 | n;

export interface DerNode {
  /** The whole input the node lives in. */
  readonly buf: Uint8Array;
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first value byte. */
  readonly valueStart: number;
  /** Offset just past the value. */
  readonly end: number;
}

/** Where errors point: the input's name (file or label). */
export interface DerContext {
  name: string;
}

function fail(c: DerContext, offset: number, reason: string): never {
  throw inputError('BAD_DER', reason, { file: c.name, offset });
}

/** Reads the node at `off`; it must end at or before `limit`. */
export function readNode(c: DerContext, buf: Uint8Array, off: number, limit = buf.length): DerNode {
  if (off + 2 > limit) fail(c, off, 'truncated DER: a tag and length were expected');
  const tag = buf[off]!;
  // Tag number 31 means a multi-byte tag (X.690 §8.1.2.4); X.509 never needs one.
  if ((tag & 0x1f) === 0x1f) fail(c, off, `unsupported multi-byte DER tag 0x${tag.toString(16)}`);
  const first = buf[off + 1]!;
  let len: number;
  let hdr = 2;
  if (first < 0x80) {
    len = first;
  } else {
    const n = first & 0x7f;
    // 0x80 = indefinite length (BER only); more than 4 length bytes cannot occur in a certificate.
    if (n === 0) fail(c, off + 1, 'indefinite length is not allowed in DER');
    if (n > 4) fail(c, off + 1, `length of ${n} bytes is too large`);
    if (off + 2 + n > limit) fail(c, off + 1, 'truncated DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[off + 2 + i]!;
    // DER requires the shortest form (X.690 §10.1).
    if (len < 0x80 || buf[off + 2] === 0) fail(c, off + 1, 'non-minimal DER length encoding');
    hdr = 2 + n;
  }
  const valueStart = off + hdr;
  if (valueStart + len > limit) fail(c, off, `DER value of ${len} bytes runs past the end of its container (truncated?)`);
  return { buf, tag, start: off, valueStart, end: valueStart + len };
}

/** Parses a complete DER input: exactly one top-level node, nothing after it. */
export function readRoot(c: DerContext, buf: Uint8Array): DerNode {
  const n = readNode(c, buf, 0);
  if (n.end !== buf.length) fail(c, n.end, `${buf.length - n.end} unexpected bytes after the DER structure`);
  return n;
}

/** The value bytes (a view, not a copy). */
export const value = (n: DerNode): Uint8Array => n.buf.subarray(n.valueStart, n.end);
/** Header plus value (e.g. the TBSCertificate exactly as signed). */
export const raw = (n: DerNode): Uint8Array => n.buf.subarray(n.start, n.end);

/** The children of a constructed node. */
export function children(c: DerContext, n: DerNode): DerNode[] {
  if ((n.tag & 0x20) === 0) fail(c, n.start, `DER tag 0x${n.tag.toString(16)} is not constructed`);
  const out: DerNode[] = [];
  for (let off = n.valueStart; off < n.end; ) {
    const ch = readNode(c, n.buf, off, n.end);
    out.push(ch);
    off = ch.end;
  }
  return out;
}

/**
 * The children of a constructed node, between `min` and `max` of them: a SEQUENCE with an element
 * after the last one its ASN.1 type defines is rejected, as Go's encoding/asn1 and x509 do.
 */
export function childrenN(c: DerContext, n: DerNode, min: number, max: number, what: string): DerNode[] {
  const out = children(c, n);
  if (out.length > max) fail(c, out[max]!.start, `${what} has ${out.length - max} unexpected trailing element(s)`);
  if (out.length < min) fail(c, n.end, `${what} has ${out.length} element(s), expected at least ${min}`);
  return out;
}

/** DER BOOLEAN (X.690 §11.1): one byte, 0x00 or 0xFF. */
export function readBoolean(c: DerContext, n: DerNode, what: string): boolean {
  expectTag(c, n, TAG.BOOLEAN, what);
  const v = value(n);
  if (v.length !== 1 || (v[0] !== 0 && v[0] !== 0xff)) fail(c, n.start, `${what}: not a DER BOOLEAN (one byte, 0x00 or 0xFF)`);
  return v[0] === 0xff;
}

/** Asserts the tag, naming what was expected. */
export function expectTag(c: DerContext, n: DerNode | undefined, tag: number, what: string, parentEnd = 0): DerNode {
  if (n === undefined) fail(c, parentEnd, `${what} is missing`);
  if (n.tag !== tag) fail(c, n.start, `${what}: expected DER tag 0x${tag.toString(16)}, found 0x${n.tag.toString(16)}`);
  return n;
}

/** Dotted OID string (X.690 §8.19). */
export function readOid(c: DerContext, n: DerNode): string {
  expectTag(c, n, TAG.OID, 'OBJECT IDENTIFIER');
  const v = value(n);
  if (v.length === 0) fail(c, n.start, 'empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let acc = 0;
  for (let i = 0; i < v.length; i++) {
    const b = v[i]!;
    if (acc === 0 && b === 0x80) fail(c, n.valueStart + i, 'non-minimal OID arc');
    acc = acc * 128 + (b & 0x7f);
    if (acc > Number.MAX_SAFE_INTEGER / 128) fail(c, n.valueStart + i, 'OID arc too large');
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0;
    } else if (i === v.length - 1) fail(c, n.valueStart + i, 'truncated OID');
  }
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/**
 * A non-negative INTEGER as bigint. A leading 0x00 is accepted (it is how DER writes values ≥ 0x80,
 * e.g. AMD's ucodeSPL `02 02 00 db`); negative values are rejected.
 */
/** Longest INTEGER readUnsigned converts (a leading zero byte plus 32 bytes of value). */
export const MAX_UNSIGNED_BYTES = 33;

export function readUnsigned(c: DerContext, n: DerNode, what: string): bigint {
  expectTag(c, n, TAG.INTEGER, what);
  const v = value(n);
  if (v.length === 0) fail(c, n.start, `${what}: empty INTEGER`);
  if ((v[0]! & 0x80) !== 0) fail(c, n.valueStart, `${what}: negative INTEGER`);
  // Every caller reads a small counter (version, salt length, SPL). The byte loop below is
  // quadratic in the length, so a hostile megabyte-long INTEGER would take hours: refuse it.
  if (v.length > MAX_UNSIGNED_BYTES) fail(c, n.valueStart, `${what}: INTEGER of ${v.length} bytes is too large (at most ${MAX_UNSIGNED_BYTES})`);
  let x = 0n;
  for (const b of v) x = (x << 8n) | BigInt(b);
  return x;
}

/** The unsigned big-endian magnitude of an INTEGER without its sign byte (RSA moduli). */
export function integerMagnitude(c: DerContext, n: DerNode, what: string): Uint8Array {
  expectTag(c, n, TAG.INTEGER, what);
  const v = value(n);
  if (v.length === 0 || (v[0]! & 0x80) !== 0) fail(c, n.start, `${what}: not a positive INTEGER`);
  return v[0] === 0 && v.length > 1 ? v.subarray(1) : v;
}

/** BIT STRING content with zero unused bits (keys and signatures are whole bytes). */
export function readBitString(c: DerContext, n: DerNode, what: string): Uint8Array {
  expectTag(c, n, TAG.BIT_STRING, what);
  const v = value(n);
  if (v.length === 0) fail(c, n.start, `${what}: empty BIT STRING`);
  if (v[0] !== 0) fail(c, n.valueStart, `${what}: BIT STRING with ${v[0]} unused bits`);
  return v.subarray(1);
}

/** Text of a UTF8/BMP/IA5/Printable/Visible/Numeric string (ASCII checked for the 7-bit types). */
export function readString(c: DerContext, n: DerNode, what: string): string {
  const v = value(n);
  if (n.tag === TAG.UTF8_STRING) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(v);
    } catch {
      fail(c, n.valueStart, `${what}: invalid UTF-8`);
    }
  }
  if (n.tag === TAG.BMP_STRING) {
    if (v.length % 2 !== 0) fail(c, n.valueStart, `${what}: BMPString of odd length`);
    let s = '';
    for (let i = 0; i < v.length; i += 2) s += String.fromCharCode((v[i]! << 8) | v[i + 1]!);
    return s;
  }
  if (n.tag !== TAG.IA5_STRING && n.tag !== TAG.PRINTABLE_STRING && n.tag !== TAG.VISIBLE_STRING && n.tag !== TAG.NUMERIC_STRING) fail(c, n.start, `${what}: expected a string, found DER tag 0x${n.tag.toString(16)}`);
  let s = '';
  for (let i = 0; i < v.length; i++) {
    if (v[i]! > 0x7e || v[i]! < 0x20) fail(c, n.valueStart + i, `${what}: non-printable character 0x${v[i]!.toString(16)}`);
    s += String.fromCharCode(v[i]!);
  }
  return s;
}

/** UTCTime (YYMMDDHHMMSSZ; years 50–99 → 19xx, RFC 5280 §4.1.2.5.1) or GeneralizedTime (YYYYMMDDHHMMSSZ). */
export function readTime(c: DerContext, n: DerNode, what: string): Date {
  const s = readString(c, { ...n, tag: TAG.PRINTABLE_STRING }, what);
  const m = n.tag === TAG.UTC_TIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : n.tag === TAG.GENERALIZED_TIME ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : null;
  if (!m) fail(c, n.start, `${what}: expected UTCTime or GeneralizedTime in Zulu form, found '${s}'`);
  let year = Number(m[1]);
  if (n.tag === TAG.UTC_TIME) year += year >= 50 ? 1900 : 2000;
  const t = Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const d = new Date(t);
  if (Number.isNaN(t) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) fail(c, n.start, `${what}: invalid date '${s}'`);
  return d;
}
