/**
 * Report check (runs in the worker): parses an attestation report (binary, hex or base64),
 * verifies it with the dropped VCEK/VLEK against the AMD roots the library embeds (src/attestation,
 * WebCrypto), and compares its MEASUREMENT with every predicted digest in the table. The verdict
 * on the signature comes first and is reused by the reference-values check, which never passes a
 * report that is not verified (issue 16 item 8). The AMD KDS URLs are returned for display as
 * links: the page itself fetches nothing.
 */
import { toHex } from '../../src/core/bytes.js';
import {
  certChainUrl,
  crlUrl,
  decodeReportInput,
  formatReportText,
  loadCertificates,
  parseReport,
  vcekUrl,
  verifyReport,
  vlekUrl,
  type AttestationReport,
} from '../../src/attestation/index.js';
import type { ReportCheckData, SignatureVerdict } from './protocol.js';
import { checkCrlFile } from './crl-check.js';

/** Reports are 1184 bytes; hex/base64 text or a MSG_REPORT_RSP is a little longer. Anything huge is not a report. */
const MAX_REPORT_FILE = 1 << 20;
const MAX_CERT_FILE = 1 << 20;

/** A dropped file's bytes, refusing one larger than `max` (named, for the panel's error line). */
export async function readSmall(f: File, max: number, what: string): Promise<Uint8Array> {
  if (f.size > max) throw new Error(`${f.name}: ${f.size} bytes is too large for ${what}`);
  return new Uint8Array(await f.arrayBuffer());
}

export async function readReport(f: File): Promise<AttestationReport> {
  return parseReport(decodeReportInput(await readSmall(f, MAX_REPORT_FILE, 'an attestation report')).bytes, { name: f.name });
}

/** Label/value rows from the library's text form (the `snp-launch report show` lines). */
function fields(lines: string[]): [string, string][] {
  return lines.map((l) => (l.startsWith('warning: ') ? ['warning', l.slice(9)] : [l.slice(0, 19).trim(), l.slice(19)]));
}

export interface Verification {
  verdict: SignatureVerdict;
  /** One sentence: what was verified, or why not. */
  summary: string;
  checks: { ok: boolean; text: string }[];
  report: AttestationReport;
}

/** The signature and chain verdict for a report and an optional VCEK/VLEK file (and CRL). */
export async function verifyWith(report: AttestationReport, certFile: File | undefined, now?: Date, crlFile?: File): Promise<Verification> {
  if (!certFile) {
    return { verdict: 'unchecked', summary: 'NOT verified: no VCEK or VLEK certificate was given, so the signature was not checked', checks: [], report };
  }
  const certs = loadCertificates(await readSmall(certFile, MAX_CERT_FILE, 'a certificate'), certFile.name);
  const [vek, ...chain] = certs;
  if (!vek) throw new Error(`${certFile.name}: no certificate found`);
  const v = await verifyReport(report, { vek, ...(chain.length > 0 ? { chain } : {}), ...(now ? { now } : {}) });
  const checks = v.checks.map((c) => ({ ok: c.pass, text: `${c.name}: ${c.reason}` }));
  if (crlFile) checks.push(await checkCrlFile(crlFile, v, now, chain.length > 0 ? chain : undefined));
  const ok = checks.every((c) => c.ok);
  const failed = checks.filter((c) => !c.ok).map((c) => c.text.split(':')[0]);
  return {
    verdict: ok ? 'verified' : 'failed',
    summary: ok
      ? `verified: signature, certificate chain to the AMD root, and report ↔ certificate binding${crlFile ? ', revocation' : ''}`
      : `NOT verified: ${failed.join(', ')} failed`,
    checks,
    report: v.report,
  };
}

/** KDS links for the report's product and signing key (display only). */
function kdsLinks(r: AttestationReport): { label: string; url: string }[] {
  const line = r.product?.line;
  if (!line) return [];
  const kind = r.signerInfo.signingKey === 'VLEK' ? 'VLEK' : 'VCEK';
  const out: { label: string; url: string }[] = [];
  if (kind === 'VCEK') {
    const u = vcekUrl(line, r.chipId, r.reportedTcb);
    if (u) out.push({ label: `VCEK for this chip and REPORTED_TCB (${line})`, url: u });
  } else out.push({ label: `VLEK (${line}; needs cloud-provider credentials, normally from the host)`, url: vlekUrl(line, r.reportedTcb) });
  out.push({ label: `${kind === 'VCEK' ? 'ASK' : 'ASVK'} + ARK chain`, url: certChainUrl(line, kind) });
  out.push({ label: 'CRL (revoked intermediates)', url: crlUrl(line, kind) });
  return out;
}

export async function checkReport(reportFile: File, certFile: File | undefined, predicted: { id: string; digest: string }[], now?: Date, crlFile?: File): Promise<ReportCheckData> {
  const report = await readReport(reportFile);
  const measurement = toHex(report.measurement);
  const matches = predicted.filter((p) => p.digest === measurement).map((p) => p.id);
  const v = await verifyWith(report, certFile, now, crlFile);
  return {
    ok: v.verdict === 'verified',
    verdict: v.verdict,
    summary: v.summary,
    fields: fields(formatReportText(v.report)),
    measurement,
    verification: v.checks,
    matches,
    // Only what the report itself says (CPUID) or a verified certificate confirmed names the product.
    kds: v.verdict === 'verified' || report.product?.source === 'cpuid' ? kdsLinks(v.verdict === 'verified' ? v.report : report) : [],
  };
}
