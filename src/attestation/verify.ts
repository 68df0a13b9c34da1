/**
 * Report verification (specs/attestation.md §1.2 signature, §1.6 key selection, §2 chain and
 * binding): the ECDSA P-384 signature over bytes 0x000..0x29F with the VCEK/VLEK, the certificate
 * chain to the pinned AMD ARK, and certificate ↔ report consistency (product, signing key type,
 * REPORTED_TCB = certificate SPLs, CHIP_ID = hwID). WebCrypto only, so it runs in browsers too.
 */
import { bytesEqual, isAllZero } from '../core/bytes.js';
import type { Certificate } from './cert.js';
import { verifyChain, type AmdChainCerts } from './chain.js';
import { fail, pass, type Check } from './check.js';
import { vcekUrl, vlekUrl } from './kds.js';
import { tcbLayoutOf, type ProductLine } from './product.js';
import { withProduct, type AttestationReport } from './report.js';
import { formatTcb, tcbDiff } from './tcb.js';
import { parseVek, type VekInfo } from './vek.js';
import { buf, subtle } from './webcrypto.js';

/** P-384 scalar size; R and S are stored as 72-byte little-endian fields (§1.2). */
const P384_BYTES = 48;

/**
 * R‖S big-endian (96 bytes, the IEEE P1363 form WebCrypto wants) from the report's little-endian
 * 72-byte fields; undefined when a field has non-zero bytes above 48 (not a P-384 scalar).
 */
export function signatureToP1363(report: Pick<AttestationReport, 'signature'>): Uint8Array | undefined {
  const { r, s } = report.signature;
  if (!isAllZero(r.subarray(P384_BYTES)) || !isAllZero(s.subarray(P384_BYTES))) return undefined;
  const out = new Uint8Array(2 * P384_BYTES);
  for (let i = 0; i < P384_BYTES; i++) {
    out[P384_BYTES - 1 - i] = r[i]!;
    out[2 * P384_BYTES - 1 - i] = s[i]!;
  }
  return out;
}

/**
 * True when the report's signature verifies with the certificate's P-384 key over exactly the
 * raw bytes 0x000..0x29F. Never throws for a bad signature or a non-P-384 key (resolves false).
 */
export async function verifyReportSignature(report: Pick<AttestationReport, 'signature' | 'signed'>, vek: Certificate): Promise<boolean> {
  const sig = signatureToP1363(report);
  if (!sig || vek.publicKey.type !== 'ec' || vek.publicKey.curve !== 'P-384') return false;
  try {
    const key = await subtle().importKey('spki', buf(vek.spki), { name: 'ECDSA', namedCurve: 'P-384' }, false, ['verify']);
    return await subtle().verify({ name: 'ECDSA', hash: 'SHA-384' }, key, buf(sig), buf(report.signed));
  } catch {
    return false;
  }
}

export interface VerifyOptions {
  /** The VCEK or VLEK that signed the report. */
  vek: Certificate;
  /** User-supplied ASK/ASVK and/or ARK; default: the embedded AMD certificates (ARK always pinned). */
  chain?: Certificate[];
  /** Product line when neither the report (v2) nor the certificate says; a conflict fails "product". */
  product?: ProductLine;
  /** Time for certificate validity; default now. */
  now?: Date;
  /** Roots to trust instead of AMD's embedded ARK/ASK/ASVK (tests, private PKI; see ChainOptions). */
  trustedRoots?: Partial<Record<ProductLine, AmdChainCerts>>;
}

export interface VerifyResult {
  /** Every check passed. */
  ok: boolean;
  checks: Check[];
  /** The report with its product fixed (TCBs re-decoded when the product came from the certificate). */
  report: AttestationReport;
  vek: VekInfo;
  /**
   * The product line, when the report's CPUID says it, the caller gave it, or the certificate says
   * it and the certificate is proven (its chain and the report signature verify).
   */
  product?: ProductLine;
  /** A product the certificate claims but that is not proven (display: "unknown, certificate claims ..."). */
  claimedProduct?: ProductLine;
  /** Where the endorsement key can be fetched (display only). */
  kdsUrl?: string;
  /** The intermediate (ASK/ASVK) and ARK the chain was checked with (e.g. for revocation). */
  intermediate?: Certificate;
  ark?: Certificate;
}

