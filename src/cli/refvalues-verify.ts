/**
 * `report verify --refvalues FILE [--refvalues-key PEM]`: reads snp-launch JSON or a CoRIM (signed
 * or not) and turns the library's check (src/refvalues/check.ts) into report-verify checks: one
 * "refvalues" check naming the matching cell, or one failing check per differing field.
 */
import * as crypto from 'node:crypto';
import type { AttestationReport } from '../attestation/report.js';
import type { Check } from '../attestation/check.js';
import { inputError } from '../core/errors.js';
import { readSmallFile } from '../node/file-source.js';
import { checkReportAgainstRefValues, decodeReferenceValues, describeRefCell } from '../refvalues/index.js';

/** A 100,000-cell CoRIM is ~11 MB; JSON ~20 MB. */
const MAX_REFVALUES_FILE = 64 * 1024 * 1024;

/** Uncompressed SEC1 point of a P-384 public key (or of a private key's public half) in PEM. */
export function p384PublicFromPem(pem: string, path: string): Uint8Array {
  let key: crypto.KeyObject;
  try {
    key = crypto.createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw inputError('BAD_KEY', 'is not a PEM public key, certificate or unencrypted private key', { file: path });
  }
  const jwk = key.export({ format: 'jwk' });
  if (key.asymmetricKeyType !== 'ec' || jwk.crv !== 'P-384') throw inputError('BAD_KEY_CURVE', 'is not an EC P-384 key (CoRIM signatures are ES384)', { file: path });
  return new Uint8Array([0x04, ...Buffer.from(jwk.x!, 'base64url'), ...Buffer.from(jwk.y!, 'base64url')]);
}

export async function refValuesChecks(report: AttestationReport, file: string, keyPath?: string, maxVcpus?: number): Promise<Check[]> {
  const key = keyPath === undefined ? undefined : p384PublicFromPem(new TextDecoder().decode(await readSmallFile(keyPath, 64 * 1024)), keyPath);
  const rv = decodeReferenceValues(await readSmallFile(file, MAX_REFVALUES_FILE), file, key, maxVcpus !== undefined ? { maxVcpus } : {});
  const res = checkReportAgainstRefValues(report, rv);
  const signed = key ? ', signature verified' : '';
  if (res.pass) {
    const more = res.matchingCells > 1 ? ` (and ${res.matchingCells - 1} more cell${res.matchingCells > 2 ? 's' : ''} with this MEASUREMENT)` : '';
    return [{ name: 'refvalues', pass: true, reason: `matches ${describeRefCell(res.cell!)}${more}, pinned fields hold (${file}: ${rv.cells.length} cells${signed})` }];
  }
  return res.failures.map((f) => ({ name: `refvalues.${f.field}`, pass: false, reason: `${f.reason} (${file})` }));
}
