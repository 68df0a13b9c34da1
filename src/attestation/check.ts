/**
 * The result shape shared by verification (signatures, chain, certificate ↔ report binding) and
 * validation (policy): each check has a stable name, a verdict and a one-line reason.
 */

export interface Check {
  /** Stable identifier, e.g. "report-signature", "measurement", "policy.debug". */
  name: string;
  pass: boolean;
  /** Why it passed or failed, one line (for failures: expected vs actual). */
  reason: string;
}

export const pass = (name: string, reason: string): Check => ({ name, pass: true, reason });
export const fail = (name: string, reason: string): Check => ({ name, pass: false, reason });
