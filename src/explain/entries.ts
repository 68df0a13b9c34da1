/**
 * A common shape for measurement-log entries from the library (MeasurementLogEntry) and from
 * `measure --json` documents (src/measure/json.ts), so logs from either source can be aligned and
 * explained. Readers are tolerant: gpa as number or "0x" string, type as name or number.
 */
import { toHex } from '../core/bytes.js';
import type { MeasurementLogEntry } from '../firmware/log.js';
import { PAGE_TYPE_NAMES } from '../firmware/page-types.js';

export interface LogStep {
  index: number;
  gpa: number;
  /** Page type number (1..6). */
  type: number;
  /** PAGE_INFO.CONTENTS, lowercase hex. */
  contents: string;
  /** Digest after the step, lowercase hex (may be empty when unknown). */
  digest: string;
  origin: string;
}

export const TYPE_NUMBERS: Readonly<Record<string, number>> = Object.fromEntries(Object.entries(PAGE_TYPE_NAMES).map(([n, name]) => [name, Number(n)]));

export function typeName(t: number): string {
  return (PAGE_TYPE_NAMES as Record<number, string>)[t] ?? `type ${t}`;
}

export function fromLogEntry(e: MeasurementLogEntry): LogStep {
  return { index: e.index, gpa: e.gpa, type: e.pageType, contents: toHex(e.contents), digest: toHex(e.digest), origin: e.origin };
}

/** The key two steps must share to be "the same measurement" (the digest chain aside). */
export function stepKey(s: LogStep): string {
  return `${s.type}:${s.gpa}:${s.contents}`;
}

export const hexGpa = (gpa: number): string => '0x' + gpa.toString(16);

/** One step in words: "VMSA at 0xfffffffff000 (origin)". */
export function describeStep(s: LogStep): string {
  return `${typeName(s.type)} at ${hexGpa(s.gpa)}${s.origin ? ` (${s.origin})` : ''}`;
}
