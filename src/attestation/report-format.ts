/**
 * Canonical report format (specs/attestation.md §1.2 "Strictness", §1.4, §1.6): every rule
 * go-sev-guest's abi package enforces while parsing (ReportToProto, ValidateReportFormat,
 * ParseSnpPolicy, ParseSignerInfo, ReportToSignatureDER), plus REPORTED_TCB ≤ CURRENT_TCB
 * (validate.go validateTcb). A report that breaks one is not what AMD firmware writes; the unsigned
 * tail 0x330..0x49F matters most, since non-zero bytes there give one signed report many encodings.
 * parseReport records the problems; `report-format` turns them into a check (warnings with lenient).
 */
import { isAllZero, u32, u64 } from '../core/bytes.js';
import { fail, pass, type Check } from './check.js';
import { decodePolicy, policyProblems } from './policy.js';

/** Which rule a problem breaks. */
export type FormatRule = 'version' | 'signature-algo' | 'policy' | 'signer-info' | 'reserved' | 'unsigned-tail' | 'signature' | 'tcb-order';

export interface FormatProblem {
  rule: FormatRule;
  /** One sentence, also recorded as a parse warning. */
  reason: string;
  /** Offset in the report. */
  offset: number;
}

/** Report versions go-sev-guest accepts (abi.MinSupportedReportVersion..MaxSupportedReportVersion). */
export const SUPPORTED_VERSIONS = { min: 2, max: 5 } as const;

/** Must-be-zero ranges [start, end) of the signed part, per version (§1.2). */
export function mbzRanges(version: number): [number, number, string][] {
  return [
    [0x04c, 0x050, 'reserved 0x04C'],
    version >= 3 ? [0x18b, 0x1a0, 'reserved 0x18B'] : [0x188, 0x1a0, 'reserved 0x188 (CPUID bytes are reserved in v2)'],
    [0x1eb, 0x1ec, 'reserved 0x1EB'],
    [0x1ef, 0x1f0, 'reserved 0x1EF'],
    version >= 5 ? [0x208, 0x2a0, 'reserved 0x208'] : [0x1f8, 0x2a0, 'reserved 0x1F8 (mitigation vectors are v5+)'],
  ];
}

/** The unsigned part after S (0x330..0x49F): zero in every report the firmware writes. */
export const UNSIGNED_TAIL: readonly [number, number] = [0x330, 0x4a0];

const hex = (v: number | bigint): string => '0x' + v.toString(16);

/** Every format problem of the 1184 report bytes `b`, in offset order. */
export function formatProblems(b: Uint8Array): FormatProblem[] {
  const out: FormatProblem[] = [];
  const add = (rule: FormatRule, offset: number, reason: string) => out.push({ rule, offset, reason });
  const version = u32(b, 0x000);
  if (version < SUPPORTED_VERSIONS.min || version > SUPPORTED_VERSIONS.max) add('version', 0x000, `VERSION ${version} is outside ${SUPPORTED_VERSIONS.min}–${SUPPORTED_VERSIONS.max}`);
  for (const p of policyProblems(decodePolicy(u64(b, 0x008)))) add('policy', 0x008, p);
  const algo = u32(b, 0x034);
  if (algo !== 1) add('signature-algo', 0x034, `SIGNATURE_ALGO ${algo} is not 1 (ECDSA P-384 with SHA-384)`);
  const signer = u32(b, 0x048);
  if (signer >>> 5 !== 0) add('signer-info', 0x048, `SIGNER_INFO reserved bits 31:5 are not zero (${hex(signer)})`);
  const key = (signer >>> 2) & 7;
  if (key >= 2 && key <= 6) add('signer-info', 0x048, `SIGNER_INFO SIGNING_KEY ${key} is reserved (0 VCEK, 1 VLEK, 7 none)`);
  const reported = b.subarray(0x180, 0x188);
  const current = b.subarray(0x038, 0x040);
  const above = [...reported].map((v, i) => i).filter((i) => reported[i]! > current[i]!);
  if (above.length > 0) add('tcb-order', 0x180, `REPORTED_TCB ${hex(u64(b, 0x180))} is above CURRENT_TCB ${hex(u64(b, 0x038))} in byte(s) ${above.join(', ')}`);
  for (const [s, e, what] of mbzRanges(version)) {
    if (!isAllZero(b.subarray(s, e))) add('reserved', s, `${what}..0x${(e - 1).toString(16).toUpperCase()} is not zero`);
  }
  // P-384 scalars are 48 bytes; the upper 24 of each 72-byte R and S field must be zero (§1.2).
  if (!isAllZero(b.subarray(0x2a0 + 48, 0x2e8)) || !isAllZero(b.subarray(0x2e8 + 48, 0x330))) add('signature', 0x2a0, 'signature R or S has non-zero bytes above the 48-byte P-384 range');
  if (!isAllZero(b.subarray(UNSIGNED_TAIL[0], UNSIGNED_TAIL[1]))) {
    const first = b.subarray(UNSIGNED_TAIL[0], UNSIGNED_TAIL[1]).findIndex((x) => x !== 0) + UNSIGNED_TAIL[0];
    add('unsigned-tail', first, `unsigned bytes 0x330..0x49F are not zero (first at 0x${first.toString(16).toUpperCase()}): the same signed report has other encodings`);
  }
  return out;
}

/**
 * "report-format": passes when the report is canonical. With `lenient` (forensics) the problems
 * do not fail it, but its reason says the report is NOT canonical.
 */
export function reportFormatCheck(problems: readonly FormatProblem[], lenient = false): Check {
  const NAME = 'report-format';
  if (problems.length === 0) {
    return pass(NAME, 'canonical: version, algo, policy/signer bits, MBZ bytes, TCB order');
  }
  const list = problems.map((p) => p.reason).join('; ');
  return lenient ? pass(NAME, `NOT canonical (accepted: lenient): ${list}`) : fail(NAME, list);
}
