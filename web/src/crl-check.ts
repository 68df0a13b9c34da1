/**
 * A dropped CRL in the report check. TODO(issue 16 item 7): the CRL parser and revocation logic
 * (src/attestation/crl.ts) are being written on another branch; until they are merged the page
 * accepts the file, says it is a CRL, and states that revocation was not checked.
 */
import type { VerifyResult } from '../../src/attestation/index.js';
import type { CheckLine } from './protocol.js';

const MAX_CRL_FILE = 4 << 20;

export async function checkCrlFile(f: File, _v: VerifyResult, _now?: Date): Promise<CheckLine> {
  if (f.size > MAX_CRL_FILE) return { ok: false, text: `revocation: ${f.name}: ${f.size} bytes is too large for a CRL` };
  return { ok: true, info: true, text: `revocation: not checked: ${f.name} was accepted, but this build has no CRL parser yet` };
}
