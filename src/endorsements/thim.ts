/**
 * The host certificate document Azure's THIM service (and ACI's `host-amd-cert` file) serves beside
 * an SNP report: JSON `{vcekCert: PEM, certificateChain: PEM (ASK, ARK), tcbm: hex u64, cacheControl}`,
 * possibly as base64 text. Turned into a PEM bundle the AMD chain check reads, plus the TCB the VCEK
 * was issued for. Browser-safe.
 */
import { fromBase64 } from '../core/bytes.js';
import { inputError } from '../core/errors.js';
import { fail, pass, type Check } from '../attestation/check.js';
import type { AttestationReport } from '../attestation/report.js';

export interface ThimCerts {
  /** vcekCert followed by certificateChain, as PEM text bytes. */
  pem: Uint8Array;
  /** tcbm as the report's raw u64 (REPORTED_TCB the VCEK was issued for). */
  tcbm?: bigint;
}

function jsonText(bytes: Uint8Array): string | undefined {
  const text = new TextDecoder().decode(bytes).trim();
  if (text.startsWith('{')) return text;
  const b = /^[A-Za-z0-9+/=\s]+$/.test(text) ? fromBase64(text.replace(/\s+/g, '')) : undefined;
  const inner = b ? new TextDecoder().decode(b).trim() : '';
  return inner.startsWith('{') && inner.includes('vcekCert') ? inner : undefined;
}

/** The THIM document in `bytes` (JSON or base64 of JSON), or undefined when it is something else. */
export function parseThimCerts(bytes: Uint8Array, file: string): ThimCerts | undefined {
  const text = jsonText(bytes);
  if (text === undefined || !text.includes('"vcekCert"')) return undefined;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw inputError('BAD_THIM_JSON', `is not valid JSON (${(e as Error).message})`, { file });
  }
  const vcek = o.vcekCert;
  const chain = o.certificateChain;
  if (typeof vcek !== 'string' || !vcek.includes('BEGIN CERTIFICATE')) throw inputError('BAD_THIM_JSON', 'vcekCert must be a PEM certificate', { file, field: 'vcekCert' });
  if (chain !== undefined && typeof chain !== 'string') throw inputError('BAD_THIM_JSON', 'certificateChain must be PEM text', { file, field: 'certificateChain' });
  const out: ThimCerts = { pem: new TextEncoder().encode(`${vcek}\n${chain ?? ''}`) };
  if (o.tcbm !== undefined) {
    if (typeof o.tcbm !== 'string' || !/^[0-9a-fA-F]{16}$/.test(o.tcbm)) throw inputError('BAD_THIM_JSON', 'tcbm must be 16 hex digits', { file, field: 'tcbm' });
    out.tcbm = BigInt('0x' + o.tcbm);
  }
  return out;
}

/** "thim.tcbm": the TCB the host's VCEK was issued for equals REPORTED_TCB. */
export function thimTcbCheck(r: Pick<AttestationReport, 'reportedTcb'>, tcbm: bigint): Check {
  const hex = (v: bigint) => v.toString(16).padStart(16, '0');
  return r.reportedTcb.raw === tcbm ? pass('thim.tcbm', `tcbm ${hex(tcbm)} = REPORTED_TCB`) : fail('thim.tcbm', `tcbm ${hex(tcbm)} ≠ REPORTED_TCB ${hex(r.reportedTcb.raw)}`);
}
