/**
 * Presentation of a parsed report: a JSON-safe object (u64s as "0x…" strings, bytes as lower-case
 * hex, field names = the spec names of specs/attestation.md §1.2 in snake_case) and aligned text
 * lines. Shared by `snp-launch report show` and the explorer.
 */
import { toHex } from '../core/bytes.js';
import { policyFlagNames } from './policy.js';
import { formatFirmwareVersion, type AttestationReport } from './report.js';
import type { Tcb } from './tcb.js';

const hx = (v: bigint | number): string => '0x' + v.toString(16);

/** A 72-byte little-endian field as a big-endian integer in hex (as printed by most tools). */
function leInt(b: Uint8Array): string {
  let s = '';
  for (let i = b.length - 1; i >= 0; i--) s += b[i]!.toString(16).padStart(2, '0');
  return '0x' + (s.replace(/^0+/, '') || '0');
}

function tcbJson(t: Tcb): Record<string, unknown> {
  const o: Record<string, unknown> = { raw: hx(t.raw), layout: t.layout };
  if (t.fmc !== undefined) o.fmc = t.fmc;
  Object.assign(o, { bl: t.bl, tee: t.tee, snp: t.snp, ucode: t.ucode });
  if (t.reserved.some((x) => x !== 0)) o.reserved = t.reserved;
  return o;
}

export function reportToJson(r: AttestationReport): Record<string, unknown> {
  const p = r.policy;
  return {
    version: r.version,
    guest_svn: r.guestSvn,
    policy: {
      raw: hx(p.raw),
      abi_major: p.abiMajor,
      abi_minor: p.abiMinor,
      smt: p.smt,
      reserved_mbo: p.reservedMbo,
      migrate_ma: p.migrateMa,
      debug: p.debug,
      single_socket: p.singleSocket,
      cxl_allow: p.cxlAllow,
      mem_aes_256_xts: p.memAes256Xts,
      rapl_dis: p.raplDis,
      ciphertext_hiding: p.ciphertextHiding,
      page_swap_disable: p.pageSwapDisable,
      flags: policyFlagNames(p),
    },
    family_id: toHex(r.familyId),
    image_id: toHex(r.imageId),
    vmpl: r.vmpl,
    signature_algo: r.signatureAlgo,
    current_tcb: tcbJson(r.currentTcb),
    platform_info: {
      raw: hx(r.platformInfo.raw),
      smt_en: r.platformInfo.smtEn,
      tsme_en: r.platformInfo.tsmeEn,
      ecc_en: r.platformInfo.eccEn,
      rapl_dis: r.platformInfo.raplDis,
      ciphertext_hiding_dram_en: r.platformInfo.ciphertextHidingDramEn,
      alias_check_complete: r.platformInfo.aliasCheckComplete,
      iommu_write_safe: r.platformInfo.iommuWriteSafe,
      tio_en: r.platformInfo.tioEn,
      flags: r.platformInfo.flags,
    },
    signer_info: {
      raw: hx(r.signerInfo.raw),
      author_key_en: r.signerInfo.authorKeyEn,
      mask_chip_key: r.signerInfo.maskChipKey,
      signing_key: r.signerInfo.signingKey,
      signing_key_value: r.signerInfo.signingKeyValue,
    },
    report_data: toHex(r.reportData),
    measurement: toHex(r.measurement),
    host_data: toHex(r.hostData),
    id_key_digest: toHex(r.idKeyDigest),
    author_key_digest: toHex(r.authorKeyDigest),
    report_id: toHex(r.reportId),
    report_id_ma: toHex(r.reportIdMa),
    reported_tcb: tcbJson(r.reportedTcb),
    cpuid: r.cpuid ? { family: r.cpuid.family, model: r.cpuid.model, stepping: r.cpuid.stepping } : null,
    chip_id: toHex(r.chipId),
    chip_id_masked: r.chipIdMasked,
    committed_tcb: tcbJson(r.committedTcb),
    current_version: formatFirmwareVersion(r.currentVersion),
    committed_version: formatFirmwareVersion(r.committedVersion),
    launch_tcb: tcbJson(r.launchTcb),
    launch_mit_vector: r.launchMitVector === undefined ? null : hx(r.launchMitVector),
    current_mit_vector: r.currentMitVector === undefined ? null : hx(r.currentMitVector),
    signature: { r: leInt(r.signature.r), s: leInt(r.signature.s) },
    product: r.product ? { line: r.product.line, name: r.product.name, source: r.product.source } : null,
    tcb_layout: r.tcbLayout,
    container: { offset: r.container.offset, trailing_bytes: r.container.trailingBytes, wrapper: r.container.wrapper ?? null },
    canonical: r.formatProblems.length === 0,
    format_problems: r.formatProblems.map((p) => ({ rule: p.rule, offset: p.offset, reason: p.reason })),
    warnings: r.warnings,
  };
}

