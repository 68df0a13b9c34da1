/**
 * `report verify` options as one table: each row is an option spec plus how it sets the library's
 * ValidateOptions (src/attestation/validate.ts, which documents the defaults). Other modules add
 * options through hooks (report-verify-hooks.ts), not by editing this table.
 */
import { usageError } from '../core/errors.js';
import {
  parseBytesText,
  parseFirmwareText,
  parseProductLine,
  parseTcbText,
  PLATFORM_INFO_BITS,
  type ParsedText,
  type PolicyConstraints,
  type ProductLine,
  type ValidateOptions,
} from '../attestation/index.js';
import { get, type OptionSpec, type ParsedArgs } from './args.js';

const ext = (o: Omit<OptionSpec, 'extension'>): OptionSpec => ({ ...o, extension: true });

export const PRODUCT_OPT: OptionSpec = ext({ name: 'product', type: 'string', metavar: 'Milan|Genoa|Turin', help: 'product line when the report cannot say (version 2 reports)' });
export const JSON_OPT: OptionSpec = ext({ name: 'json', type: 'flag', help: 'machine-readable output' });
export const STRICT_OPT: OptionSpec = ext({ name: 'strict', type: 'flag', help: 'reject trailing bytes and any report format problem while reading the report (go-sev-guest parse strictness)' });

/** Turns a text parser's error into a usage error naming the option. */
export function value<T>(p: ParsedText<T>, opt: string): T {
  if (p.error !== undefined) throw usageError('BAD_VALUE', `argument --${opt}: ${p.error}`, `--${opt}`);
  return p.value;
}

export function productArg(args: ParsedArgs): ProductLine | undefined {
  const t = get.str(args, 'product');
  if (t === undefined) return undefined;
  const p = parseProductLine(t);
  if (!p) throw usageError('BAD_CHOICE', `argument --product: invalid choice: '${t}' (choose from Milan, Genoa, Turin, Venice)`, '--product');
  return p;
}

/** One row: the option and what it sets (absent for options the command handles itself). */
interface Row {
  spec: OptionSpec;
  apply?: (o: ValidateOptions, args: ParsedArgs, notes: string[]) => void;
}

const policy = (o: ValidateOptions): PolicyConstraints => (o.policy ??= {});
const bytes = (args: ParsedArgs, opt: string, spec: { exact?: number; max?: number }): Uint8Array | undefined => {
  const t = get.str(args, opt);
  return t === undefined ? undefined : value(parseBytesText(t, spec), opt);
};
const digests = (args: ParsedArgs, opt: string): Uint8Array[] => get.list(args, opt).map((t) => value(parseBytesText(t, { exact: 48 }), opt));
const flag = (name: string, help: string, set: (o: ValidateOptions) => void): Row => ({ spec: ext({ name, type: 'flag', help }), apply: (o, a) => get.flag(a, name) && set(o) });

/** PLATFORM_INFO names for --require-platform-info / --deny-platform-info (comma lists, repeatable). */
function platformNames(args: ParsedArgs, opt: string): string[] {
  const names = get.list(args, opt).flatMap((t) => t.split(',')).map((t) => t.trim().toUpperCase()).filter(Boolean);
  const known = PLATFORM_INFO_BITS.map(([, n]) => n);
  const bad = names.find((n) => !known.includes(n));
  if (bad) throw usageError('BAD_CHOICE', `argument --${opt}: '${bad}' is not a PLATFORM_INFO bit (choose from ${known.join(', ')})`, `--${opt}`);
  return names;
}

/** 0x-hex or decimal u64 bit mask. */
function mask(args: ParsedArgs, opt: string): bigint | undefined {
  const t = get.str(args, opt)?.trim();
  if (t === undefined) return undefined;
  if (!/^(0x[0-9a-fA-F]{1,16}|\d{1,20})$/.test(t) || BigInt(t) > 0xffff_ffff_ffff_ffffn) throw usageError('BAD_VALUE', `argument --${opt}: '${t}' is not a 64-bit mask (hex 0x... or decimal)`, `--${opt}`);
  return BigInt(t);
}

/** The old opt-in denials that are now the default: accepted, ignored, and named in a note. */
const NOOP_DENIALS: [string, string][] = [
  ['deny-debug', 'allow-debug'],
  ['deny-migrate-ma', 'allow-migrate-ma'],
];

