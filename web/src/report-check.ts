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
  selectVek,
  uncheckedFields,
  validateReport,
  vcekUrl,
  verifyReport,
  vlekUrl,
  type AttestationReport,
  type ValidateContext,
} from '../../src/attestation/index.js';
import { parseThimCerts, thimTcbCheck } from '../../src/endorsements/index.js';
import type { CheckLine, EndorsementGroup, ReportCheckData, ReportExtras, SignatureVerdict } from './protocol.js';
import { checkCrlFile } from './crl-check.js';
import { checkLine, endorsementGroups, hclFieldLines, type EndorsementResult, type ReportInput } from './endorsement-check.js';

/** Reports are 1184 bytes; hex/base64 text or a MSG_REPORT_RSP is a little longer. Anything huge is not a report. */
const MAX_REPORT_FILE = 1 << 20;
const MAX_CERT_FILE = 1 << 20;

/** A dropped file's bytes, refusing one larger than `max` (named, for the panel's error line). */
export async function readSmall(f: File, max: number, what: string): Promise<Uint8Array> {
  if (f.size > max) throw new Error(`${f.name}: ${f.size} bytes is too large for ${what}`);
  return new Uint8Array(await f.arrayBuffer());
}

/** The report file, read once: its decoded bytes (the endorsement checks look at the wrapper too) and the parsed report. */
export async function readReportInput(f: File): Promise<{ input: ReportInput; report: AttestationReport }> {
  const raw = decodeReportInput(await readSmall(f, MAX_REPORT_FILE, 'an attestation report')).bytes;
  return { input: { name: f.name, raw }, report: parseReport(raw, { name: f.name }) };
}

export async function readReport(f: File): Promise<AttestationReport> {
  return (await readReportInput(f)).report;
}

/** Label/value rows from the library's text form (the `snp-launch report show` lines). */
function fields(lines: string[]): [string, string][] {
  return lines.map((l) => (l.startsWith('warning: ') ? ['warning', l.slice(9)] : [l.slice(0, 19).trim(), l.slice(19)]));
}

export interface Verification {
  verdict: SignatureVerdict;
  /** One sentence: what was verified, or why not. */
  summary: string;
  checks: CheckLine[];
  /** Endorsement and binding checks per file (they count in the verdict). */
  endorsements: EndorsementGroup[];
  report: AttestationReport;
  /** The signature and the chain to the AMD root hold (so the certificate's product is confirmed), whatever the other checks say. */
  signatureOk: boolean;
}

/** The certificate file's bytes: THIM/ACI host-certificate JSON (or its base64) becomes its PEM bundle, as `report verify --cert` takes it. */
async function certBytes(f: File): Promise<{ bytes: Uint8Array; tcbm?: bigint }> {
  const raw = await readSmall(f, MAX_CERT_FILE, 'a certificate');
  const thim = parseThimCerts(raw, f.name);
  return thim ? { bytes: thim.pem, ...(thim.tcbm !== undefined ? { tcbm: thim.tcbm } : {}) } : { bytes: raw };
}

/**
 * The verdict for a report and an optional VCEK/VLEK file, CRL and endorsements: what `report
 * verify` would say for the same files. The secure defaults of src/attestation/validate.ts apply
 * (DEBUG and MIGRATE_MA forbidden, provisional firmware refused) unless the page's allow boxes are
 * ticked; every endorsement check counts; without a certificate the verdict is "unchecked" whatever
 * the other checks say, since nothing in the report is then authenticated.
 */
