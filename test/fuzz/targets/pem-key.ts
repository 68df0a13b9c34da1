/**
 * PEM private keys for ID block signing (src/cli/pem-key.ts): SEC1 and PKCS#8 P-384 keys from
 * ../shared, the same keys re-exported in the other encoding, and a P-256 key. Half the mutations
 * edit the PEM text, half decode the base64 body, mutate the DER and re-armour it. An accepted key
 * must be a valid P-384 scalar that round-trips: its PKCS#8 re-export loads to the same scalar.
 */
import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { p384KeyFromPem } from '../../../src/cli/pem-key.js';
import { HAVE_SHARED, shared } from '../../_shared.js';
import { mutateDer } from '../der-mutate.js';
import { mutateText, pick, type Rnd } from '../mutators.js';
import { type FuzzTarget, invariant, textCodec } from '../target.js';

export function pemKeySeeds(): string[] {
  const files = HAVE_SHARED
    ? [shared('fixtures', 'sev-snp-measure', 'id_key_test.pem'), shared('fixtures', 'sev-snp-measure', 'author_key_test.pem'), shared('vectors', 'id-block', 'virtee_test_id_key.pem'), shared('vectors', 'id-block', 'virtee_test_auth_key.pem')]
    : [];
  const pems = files.map((f) => readFileSync(f, 'utf8'));
  const keys = pems.map((p) => crypto.createPrivateKey(p));
  if (keys.length === 0) keys.push(crypto.generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey);
  return [
    ...pems,
    ...keys.map((k) => k.export({ format: 'pem', type: 'pkcs8' }) as string),
    keys[0]!.export({ format: 'pem', type: 'sec1' }) as string,
    crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    crypto.createPublicKey(keys[0]!).export({ format: 'pem', type: 'spki' }) as string,
  ];
}

const ARMOUR = /^(-----BEGIN ([A-Z ]+)-----\r?\n)([\s\S]*?)(\r?\n-----END \2-----)/;

function mutatePem(s: string, rnd: Rnd, seeds: readonly string[]): string {
  const m = ARMOUR.exec(s);
  if (!m || rnd() < 0.4) return mutateText(s, rnd, seeds, 1 << 16);
  let der: Uint8Array;
  try {
    der = Uint8Array.from(atob(m[3]!.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  } catch {
    return mutateText(s, rnd, seeds, 1 << 16); // the body is no longer base64
  }
  const next = mutateDer(der, rnd, []);
  const b64 = Buffer.from(next).toString('base64').replace(/.{64}/g, '$&\n');
  const label = rnd() < 0.9 ? m[2]! : pick(rnd, ['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'PUBLIC KEY']);
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n${s.slice(m.index + m[0].length)}`;
}

const N384 = BigInt('0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973');

export const pemKeyTarget: FuzzTarget<string> = {
  name: 'pem-key',
  about: 'PEM private keys for ID block signing (src/cli/pem-key.ts)',
  ext: 'pem',
  seeds: async () => pemKeySeeds(),
  mutate: mutatePem,
  check(pem) {
    const d = p384KeyFromPem(pem, 'fuzz.pem');
    invariant(d.length === 48, 'scalar is not 48 bytes');
    const v = BigInt('0x' + Buffer.from(d).toString('hex'));
    invariant(v > 0n && v < N384, 'scalar is not in [1, n)');
    const ecdh = crypto.createECDH('secp384r1');
    ecdh.setPrivateKey(d);
    const pub = ecdh.getPublicKey();
    const jwk = { kty: 'EC', crv: 'P-384', d: Buffer.from(d).toString('base64url'), x: pub.subarray(1, 49).toString('base64url'), y: pub.subarray(49).toString('base64url') };
    const again = p384KeyFromPem(crypto.createPrivateKey({ key: jwk, format: 'jwk' }).export({ format: 'pem', type: 'pkcs8' }) as string, 'again.pem');
    invariant(Buffer.compare(again, d) === 0, 'key does not round-trip through PKCS#8');
  },
  ...textCodec,
};
