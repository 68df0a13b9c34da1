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
import { plural } from './output.js';
import { checkReportAgainstRefValues, decodeReferenceValues, describeRefCell, type PinnedField } from '../refvalues/index.js';
import { REPORT_NAME } from '../refvalues/check.js';

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

/**
 * The checks, and the report fields the reference values pin (MEASUREMENT always; POLICY,
 * HOST_DATA, ... when the file pins them), for the "not checked" list. `maxVcpus`: the bound a
 * compact document (refvalues --format compact) is expanded to.
 */
export async function refValuesChecks(report: AttestationReport, file: string, keyPath?: string, maxVcpus?: number): Promise<{ checks: Check[]; covers: string[] }> {
  const key = keyPath === undefined ? undefined : p384PublicFromPem(new TextDecoder().decode(await readSmallFile(keyPath, 64 * 1024)), keyPath);
  const rv = decodeReferenceValues(await readSmallFile(file, MAX_REFVALUES_FILE), file, key, maxVcpus !== undefined ? { maxVcpus } : {});
  const res = checkReportAgainstRefValues(report, rv);
  const covers = ['MEASUREMENT', ...(Object.keys(rv.pinned) as PinnedField[]).filter((k) => rv.pinned[k] !== undefined).map((k) => REPORT_NAME[k])];
  const signed = key ? ', signature verified' : '';
  if (res.pass) {
    const more = res.matchingCells > 1 ? ` (and ${plural(res.matchingCells - 1, 'more cell')} with this MEASUREMENT)` : '';
    return { checks: [{ name: 'refvalues', pass: true, reason: `matches ${describeRefCell(res.cell!)}${more}, pinned fields hold (${file}: ${plural(rv.cells.length, 'cell')}${signed})` }], covers };
  }
  return { checks: res.failures.map((f) => ({ name: `refvalues.${f.field}`, pass: false, reason: `${f.reason} (${file})` })), covers };
}
