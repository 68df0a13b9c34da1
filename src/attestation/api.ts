/**
 * One-call attestation check on raw bytes (report + VCEK/VLEK, optional chain): parse → verify →
 * validate, for callers that do not need the steps separately (the explorer, scripts). Browser-safe.
 */
import { loadCertificates, type Certificate } from './cert.js';
import type { Check } from './check.js';
import { decodeReportInput } from './input.js';
import type { ProductLine } from './product.js';
import { parseReport, type AttestationReport } from './report.js';
import { validateReport, type ValidateOptions } from './validate.js';
import { selectVek, verifyReport } from './verify.js';
import type { AmdChainCerts } from './chain.js';
import { inputError } from '../core/errors.js';

export interface CheckAttestationOptions extends ValidateOptions {
  /** Time for certificate validity (default now). */
  now?: Date;
  /** Product line when neither the report (v2) nor the certificate says. */
  product?: ProductLine;
  /** ASK/ASVK and/or ARK files (DER or PEM); default: the embedded AMD certificates. */
  chain?: Uint8Array[];
  /** Roots to trust instead of AMD's (tests, private PKI). */
  trustedRoots?: Partial<Record<ProductLine, AmdChainCerts>>;
  /** Names for error messages. */
  reportName?: string;
  certName?: string;
}

export interface AttestationResult {
  /** Every verification and every requested policy check passed. */
  ok: boolean;
  checks: Check[];
  report: AttestationReport;
  product?: ProductLine;
  kdsUrl?: string;
}

/**
 * Parses the report (binary, hex or base64) and the certificate (DER or PEM), verifies the
 * signature, chain and binding, then runs the policy checks given in `opts`. Bad input throws
 * SnpLaunchError; failed checks are results.
 */
export async function checkAttestation(report: Uint8Array, cert: Uint8Array, opts: CheckAttestationOptions = {}): Promise<AttestationResult> {
  const r = parseReport(decodeReportInput(report).bytes, { name: opts.reportName ?? 'report', ...(opts.product ? { product: opts.product } : {}) });
  const certs = loadCertificates(cert, opts.certName ?? 'certificate');
  const vek = selectVek(certs, r);
  if (!vek) throw inputError('BAD_CERT_FILE', 'holds no single VCEK or VLEK for this report (SIGNER_INFO names the key)', { file: opts.certName ?? 'certificate' });
  const chain: Certificate[] = [...certs.filter((c) => c.isCa), ...(opts.chain ?? []).flatMap((b, i) => loadCertificates(b, `chain#${i + 1}`))];
  const v = await verifyReport(r, {
    vek,
    now: opts.now ?? new Date(),
    ...(chain.length > 0 ? { chain } : {}),
    ...(opts.product ? { product: opts.product } : {}),
    ...(opts.trustedRoots ? { trustedRoots: opts.trustedRoots } : {}),
  });
  const checks = [...v.checks, ...validateReport(v.report, opts, { vek: v.vek })];
  const out: AttestationResult = { ok: checks.every((c) => c.pass), checks, report: v.report };
  if (v.product) out.product = v.product;
  if (v.kdsUrl) out.kdsUrl = v.kdsUrl;
  return out;
}
