/**
 * Shared CBOR pieces of the CoRIM and COSE code: one decode entry point whose failures read as one
 * located input error in our words (cbor2's messages describe its internals, e.g. "Offset is
 * outside the bounds of the DataView" for a cut file), and the COSE_Sign1 Sig_structure, which the
 * CoRIM signer and the endorsement verifier must build byte for byte alike. Browser-safe (cbor2).
 */
import { cdeEncodeOptions, decode, encode, type DecodeOptions } from 'cbor2';
import { inputError, oneLineReason } from './errors.js';

/**
 * cbor2 failures we can name. Matched on the message because cbor2 throws plain Error/RangeError;
 * "bounds" covers a DataView read past the end in V8, SpiderMonkey and JavaScriptCore alike.
 */
const KNOWN: readonly [RegExp, string][] = [
  [/bounds|^Unexpected end of stream/i, 'truncated CBOR (ends inside an item)'],
  [/^Extra data in input/, 'trailing bytes after the CBOR item'],
  [/^Duplicate or out of order key/, 'duplicate or out-of-order map key'],
  [/^Duplicate (map )?key/, 'duplicate map key'],
  [/utf-?8/i, 'text string that is not valid UTF-8'],
  [/^Streaming not supported/, 'indefinite-length item (deterministic CBOR needs definite lengths)'],
  [/encoded shorter|^Unexpectedly long integer encoding|could have been int/, 'non-shortest encoding (deterministic CBOR needs the shortest form)'],
  [/^Additional info not implemented/, 'reserved CBOR item head (additional information 28-30)'],
  [/^Unexpected BREAK/, 'break byte (0xff) outside an indefinite-length item'],
  [/^Invalid indefinite encoding/, 'indefinite length on an item that cannot have one'],
  [/^Unmatched major type|^New stream started/, 'indefinite-length string with a chunk of another type'],
  // cbor2 checks the content of standard tags (dates, typed arrays, regexps...).
  [/^Expected \w+: /, 'standard tag with content of the wrong type'],
];

/** Messages that speak of the JavaScript runtime, not of the input, are left out of the reason. */
const INTERNAL = /DataView|Cannot read|is not a function|is not iterable|is (undefined|null)|call stack|\[object /i;

/** The one-line reason, in our words, for a cbor2 decode failure of `bytes`. */
export function cborFailureReason(e: unknown, bytes: Uint8Array): string {
  if (bytes.length === 0) return 'empty input (no CBOR item)';
  const msg = e instanceof Error ? e.message : String(e);
  for (const [re, reason] of KNOWN) if (re.test(msg)) return reason;
  const clean = oneLineReason(e);
  // Readable: printable ASCII as thrown (nothing replaced), short, and about the data. cbor2 throws
  // Error for the data; a TypeError comes from the runtime (e.g. "Cannot mix BigInt...").
  const readable = !(e instanceof TypeError) && clean === msg && msg.length > 0 && msg.length <= 80 && !INTERNAL.test(msg);
  return readable ? `malformed CBOR (${msg})` : 'malformed CBOR';
}

/**
 * Decodes exactly one CBOR item. Any failure becomes input error BAD_CBOR,
 * "<file>: is not valid <what>: <reason>"; `what` names the expected item (CoRIM, COSE_Sign1...).
 */
export function decodeCborItem(bytes: Uint8Array, file: string, what: string, options: DecodeOptions): unknown {
  try {
    return decode(bytes, options);
  } catch (e) {
    throw inputError('BAD_CBOR', `is not valid ${what}: ${cborFailureReason(e, bytes)}`, { file });
  }
}

/**
 * Sig_structure for COSE_Sign1 (RFC 9052 §4.4): ["Signature1", protected, external_aad = h'',
 * payload]. Text and byte strings only, so deterministic encoding (RFC 8949 §4.2.1) fixes every byte.
 */
export function coseSign1ToBeSigned(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return encode(['Signature1', protectedBytes, new Uint8Array(0), payload], cdeEncodeOptions);
}

/**
 * A decoded CBOR value in an error message: JSON-like, but total (bigints, byte strings, maps and
 * tags do not throw as they would in JSON.stringify) and cut to `max` characters.
 */
export function describeCbor(v: unknown, max = 80): string {
  let s: string;
  try {
    s = JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'bigint') return `${x}n`;
      if (x instanceof Uint8Array) return `h'${[...x.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')}${x.length > 16 ? '…' : ''}'`;
      if (x instanceof Map) return Object.fromEntries([...x].map(([k, y]) => [String(k), y]));
      return x;
    }) ?? String(v);
  } catch {
    s = Object.prototype.toString.call(v);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
