/**
 * The CRL fuzz target (docs/fuzzing.md): AMD KDS CRLs through the strict parser
 * (src/attestation/crl.ts), then the revocation module's authenticity and currency checks, which
 * must answer with a reason and never throw. Same contract as targets.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { loadCrls, parseCrl } from '../../src/attestation/crl.js';
import { crlAuthenticityProblem, crlCurrencyProblem } from '../../src/attestation/revocation.js';
import { toPem } from '../../src/attestation/cert.js';
import { wellFormedDer } from './der-oracle.js';
import { mutateBytes, mutateDer, mutateDerValue } from './mutate.js';
import { InvariantError, type FuzzTarget } from './targets.js';

function check(ok: boolean, what: string): void {
  if (!ok) throw new InvariantError(what);
}

export const crlTarget: FuzzTarget = {
  name: 'crl',
  what: 'X.509 v2 CRLs (DER or PEM) as AMD KDS serves them; then the ARK signature, issuer and time checks',
  seeds: (c) => {
    if (!c.shared) return [];
    const ders = ['milan_crl_9.der', 'genoa_crl_9.der'].map((f) => new Uint8Array(readFileSync(join(c.shared!, 'vectors', 'kds', f))));
    return [...ders, new TextEncoder().encode(toPem(ders[1]!, 'X509 CRL'))];
  },
  mutate: (f, rnd) => (f[0] !== 0x30 ? mutateBytes(f, rnd, { maxLength: 1 << 16 }) : rnd() < 0.5 ? mutateDer(f, rnd) : mutateDerValue(f, rnd)),
  async run(f) {
    for (const crl of loadCrls(f, 'fuzz-crl')) {
      check(wellFormedDer(crl.der), 'an accepted CRL is not well-formed DER (independent oracle)');
      const again = parseCrl(crl.der, 'fuzz-crl');
      check(isDeepStrictEqual(again.tbs, crl.tbs) && isDeepStrictEqual(again.revoked, crl.revoked), 'CRL does not re-parse to itself');
      check(crl.thisUpdate <= crl.nextUpdate, 'nextUpdate before thisUpdate was accepted');
      check(crl.revoked.every((e) => /^(0|[1-9a-f][0-9a-f]*)$/.test(e.serial)), 'a serial is not canonical hex');
      for (const line of ['Milan', 'Genoa'] as const) {
        const why = await crlAuthenticityProblem(crl, { line });
        check(why === undefined || (typeof why === 'string' && !/[\r\n]/.test(why)), 'authenticity reason is not one line');
      }
      const cur = crlCurrencyProblem(crl, new Date(Date.UTC(2026, 7, 1)));
      check(cur === undefined || typeof cur === 'string', 'currency reason is not a string');
    }
  },
};
