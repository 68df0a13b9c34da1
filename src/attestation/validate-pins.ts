/**
 * The pins go-sev-guest's validate.Options has beyond the basics (REPORT_ID, REPORT_ID_MA, CHIP_ID,
 * PLATFORM_INFO, the v5 mitigation vectors, the CPU stepping) and one it has not (the VLEK's cspID).
 * Each runs only when its option is set; see ValidateOptions in validate.ts.
 */
import { bytesEqual, toHex } from '../core/bytes.js';
import { fail, pass, type Check } from './check.js';
import { PLATFORM_INFO_BITS } from './platform-info.js';
import type { AttestationReport } from './report.js';
import type { ValidateContext, ValidateOptions } from './validate.js';

function padTo(b: Uint8Array, n: number): Uint8Array {
  if (b.length >= n) return b;
  const out = new Uint8Array(n);
  out.set(b);
  return out;
}

/** `field` equals `expected` (shorter expected values are zero-padded to the field size). */
export function exact(name: string, field: string, actual: Uint8Array, expected: Uint8Array): Check {
  if (expected.length > actual.length) return fail(name, `expected value is ${expected.length} bytes; ${field} has ${actual.length}`);
  const want = padTo(expected, actual.length);
  return bytesEqual(actual, want) ? pass(name, `${field} = ${toHex(actual)}`) : fail(name, `${field} is ${toHex(actual)}, expected ${toHex(want)}`);
}

const hex = (v: bigint): string => '0x' + v.toString(16);

/** "platform-info.NAME": a required bit is set, a denied bit is clear (names of PLATFORM_INFO_BITS). */
function platformChecks(r: AttestationReport, require: string[], deny: string[]): Check[] {
  const out: Check[] = [];
  const raw = r.platformInfo.raw;
  for (const [names, want] of [[require, true], [deny, false]] as const) {
    for (const n of names) {
      const bit = PLATFORM_INFO_BITS.find(([, k]) => k === n)?.[0];
      const name = `platform-info.${n}`;
      if (bit === undefined) {
        out.push(fail(name, `'${n}' is not a PLATFORM_INFO bit (${PLATFORM_INFO_BITS.map(([, k]) => k).join(', ')})`));
        continue;
      }
      const on = ((raw >> BigInt(bit)) & 1n) === 1n;
      const what = `PLATFORM_INFO ${hex(raw)} bit ${bit} ${n} is ${on ? 'set' : 'clear'}`;
      out.push(on === want ? pass(name, what) : fail(name, `${what}, ${want ? 'required' : 'denied'}`));
    }
  }
  return out;
}

/** Both v5 mitigation vectors contain every bit of the minimum (go-sev-guest validateMitigationVectors). */
function mitCheck(r: AttestationReport, launch?: bigint, current?: bigint): Check {
  const NAME = 'min-mit-vector';
  if (r.launchMitVector === undefined || r.currentMitVector === undefined) return fail(NAME, `version ${r.version} reports carry no mitigation vectors (version 5 and later)`);
  const bad: string[] = [];
  if (launch !== undefined && (r.launchMitVector & launch) !== launch) bad.push(`LAUNCH_MIT_VECTOR ${hex(r.launchMitVector)} lacks ${hex(launch & ~r.launchMitVector)}`);
  if (current !== undefined && (r.currentMitVector & current) !== current) bad.push(`CURRENT_MIT_VECTOR ${hex(r.currentMitVector)} lacks ${hex(current & ~r.currentMitVector)}`);
  if (bad.length > 0) return fail(NAME, bad.join('; '));
  return pass(NAME, `LAUNCH_MIT_VECTOR ${hex(r.launchMitVector)}, CURRENT_MIT_VECTOR ${hex(r.currentMitVector)} contain the minimum`);
}

/** CPUID_STEP (v3+), else the stepping digit of the certificate's productName ("Milan-B1" → 1). */
function steppingCheck(r: AttestationReport, want: number, ctx: ValidateContext): Check {
  const NAME = 'stepping';
  if (r.cpuid) return r.cpuid.stepping === want ? pass(NAME, `CPUID_STEP ${r.cpuid.stepping}`) : fail(NAME, `CPUID_STEP is ${r.cpuid.stepping}, expected ${want}`);
  const m = /-[A-Z](\d+)$/.exec(ctx.vek?.productName ?? '');
  if (!m) return fail(NAME, `version ${r.version} reports carry no CPUID and the certificate's productName ${ctx.vek?.productName === undefined ? 'is unknown' : `'${ctx.vek.productName}' has no stepping`}`);
  const s = Number(m[1]);
  return s === want ? pass(NAME, `stepping ${s} (certificate productName ${ctx.vek!.productName})`) : fail(NAME, `the certificate's productName ${ctx.vek!.productName} says stepping ${s}, expected ${want}`);
}

function cspCheck(want: string, ctx: ValidateContext): Check {
  const NAME = 'vlek-csp';
  const v = ctx.vek;
  if (!v) return fail(NAME, 'no certificate: the cspID cannot be checked');
  if (v.kind !== 'VLEK') return fail(NAME, `the report is endorsed by a ${v.kind}, not a VLEK of ${want}`);
  // KDS writes the cspID as a DN ("CN=cc-us-east-2.amazonaws.com"); the bare name matches too.
  return v.cspId === want || v.cspId === `CN=${want}` ? pass(NAME, `VLEK cspID '${v.cspId}'`) : fail(NAME, `VLEK cspID is '${v.cspId ?? ''}', expected '${want}'`);
}

export function pinChecks(r: AttestationReport, o: ValidateOptions, ctx: ValidateContext): Check[] {
  const out: Check[] = [];
  if (o.reportId) out.push(exact('report-id', 'REPORT_ID', r.reportId, o.reportId));
  if (o.reportIdMa) out.push(exact('report-id-ma', 'REPORT_ID_MA', r.reportIdMa, o.reportIdMa));
  if (o.chipId) out.push(exact('expected-chip-id', 'CHIP_ID', r.chipId, o.chipId));
  if (o.platformInfo) out.push(...platformChecks(r, o.platformInfo.require ?? [], o.platformInfo.deny ?? []));
  if (o.minLaunchMitVector !== undefined || o.minCurrentMitVector !== undefined) out.push(mitCheck(r, o.minLaunchMitVector, o.minCurrentMitVector));
  if (o.stepping !== undefined) out.push(steppingCheck(r, o.stepping, ctx));
  if (o.vlekCsp !== undefined) out.push(cspCheck(o.vlekCsp, ctx));
  return out;
}
