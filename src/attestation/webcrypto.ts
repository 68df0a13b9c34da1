/**
 * WebCrypto access for signature checks (W3C Web Cryptography API): crypto.subtle exists in Node 20
 * (globalThis.crypto) and in browsers, in secure contexts only (https, http://127.0.0.1, file:).
 */
import { inputError } from '../core/errors.js';

export function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (!s) {
    throw inputError('NO_WEBCRYPTO', 'WebCrypto (crypto.subtle) is not available; in a browser, load the page from https:// or http://127.0.0.1');
  }
  return s;
}

/** A copy backed by a plain ArrayBuffer, as WebCrypto's BufferSource typing requires. */
export function buf(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(b);
}