const ROWS: Row[] = [
  { spec: ext({ name: 'cert', type: 'string', metavar: 'VCEK_OR_VLEK', help: 'the VCEK or VLEK that signed the report (DER or PEM; or a bundle or GHCB certificate table: the key SIGNER_INFO names is used)' }) },
  { spec: ext({ name: 'no-cert', type: 'flag', help: 'run only the policy checks; the signature is NOT verified' }) },
  { spec: ext({ name: 'refvalues', type: 'string', metavar: 'FILE', help: 'reference values (snp-launch refvalues: JSON or CoRIM, signed or not): pass when one cell matches' }) },
  { spec: ext({ name: 'max-vcpus', type: 'decimal', metavar: 'N', help: 'with a compact --refvalues (refvalues --format compact): accept 1..N vCPUs (default 512)' }) },
  { spec: ext({ name: 'refvalues-key', type: 'string', metavar: 'PEM', help: 'public key that must have signed the --refvalues CoRIM (COSE_Sign1 ES384)' }) },
  { spec: ext({ name: 'chain', type: 'string', metavar: 'ASK_ARK.pem', help: 'intermediate (ASK/ASVK) and/or ARK, e.g. KDS cert_chain; default: the embedded AMD certificates (the ARK is always pinned)' }) },
  { spec: PRODUCT_OPT },
  { spec: STRICT_OPT },
  { spec: ext({ name: 'at', type: 'string', metavar: 'ISO-8601', help: 'time for certificate validity (default: now)' }) },
  flag('lenient', 'forensics: report format problems (non-canonical bytes) do not fail; the verdict says NOT canonical', (o) => (o.lenient = true)),
  flag('allow-debug', 'accept a guest policy that allows DEBUG (rejected by default)', (o) => (policy(o).allowDebug = true)),
  flag('allow-migrate-ma', 'accept a guest policy that allows a migration agent (rejected by default)', (o) => (policy(o).allowMigrateMa = true)),
  flag('allow-provisional-firmware', 'accept COMMITTED_TCB / committed firmware below CURRENT (rejected by default)', (o) => (o.allowProvisionalFirmware = true)),
  { spec: ext({ name: 'measurement', type: 'list', metavar: 'HEX', help: 'expected MEASUREMENT (repeatable: any may match); or give the image options below to predict it' }), apply: (o, a) => a.values.has('measurement') && (o.measurements = digests(a, 'measurement')) },
  { spec: ext({ name: 'report-data', type: 'string', metavar: 'HEX', help: 'expected REPORT_DATA (shorter values are zero-padded to 64 bytes)' }), apply: (o, a) => (o.reportData = bytes(a, 'report-data', { max: 64 })) },
  { spec: ext({ name: 'host-data', type: 'string', metavar: 'HEX', help: 'expected HOST_DATA (zero-padded to 32 bytes)' }), apply: (o, a) => (o.hostData = bytes(a, 'host-data', { max: 32 })) },
  { spec: ext({ name: 'report-id', type: 'string', metavar: 'HEX', help: 'expected REPORT_ID (32 bytes)' }), apply: (o, a) => (o.reportId = bytes(a, 'report-id', { exact: 32 })) },
  { spec: ext({ name: 'report-id-ma', type: 'string', metavar: 'HEX', help: 'expected REPORT_ID_MA (32 bytes; all ff without a migration agent)' }), apply: (o, a) => (o.reportIdMa = bytes(a, 'report-id-ma', { exact: 32 })) },
  { spec: ext({ name: 'chip-id', type: 'string', metavar: 'HEX', help: 'expected CHIP_ID (64 bytes; Turin: 8)' }), apply: (o, a) => (o.chipId = chipId(a)) },
  { spec: ext({ name: 'id-key-digest', type: 'list', metavar: 'HEX', help: 'allowed ID_KEY_DIGEST (hex or base64; repeatable)' }), apply: (o, a) => a.values.has('id-key-digest') && (o.idKeyDigests = digests(a, 'id-key-digest')) },
  { spec: ext({ name: 'author-key-digest', type: 'list', metavar: 'HEX', help: 'allowed AUTHOR_KEY_DIGEST (hex or base64; repeatable)' }), apply: (o, a) => a.values.has('author-key-digest') && (o.authorKeyDigests = digests(a, 'author-key-digest')) },
  { spec: ext({ name: 'min-tcb', type: 'string', metavar: 'bl=..,tee=..,snp=..,ucode=..[,fmc=..]', help: 'minimum SPLs of CURRENT, COMMITTED and REPORTED TCB' }), apply: (o, a) => (o.minTcb = tcb(a, 'min-tcb')) },
  { spec: ext({ name: 'min-launch-tcb', type: 'string', metavar: 'bl=..,...', help: 'minimum SPLs of LAUNCH_TCB' }), apply: (o, a) => (o.minLaunchTcb = tcb(a, 'min-launch-tcb')) },
  { spec: ext({ name: 'min-firmware', type: 'string', metavar: 'MAJOR.MINOR[.BUILD]', help: 'minimum current and committed firmware version' }), apply: (o, a) => (o.minFirmware = firmware(a)) },
  { spec: ext({ name: 'min-abi', type: 'string', metavar: 'MAJOR.MINOR', help: 'minimum ABI version in the guest policy' }), apply: (o, a) => minAbi(o, a) },
  { spec: ext({ name: 'min-mit-vector', type: 'string', metavar: 'MASK', help: 'bits that LAUNCH_MIT_VECTOR and CURRENT_MIT_VECTOR must both contain (version 5 reports)' }), apply: (o, a) => mitVector(o, a) },
  ...NOOP_DENIALS.map(([name, allow]): Row => ({ spec: ext({ name, type: 'flag', help: `no-op: rejecting is the default now (see --${allow})` }) })),
  flag('deny-smt', 'fail if the guest policy allows SMT (accepted by default)', (o) => (policy(o).allowSmt = false)),
  flag('deny-cxl', 'fail if the guest policy allows CXL (accepted by default)', (o) => (policy(o).allowCxl = false)),
  flag('require-single-socket', 'fail unless SINGLE_SOCKET is set', (o) => (policy(o).requireSingleSocket = true)),
  flag('require-aes-256-xts', 'fail unless MEM_AES_256_XTS is set', (o) => (policy(o).requireAes256Xts = true)),
  flag('require-rapl-dis', 'fail unless RAPL_DIS is set', (o) => (policy(o).requireRaplDis = true)),
  flag('require-ciphertext-hiding', 'fail unless CIPHERTEXT_HIDING is set', (o) => (policy(o).requireCiphertextHiding = true)),
  flag('require-page-swap-disable', 'fail unless PAGE_SWAP_DISABLE is set', (o) => (policy(o).requirePageSwapDisable = true)),
  { spec: ext({ name: 'require-platform-info', type: 'list', metavar: 'NAME,...', help: `PLATFORM_INFO bits that must be set (${PLATFORM_INFO_BITS.map(([, n]) => n).join(', ')})` }), apply: (o, a) => platformInfo(o, a, 'require') },
  { spec: ext({ name: 'deny-platform-info', type: 'list', metavar: 'NAME,...', help: 'PLATFORM_INFO bits that must be clear (e.g. SMT_EN)' }), apply: (o, a) => platformInfo(o, a, 'deny') },
  { spec: ext({ name: 'stepping', type: 'decimal', metavar: 'N', help: 'expected CPU stepping (CPUID_STEP; v2: the certificate productName, e.g. Milan-B1 = 1)' }), apply: (o, a) => (o.stepping = get.num(a, 'stepping')) },
  { spec: ext({ name: 'vlek-csp', type: 'string', metavar: 'NAME', help: "the VLEK's cspID must equal NAME (e.g. CN=cc-us-east-2.amazonaws.com; the CN= may be left out)" }), apply: (o, a) => (o.vlekCsp = get.str(a, 'vlek-csp')) },
  { spec: ext({ name: 'vmpl', type: 'decimal', metavar: 'N', help: 'expected VMPL (0-3)' }), apply: (o, a) => (o.vmpl = vmpl(a)) },
  { spec: ext({ name: 'min-guest-svn', type: 'decimal', metavar: 'N', help: 'minimum GUEST_SVN' }), apply: (o, a) => (o.minGuestSvn = get.num(a, 'min-guest-svn')) },
  { spec: ext({ name: 'family-id', type: 'string', metavar: 'HEX', help: 'expected FAMILY_ID (16 bytes)' }), apply: (o, a) => (o.familyId = bytes(a, 'family-id', { max: 16 })) },
  { spec: ext({ name: 'image-id', type: 'string', metavar: 'HEX', help: 'expected IMAGE_ID (16 bytes)' }), apply: (o, a) => (o.imageId = bytes(a, 'image-id', { max: 16 })) },
  { spec: JSON_OPT },
];

