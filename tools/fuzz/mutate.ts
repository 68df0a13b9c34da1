/**
 * Structure-aware mutators for the fuzzing harness (docs/fuzzing.md): raw bytes (with boundary
 * values for u8/u16/u32/u64 fields, optionally aimed at a region such as an OVMF footer), DER
 * (tags, length octets including long forms, nesting), JSON (values, types, keys, depth) and
 * argument vectors (tokens, option prefixes, `--opt=value`). Deterministic from a PRNG; browser-safe.
 * The IGVM mutator lives beside its parser (src/images/igvm/mutate.ts).
 */
import { concatBytes } from '../../src/core/bytes.js';

export type Rnd = () => number;

const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const int = (rnd: Rnd, n: number): number => Math.floor(rnd() * n);

/** Values that tend to sit on a bound: zero, one, alignment edges, sign bits, all ones. */
const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x1001, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

export interface ByteMutateOptions {
  /** Bias edits into [start, end) of the input (e.g. the last 4 KiB of an OVMF image). */
  region?: [number, number];
  /** Never grow the input beyond this many bytes. */
  maxLength?: number;
}

/** One random edit of `input` (a new array). */
export function mutateBytes(input: Uint8Array, rnd: Rnd, o: ByteMutateOptions = {}): Uint8Array {
  const max = o.maxLength ?? Math.max(1 << 16, input.length * 2);
  let f: Uint8Array = input.slice();
  const [lo, hi] = o.region && rnd() < 0.8 ? [Math.max(0, o.region[0]), Math.min(f.length, o.region[1])] : [0, f.length];
  const at = () => (hi > lo ? lo + int(rnd, hi - lo) : 0);
  switch (int(rnd, 10)) {
    case 0: // bit flips
      for (let k = 1 + int(rnd, 4); k > 0 && f.length > 0; k--) f[at()]! ^= 1 << int(rnd, 8);
      break;
    case 1: // interesting byte
      if (f.length > 0) f[at()] = pick(rnd, [0, 1, 0x7f, 0x80, 0xff]);
      break;
    case 2:
    case 3: {
      // interesting u16/u32/u64, little- or big-endian
      const width = pick(rnd, [2, 4, 8]);
      const p = at();
      if (p + width > f.length) break;
      const v = pick(rnd, INTERESTING);
      const le = rnd() < 0.7;
      for (let i = 0; i < width; i++) {
        const byte = i < 4 ? (v >>> (8 * i)) & 0xff : rnd() < 0.5 ? 0 : 0xff;
        f[le ? p + i : p + width - 1 - i] = byte;
      }
      break;
    }
    case 4: // truncate
      f = f.subarray(0, int(rnd, f.length + 1)).slice();
      break;
    case 5: {
      // extend with zeros, 0xff or random bytes
      const n = Math.min(max - f.length, 1 + int(rnd, 4096));
      if (n <= 0) break;
      const g = new Uint8Array(f.length + n);
      g.set(f);
      const fill = int(rnd, 3);
      for (let i = f.length; i < g.length; i++) g[i] = fill === 0 ? 0 : fill === 1 ? 0xff : int(rnd, 256);
      f = g;
      break;
    }
    case 6: {
      // delete a chunk
      if (f.length < 2) break;
      const p = at();
      const n = 1 + int(rnd, Math.min(64, f.length - p));
      f = concatBytes(f.subarray(0, p), f.subarray(p + n));
      break;
    }
    case 7: {
      // duplicate a chunk in place
      if (f.length === 0 || f.length >= max) break;
      const p = at();
      const n = 1 + int(rnd, Math.min(256, f.length - p, max - f.length));
      f = concatBytes(f.subarray(0, p + n), f.subarray(p, p + n), f.subarray(p + n));
      break;
    }
    case 8: {
      // copy a chunk over another place
      if (f.length < 2) break;
      const a = int(rnd, f.length);
      const b = at();
      const n = 1 + int(rnd, Math.min(64, f.length - a, f.length - b));
      f.copyWithin(b, a, a + n);
      break;
    }
    default: // random bytes
      for (let k = 1 + int(rnd, 8); k > 0 && f.length > 0; k--) f[at()] = int(rnd, 256);
  }
  return f;
}