/** Resolves the product and reports a conflict between report CPUID, certificate and caller. */
function productCheck(report: AttestationReport, vek: VekInfo, given?: ProductLine): { check: Check; line?: ProductLine } {
  const fromReport = report.product?.source === 'cpuid' ? report.product.line : undefined;
  const fromCert = vek.productLine;
  const line = fromReport ?? fromCert ?? given ?? report.product?.line;
  const NAME = 'product';
  if (!line) return { check: fail(NAME, 'product unknown: the report (v2) and the certificate do not say; pass --product') };
  const says = [fromReport && `report CPUID: ${fromReport}`, fromCert && `certificate productName: ${vek.productName}`, given && `--product ${given}`].filter(Boolean).join(', ');
  const named = vek.productName !== undefined && vek.productName !== fromCert ? ` (${vek.productName})` : '';
  if (fromCert && fromCert !== line) return { check: fail(NAME, `certificate is for ${fromCert}${named} but the report is from ${line} (${says})`), line };
  if (given && given !== line) return { check: fail(NAME, `--product ${given} conflicts with ${says}`), line };
  if (tcbLayoutOf(line) !== vek.tcbLayout) return { check: fail(NAME, `certificate structVersion ${vek.structVersion ?? '(absent)'} is the ${vek.tcbLayout} TCB layout, not ${line}'s`), line };
  return { check: pass(NAME, `${line}${says ? ` (${says})` : ''}`), line };
}

/** Runs every verification check; failures are results, not exceptions. */
export async function verifyReport(input: AttestationReport, opts: VerifyOptions): Promise<VerifyResult> {
  const vek = parseVek(opts.vek);
  const checks: Check[] = [];
  const pc = productCheck(input, vek, opts.product);
  checks.push(pc.check);
  const report = pc.line && input.product?.source !== 'cpuid' ? withProduct(input, pc.line, vek.productLine === pc.line ? 'certificate' : 'user') : input;

  // Signing key (§1.6): SIGNING_KEY must name the certificate's kind; MASK_CHIP_KEY = 1 makes a VCEK signature unverifiable.
  const sk = report.signerInfo;
  if (sk.signingKey !== vek.kind) checks.push(fail('signing-key', `report SIGNING_KEY is ${sk.signingKey} (${sk.signingKeyValue}) but the certificate is a ${vek.kind}`));
  else if (sk.maskChipKey && vek.kind === 'VCEK') checks.push(fail('signing-key', 'MASK_CHIP_KEY is set: the firmware does not sign with the VCEK'));
  else checks.push(pass('signing-key', `${vek.kind} (SIGNER_INFO 0x${sk.raw.toString(16)})`));

  checks.push(vek.problems.length === 0 ? pass('certificate-extensions', `${vek.kind} extensions well-formed${vek.hwIdWrapped ? ' (hwID DER-wrapped)' : ''}`) : fail('certificate-extensions', vek.problems.join('; ')));

  let chain: Awaited<ReturnType<typeof verifyChain>> | undefined;
  if (pc.line) {
    chain = await verifyChain(opts.vek, vek.kind, pc.line, { now: opts.now ?? new Date(), ...(opts.chain ? { chain: opts.chain } : {}), ...(opts.trustedRoots ? { trustedRoots: opts.trustedRoots } : {}) });
    checks.push(...chain.checks);
  } else checks.push(fail('certificate-chain', 'not checked: product unknown'));

  const sigOk = await verifyReportSignature(report, opts.vek);
  const algo = report.signatureAlgo === 1 ? '' : ` although SIGNATURE_ALGO is ${report.signatureAlgo}`;
  checks.push(
    sigOk
      ? pass('report-signature', `ECDSA P-384 SHA-384 over 0x000..0x29F verifies with the ${vek.kind}${algo}`)
      : fail('report-signature', signatureToP1363(report) ? `the signature does not verify with this ${vek.kind} (${opts.vek.name})` : 'R or S has non-zero bytes above 48 (not a P-384 signature)'),
  );
  // A product learned from the certificate is only as good as the certificate: unproven when the
  // chain or the signature fails, so no TCB decoding, product name or KDS URL rests on it.
  const proven = sigOk && (chain?.checks.find((c) => c.name === 'certificate-chain')?.pass ?? false);
  const fromCertOnly = pc.line !== undefined && input.product?.source !== 'cpuid' && report.product?.source === 'certificate';
  checks.push(reportedTcbCheck(report.reportedTcb, vek, !fromCertOnly || proven));
  checks.push(chipIdCheck(report, vek));
  const result: VerifyResult = { ok: checks.every((c) => c.pass), checks, report, vek };
  if (chain?.intermediate) result.intermediate = chain.intermediate;
  if (chain?.ark) result.ark = chain.ark;
  if (fromCertOnly && !proven) {
    result.report = input;
    result.claimedProduct = pc.line!;
    pc.check.reason += ` — not proven: ${sigOk ? 'the certificate chain fails' : 'the report signature does not verify with this certificate'}`;
    return result;
  }
  if (pc.line) {
    result.product = pc.line;
    const url = vek.kind === 'VLEK' ? vlekUrl(pc.line, report.reportedTcb) : vcekUrl(pc.line, report.chipId, report.reportedTcb);
    if (url) result.kdsUrl = url;
  }
  return result;
}

