/**
 * The OpenSSL ID-block signer of the CLI (src/node/p384-signer.ts): its public key is the one
 * @noble/curves derives from the private scalar, and its signatures verify with noble (an
 * independent implementation) and with node:crypto over the AMD little-endian encoding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { p384 } from '@noble/curves/nist.js';
import { nodeP384Signer } from '../../src/node/p384-signer.js';
import { createIdBlock, verifyIdAuth, verifyP384 } from '../../src/idblock/sign.js';

test('nodeP384Signer: noble derives the same public key, and verifies its signatures', async () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const d = new Uint8Array(Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url'));
  const s = nodeP384Signer(createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' })));
  const pub = p384.getPublicKey(d, false);
  assert.deepEqual([Buffer.from(s.publicKey.x), Buffer.from(s.publicKey.y)], [Buffer.from(pub.subarray(1, 49)), Buffer.from(pub.subarray(49))]);
  const msg = new TextEncoder().encode('an ID block');
  const sig = await s.sign(msg);
  assert.ok(verifyP384(msg, sig, s.publicKey));
  assert.ok(!verifyP384(new TextEncoder().encode('another'), sig, s.publicKey));
  // A whole ID block and auth info signed through OpenSSL check out.
  const id = await createIdBlock({ measurement: new Uint8Array(48).fill(7) }, s, nodeP384Signer(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey));
  const v = verifyIdAuth(id.idBlock, id.idAuth);
  assert.deepEqual([v.idBlockSignatureValid, v.idKeySignatureValid, v.valid], [true, true, true]);
});