export async function verifyWith(report: AttestationReport, certFile: File | undefined, now?: Date, crlFile?: File, extras?: ReportExtras, reportFile?: ReportInput): Promise<Verification> {
  const e: EndorsementResult = reportFile ? await endorsementGroups(report, reportFile, extras, now) : { groups: [] };
  const validate = (r: AttestationReport, ctx: ValidateContext) =>
    validateReport(
      r,
      { allowProvisionalFirmware: extras?.allowProvisionalFirmware ?? false, policy: { allowDebug: extras?.allowDebug ?? false, allowMigrateMa: extras?.allowMigrateMa ?? false } },
      ctx,
    ).map(checkLine);
  // No certificate given: THIM JSON among the endorsements, else the extended report's own table (as --cert FILE would use it).
  const cert = certFile ? await certBytes(certFile) : e.certificates ? { bytes: e.certificates } : e.tableCertificates ? { bytes: e.tableCertificates } : undefined;
  if (!cert) {
    const failing = e.groups.flatMap((g) => g.checks).filter((c) => !c.ok && !c.info).map((c) => c.text.split(':')[0]);
    return {
      verdict: 'unchecked',
      summary: `NOT verified: no VCEK or VLEK certificate was given, so the signature was not checked${failing.length ? `; also failed: ${[...new Set(failing)].join(', ')}` : ''}`,
      signatureOk: false,
      // The report's own claims, unauthenticated: shown so a debuggable guest is visible anyway.
      checks: validate(report, {}).map((c) => ({ ...c, text: `${c.text} (unauthenticated)`, ...(c.ok ? { info: true } : {}) })),
      endorsements: e.groups,
      report,
    };
  }
  const certName = certFile?.name ?? (e.certificates ? 'THIM certificates' : `${reportFile?.name ?? 'report'} (certificate table)`);
  const certs = loadCertificates(cert.bytes, certName);
  const vek = selectVek(certs, report);
  if (!vek) throw new Error(`${certName}: holds no single VCEK or VLEK for this report (SIGNER_INFO names the key)`);
  const chain = certs.filter((c) => c.isCa);
  const v = await verifyReport(report, { vek, ...(chain.length > 0 ? { chain } : {}), ...(now ? { now } : {}) });
  const checks = [...v.checks.map(checkLine), ...validate(v.report, { vek: v.vek })];
  if (cert.tcbm !== undefined) checks.push(checkLine(thimTcbCheck(v.report, cert.tcbm)));
  if (crlFile) checks.push(await checkCrlFile(crlFile, v, now, chain.length > 0 ? chain : undefined));
  const endorsementChecks = e.groups.flatMap((g) => g.checks).filter((c) => !c.info);
  const bad = [...checks, ...endorsementChecks].filter((c) => !c.ok && !c.info).map((c) => c.text.split(':')[0]);
  const extra = [crlFile ? 'revocation' : '', endorsementChecks.length ? `${endorsementChecks.length} endorsement check${endorsementChecks.length > 1 ? 's' : ''}` : ''].filter((x) => x);
  return {
    verdict: bad.length === 0 ? 'verified' : 'failed',
    summary:
      bad.length === 0
        ? `verified: signature, certificate chain to the AMD root, report ↔ certificate binding, guest policy and firmware${extra.map((x) => `, ${x}`).join('')}`
        : `NOT verified: ${[...new Set(bad)].join(', ')} failed`,
    checks,
    endorsements: e.groups,
    report: v.report,
    signatureOk: v.ok,
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

export async function checkReport(reportFile: File, certFile: File | undefined, predicted: { id: string; digest: string }[], now?: Date, crlFile?: File, extras?: ReportExtras): Promise<ReportCheckData> {
  const { input, report } = await readReportInput(reportFile);
  const measurement = toHex(report.measurement);
  const matches = predicted.filter((p) => p.digest === measurement).map((p) => p.id);
  const v = await verifyWith(report, certFile, now, crlFile, extras, input);
  const hcl = hclFieldLines(input.raw, input.name);
  const named = [...v.checks, ...v.endorsements.flatMap((g) => g.checks)].filter((c) => !c.info).map((c) => c.text.split(':')[0]!);
  // A row of the table with this MEASUREMENT pins it, as --measurement does on the command line.
  const unchecked = uncheckedFields(v.report, named, matches.length > 0 ? ['MEASUREMENT'] : []);
  return {
    ok: v.verdict === 'verified',
    verdict: v.verdict,
    summary: v.verdict === 'verified' && unchecked.includes('MEASUREMENT') ? `${v.summary}; MEASUREMENT was not checked` : v.summary,
    unchecked,
    fields: fields([...formatReportText(v.report), ...hcl]),
    measurement,
    verification: v.checks,
    endorsements: v.endorsements,
    matches,
    // Only what the report itself says (CPUID) or a verified certificate confirmed names the product.
    kds: v.signatureOk || report.product?.source === 'cpuid' ? kdsLinks(v.signatureOk ? v.report : report) : [],
  };
}
