/**
 * Policy checks on a parsed report (the go-sev-guest `validate` step; specs/attestation.md §1.3,
 * §1.4, §1.6): what values are acceptable. Only the checks whose option is set run; each yields
 * {name, pass, reason}. Trust in the bytes comes from verify.ts, not from here.
 */
import { bytesEqual, isAllZero, toHex } from '../core/bytes.js';
import { fail, pass, type Check } from './check.js';
import type { GuestPolicy } from './policy.js';
import { compareFirmwareVersion, formatFirmwareVersion, type AttestationReport, type FirmwareVersion } from './report.js';
import { formatTcb, tcbBelow, type TcbParts } from './tcb.js';

/** Guest-policy constraints. "allow*" = false forbids the bit; "require*" = true demands it (§1.4). */
export interface PolicyConstraints {
  /** DEBUG (bit 19). false: the report must not allow debugging. */
  allowDebug?: boolean;
  /** MIGRATE_MA (bit 18). false: no migration agent. */
  allowMigrateMa?: boolean;
  /** SMT (bit 16). false: the guest policy must not allow SMT. */
  allowSmt?: boolean;
  /** CXL_ALLOW (bit 21). false: CXL must not be allowed. */
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

export interface ValidateOptions {
  /** Acceptable MEASUREMENT values (48 bytes each); the check passes when one matches. */
  measurements?: Uint8Array[];
  /** Where the expected measurement came from, for the reason text (e.g. "predicted from --ovmf x.fd"). */
  measurementSource?: string;
  /** Expected REPORT_DATA; shorter values are zero-padded to 64 bytes before comparing. */
  reportData?: Uint8Array;
  /** Expected HOST_DATA (32 bytes; shorter values zero-padded). */
  hostData?: Uint8Array;
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
  /** Guest-policy constraints. */
  policy?: PolicyConstraints;
  /** Exact VMPL the report must have been requested at. */
  vmpl?: number;
  /** Minimum GUEST_SVN. */
  minGuestSvn?: number;
  /** Expected FAMILY_ID / IMAGE_ID (16 bytes). */
  familyId?: Uint8Array;
  imageId?: Uint8Array;
}

function padTo(b: Uint8Array, n: number): Uint8Array {
  if (b.length >= n) return b;
  const out = new Uint8Array(n);
  out.set(b);
  return out;
}

function exact(name: string, field: string, actual: Uint8Array, expected: Uint8Array): Check {
  if (expected.length > actual.length) return fail(name, `expected value is ${expected.length} bytes; ${field} has ${actual.length}`);
  const want = padTo(expected, actual.length);
  return bytesEqual(actual, want) ? pass(name, `${field} = ${toHex(actual)}`) : fail(name, `${field} is ${toHex(actual)}, expected ${toHex(want)}`);
}

function allowList(name: string, field: string, actual: Uint8Array, list: Uint8Array[], extra?: string): Check {
  if (extra) return fail(name, extra);
  if (isAllZero(actual)) return fail(name, `${field} is zero (launched without ${name === 'id-key-digest' ? 'an ID block' : 'an author key'})`);
  return list.some((d) => bytesEqual(d, actual)) ? pass(name, `${field} ${toHex(actual)} is allowed`) : fail(name, `${field} ${toHex(actual)} is not in the ${list.length}-entry allow-list`);
}

function policyChecks(p: GuestPolicy, c: PolicyConstraints): Check[] {
  const out: Check[] = [];
  const forbid = (allow: boolean | undefined, on: boolean, bit: string, key: string) => {
    if (allow === false) out.push(on ? fail(`policy.${key}`, `guest policy allows ${bit} (0x${p.raw.toString(16)})`) : pass(`policy.${key}`, `${bit} not allowed`));
  };
  const need = (req: boolean | undefined, on: boolean, bit: string, key: string) => {
    if (req === true) out.push(on ? pass(`policy.${key}`, `${bit} set`) : fail(`policy.${key}`, `guest policy does not set ${bit} (0x${p.raw.toString(16)})`));
  };
  forbid(c.allowDebug, p.debug, 'DEBUG', 'debug');
  forbid(c.allowMigrateMa, p.migrateMa, 'MIGRATE_MA', 'migrate-ma');
  forbid(c.allowSmt, p.smt, 'SMT', 'smt');
  forbid(c.allowCxl, p.cxlAllow, 'CXL_ALLOW', 'cxl');
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

function tcbMin(name: string, fields: [string, TcbParts][], min: Partial<TcbParts>, turin: boolean): Check {
  if (min.fmc !== undefined && !turin) return fail(name, 'an fmc minimum was given but this report uses the Milan/Genoa TCB layout (no FMC)');
  const bad = fields.map(([f, t]) => [f, t, tcbBelow(t, min)] as const).filter(([, , b]) => b.length > 0);
  const want = formatTcb(min as TcbParts);
  if (bad.length === 0) return pass(name, `${fields.map(([f]) => f).join(', ')} ≥ ${want}`);
  return fail(name, bad.map(([f, t, b]) => `${f} ${formatTcb(t)} is below ${want} in ${b.join(', ')}`).join('; '));
}

/** Runs the requested checks in a fixed order. */
export function validateReport(r: AttestationReport, o: ValidateOptions): Check[] {
  const out: Check[] = [];
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
  if (o.policy) out.push(...policyChecks(r.policy, o.policy));
  if (o.vmpl !== undefined) out.push(r.vmpl === o.vmpl ? pass('vmpl', `VMPL ${r.vmpl}`) : fail('vmpl', `VMPL is ${r.vmpl}, expected ${o.vmpl}`));
  if (o.minGuestSvn !== undefined) {
    out.push(r.guestSvn >= o.minGuestSvn ? pass('min-guest-svn', `GUEST_SVN ${r.guestSvn} ≥ ${o.minGuestSvn}`) : fail('min-guest-svn', `GUEST_SVN ${r.guestSvn} is below ${o.minGuestSvn}`));
  }
  return out;
}
