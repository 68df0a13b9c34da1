/**
 * ATTESTATION_REPORT parser for report versions 1–5 (1 and ≥ 6 read with the v2 and v5 layouts), per
 * specs/attestation.md §1 (AMD SEV-SNP ABI 56860, ATTESTATION_REPORT structure). Parsing never
 * decides trust: it decodes every field and records anything odd (non-zero reserved bytes,
 * trailing bytes, unknown bits) as warnings; verify.ts and validate.ts decide.
 */
import { inputError } from '../core/errors.js';
import { isAllZero, u32, u64 } from '../core/bytes.js';
import { looksLikeCertTable } from './cert-table.js';
import { decodePlatformInfo, decodeSignerInfo, type PlatformInfo, type SignerInfo } from './platform-info.js';
import { decodePolicy, type GuestPolicy } from './policy.js';
import { formatProblems, type FormatProblem } from './report-format.js';
import { productFromCpuid, tcbLayoutOf, type Product, type ProductLine, type ProductSource, type TcbLayout } from './product.js';
import { decodeTcb, type Tcb } from './tcb.js';

/** Report size (§1: 1184 bytes). */
export const REPORT_SIZE = 0x4a0;
/** Bytes covered by the signature: 0x000..0x29F (§1.2 "Signed bytes"). */
export const SIGNED_SIZE = 0x2a0;

/** Field offsets and sizes (§1.2 field table). */
export const REPORT_FIELDS = {
  VERSION: [0x000, 4],
  GUEST_SVN: [0x004, 4],
  POLICY: [0x008, 8],
  FAMILY_ID: [0x010, 16],
  IMAGE_ID: [0x020, 16],
  VMPL: [0x030, 4],
  SIGNATURE_ALGO: [0x034, 4],
  CURRENT_TCB: [0x038, 8],
  PLATFORM_INFO: [0x040, 8],
  SIGNER_INFO: [0x048, 4],
  REPORT_DATA: [0x050, 64],
  MEASUREMENT: [0x090, 48],
  HOST_DATA: [0x0c0, 32],
  ID_KEY_DIGEST: [0x0e0, 48],
  AUTHOR_KEY_DIGEST: [0x110, 48],
  REPORT_ID: [0x140, 32],
  REPORT_ID_MA: [0x160, 32],
  REPORTED_TCB: [0x180, 8],
  CPUID_FAM_ID: [0x188, 1],
  CPUID_MOD_ID: [0x189, 1],
  CPUID_STEP: [0x18a, 1],
  CHIP_ID: [0x1a0, 64],
  COMMITTED_TCB: [0x1e0, 8],
  CURRENT_BUILD: [0x1e8, 1],
  CURRENT_MINOR: [0x1e9, 1],
  CURRENT_MAJOR: [0x1ea, 1],
  COMMITTED_BUILD: [0x1ec, 1],
  COMMITTED_MINOR: [0x1ed, 1],
  COMMITTED_MAJOR: [0x1ee, 1],
  LAUNCH_TCB: [0x1f0, 8],
  LAUNCH_MIT_VECTOR: [0x1f8, 8],
  CURRENT_MIT_VECTOR: [0x200, 8],
  SIGNATURE_R: [0x2a0, 72],
  SIGNATURE_S: [0x2e8, 72],
} as const satisfies Record<string, readonly [number, number]>;

/** Highest version whose layout is known; newer ones are read with it (§1.1, virtee behaviour). */
export const LATEST_KNOWN_VERSION = 5;
/** Versions above this are taken as garbage rather than a future format. */
const MAX_PLAUSIBLE_VERSION = 31;

export interface FirmwareVersion {
  major: number;
  minor: number;
  build: number;
}