function chipId(a: ParsedArgs): Uint8Array | undefined {
  const b = bytes(a, 'chip-id', { max: 64 });
  if (b && b.length !== 64 && b.length !== 8) throw usageError('BAD_VALUE', `argument --chip-id: is ${b.length} bytes; expected 64 (Milan/Genoa) or 8 (Turin)`, '--chip-id');
  return b;
}
const tcb = (a: ParsedArgs, opt: string) => {
  const t = get.str(a, opt);
  return t === undefined ? undefined : value(parseTcbText(t), opt);
};
function firmware(a: ParsedArgs) {
  const t = get.str(a, 'min-firmware');
  return t === undefined ? undefined : value(parseFirmwareText(t), 'min-firmware');
}
function minAbi(o: ValidateOptions, a: ParsedArgs): void {
  const t = get.str(a, 'min-abi');
  if (t === undefined) return;
  const v = value(parseFirmwareText(t), 'min-abi');
  if (v.build !== undefined) throw usageError('BAD_VALUE', `argument --min-abi: '${t}' is not MAJOR.MINOR`, '--min-abi');
  policy(o).minAbi = { major: v.major, minor: v.minor };
}
function mitVector(o: ValidateOptions, a: ParsedArgs): void {
  const m = mask(a, 'min-mit-vector');
  if (m === undefined) return;
  o.minLaunchMitVector = m;
  o.minCurrentMitVector = m;
}
function platformInfo(o: ValidateOptions, a: ParsedArgs, which: 'require' | 'deny'): void {
  const names = platformNames(a, `${which}-platform-info`);
  if (names.length > 0) (o.platformInfo ??= {})[which] = names;
}
function vmpl(a: ParsedArgs): number | undefined {
  const v = get.num(a, 'vmpl');
  if (v !== undefined && (v < 0 || v > 3)) throw usageError('BAD_VALUE', `argument --vmpl: must be 0-3, got ${v}`, '--vmpl');
  return v;
}

