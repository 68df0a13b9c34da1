/**
 * A small, strict reader of the Protocol Buffers wire format (https://protobuf.dev/programming-guides/encoding/)
 * for the few messages snp-launch reads (GCE's VMLaunchEndorsement, gce.ts). It reads one message
 * level at a time into fields by number, bounded: varints of at most 10 bytes, lengths inside the
 * buffer, at most MAX_FIELDS fields per message, no groups (wire types 3/4). A schema (field
 * number → expected wire type) is checked by the caller with `one`/`all`. Browser-safe.
 */
import { inputError } from '../core/errors.js';

/** Wire types (protobuf encoding guide, "Message Structure"). */
export const WIRE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

/** Fields per message beyond this are taken as garbage (an endorsement has ~10). */
const MAX_FIELDS = 4096;

export interface PbField {
  num: number;
  wire: number;
  /** Offset of the field's tag in the buffer (for error messages). */
  offset: number;
  /** VARINT / I64 / I32 value. */
  int?: bigint;
  /** LEN payload (a view) and its offset in the file. */
  bytes?: Uint8Array;
  valueOffset?: number;
}

export interface PbContext {
  /** Input name for errors. */
  file: string;
  /** Message path for errors, e.g. "VMGoldenMeasurement.sev_snp". */
  what: string;
  /** Offset of this message inside the file (errors point into the file). */
  base: number;
}

function fail(c: PbContext, off: number, reason: string): never {
  throw inputError('BAD_PROTOBUF', `${c.what}: ${reason}`, { file: c.file, offset: c.base + off });
}

function varint(c: PbContext, b: Uint8Array, off: number): [bigint, number] {
  let v = 0n;
  for (let i = 0; i < 10; i++) {
    if (off + i >= b.length) fail(c, off, 'truncated varint');
    const x = b[off + i]!;
    v |= BigInt(x & 0x7f) << BigInt(7 * i);
    if ((x & 0x80) === 0) {
      // The 10th byte may only carry bit 63; a non-minimal trailing zero byte is rejected too.
      if ((i === 9 && x > 1) || (i > 0 && x === 0)) fail(c, off, 'non-canonical or oversized varint');
      return [v, off + i + 1];
    }
  }
  fail(c, off, 'varint longer than 10 bytes');
}

/** All fields of one message, in wire order. */
export function readMessage(b: Uint8Array, c: PbContext): PbField[] {
  const out: PbField[] = [];
  for (let off = 0; off < b.length; ) {
    if (out.length >= MAX_FIELDS) fail(c, off, `more than ${MAX_FIELDS} fields`);
    const start = off;
    const [key, next] = varint(c, b, off);
    off = next;
    const num = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (num === 0 || key >> 3n > 0x1fffffffn) fail(c, start, `invalid field number ${key >> 3n}`);
    const f: PbField = { num, wire, offset: c.base + start };
    if (wire === WIRE.VARINT) [f.int, off] = varint(c, b, off);
    else if (wire === WIRE.I64 || wire === WIRE.I32) {
      const n = wire === WIRE.I64 ? 8 : 4;
      if (off + n > b.length) fail(c, start, 'truncated fixed-width field');
      let v = 0n;
      for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[off + i]!);
      f.int = v;
      off += n;
    } else if (wire === WIRE.LEN) {
      const [len, p] = varint(c, b, off);
      if (len > BigInt(b.length - p)) fail(c, start, `field ${num}: length ${len} runs past the end of the message`);
      f.bytes = b.subarray(p, p + Number(len));
      f.valueOffset = c.base + p;
      off = p + Number(len);
    } else fail(c, start, `field ${num}: unsupported wire type ${wire} (groups are not used by this message)`);
    out.push(f);
  }
  return out;
}

/** Rejects a field whose wire type differs from the schema's. */
function typed(c: PbContext, f: PbField, wire: number, name: string): PbField {
  if (f.wire !== wire) throw inputError('BAD_PROTOBUF', `${c.what}.${name} (field ${f.num}) has wire type ${f.wire}, expected ${wire}`, { file: c.file, offset: f.offset });
  return f;
}

/**
 * The last occurrence of a singular field (protobuf: the last value wins for scalars) with its wire
 * type checked; undefined when absent (proto3 default).
 */
export function one(c: PbContext, fields: PbField[], num: number, wire: number, name: string): PbField | undefined {
  let last: PbField | undefined;
  for (const f of fields) if (f.num === num) last = typed(c, f, wire, name);
  return last;
}

/** Every occurrence of a repeated field (map entries are repeated LEN fields). */
export function all(c: PbContext, fields: PbField[], num: number, wire: number, name: string): PbField[] {
  return fields.filter((f) => f.num === num).map((f) => typed(c, f, wire, name));
}

/** Context for a nested message stored in field `f`. */
export function nested(c: PbContext, f: PbField, name: string): PbContext {
  return { file: c.file, what: `${c.what}.${name}`, base: f.valueOffset ?? f.offset };
}
