/**
 * Policy checks on a parsed report (the go-sev-guest `validate` step; specs/attestation.md §1.3,
 * §1.4, §1.6): what values are acceptable. Only the checks whose option is set run; each yields
 * {name, pass, reason}. Trust in the bytes comes from verify.ts, not from here.
 */
import { bytesEqual, isAllZero, toHex } from '../core/bytes.js';
import { fail, pass, type Check } from './check.js';
import type { GuestPolicy } from './policy.js';
import { reportFormatCheck } from './report-format.js';
import type { VekInfo } from './vek.js';
import { exact, pinChecks } from './validate-pins.js';
import { compareFirmwareVersion, formatFirmwareVersion, type AttestationReport, type FirmwareVersion } from './report.js';
import { formatTcb, tcbBelow, type Tcb, type TcbParts } from './tcb.js';

/**
 * Guest-policy constraints (§1.4; go-sev-guest validate.Options.GuestPolicy). "allow*" false forbids
 * the bit, true accepts it; "require*" true demands it. Defaults: DEBUG and MIGRATE_MA forbidden
 * (as go-sev-guest's zero value), SMT and CXL_ALLOW accepted (most real guests allow SMT) but
 * named in the verdict.
 */
export interface PolicyConstraints {
  /** DEBUG (bit 19). Default false: a debuggable guest fails. */
  allowDebug?: boolean;
  /** MIGRATE_MA (bit 18). Default false: a migration agent fails. */
  allowMigrateMa?: boolean;
  /** SMT (bit 16). Default true; false: the guest policy must not allow SMT. */
  allowSmt?: boolean;
  /** CXL_ALLOW (bit 21). Default true; false: CXL must not be allowed. */
  allowCxl?: boolean;
  /** SINGLE_SOCKET (bit 20) must be set. */
  requireSingleSocket?: boolean;
  /** MEM_AES_256_XTS (bit 22) must be set. */
  requireAes256Xts?: boolean;
  /** RAPL_DIS (bit 23) must be set. */
  requireRaplDis?: boolean;
  /** CIPHERTEXT_HIDING (bit 24) must be set. */
  requireCiphertextHiding?: boolean;
  /** PAGE_SWAP_DISABLE (bit 25) must be set. */
  requirePageSwapDisable?: boolean;
  /** ABI_MAJOR.ABI_MINOR in the policy must be at least this. */
  minAbi?: { major: number; minor: number };
}

/**
 * What values are acceptable. Every field is optional; an absent field is not checked, except the
 * defaults that always run: the canonical format (`lenient` false), the guest policy's DEBUG and
 * MIGRATE_MA (forbidden) and SMT / CXL (accepted, named), and committed = current firmware
 * (`allowProvisionalFirmware` false).
 */