export interface AttestationReport {
  /** Exactly the 1184 report bytes (a view into the input). */
  bytes: Uint8Array;
  /** Bytes 0x000..0x29F, the signed region, never re-serialised (§1.2). */
  signed: Uint8Array;
  version: number;
  guestSvn: number;
  policy: GuestPolicy;
  familyId: Uint8Array;
  imageId: Uint8Array;
  vmpl: number;
  signatureAlgo: number;
  currentTcb: Tcb;
  platformInfo: PlatformInfo;
  signerInfo: SignerInfo;
  reportData: Uint8Array;
  measurement: Uint8Array;
  hostData: Uint8Array;
  idKeyDigest: Uint8Array;
  authorKeyDigest: Uint8Array;
  reportId: Uint8Array;
  reportIdMa: Uint8Array;
  reportedTcb: Tcb;
  /** v3+ only (reserved in v2). */
  cpuid?: { family: number; model: number; stepping: number };
  chipId: Uint8Array;
  /** CHIP_ID is all zero: the host masked it (MASK_CHIP_ID, §1.6). */
  chipIdMasked: boolean;
  committedTcb: Tcb;
  currentVersion: FirmwareVersion;
  committedVersion: FirmwareVersion;
  launchTcb: Tcb;
  /** v5+ only. */
  launchMitVector?: bigint;
  currentMitVector?: bigint;
  /** R and S, little-endian, 72 bytes each (§1.2). */
  signature: { r: Uint8Array; s: Uint8Array };
  /** The product, when the report (CPUID) or the caller says it; undefined for v2 without a hint. */
  product?: Product;
  /** The TCB layout used to decode the four TCB fields. */
  tcbLayout: TcbLayout;
  /** Where the report was in the input and what surrounded it. */
  container: { offset: number; trailingBytes: number; wrapper?: 'MSG_REPORT_RSP' | 'AZURE_HCL' };
  /**
   * Breaks of the canonical format (report-format.ts: version, SIGNATURE_ALGO, policy and
   * SIGNER_INFO bits, reserved and unsigned bytes, REPORTED_TCB ≤ CURRENT_TCB); each is also a warning.
   */
  formatProblems: FormatProblem[];
  /** Oddities that do not stop parsing (format problems, trailing bytes, newer version, ...). */
  warnings: string[];
}

export interface ParseReportOptions {
  /** Name used in errors and warnings (file name). */
  name?: string;
  /** Product line when the report cannot say (v2); a v3+ CPUID product wins and a conflict warns. */
  product?: ProductLine;
  /** Reject trailing bytes and any format problem instead of warning (go-sev-guest's parse strictness). */
  strict?: boolean;
}

/**
 * A hint for inputs that are clearly something else, so the one-line error says what was given:
 * X.509 certificates (PEM armour, or DER: SEQUENCE with a 2-byte length, 0x30 0x82) and JSON text.
 */