/** Offsets of DER tag octets, found by walking the encoding leniently (stops at the first oddity). */
export function derTagOffsets(f: Uint8Array, limit = 4096): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number, depth: number): void => {
    let p = start;
    while (p + 2 <= end && out.length < limit && depth < 64) {
      out.push(p);
      const tag = f[p]!;
      let len = f[p + 1]!;
      let hdr = 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        if (n === 0 || n > 4 || p + 2 + n > end) return;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + f[p + 2 + i]!;
        hdr += n;
      }
      const next = p + hdr + len;
      if (next > end) return;
      if (tag & 0x20) walk(p + hdr, next, depth + 1); // constructed
      p = next;
    }
  };
  walk(0, f.length, 0);
  return out;
}

/** A DER-aware edit: a tag, a length (short/long form, huge, indefinite), deep nesting, or a byte edit. */
export function mutateDer(input: Uint8Array, rnd: Rnd): Uint8Array {
  const tags = derTagOffsets(input);
  if (tags.length === 0 || rnd() < 0.3) return mutateBytes(input, rnd, { maxLength: input.length + 8192 });
  const p = pick(rnd, tags);
  const out = derEdit(input, p, rnd);
  // Three times in four, a size change is carried into the enclosing lengths, so the edit reaches
  // the field parsers instead of stopping at the outer SEQUENCE's length check.
  return out.length !== input.length && rnd() < 0.75 ? resealDer(out, enclosingTlvs(input, p), out.length - input.length) : out;
}

interface Tlv {
  start: number;
  hdr: number;
  end: number;
}

/** The TLVs that contain offset p, outermost first (walking down from the root). */
function enclosingTlvs(f: Uint8Array, p: number): Tlv[] {
  const out: Tlv[] = [];
  let off = 0;
  let end = f.length;
  while (off + 2 <= end && out.length < 64) {
    let len = f[off + 1]!;
    let hdr = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || off + 2 + n > end) break;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + f[off + 2 + i]!;
      hdr += n;
    }
    if (off + hdr + len > end) break;
    if (p < off + hdr + len) {
      if (p < off + hdr) break; // p is this TLV's own header: it is the edited element
      out.push({ start: off, hdr, end: off + hdr + len });
      if (!(f[off]! & 0x20)) break;
      end = off + hdr + len;
      off += hdr;
    } else off += hdr + len;
  }
  return out;
}

/** Re-encodes the lengths of `parents` (outermost first; their headers precede the edit) after a size change of `delta`. */
function resealDer(f: Uint8Array, parents: Tlv[], delta: number): Uint8Array {
  let out = f;
  for (const t of [...parents].reverse()) {
    const len = t.end - t.start - t.hdr + delta;
    const lenBytes = len < 0x80 ? [len] : len < 0x100 ? [0x81, len] : len < 0x10000 ? [0x82, len >>> 8, len & 0xff] : [0x83, len >>> 16, (len >>> 8) & 0xff, len & 0xff];
    if (len < 0 || len >= 0x1000000) return out;
    out = concatBytes(out.subarray(0, t.start + 1), new Uint8Array(lenBytes), out.subarray(t.start + t.hdr));
    delta += 1 + lenBytes.length - t.hdr;
  }
  return out;
}

