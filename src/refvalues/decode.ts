/**
 * One entry point for any reference-values file (also the fuzzing target): snp-launch JSON, an
 * unsigned CoRIM, or a signed CoRIM (then `publicKey`, uncompressed SEC1 P-384, is required).
 * Returns the document or throws SnpLaunchError; never anything else.
 */
import { inputError, SnpLaunchError } from '../core/errors.js';
import { decodeCorim } from './corim.js';
import { isSignedCorim, verifySignedCorim } from './cose.js';
import { referenceValuesFromJson } from './json.js';
import { compactFromJson, compactToReferenceValues, isCompactJson } from './compact.js';
import type { ReferenceValues } from './types.js';

/** `maxVcpus`: a compact document (refvalues --format compact) is expanded to 1..maxVcpus vCPUs. */
export function decodeReferenceValues(bytes: Uint8Array, name: string, publicKey?: Uint8Array, opts: { maxVcpus?: number } = {}): ReferenceValues {
  try {
    const first = bytes.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
    if (first === 0x7b) {
      let doc: unknown;
      try {
        doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      } catch (e) {
        throw inputError('BAD_REFVALUES', `is not valid JSON (${(e as Error).message})`, { file: name });
      }
      if (isCompactJson(doc)) return compactToReferenceValues(compactFromJson(doc, name), opts.maxVcpus);
      return referenceValuesFromJson(doc, name);
    }
    if (isSignedCorim(bytes)) {
      if (!publicKey) throw inputError('SIGNED_NEEDS_KEY', 'is a signed CoRIM (COSE_Sign1): give the signer public key (--refvalues-key PEM)', { file: name });
      return decodeCorim(verifySignedCorim(bytes, publicKey, name), name);
    }
    if (publicKey) throw inputError('NOT_SIGNED', 'is not a signed CoRIM, but a key was given to check its signature', { file: name });
    return decodeCorim(bytes, name);
  } catch (e) {
    if (e instanceof SnpLaunchError) throw e;
    throw inputError('BAD_REFVALUES', `cannot be read as reference values (${(e as Error).message})`, { file: name });
  }
}
