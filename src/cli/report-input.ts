/**
 * Reading an attestation report file for a command (report show/verify, match): bounded read,
 * hex/base64 text decoded, then parsed. Errors name the file.
 */
import { decodeReportInput } from '../attestation/input.js';
import { parseReport, type AttestationReport } from '../attestation/report.js';
import type { ProductLine } from '../attestation/product.js';
import { readSmallFile } from '../node/file-source.js';

/** Reports are 1184 bytes; wrappers and text encodings stay far below this. */
export const MAX_REPORT_FILE = 64 * 1024;

export async function loadReport(path: string, product?: ProductLine, strict = false): Promise<AttestationReport> {
  const raw = await readSmallFile(path, MAX_REPORT_FILE);
  const { bytes, encoding } = decodeReportInput(raw);
  const r = parseReport(bytes, { name: path, strict, ...(product ? { product } : {}) });
  if (encoding !== 'binary') r.warnings.unshift(`input decoded from ${encoding} text`);
  return r;
}
