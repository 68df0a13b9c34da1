/**
 * PEM private keys for ID block signing (the `id-block` command): text in, raw P-384 scalar out.
 * Separate from the file reading so the fuzzer (test/fuzz/targets/pem-key.ts) can drive it.
 * Node-only: it uses node:crypto to read PKCS#8 and SEC1.
 */
import * as crypto from 'node:crypto';
import { readRoot } from '../attestation/der.js';
import { fromBase64 } from '../core/bytes.js';
import { inputError } from '../core/errors.js';

/**
 * Loads an unencrypted PEM private key (PKCS#8 or SEC1) and returns its raw P-384 scalar.
 * Everything else — public keys, certificates, encrypted keys, other curves — is one clear error.
 */
export function p384KeyFromPem(pem: string, path: string): Uint8Array {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(pem)) {
    throw inputError('ENCRYPTED_KEY', 'is an encrypted private key; decrypt it first (openssl pkey -in KEY -out PLAIN)', { file: path });
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    const what = /-----BEGIN (?:EC )?PUBLIC KEY-----/.test(pem) ? 'is a public key' : /-----BEGIN CERTIFICATE-----/.test(pem) ? 'is a certificate' : 'is not a PEM private key';
    throw inputError('NOT_PRIVATE_KEY', `${what}; an unencrypted EC P-384 private key is needed`, { file: path });
  }
  if (!wellFormedKeyBlock(pem)) throw inputError('BAD_KEY', 'is not a readable PEM private key', { file: path });
  let key: crypto.KeyObject;
  try {
    // An explicit empty passphrase keeps OpenSSL from ever prompting on a terminal.
    key = crypto.createPrivateKey({ key: pem, format: 'pem', passphrase: '' });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'ERR_MISSING_PASSPHRASE' || /bad decrypt|passphrase/i.test((e as Error).message)
      ? 'is an encrypted private key; decrypt it first'
      : 'is not a readable PEM private key';
    throw inputError('BAD_KEY', why, { file: path });
  }
  try {
    // A key OpenSSL loads but cannot encode (e.g. a private scalar longer than its curve's order)
    // makes Node abort the process on asymmetricKeyDetails / JWK export (a C++ assertion, not an
    // exception): probe with a DER export first. Found by the pem-key fuzz target.
    key.export({ format: 'der', type: 'pkcs8' });
  } catch {
    throw inputError('BAD_KEY', 'is not a readable PEM private key (its key data is inconsistent)', { file: path });
  }
  if (key.asymmetricKeyType !== 'ec') {
    throw inputError('BAD_KEY_TYPE', `is a key of type ${(key.asymmetricKeyType ?? 'unknown').toUpperCase()}; ID and author keys must be EC P-384`, { file: path });
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve !== 'secp384r1') {
    throw inputError('BAD_KEY_CURVE', `is an EC key on ${curve ?? 'an unknown curve'}; ID and author keys must be P-384 (secp384r1)`, { file: path });
  }
  const jwk = key.export({ format: 'jwk' });
  const d = Buffer.from(jwk.d ?? '', 'base64url');
  // JWK `d` is the fixed-width 48-byte big-endian scalar (RFC 7518 §6.2.2.1).
  return new Uint8Array(d.buffer, d.byteOffset, d.length);
}


/**
 * The first PKCS#8 / SEC1 block decodes from base64 to exactly one well-formed DER structure.
 * OpenSSL rejects the others too, but its decoder costs about half a millisecond per attempt;
 * checking first keeps hostile inputs cheap (and made the pem-key fuzz target 10x faster).
 */
function wellFormedKeyBlock(pem: string): boolean {
  const m = /-----BEGIN (EC )?PRIVATE KEY-----([^-]*)-----END /.exec(pem);
  if (!m) return true; // other labels (RSA PRIVATE KEY, ...) are left to OpenSSL's message
  const der = fromBase64(m[2]!.replace(/\s+/g, ''));
  if (!der || der.length === 0) return false;
  try {
    readRoot({ name: 'key' }, der);
    return true;
  } catch {
    return false;
  }
}