function derEdit(input: Uint8Array, p: number, rnd: Rnd): Uint8Array {
  const f = input.slice();
  switch (int(rnd, 6)) {
    case 0: // another tag
      f[p] = pick(rnd, [0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x17, 0x18, 0x30, 0x31, 0xa0, 0xa3, 0x1f, 0xff, 0x00]);
      return f;
    case 1: // short length ± small
      f[p + 1] = (f[p + 1]! + pick(rnd, [-2, -1, 1, 2, 0x80, 0x7f])) & 0xff;
      return f;
    case 2: {
      // long-form length claiming up to 4 GiB
      const claimed = pick(rnd, [0x7fffffff, 0xffffffff, 0x1000000, f.length, f.length + 1]);
      return concatBytes(f.subarray(0, p + 1), new Uint8Array([0x84, claimed >>> 24, (claimed >>> 16) & 0xff, (claimed >>> 8) & 0xff, claimed & 0xff]), f.subarray(p + 2));
    }
    case 3: // indefinite length (BER, not DER)
      f[p + 1] = 0x80;
      return f;
    case 4: {
      // wrap the element in many SEQUENCE layers (deep nesting)
      const depth = 1 + int(rnd, 200);
      const head: number[] = [];
      for (let i = 0; i < depth; i++) head.push(0x30, 0x80);
      return concatBytes(f.subarray(0, p), new Uint8Array(head), f.subarray(p));
    }
    default: {
      // a huge INTEGER in place of the element
      const n = rnd() < 0.02 ? 100_000 + int(rnd, 100_000) : 1 + int(rnd, 2000);
      const body = new Uint8Array(n).fill(0xff);
      const len = n < 128 ? [n] : [0x82, n >>> 8, n & 0xff];
      return concatBytes(f.subarray(0, p), new Uint8Array([0x02, ...len]), body, f.subarray(p));
    }
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const JSON_VALUES: readonly Json[] = [null, true, false, 0, -1, 1.5, 2 ** 53, 1e308, -0, '', 'x', '0x', '0xffffffffffffffffff', '-1', 'NaN', '\u0000', 'A'.repeat(5000), [], {}, [[[[[[]]]]]]];

/** A JSON-aware edit of a document's text (values, types, keys, arrays, depth), or a text edit. */
export function mutateJson(input: Uint8Array, rnd: Rnd): Uint8Array {
  const text = new TextDecoder().decode(input);
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch {
    return mutateBytes(input, rnd, { maxLength: input.length + 4096 });
  }
  if (rnd() < 0.2) return mutateBytes(input, rnd, { maxLength: input.length + 4096 });
  const nodes: { parent: Json[] | { [k: string]: Json }; key: string | number }[] = [];
  const walk = (v: Json, depth: number): void => {
    if (depth > 32 || nodes.length > 20_000) return;
    if (Array.isArray(v)) v.forEach((x, i) => (nodes.push({ parent: v, key: i }), walk(x, depth + 1)));
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) nodes.push({ parent: v, key: k }), walk(v[k]!, depth + 1);
  };
  walk(doc, 0);
  if (nodes.length === 0) return new TextEncoder().encode(JSON.stringify(pick(rnd, JSON_VALUES)));
  const n = pick(rnd, nodes);
  const parent = n.parent as Record<string | number, Json>;
  switch (int(rnd, 6)) {
    case 0:
      parent[n.key] = pick(rnd, JSON_VALUES);
      break;
    case 1:
      if (Array.isArray(n.parent)) n.parent.splice(n.key as number, 1);
      else delete parent[n.key];
      break;
    case 2: {
      // duplicate an element or copy a value to another key
      const v = parent[n.key]!;
      if (Array.isArray(n.parent)) for (let k = int(rnd, 50); k > 0; k--) n.parent.push(v);
      else parent[`${n.key}${pick(rnd, ['', '_', 'X'])}`] = v;
      break;
    }
    case 3: {
      // numbers: boundaries; strings: hex-ish variants
      const v = parent[n.key];
      if (typeof v === 'number') parent[n.key] = pick(rnd, [0, -1, 2 ** 32, 2 ** 64, 4096, 4095, v + 1, v * 4096, Number.MAX_SAFE_INTEGER]);
      else if (typeof v === 'string') parent[n.key] = pick(rnd, [v + '0', v.slice(1), '0x' + 'f'.repeat(int(rnd, 40)), v.toUpperCase(), v.repeat(2)]);
      else parent[n.key] = pick(rnd, JSON_VALUES);
      break;
    }
    case 4: // nest
      parent[n.key] = [parent[n.key]!];
      break;
    default: // rename
      if (!Array.isArray(n.parent)) {
        const v = parent[n.key]!;
        delete parent[n.key];
        parent[pick(rnd, ['__proto__', 'constructor', '', String(n.key).slice(1), `${n.key}s`])] = v;
      }
  }
  return new TextEncoder().encode(JSON.stringify(doc));
}

const ARG_VALUES = ['', '0', '-1', '1', '0x', '0xffffffffffffffffffff', '4097', '1-512', '5-2', '1,,2', 'EPYC', 'x'.repeat(300), '--', '-', '=', '-h', '--help', '/dev/null', '\u0000', '-0', '+0', 'a\nb', '--mode\n', 'x\r\n--vcpus=2', '\u2028'];

/** A token-level edit of an argument vector: drop, duplicate, swap, replace a value, split or join `--opt=value`, abbreviate. */
export function mutateArgv(argv: readonly string[], rnd: Rnd): string[] {
  const a = [...argv];
  const i = a.length > 0 ? int(rnd, a.length) : 0;
  switch (int(rnd, 7)) {
    case 0:
      a.splice(i, 1);
      break;
    case 1:
      a.splice(i, 0, a[i] ?? '--x');
      break;
    case 2: {
      const j = int(rnd, Math.max(1, a.length));
      [a[i], a[j]] = [a[j]!, a[i]!];
      break;
    }
    case 3:
      a[i] = pick(rnd, ARG_VALUES);
      break;
    case 4:
      if (a[i]?.startsWith('--') && a[i + 1] !== undefined) a.splice(i, 2, `${a[i]}=${a[i + 1]}`);
      else if (a[i]?.includes('=')) a.splice(i, 1, ...a[i]!.split('='));
      break;
    case 5:
      if (a[i]?.startsWith('--') && a[i]!.length > 3) a[i] = a[i]!.slice(0, 3 + int(rnd, a[i]!.length - 3));
      break;
    default:
      a.splice(i, 0, pick(rnd, ['--vcpus', '--mode', '--ovmf', '--igvm', '--platform', '--kvm', '--vmsa-gpa', '--guest-features', '--vcpu-sig', '--json', '--log']), pick(rnd, ARG_VALUES));
  }
  return a.filter((x): x is string => typeof x === 'string');
}

interface DerTree {
  tag: number;
  value?: Uint8Array;
  kids?: DerTree[];
}

/** A lenient DER parse into a tree (constructed tags hold children), or undefined when the bytes are not DER. */
function derTree(f: Uint8Array, start = 0, end = f.length, depth = 0): DerTree[] | undefined {
  const out: DerTree[] = [];
  let p = start;
  while (p < end) {
    if (p + 2 > end || depth > 32) return undefined;
    const tag = f[p]!;
    let len = f[p + 1]!;
    let hdr = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 3 || p + 2 + n > end) return undefined;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + f[p + 2 + i]!;
      hdr += n;
    }
    if (p + hdr + len > end) return undefined;
    const body = f.subarray(p + hdr, p + hdr + len);
    const kids = tag & 0x20 ? derTree(f, p + hdr, p + hdr + len, depth + 1) : undefined;
    out.push(kids ? { tag, kids } : { tag, value: body });
    p += hdr + len;
  }
  return out;
}

