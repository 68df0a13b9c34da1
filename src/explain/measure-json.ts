/**
 * Tolerant reading of `snp-launch measure --log --json` documents for `snp-launch diff`: the
 * documented schema (src/measure/json.ts, "snp-launch.measure/1") and close variants — log under
 * `log`, `measurementLog` or `entries`; gpa as "0x" string or number; type as a name or number
 * (`type` or `pageType`). Whatever is needed and missing is an input error naming the field.
 */
import { inputError } from '../core/errors.js';
import { parseJsonObject } from '../measure/json.js';
import { TYPE_NUMBERS, type LogStep } from './entries.js';
import { firstDivergence, type Divergence } from './divergence.js';

export interface MeasuredDoc {
  file: string;
  digest: string;
  platform?: string;
  mode?: string;
  /** Undefined when the document has no log (measure without --log). */
  log?: LogStep[];
}

export function readMeasuredDoc(text: string, file: string): MeasuredDoc {
  const o = parseJsonObject(text, file, 'a JSON object (the output of snp-launch measure --json)');
  const bad = (field: string, why: string) => inputError('BAD_MEASURE_JSON', why, { file, field });
  const digest = typeof o.digest === 'string' ? o.digest : typeof o.measurement === 'string' ? o.measurement : undefined;
  if (digest === undefined || !/^[0-9a-fA-F]+$/.test(digest)) throw bad('digest', 'must be a hex string (the output of snp-launch measure --json)');
  const doc: MeasuredDoc = { file, digest: digest.toLowerCase() };
  if (typeof o.platform === 'string') doc.platform = o.platform;
  if (typeof o.mode === 'string') doc.mode = o.mode;
  const raw = o.log ?? o.measurementLog ?? o.entries;
  if (raw === undefined) return doc;
  if (!Array.isArray(raw)) throw bad('log', 'must be an array');
  doc.log = raw.map((e: unknown, i: number) => step(e, i, bad));
  return doc;
}

function step(e: unknown, i: number, bad: (f: string, w: string) => Error): LogStep {
  const f = `log[${i}]`;
  if (typeof e !== 'object' || e === null) throw bad(f, 'must be an object');
  const r = e as Record<string, unknown>;
  const gpa = typeof r.gpa === 'number' ? r.gpa : typeof r.gpa === 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(r.gpa) ? Number(r.gpa) : NaN;
  if (!Number.isSafeInteger(gpa) || gpa < 0) throw bad(`${f}.gpa`, 'must be a GPA ("0x..." or a number)');
  const t = r.type ?? r.pageType;
  const type = typeof t === 'number' ? t : typeof t === 'string' ? TYPE_NUMBERS[t.toUpperCase()] : undefined;
  if (type === undefined) throw bad(`${f}.type`, 'must be a page type (NORMAL, VMSA, ZERO, UNMEASURED, SECRETS, CPUID or a number)');
  if (typeof r.contents !== 'string') throw bad(`${f}.contents`, 'must be a hex string');
  return {
    index: typeof r.index === 'number' ? r.index : i,
    gpa,
    type,
    contents: r.contents.toLowerCase(),
    digest: typeof r.digest === 'string' ? r.digest.toLowerCase() : '',
    origin: typeof r.origin === 'string' ? r.origin : '',
  };
}

export interface DocDiff {
  same: boolean;
  /** Undefined when the digests are equal, or when a document has no log. */
  divergence?: Divergence;
  /** Why no step-level comparison was possible. */
  note?: string;
}

export function diffMeasuredDocs(a: MeasuredDoc, b: MeasuredDoc, labelA = 'A', labelB = 'B'): DocDiff {
  const same = a.digest === b.digest;
  if (!a.log || !b.log) {
    return { same, ...(same ? {} : { note: `${!a.log ? labelA : labelB} has no measurement log; run measure with --log --json to see where the launches diverge` }) };
  }
  const d = firstDivergence(a.log, b.log, labelA, labelB, { ...(a.platform ? { platformA: a.platform } : {}), ...(b.platform ? { platformB: b.platform } : {}) });
  if (same && !d) return { same };
  if (!d) return { same, note: 'the logs measure the same steps but the digests differ (a different initial digest, e.g. --snp-ovmf-hash?)' };
  return { same, divergence: d };
}