function notAReportHint(input: Uint8Array): string {
  const head = String.fromCharCode(...input.subarray(0, 16));
  if (head.startsWith('-----BEGIN')) return ' (this is PEM text, e.g. a certificate: certificates go to --cert)';
  if (input[0] === 0x30 && input[1] === 0x82 && ((input[2]! << 8) | input[3]!) + 4 === input.length) return ' (this is a DER structure, e.g. a certificate: certificates go to --cert)';
  if (/^\s*[[{]/.test(head)) return ' (this is JSON text: extract the report field and save it as binary, hex or base64)';
  return '';
}

/** MSG_REPORT_RSP header (§1.7): STATUS u32, REPORT_SIZE u32, 24 reserved bytes, then the report. */
const RSP_HEADER = 0x20;
/**
 * Azure / OpenHCL attestation blob (vTPM NV index 0x01400001): a 32-byte header {signature 'HCLA'
 * (u32 0x414C4348), version, report_size, request_type, status, 3 reserved u32}, the hardware report
 * at 0x20, then the runtime data (OpenHCL openhcl_attestation_protocol, IgvmAttestRequestHeader).
 */
const HCL_SIGNATURE = 0x414c4348;
const HCL_HEADER = 0x20;

/**
 * Parses an attestation report. Accepts exactly 1184 bytes, longer inputs (trailing bytes are
 * ignored with a warning, or rejected when strict), a MSG_REPORT_RSP (status 0, size 0x4A0) and
 * an Azure HCL blob ('HCLA' header).
 */
export function parseReport(input: Uint8Array, opts: ParseReportOptions = {}): AttestationReport {
  const name = opts.name ?? 'report';
  const warnings: string[] = [];
  let offset = 0;
  let wrapper: 'MSG_REPORT_RSP' | 'AZURE_HCL' | undefined;
  if (input.length < REPORT_SIZE) {
    throw inputError('REPORT_TRUNCATED', `is ${input.length} bytes; an attestation report is ${REPORT_SIZE} (0x4A0) bytes${notAReportHint(input)}`, { file: name, offset: input.length });
  }
  // A MSG_REPORT_RSP starts with STATUS and REPORT_SIZE = 0x4A0 and has zero reserved bytes; a bare
  // report there has VERSION ≥ 1 and a POLICY with bit 17 set, so the two cannot be confused.
  if (input.length >= RSP_HEADER + REPORT_SIZE && u32(input, 4) === REPORT_SIZE && isAllZero(input.subarray(8, RSP_HEADER))) {
    const status = u32(input, 0);
    if (status !== 0) throw inputError('REPORT_RSP_STATUS', `MSG_REPORT_RSP carries firmware status 0x${status.toString(16)} (no report)`, { file: name, offset: 0, field: 'STATUS' });
    offset = RSP_HEADER;
    wrapper = 'MSG_REPORT_RSP';
    warnings.push('input is a MSG_REPORT_RSP; the report starts at offset 0x20');
  }
  if (input.length >= HCL_HEADER + REPORT_SIZE && u32(input, 0) === HCL_SIGNATURE) {
    offset = HCL_HEADER;
    wrapper = 'AZURE_HCL';
    warnings.push('input is an Azure HCL attestation blob; the report starts at offset 0x20 and the runtime data after it is not checked');
  }
  const trailingBytes = input.length - offset - REPORT_SIZE;
  if (trailingBytes > 0 && wrapper !== 'AZURE_HCL') {
    const zero = isAllZero(input.subarray(offset + REPORT_SIZE));
    const table = looksLikeCertTable(input, offset + REPORT_SIZE);
    const what = zero ? 'all zero' : table ? 'a GHCB certificate table: pass this file to --cert to use its certificates' : 'not zero';
    const msg = `${trailingBytes} trailing byte(s) after the ${REPORT_SIZE}-byte report (${what}) are ignored`;
    if (opts.strict) throw inputError('REPORT_TRAILING', msg.replace(' are ignored', ''), { file: name, offset: offset + REPORT_SIZE });
    warnings.push(msg);
  }
  const b = input.subarray(offset, offset + REPORT_SIZE);
  const f = (k: keyof typeof REPORT_FIELDS): Uint8Array => b.subarray(REPORT_FIELDS[k][0], REPORT_FIELDS[k][0] + REPORT_FIELDS[k][1]);
  const at = (k: keyof typeof REPORT_FIELDS) => ({ file: name, offset: offset + REPORT_FIELDS[k][0], field: k });

  const version = u32(b, REPORT_FIELDS.VERSION[0]);
  if (version === 0) throw inputError('REPORT_VERSION', 'version 0 is not an SEV-SNP attestation report version', at('VERSION'));
  // Early SNP firmware (ABI 0.x, e.g. Azure CVM reports from 2022) wrote VERSION 1 with the same
  // signed layout; the fields version 2 added (COMMITTED_TCB, firmware versions, LAUNCH_TCB) read as zero.
  if (version === 1) warnings.push('version 1 (pre-release SNP firmware): read with the version 2 layout; COMMITTED_TCB, the firmware versions and LAUNCH_TCB may be zero');
  if (version > MAX_PLAUSIBLE_VERSION) throw inputError('REPORT_VERSION', `version ${version} is not an SEV-SNP attestation report${notAReportHint(input) || ' (not a report, or garbage?)'}`, at('VERSION'));
  if (version > LATEST_KNOWN_VERSION) warnings.push(`version ${version} is newer than ${LATEST_KNOWN_VERSION}; read with the version ${LATEST_KNOWN_VERSION} layout`);

  const policy = decodePolicy(u64(b, REPORT_FIELDS.POLICY[0]));
  const vmpl = u32(b, REPORT_FIELDS.VMPL[0]);
  if (vmpl > 3) warnings.push(`VMPL ${vmpl} is out of range 0–3`);
  const signatureAlgo = u32(b, REPORT_FIELDS.SIGNATURE_ALGO[0]);
  const signerInfo = decodeSignerInfo(u32(b, REPORT_FIELDS.SIGNER_INFO[0]));
  const platformInfo = decodePlatformInfo(u64(b, REPORT_FIELDS.PLATFORM_INFO[0]));
  if (platformInfo.unknownBits.length > 0) warnings.push(`PLATFORM_INFO has unknown bit(s) ${platformInfo.unknownBits.join(', ')} set`);

  const problems = formatProblems(b);
  const firstProblem = problems[0];
  if (opts.strict && firstProblem) throw inputError(firstProblem.rule === 'reserved' || firstProblem.rule === 'unsigned-tail' ? 'REPORT_MBZ' : 'REPORT_FORMAT', firstProblem.reason, { file: name, offset: offset + firstProblem.offset });
  for (const p of problems) warnings.push(p.reason);

  const chipId = f('CHIP_ID');
  let cpuid: AttestationReport['cpuid'];
  let product: Product | undefined;
  if (version >= 3) {
    cpuid = { family: b[REPORT_FIELDS.CPUID_FAM_ID[0]]!, model: b[REPORT_FIELDS.CPUID_MOD_ID[0]]!, stepping: b[REPORT_FIELDS.CPUID_STEP[0]]! };
    const p = productFromCpuid(cpuid.family, cpuid.model);
    if (p) product = { ...p, source: 'cpuid' };
    else if (cpuid.family === 0 && cpuid.model === 0) warnings.push('CPUID bytes are zero (firmware did not fill them); the product must come from the certificate or --product');
    else warnings.push(`CPUID family 0x${cpuid.family.toString(16)} model 0x${cpuid.model.toString(16)} is not a known SEV-SNP product`);
  }
  if (opts.product !== undefined) {
    if (product && product.line !== opts.product) warnings.push(`product ${opts.product} was given but the report's CPUID says ${product.line}; using ${product.line}`);
    else if (!product) product = { line: opts.product, name: opts.product, source: 'user' };
  }
  if (!product && !isAllZero(chipId.subarray(0, 8)) && isAllZero(chipId.subarray(8))) {
    // virtee's heuristic (§1.3): only Turin leaves CHIP_ID bytes 8..63 zero.
    product = { line: 'Turin', name: 'Turin', source: 'chip-id-heuristic' };
    const why = version < 3 ? `v${version} reports do not say` : 'the CPUID bytes do not name a known product';
    warnings.push(`product guessed as Turin from the 8-byte CHIP_ID (${why})`);
  }
  // An unknown Zen 5+ model (family 0x1A) still uses the Turin TCB layout (structVersion 1).
  const tcbLayout: TcbLayout = product ? tcbLayoutOf(product.line) : cpuid?.family === 0x1a ? 'turin' : 'milan';
  const tcb = (k: 'CURRENT_TCB' | 'REPORTED_TCB' | 'COMMITTED_TCB' | 'LAUNCH_TCB'): Tcb => decodeTcb(u64(b, REPORT_FIELDS[k][0]), tcbLayout);
  const fw = (maj: keyof typeof REPORT_FIELDS, min: keyof typeof REPORT_FIELDS, bld: keyof typeof REPORT_FIELDS): FirmwareVersion => ({
    major: b[REPORT_FIELDS[maj][0]]!,
    minor: b[REPORT_FIELDS[min][0]]!,
    build: b[REPORT_FIELDS[bld][0]]!,
  });
  const r = f('SIGNATURE_R');
  const s = f('SIGNATURE_S');

  const report: AttestationReport = {
    bytes: b,
    signed: b.subarray(0, SIGNED_SIZE),
    version,
    guestSvn: u32(b, REPORT_FIELDS.GUEST_SVN[0]),
    policy,
    familyId: f('FAMILY_ID'),
    imageId: f('IMAGE_ID'),
    vmpl,
    signatureAlgo,
    currentTcb: tcb('CURRENT_TCB'),
    platformInfo,
    signerInfo,
    reportData: f('REPORT_DATA'),
    measurement: f('MEASUREMENT'),
    hostData: f('HOST_DATA'),
    idKeyDigest: f('ID_KEY_DIGEST'),
    authorKeyDigest: f('AUTHOR_KEY_DIGEST'),
    reportId: f('REPORT_ID'),
    reportIdMa: f('REPORT_ID_MA'),
    reportedTcb: tcb('REPORTED_TCB'),
    chipId,
    chipIdMasked: isAllZero(chipId),
    committedTcb: tcb('COMMITTED_TCB'),
    currentVersion: fw('CURRENT_MAJOR', 'CURRENT_MINOR', 'CURRENT_BUILD'),
    committedVersion: fw('COMMITTED_MAJOR', 'COMMITTED_MINOR', 'COMMITTED_BUILD'),
    launchTcb: tcb('LAUNCH_TCB'),
    signature: { r, s },
    tcbLayout,
    container: { offset, trailingBytes: Math.max(0, trailingBytes), ...(wrapper ? { wrapper } : {}) },
    formatProblems: problems,
    warnings,
  };
  if (cpuid) report.cpuid = cpuid;
  if (product) report.product = product;
  if (version >= 5) {
    report.launchMitVector = u64(b, REPORT_FIELDS.LAUNCH_MIT_VECTOR[0]);
    report.currentMitVector = u64(b, REPORT_FIELDS.CURRENT_MIT_VECTOR[0]);
  }
  if (product?.line === 'Turin' && !isAllZero(chipId.subarray(8))) warnings.push('Turin CHIP_ID should use only its first 8 bytes');
  return report;
}

/**
 * The same report with its product fixed (e.g. learned from the certificate for a v2 report) and
 * the TCB fields re-decoded in that product's layout. A CPUID-derived product is never replaced.
 */
export function withProduct(r: AttestationReport, line: ProductLine, source: ProductSource): AttestationReport {
  if (r.product?.source === 'cpuid' || (r.product?.line === line && r.product.source === source)) return r;
  const layout = tcbLayoutOf(line);
  const re = (t: Tcb): Tcb => decodeTcb(t.raw, layout);
  return {
    ...r,
    product: { line, name: line, source },
    tcbLayout: layout,
    currentTcb: re(r.currentTcb),
    reportedTcb: re(r.reportedTcb),
    committedTcb: re(r.committedTcb),
    launchTcb: re(r.launchTcb),
  };
}

/** "1.55.29" */
export function formatFirmwareVersion(v: FirmwareVersion): string {
  return `${v.major}.${v.minor}.${v.build}`;
}

/** Compares firmware versions: negative, zero or positive. */
export function compareFirmwareVersion(a: FirmwareVersion, b: FirmwareVersion): number {
  return a.major - b.major || a.minor - b.minor || a.build - b.build;
}