export interface ValidateOptions {
  /** Format problems (report-format.ts) pass, named as "NOT canonical" (forensics). Default false. */
  lenient?: boolean;
  /** Accept COMMITTED_TCB / committed version below CURRENT (never above). Default false: they must be equal. */
  allowProvisionalFirmware?: boolean;
  /** Acceptable MEASUREMENT values (48 bytes each); the check passes when one matches. */
  measurements?: Uint8Array[];
  /** Where the expected measurement came from, for the reason text (e.g. "predicted from --ovmf x.fd"). */
  measurementSource?: string;
  /** Expected REPORT_DATA; shorter values are zero-padded to 64 bytes before comparing. */
  reportData?: Uint8Array;
  /** Expected HOST_DATA (32 bytes; shorter values zero-padded). */
  hostData?: Uint8Array;
  /** Expected REPORT_ID (32 bytes). */
  reportId?: Uint8Array;
  /** Expected REPORT_ID_MA (32 bytes; all 0xFF when the guest has no migration agent). */
  reportIdMa?: Uint8Array;
  /** Expected CHIP_ID (64 bytes; an 8-byte Turin id is zero-padded). */
  chipId?: Uint8Array;
  /** Allow-list of ID_KEY_DIGEST values (48 bytes each); requires an ID block. */
  idKeyDigests?: Uint8Array[];
  /** Allow-list of AUTHOR_KEY_DIGEST values; requires AUTHOR_KEY_EN. */
  authorKeyDigests?: Uint8Array[];
  /** Minimum SPLs for CURRENT, COMMITTED and REPORTED TCB (go-sev-guest MinimumTCB). */
  minTcb?: Partial<TcbParts>;
  /** Minimum SPLs for LAUNCH_TCB (go-sev-guest MinimumLaunchTCB). */
  minLaunchTcb?: Partial<TcbParts>;
  /** Minimum firmware version for CURRENT and COMMITTED (build optional, default 0). */
  minFirmware?: { major: number; minor: number; build?: number };
  /** Guest-policy constraints (defaults above). */
  policy?: PolicyConstraints;
  /** PLATFORM_INFO bits by name (PLATFORM_INFO_BITS): `require` must be set, `deny` must be clear. */
  platformInfo?: { require?: string[]; deny?: string[] };
  /** Bits that LAUNCH_MIT_VECTOR must contain (v5+; go-sev-guest MinimumLaunchMitigationVector). */
  minLaunchMitVector?: bigint;
  /** Bits that CURRENT_MIT_VECTOR must contain (v5+). */
  minCurrentMitVector?: bigint;
  /** CPU stepping: CPUID_STEP (v3+), else the stepping in the certificate's productName ("Milan-B1" → 1). */
  stepping?: number;
  /** The VLEK's cspID must equal this (e.g. "CN=cc-us-east-2.amazonaws.com"); fails for a VCEK. */
  vlekCsp?: string;
  /** Exact VMPL the report must have been requested at. */
  vmpl?: number;
  /** Minimum GUEST_SVN. */
  minGuestSvn?: number;
  /** Expected FAMILY_ID / IMAGE_ID (16 bytes). */
  familyId?: Uint8Array;
  imageId?: Uint8Array;
}

/** What verification learned about the certificate, for the checks that need it (stepping, vlek-csp). */
export interface ValidateContext {
  vek?: VekInfo;
}

function allowList(name: string, field: string, actual: Uint8Array, list: Uint8Array[], extra?: string): Check {
  if (extra) return fail(name, extra);
  if (isAllZero(actual)) return fail(name, `${field} is zero (launched without ${name === 'id-key-digest' ? 'an ID block' : 'an author key'})`);
  return list.some((d) => bytesEqual(d, actual)) ? pass(name, `${field} ${toHex(actual)} is allowed`) : fail(name, `${field} ${toHex(actual)} is not in the ${list.length}-entry allow-list`);
}

function policyChecks(p: GuestPolicy, c: PolicyConstraints): Check[] {
  const out: Check[] = [];
  const hx = `0x${p.raw.toString(16)}`;
  const forbid = (allow: boolean, on: boolean, bit: string, key: string, byDefault: string) => {
    if (!on) out.push(pass(`policy.${key}`, `${bit} not allowed by the guest policy`));
    else out.push(allow ? pass(`policy.${key}`, `the guest policy (${hx}) allows ${bit}: accepted${byDefault}`) : fail(`policy.${key}`, `the guest policy (${hx}) allows ${bit}`));
  };
  const need = (req: boolean | undefined, on: boolean, bit: string, key: string) => {
    if (req === true) out.push(on ? pass(`policy.${key}`, `${bit} set`) : fail(`policy.${key}`, `guest policy does not set ${bit} (${hx})`));
  };
  forbid(c.allowDebug ?? false, p.debug, 'DEBUG', 'debug', '');
  forbid(c.allowMigrateMa ?? false, p.migrateMa, 'MIGRATE_MA', 'migrate-ma', '');
  forbid(c.allowSmt ?? true, p.smt, 'SMT', 'smt', c.allowSmt === undefined ? ' (by default)' : '');
  forbid(c.allowCxl ?? true, p.cxlAllow, 'CXL_ALLOW', 'cxl', c.allowCxl === undefined ? ' (by default)' : '');
  need(c.requireSingleSocket, p.singleSocket, 'SINGLE_SOCKET', 'single-socket');
  need(c.requireAes256Xts, p.memAes256Xts, 'MEM_AES_256_XTS', 'aes-256-xts');
  need(c.requireRaplDis, p.raplDis, 'RAPL_DIS', 'rapl-dis');
  need(c.requireCiphertextHiding, p.ciphertextHiding, 'CIPHERTEXT_HIDING', 'ciphertext-hiding');
  need(c.requirePageSwapDisable, p.pageSwapDisable, 'PAGE_SWAP_DISABLE', 'page-swap-disable');
  if (c.minAbi) {
    const ok = p.abiMajor > c.minAbi.major || (p.abiMajor === c.minAbi.major && p.abiMinor >= c.minAbi.minor);
    const msg = `policy ABI ${p.abiMajor}.${p.abiMinor}, minimum ${c.minAbi.major}.${c.minAbi.minor}`;
    out.push(ok ? pass('policy.min-abi', msg) : fail('policy.min-abi', msg));
  }
  return out;
}

