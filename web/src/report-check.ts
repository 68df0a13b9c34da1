/**
 * Report check: parses an attestation report, verifies it against the dropped VCEK/VLEK (and the
 * AMD roots the library embeds), and compares its MEASUREMENT with every predicted digest.
 * Placeholder until src/attestation's verifier lands.
 */
import type { ReportCheckData } from './protocol.js';

export async function checkReport(_report: File, _cert: File | undefined, _predicted: { id: string; digest: string }[]): Promise<ReportCheckData> {
  throw new Error('report verification is not available yet');
}
