/**
 * ID-block signing through OpenSSL (node:crypto) for the CLI: the same IdSigner as the browser-safe
 * noble signer of src/idblock/sign.ts, but a P-384 signature costs well under a millisecond instead
 * of noble's ~30 ms first scalar multiplications, and the public key comes from the key file
 * instead of being recomputed. Randomized ECDSA, as OpenSSL signs; `--deterministic` (RFC 6979)
 * stays with noble.
 */
import { sign, type KeyObject } from 'node:crypto';
import type { IdSigner } from '../idblock/sign.js';
import { signatureFromCompact } from '../idblock/structs.js';

export function nodeP384Signer(key: KeyObject): IdSigner {
  const jwk = key.export({ format: 'jwk' });
  const coord = (v: string | undefined) => new Uint8Array(Buffer.from(v ?? '', 'base64url'));
  return {
    // JWK x and y are the fixed-width 48-byte big-endian coordinates (RFC 7518 §6.2.1.2-3).
    publicKey: { x: coord(jwk.x), y: coord(jwk.y) },
    sign(message) {
      return signatureFromCompact(new Uint8Array(sign('sha384', message, { key, dsaEncoding: 'ieee-p1363' })));
    },
  };
}