/**
 * "reported-tcb": the key is derived for REPORTED_TCB (chosen by the host), not CURRENT_TCB (§1.6),
 * compared as the whole 64-bit value with the certificate's, reserved SPLs included (go-sev-guest
 * tcbNeError on kds.ComposeTCBParts).
 */
function reportedTcbCheck(t: AttestationReport['reportedTcb'], vek: VekInfo, layoutKnown: boolean): Check {
  const NAME = 'reported-tcb';
  const hx = (v: bigint) => '0x' + v.toString(16).padStart(16, '0');
  if (t.raw === vek.tcbRaw) return pass(NAME, `REPORTED_TCB ${hx(t.raw)} = certificate TCB (${formatTcb(vek.tcb)})`);
  const bytes: number[] = [];
  for (let i = 0; i < 8; i++) if (((t.raw ^ vek.tcbRaw) >> BigInt(8 * i)) & 0xffn) bytes.push(i);
  // The layout came from an unproven certificate: compare bytes only, decode nothing.
  if (!layoutKnown) return fail(NAME, `REPORTED_TCB ${hx(t.raw)} ≠ certificate TCB ${hx(vek.tcbRaw)}: they differ in byte(s) ${bytes.join(', ')}`);
  const named = tcbDiff(t, vek.tcb);
  const where = named.length > 0 ? `differ in ${named.join(', ')}` : `differ only in reserved byte(s) ${bytes.join(', ')}`;
  return fail(NAME, `REPORTED_TCB ${hx(t.raw)} (${formatTcb(t)}) ≠ certificate TCB ${hx(vek.tcbRaw)} (${formatTcb(vek.tcb)}): ${where}`);
}

/**
 * The VCEK or VLEK among a file's end-entity certificates. With both (a GHCB certificate table may
 * carry a VCEK and a VLEK), the one SIGNER_INFO.SIGNING_KEY names, as go-sev-guest decodeCerts does.
 * Undefined when there is none or the choice is ambiguous.
 */
export function selectVek(certs: readonly Certificate[], report: Pick<AttestationReport, 'signerInfo'>): Certificate | undefined {
  const ends = certs.filter((c) => !c.isCa);
  if (ends.length <= 1) return ends[0];
  const named = ends.filter((c) => c.subjectCN === `SEV-${report.signerInfo.signingKey}`);
  return named.length === 1 ? named[0] : undefined;
}

/** CHIP_ID = hwID for VCEKs (Turin: the first 8 bytes, the rest zero); skipped when masked or VLEK. */
function chipIdCheck(report: AttestationReport, vek: VekInfo): Check {
  const NAME = 'chip-id';
  if (vek.kind === 'VLEK') return pass(NAME, 'not applicable: a VLEK is not chip-specific');
  if (report.chipIdMasked) return pass(NAME, 'CHIP_ID is masked (all zero); hwID not compared, the signature still binds the chip key');
  if (!vek.hwId) return fail(NAME, 'the VCEK has no hwID');
  const n = vek.hwId.length;
  const head = report.chipId.subarray(0, n);
  if (!bytesEqual(head, vek.hwId)) return fail(NAME, `CHIP_ID${n === 8 ? '[0..8]' : ''} does not equal the certificate hwID`);
  if (n === 8 && !isAllZero(report.chipId.subarray(8))) return fail(NAME, 'Turin CHIP_ID bytes 8..63 are not zero');
  return pass(NAME, `CHIP_ID${n === 8 ? '[0..8]' : ''} = hwID (${n} bytes)`);
}
