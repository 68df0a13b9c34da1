/**
 * X.509 target: DER certificates (VCEK, VLEK, ASK, ARK, ASVK) and PEM bundles, mutated with the
 * DER-aware mutator. An accepted certificate must round-trip through PEM (same TBS, serial, names
 * and key), its TBS must be the bytes inside its DER, and VEK decoding and signature verification
 * against an AMD intermediate (every 32nd accepted input) must end in a result or a located error.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { loadCertificates, parseCertificate, parseVek, toPem, verifyCertSignature, type Certificate } from '../../../src/attestation/index.js';
import { HAVE_SHARED, shared } from '../../_shared.js';
import { mutateDer, wellFormedDer } from '../der-mutate.js';
import { mutateText, type Rnd } from '../mutators.js';
import { type FuzzTarget, bytesCodec, invariant, isLocated } from '../target.js';

const text = new TextDecoder();
const enc = new TextEncoder();

export function certSeeds(): Uint8Array[] {
  if (!HAVE_SHARED) return [];
  const vec = shared('vectors', 'attestation');
  const amd = shared('certs', 'amd');
  const der = readdirSync(vec).filter((f) => f.endsWith('.der')).sort().map((f) => new Uint8Array(readFileSync(`${vec}/${f}`)));
  const pems = [...readdirSync(vec).filter((f) => f.endsWith('.pem')).map((f) => `${vec}/${f}`), ...readdirSync(amd).filter((f) => f.endsWith('.pem')).sort().map((f) => `${amd}/${f}`)];
  const pemBytes = pems.map((p) => new Uint8Array(readFileSync(p)));
  // Each PEM certificate also as DER, so the DER mutator sees every shape.
  const pemDer = pemBytes.flatMap((b, i) => loadCertificates(b, pems[i]).map((c) => c.der));
  return [...der, ...pemDer, ...pemBytes];
}

let issuers: Certificate[] | undefined;
let accepted = 0;

function mutateCert(b: Uint8Array, rnd: Rnd, seeds: readonly Uint8Array[]): Uint8Array {
  if (b[0] === 0x2d /* '-' */ && rnd() < 0.5) return enc.encode(mutateText(text.decode(b), rnd, []));
  return mutateDer(b, rnd, seeds);
}

function same(a: Certificate, b: Certificate): boolean {
  return (
    a.serial === b.serial && a.version === b.version && JSON.stringify(a.subject) === JSON.stringify(b.subject) && JSON.stringify(a.issuer) === JSON.stringify(b.issuer) &&
    a.tbs.length === b.tbs.length && a.tbs.every((v, i) => v === b.tbs[i]) && a.notBefore.getTime() === b.notBefore.getTime() && a.isCa === b.isCa
  );
}

export const x509Target: FuzzTarget<Uint8Array> = {
  name: 'x509',
  about: 'X.509 certificates and chains (der.ts, cert.ts, vek.ts, chain.ts)',
  ext: 'der',
  seeds: async () => certSeeds(),
  mutate: mutateCert,
  async check(input) {
    issuers ??= certSeeds().filter((b) => b[0] === 0x2d).flatMap((b) => loadCertificates(b, 'amd.pem')).filter((c) => c.isCa);
    for (const c of loadCertificates(input, 'fuzz.der')) {
      invariant(wellFormedDer(c.der), 'an accepted certificate is not well-formed DER');
      const tbsAt = c.tbs.byteOffset - c.der.byteOffset;
      invariant(c.tbs.buffer === c.der.buffer && tbsAt >= 0 && tbsAt + c.tbs.length <= c.der.length, 'TBS is not inside the DER');
      const back = loadCertificates(enc.encode(toPem(c.der)), 'back.pem');
      invariant(back.length === 1 && same(back[0]!, c) && same(parseCertificate(c.der, 'again.der'), c), 'certificate does not round-trip through PEM');
      try {
        parseVek(c);
      } catch (e) {
        if (!isLocated(e)) throw e;
      }
      if (++accepted % 32 === 0) {
        for (const issuer of issuers.slice(0, 3)) {
          try {
            invariant(typeof (await verifyCertSignature(c, issuer)) === 'boolean', 'verifyCertSignature did not return a boolean');
          } catch (e) {
            if (!isLocated(e)) throw e;
          }
        }
      }
    }
  },
  ...bytesCodec,
};
