/**
 * Report inputs as users have them: raw binary (1184 bytes, or more), or the same bytes as hex or
 * base64 / base64url text (e.g. virtee's report_milan.hex, configfs outblob dumps pasted into a file).
 */
import { fromBase64, fromHex } from '../core/bytes.js';
import { REPORT_SIZE } from './report.js';

/**
 * Decodes hex or base64 text to bytes when the whole input is such text and decodes to at least a
 * report's size; otherwise returns the input unchanged. A binary report cannot be mistaken for
 * text: its VERSION field starts with bytes 0x02..0x1f 0x00.
 */
export function decodeReportInput(bytes: Uint8Array): { bytes: Uint8Array; encoding: 'binary' | 'hex' | 'base64' } {
  if (bytes.length < REPORT_SIZE * 4 / 3 || bytes.length > 1 << 20) return { bytes, encoding: 'binary' };
  for (const b of bytes) {
    // printable ASCII and whitespace only
    if (!(b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f))) return { bytes, encoding: 'binary' };
  }
  const text = new TextDecoder().decode(bytes).replace(/\s+/g, '');
  const hex = fromHex(text.replace(/^0x/i, ''));
  if (hex && hex.length >= REPORT_SIZE) return { bytes: hex, encoding: 'hex' };
  // base64url (RFC 4648 §5), as Azure's attestation tools print reports: same alphabet but '-' and '_'.
  const b64 = fromBase64(/^[A-Za-z0-9_-]+=*$/.test(text) && /[-_]/.test(text) ? text.replace(/-/g, '+').replace(/_/g, '/') : text);
  if (b64 && b64.length >= REPORT_SIZE) return { bytes: b64, encoding: 'base64' };
  return { bytes, encoding: 'binary' };
}