/** Byte-wise a ≤ b of two TCB_VERSIONs: every byte is one SPL (or reserved) in both layouts. */
function tcbBytesAbove(a: bigint, b: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; i < 8; i++) if (((a >> BigInt(8 * i)) & 0xffn) > ((b >> BigInt(8 * i)) & 0xffn)) out.push(i);
  return out;
}

/**
 * "provisional-firmware" (go-sev-guest validateTcb / validateVersion, PermitProvisionalFirmware):
 * by default COMMITTED_TCB = CURRENT_TCB and the committed firmware version = the current one, so
 * a host cannot roll back to the committed firmware after attesting with a newer one; allowed,
 * committed must still not exceed current.
 */
function provisionalCheck(r: AttestationReport, allow: boolean): Check {
  const NAME = 'provisional-firmware';
  const cur = `CURRENT_TCB ${tcbText(r.currentTcb)}`;
  const com = `COMMITTED_TCB ${tcbText(r.committedTcb)}`;
  const fw = `committed firmware ${formatFirmwareVersion(r.committedVersion)}, current ${formatFirmwareVersion(r.currentVersion)}`;
  const sameFw = compareFirmwareVersion(r.committedVersion, r.currentVersion) === 0;
  if (r.committedTcb.raw === r.currentTcb.raw && sameFw) return pass(NAME, `committed = current (TCB 0x${r.currentTcb.raw.toString(16).padStart(16, '0')}, firmware ${formatFirmwareVersion(r.currentVersion)})`);
  const above = tcbBytesAbove(r.committedTcb.raw, r.currentTcb.raw);
  const fwAbove = compareFirmwareVersion(r.committedVersion, r.currentVersion) > 0;
  if (above.length > 0 || fwAbove) return fail(NAME, `${com} / ${fw} is above ${cur}: inconsistent report`);
  const what = [r.committedTcb.raw !== r.currentTcb.raw ? `${com} ≠ ${cur}` : '', !sameFw ? fw : ''].filter(Boolean).join('; ');
  return allow ? pass(NAME, `provisional firmware accepted: ${what}`) : fail(NAME, `provisional (uncommitted) firmware: ${what}`);
}

const tcbText = (t: Tcb): string => `0x${t.raw.toString(16).padStart(16, '0')} (${formatTcb(t)})`;

function tcbMin(name: string, fields: [string, TcbParts][], min: Partial<TcbParts>, turin: boolean): Check {
  if (min.fmc !== undefined && !turin) return fail(name, 'an fmc minimum was given but this report uses the Milan/Genoa TCB layout (no FMC)');
  const bad = fields.map(([f, t]) => [f, t, tcbBelow(t, min)] as const).filter(([, , b]) => b.length > 0);
  const want = formatTcb(min as TcbParts);
  if (bad.length === 0) return pass(name, `${fields.map(([f]) => f).join(', ')} ≥ ${want}`);
  return fail(name, bad.map(([f, t, b]) => `${f} ${formatTcb(t)} is below ${want} in ${b.join(', ')}`).join('; '));
}