/** The option specs of `report verify` (before hooks and image options are added). */
export const VERIFY_OWN_OPTIONS: OptionSpec[] = ROWS.map((r) => r.spec);

/** ValidateOptions from the command line (usage errors for malformed values), plus notes to print. */
export function validateOptions(args: ParsedArgs): { options: ValidateOptions; notes: string[] } {
  const o: ValidateOptions = {};
  const notes: string[] = [];
  for (const [deny, allow] of NOOP_DENIALS) {
    if (!get.flag(args, deny)) continue;
    if (get.flag(args, allow)) throw usageError('OPTION_CONFLICT', `argument --${deny}: not allowed with argument --${allow}`, `--${deny}`);
    notes.push(`--${deny} is the default now and has no effect (--${allow} accepts it)`);
  }
  for (const row of ROWS) row.apply?.(o, args, notes);
  // Drop keys whose option was absent (apply may have written undefined).
  for (const k of Object.keys(o) as (keyof ValidateOptions)[]) if (o[k] === undefined) delete o[k];
  return { options: o, notes };
}

/** Whether any option asked for a check beyond the defaults (the image and --refvalues count too). */
export function hasPinnedChecks(o: ValidateOptions): boolean {
  const defaults = new Set<keyof ValidateOptions>(['lenient', 'allowProvisionalFirmware']);
  const pol = o.policy ?? {};
  const polPinned = Object.entries(pol).some(([k, v]) => v !== undefined && k !== 'allowDebug' && k !== 'allowMigrateMa');
  return polPinned || (Object.keys(o) as (keyof ValidateOptions)[]).some((k) => k !== 'policy' && !defaults.has(k));
}