function tcbLineOf(t: Tcb, assumed: boolean): string {
  const parts = [t.fmc !== undefined ? `fmc=${t.fmc}` : '', `bl=${t.bl}`, `tee=${t.tee}`, `snp=${t.snp}`, `ucode=${t.ucode}`].filter(Boolean);
  return `${parts.join(' ')}  (${hx(t.raw)}, ${t.layout === 'turin' ? 'Turin' : 'Milan/Genoa'} layout${assumed ? ' assumed' : ''})`;
}

/** Human-readable lines, one field per line, every field decoded. */
export function formatReportText(r: AttestationReport): string[] {
  const p = r.policy;
  const assumed = r.product === undefined || r.product.source === 'chip-id-heuristic';
  const tcbLine = (t: Tcb): string => tcbLineOf(t, assumed);
  const prod = r.product ? `${r.product.name === r.product.line ? r.product.line : `${r.product.line} (${r.product.name})`}, from ${r.product.source}` : `unknown (${r.version < 3 ? `version ${r.version} reports do not say` : 'CPUID names no known product'}: pass --product or use the certificate)`;
  const rows: [string, string][] = [
    ['VERSION', String(r.version)],
    ['PRODUCT', prod],
    ['GUEST_SVN', String(r.guestSvn)],
    ['POLICY', `${hx(p.raw)}  ABI ${p.abiMajor}.${p.abiMinor}  [${policyFlagNames(p).join(' ') || 'no flags'}]`],
    ['FAMILY_ID', toHex(r.familyId)],
    ['IMAGE_ID', toHex(r.imageId)],
    ['VMPL', String(r.vmpl)],
    ['SIGNATURE_ALGO', `${r.signatureAlgo}${r.signatureAlgo === 1 ? ' (ECDSA P-384 SHA-384)' : ''}`],
    ['CURRENT_TCB', tcbLine(r.currentTcb)],
    ['PLATFORM_INFO', `${hx(r.platformInfo.raw)}  [${r.platformInfo.flags.join(' ') || 'no flags'}]`],
    ['SIGNER_INFO', `${hx(r.signerInfo.raw)}  SIGNING_KEY=${r.signerInfo.signingKey} MASK_CHIP_KEY=${+r.signerInfo.maskChipKey} AUTHOR_KEY_EN=${+r.signerInfo.authorKeyEn}`],
    ['REPORT_DATA', toHex(r.reportData)],
    ['MEASUREMENT', toHex(r.measurement)],
    ['HOST_DATA', toHex(r.hostData)],
    ['ID_KEY_DIGEST', toHex(r.idKeyDigest)],
    ['AUTHOR_KEY_DIGEST', toHex(r.authorKeyDigest)],
    ['REPORT_ID', toHex(r.reportId)],
    ['REPORT_ID_MA', toHex(r.reportIdMa)],
    ['REPORTED_TCB', tcbLine(r.reportedTcb)],
    ['CPUID', r.cpuid ? `family 0x${r.cpuid.family.toString(16)} model 0x${r.cpuid.model.toString(16)} stepping ${r.cpuid.stepping}` : `(not in version ${r.version})`],
    ['CHIP_ID', toHex(r.chipId) + (r.chipIdMasked ? '  (masked)' : '')],
    ['COMMITTED_TCB', tcbLine(r.committedTcb)],
    ['CURRENT_VERSION', formatFirmwareVersion(r.currentVersion)],
    ['COMMITTED_VERSION', formatFirmwareVersion(r.committedVersion)],
    ['LAUNCH_TCB', tcbLine(r.launchTcb)],
    ['LAUNCH_MIT_VECTOR', r.launchMitVector === undefined ? '(v5+)' : hx(r.launchMitVector)],
    ['CURRENT_MIT_VECTOR', r.currentMitVector === undefined ? '(v5+)' : hx(r.currentMitVector)],
    ['SIGNATURE_R', leInt(r.signature.r)],
    ['SIGNATURE_S', leInt(r.signature.s)],
  ];
  const lines = rows.map(([k, v]) => `${k.padEnd(19)}${v}`);
  if (r.formatProblems.length > 0) lines.push(`${'FORMAT'.padEnd(19)}NOT canonical: ${r.formatProblems.length} problem(s), listed below (report verify fails it unless --lenient)`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines;
}