/** Runs the default checks, then the requested ones, in a fixed order. */
export function validateReport(r: AttestationReport, o: ValidateOptions = {}, ctx: ValidateContext = {}): Check[] {
  const out: Check[] = [reportFormatCheck(r.formatProblems, o.lenient ?? false)];
  out.push(...policyChecks(r.policy, o.policy ?? {}));
  out.push(provisionalCheck(r, o.allowProvisionalFirmware ?? false));
  if (o.measurements && o.measurements.length > 0) {
    const hit = o.measurements.find((m) => bytesEqual(m, r.measurement));
    out.push(
      hit
        ? pass('measurement', `MEASUREMENT = ${toHex(r.measurement)}${o.measurementSource ? ` (${o.measurementSource})` : ''}`)
        : fail('measurement', `MEASUREMENT is ${toHex(r.measurement)}, expected ${o.measurements.map(toHex).join(' or ')}${o.measurementSource ? ` (${o.measurementSource})` : ''}`),
    );
  }
  if (o.reportData) out.push(exact('report-data', 'REPORT_DATA', r.reportData, o.reportData));
  if (o.hostData) out.push(exact('host-data', 'HOST_DATA', r.hostData, o.hostData));
  if (o.familyId) out.push(exact('family-id', 'FAMILY_ID', r.familyId, o.familyId));
  if (o.imageId) out.push(exact('image-id', 'IMAGE_ID', r.imageId, o.imageId));
  if (o.idKeyDigests) out.push(allowList('id-key-digest', 'ID_KEY_DIGEST', r.idKeyDigest, o.idKeyDigests));
  if (o.authorKeyDigests) {
    out.push(allowList('author-key-digest', 'AUTHOR_KEY_DIGEST', r.authorKeyDigest, o.authorKeyDigests, r.signerInfo.authorKeyEn ? undefined : 'AUTHOR_KEY_EN is 0: the ID block was not signed with an author key'));
  }
  const turin = r.tcbLayout === 'turin';
  if (o.minTcb) out.push(tcbMin('min-tcb', [['CURRENT_TCB', r.currentTcb], ['COMMITTED_TCB', r.committedTcb], ['REPORTED_TCB', r.reportedTcb]], o.minTcb, turin));
  if (o.minLaunchTcb) out.push(tcbMin('min-launch-tcb', [['LAUNCH_TCB', r.launchTcb]], o.minLaunchTcb, turin));
  if (o.minFirmware) {
    const min: FirmwareVersion = { build: 0, ...o.minFirmware };
    const low = ([['current', r.currentVersion], ['committed', r.committedVersion]] as const).filter(([, v]) => compareFirmwareVersion(v, min) < 0);
    const m = formatFirmwareVersion(min);
    out.push(
      low.length === 0
        ? pass('min-firmware', `current ${formatFirmwareVersion(r.currentVersion)}, committed ${formatFirmwareVersion(r.committedVersion)} ≥ ${m}`)
        : fail('min-firmware', low.map(([k, v]) => `${k} firmware ${formatFirmwareVersion(v)} is below ${m}`).join('; ')),
    );
  }
  out.push(...pinChecks(r, o, ctx));
  if (o.vmpl !== undefined) out.push(r.vmpl === o.vmpl ? pass('vmpl', `VMPL ${r.vmpl}`) : fail('vmpl', `VMPL is ${r.vmpl}, expected ${o.vmpl}`));
  if (o.minGuestSvn !== undefined) {
    out.push(r.guestSvn >= o.minGuestSvn ? pass('min-guest-svn', `GUEST_SVN ${r.guestSvn} ≥ ${o.minGuestSvn}`) : fail('min-guest-svn', `GUEST_SVN ${r.guestSvn} is below ${o.minGuestSvn}`));
  }
  return out;
}
