/**
 * A dropped CRL in the report check (issue 16 items 7-8): the library's CRL parser and revocation
 * check (src/attestation/crl.ts, revocation.ts; the same as `report verify --crl`). The CRL must be
 * signed by the product's pinned AMD ARK, name it as issuer and be current at the check date; the
 * chain's intermediate (ASK or ASVK) must not be listed. The page fetches nothing: the CRL comes
 * from the user (the KDS link beside the verdict).
 */
import { chainIntermediate, checkRevocation, loadCrls, MAX_CRL_BYTES, type Certificate, type VerifyResult } from '../../src/attestation/index.js';
import type { CheckLine } from './protocol.js';

export async function checkCrlFile(f: File, v: VerifyResult, now?: Date, chain?: Certificate[]): Promise<CheckLine> {
  if (f.size > MAX_CRL_BYTES) return { ok: false, text: `revocation: ${f.name}: ${f.size} bytes is too large for a CRL` };
  const line = v.product ?? v.report.product?.line;
  if (!line) return { ok: false, text: 'revocation: not checked: the product is unknown' };
  const intermediate = chainIntermediate(line, v.vek.kind, chain);
  if (!intermediate) return { ok: false, text: `revocation: no AMD intermediate certificate is known for ${line}` };
  let crls;
  try {
    crls = loadCrls(new Uint8Array(await f.arrayBuffer()), f.name);
  } catch (e) {
    return { ok: false, text: `revocation: ${(e as Error).message}` };
  }
  const c = await checkRevocation({ crls, intermediate, kind: v.vek.kind, line, at: now ?? new Date(), source: f.name });
  return { ok: c.pass, text: `${c.name}: ${c.reason}` };
}
