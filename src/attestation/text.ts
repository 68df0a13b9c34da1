/**
 * Text forms of verification inputs, shared by the CLI and the explorer: digests in hex or base64
 * (sev-snp-measure's snp-create-id-block prints base64 key digests), TCB minimums
 * ("bl=3,tee=0,snp=8,ucode=115[,fmc=1]"), firmware versions ("1.55.29") and times (ISO-8601).
 * Each parser returns a value or a one-sentence reason in `error`.
 */
import { fromBase64, fromHex } from '../core/bytes.js';
import { TCB_COMPONENTS, type TcbParts } from './tcb.js';

export type ParsedText<T> = { value: T; error?: undefined } | { value?: undefined; error: string };

/**
 * Bytes from hex (optional 0x, either case) or standard base64. `exact` demands that length;
 * `max` allows shorter values (REPORT_DATA, HOST_DATA are compared zero-padded).
 */
export function parseBytesText(text: string, opts: { exact?: number; max?: number }): ParsedText<Uint8Array> {
  const t = text.trim();
  const hex = fromHex(t.replace(/^0x/i, ''));
  const b64 = hex === undefined || (opts.exact !== undefined && hex.length !== opts.exact) ? fromBase64(t) : undefined;
  const want = opts.exact !== undefined ? `${opts.exact} bytes (${opts.exact * 2} hex digits or base64)` : `at most ${opts.max} bytes (hex or base64)`;
  for (const v of [hex, b64]) {
    if (v === undefined || v.length === 0) continue;
    if (opts.exact !== undefined ? v.length === opts.exact : v.length <= (opts.max ?? Infinity)) return { value: v };
  }
  if (hex !== undefined) return { error: `'${short(t)}' is ${hex.length} bytes; expected ${want}` };
  return { error: `'${short(t)}' is not hex or base64; expected ${want}` };
}

const short = (s: string): string => (s.length > 24 ? s.slice(0, 21) + '...' : s);

/** "bl=3,tee=0,snp=8,ucode=115,fmc=1" (any subset, any order; decimal or 0x; 0–255). */
export function parseTcbText(text: string): ParsedText<Partial<TcbParts>> {
  const out: Partial<TcbParts> = {};
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) return { error: 'is empty; expected e.g. bl=3,tee=0,snp=8,ucode=115 (add fmc=N for Turin)' };
  for (const item of items) {
    const m = /^([a-z]+)\s*=\s*(0x[0-9a-fA-F]+|\d+)$/.exec(item);
    if (!m) return { error: `'${item}' is not NAME=VALUE (names: ${TCB_COMPONENTS.join(', ')})` };
    const k = m[1] as (typeof TCB_COMPONENTS)[number];
    if (!TCB_COMPONENTS.includes(k)) return { error: `unknown TCB component '${m[1]}' (names: ${TCB_COMPONENTS.join(', ')})` };
    const v = Number(m[2]);
    if (v > 255) return { error: `${k}=${m[2]} is out of range 0–255` };
    if (out[k] !== undefined) return { error: `${k} is given twice` };
    out[k] = v;
  }
  return { value: out };
}

/** "1.55" or "1.55.29" → {major, minor, build?}; each part 0–255. */
export function parseFirmwareText(text: string): ParsedText<{ major: number; minor: number; build?: number }> {
  const m = /^(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?$/.exec(text.trim());
  if (!m || [m[1], m[2], m[3]].some((x) => x !== undefined && Number(x) > 255)) return { error: `'${text}' is not MAJOR.MINOR[.BUILD] (each 0–255)` };
  const v: { major: number; minor: number; build?: number } = { major: Number(m[1]), minor: Number(m[2]) };
  if (m[3] !== undefined) v.build = Number(m[3]);
  return { value: v };
}

/** ISO-8601 date or date-time ("2025-06-01", "2025-06-01T12:00:00Z"); a date alone means 00:00 UTC. */
export function parseTimeText(text: string): ParsedText<Date> {
  const t = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) return { error: `'${text}' is not an ISO-8601 date or date-time (e.g. 2025-06-01 or 2025-06-01T12:00:00Z)` };
  // A date-time without a zone would be local time in JS; SEV certificates are UTC, so assume Z.
  const norm = /T|\s/.test(t) && !/(Z|[+-]\d{2}:?\d{2})$/.test(t) ? t.replace(' ', 'T') + 'Z' : t.replace(' ', 'T');
  const d = new Date(norm);
  if (Number.isNaN(d.getTime())) return { error: `'${text}' is not a valid date` };
  return { value: d };
}