function derEncode(nodes: DerTree[]): Uint8Array {
  return concatBytes(
    ...nodes.map((n) => {
      const body = n.kids ? derEncode(n.kids) : n.value!;
      const len = body.length;
      const head = len < 0x80 ? [n.tag, len] : len < 0x100 ? [n.tag, 0x81, len] : len < 0x10000 ? [n.tag, 0x82, len >> 8, len & 0xff] : [n.tag, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff];
      return concatBytes(new Uint8Array(head), body);
    }),
  );
}

/**
 * A DER edit that keeps the encoding well-formed: one primitive value grows, shrinks or changes and
 * every enclosing length is re-encoded — so the input gets past the DER framing into the semantics
 * (an EC private scalar longer than the curve order, an INTEGER with a leading 0xFF, ...).
 */
export function mutateDerValue(input: Uint8Array, rnd: Rnd): Uint8Array {
  const tree = derTree(input);
  if (!tree) return mutateDer(input, rnd);
  const prims: DerTree[] = [];
  const walk = (ns: DerTree[]) => ns.forEach((n) => (n.kids ? walk(n.kids) : prims.push(n)));
  walk(tree);
  if (prims.length === 0) return mutateDer(input, rnd);
  const n = pick(rnd, prims);
  const v = n.value!;
  switch (int(rnd, 5)) {
    case 0: // grow by 1..4 bytes (in front: a longer number)
      n.value = concatBytes(Uint8Array.from({ length: 1 + int(rnd, 4) }, () => pick(rnd, [0, 0xff, int(rnd, 256)])), v);
      break;
    case 1: // shrink
      n.value = v.subarray(int(rnd, Math.max(1, v.length)));
      break;
    case 2: // all ones / all zeros of the same length
      n.value = new Uint8Array(v.length).fill(rnd() < 0.5 ? 0xff : 0);
      break;
    case 3: // another tag, same value
      n.tag = pick(rnd, [0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x17]);
      break;
    default: // bytes inside the value
      n.value = mutateBytes(v, rnd, { maxLength: v.length + 64 });
  }
  return derEncode(tree);
}
