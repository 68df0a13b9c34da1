/**
 * Report check (runs in the worker): parses an attestation report (binary, hex or base64),
 * verifies it with the dropped VCEK/VLEK against the AMD roots the library embeds (src/attestation,
 * WebCrypto), and compares its MEASUREMENT with every predicted digest in the table.
 */
import { toHex } from '../../src/core/bytes.js';
import { decodeReportInput, formatReportText, loadCertificates, parseReport, verifyReport } from '../../src/attestation/index.js';
import type { ReportCheckData } from './protocol.js';

/** Reports are 1184 bytes; hex/base64 text or a MSG_REPORT_RSP is a little longer. Anything huge is not a report. */
const MAX_REPORT_FILE = 1 << 20;
const MAX_CERT_FILE = 1 << 20;

/** A dropped file's bytes, refusing one larger than `max` (named, for the panel's error line). */
export async function readSmall(f: File, max: number, what: string): Promise<Uint8Array> {
  if (f.size > max) throw new Error(`${f.name}: ${f.size} bytes is too large for ${what}`);
  return new Uint8Array(await f.arrayBuffer());
}

/** Label/value rows from the library's text form (the `snp-launch report show` lines). */
function fields(lines: string[]): [string, string][] {
  return lines.map((l) => (l.startsWith('warning: ') ? ['warning', l.slice(9)] : [l.slice(0, 19).trim(), l.slice(19)]));
}

export async function checkReport(reportFile: File, certFile: File | undefined, predicted: { id: string; digest: string }[], now?: Date): Promise<ReportCheckData> {
  const raw = await readSmall(reportFile, MAX_REPORT_FILE, 'an attestation report');
  const report = parseReport(decodeReportInput(raw).bytes, { name: reportFile.name });
  const measurement = toHex(report.measurement);
  const matches = predicted.filter((p) => p.digest === measurement).map((p) => p.id);
  const out: ReportCheckData = { ok: false, fields: fields(formatReportText(report)), measurement, verification: [], matches };
  if (!certFile) {
    out.verification.push({ ok: false, text: 'signature not checked: add the VCEK or VLEK certificate that signed the report' });
    return out;
  }
  const certs = loadCertificates(await readSmall(certFile, MAX_CERT_FILE, 'a certificate'), certFile.name);
  const [vek, ...chain] = certs;
  if (!vek) throw new Error(`${certFile.name}: no certificate found`);
  const v = await verifyReport(report, { vek, ...(chain.length > 0 ? { chain } : {}), ...(now ? { now } : {}) });
  out.verification = v.checks.map((c) => ({ ok: c.pass, text: `${c.name}: ${c.reason}` }));
  out.ok = v.ok;
  out.fields = fields(formatReportText(v.report));
  return out;
}
