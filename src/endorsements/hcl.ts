/**
 * Azure confidential VM HCL attestation blobs (vTPM NV index 0x01400001; OpenHCL
 * openhcl_attestation_protocol): a 32-byte header ("HCLA"), the 1184-byte SNP report at 0x20, the
 * IGVM request data at 0x4C0 and the runtime data (JSON: the vTPM attestation key as a JWK, the VM
 * configuration, user data) after it. The report binds the runtime data: REPORT_DATA[0..n] = hash
 * of its exact bytes (hash type 1 SHA-256, 2 SHA-384, 3 SHA-512), the rest zero; as Trustee's
 * az-snp-vtpm verifier and kinvolk/azure-cvm-tooling check. The TPM quote is not verified here.
 * Browser-safe.
 */
import { sha384 as nobleSha384, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { bytesEqual, fromBase64, isAllZero, toHex, u32 } from '../core/bytes.js';
import { inputError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { parsePem } from '../attestation/cert.js';
import { fail, pass, type Check } from '../attestation/check.js';
import { children, expectTag, readBitString, readRoot, TAG, value } from '../attestation/der.js';
import { REPORT_FIELDS, REPORT_SIZE } from '../attestation/report.js';

/** Header layout (offset, size). */
export const HCL_HEADER_FIELDS = { SIGNATURE: [0x00, 4], VERSION: [0x04, 4], REPORT_SIZE: [0x08, 4], REQUEST_TYPE: [0x0c, 4], STATUS: [0x10, 4], RESERVED: [0x14, 12] } as const;
/** 'HCLA' as a little-endian u32. */
export const HCL_SIGNATURE = 0x414c4348;
export const HCL_REPORT_OFFSET = 0x20;
/** IGVM_REQUEST_DATA: data_size, version, report_type, report_data_hash_type, variable_data_size (u32 each). */
export const HCL_REQUEST_OFFSET = HCL_REPORT_OFFSET + REPORT_SIZE; // 0x4C0
const REQUEST_SIZE = 0x14;
export const HCL_RUNTIME_OFFSET = HCL_REQUEST_OFFSET + REQUEST_SIZE; // 0x4D4
/** report_type values (OpenHCL IgvmAttestReportType). */
const REPORT_TYPES: Record<number, string> = { 2: 'SNP', 3: 'TDX', 4: 'VBS' };
/** report_data_hash_type values (OpenHCL IgvmAttestHashType) → digest size. */
const HASH_TYPES: Record<number, { name: string; size: number }> = { 1: { name: 'SHA-256', size: 32 }, 2: { name: 'SHA-384', size: 48 }, 3: { name: 'SHA-512', size: 64 } };
/** Runtime data beyond this is refused (real ones are ~1–2 KiB). */
const MAX_RUNTIME = 64 * 1024;

export interface HclJwk {
  kid?: string;
  kty?: string;
  keyOps?: string[];
  n?: Uint8Array;
  e?: Uint8Array;
}

export interface HclReport {
  version: number;
  reportSize: number;
  requestType: number;
  status: number;
  /** The SNP report bytes (a view). */
  report: Uint8Array;
  request: { dataSize: number; version: number; reportType: number; reportTypeName: string; hashType: number; hashName: string; variableDataSize: number };
  /** The runtime data exactly as hashed. */
  runtimeData: Uint8Array;
  /** Parsed runtime data (undefined when it is not JSON). */
  runtime?: Record<string, unknown>;
  /** JWKs of runtime.keys. */
  keys: HclJwk[];
  vmConfiguration?: Record<string, unknown>;
}

/** True when `b` starts with the HCL header signature. */
export function isHclReport(b: Uint8Array): boolean {
  return b.length >= HCL_REPORT_OFFSET + REPORT_SIZE && u32(b, 0) === HCL_SIGNATURE;
}

const b64url = (s: unknown): Uint8Array | undefined => (typeof s === 'string' ? fromBase64(s.replace(/-/g, '+').replace(/_/g, '/')) : undefined);

/** Parses an HCL blob; throws SnpLaunchError naming the field on anything malformed. */
export function parseHclReport(b: Uint8Array, file: string): HclReport {
  const at = (offset: number, field: string) => ({ file, offset, field });
  if (!isHclReport(b)) throw inputError('BAD_HCL', 'is not an HCL report (no "HCLA" header followed by an SNP report)', at(0, 'signature'));
  if (b.length < HCL_RUNTIME_OFFSET) throw inputError('BAD_HCL', `is ${b.length} bytes; the IGVM request data ends at 0x${HCL_RUNTIME_OFFSET.toString(16)}`, at(HCL_REQUEST_OFFSET, 'request data'));
  const r = HCL_REQUEST_OFFSET;
  const request = {
    dataSize: u32(b, r),
    version: u32(b, r + 4),
    reportType: u32(b, r + 8),
    reportTypeName: '',
    hashType: u32(b, r + 12),
    hashName: '',
    variableDataSize: u32(b, r + 16),
  };
  request.reportTypeName = REPORT_TYPES[request.reportType] ?? `unknown (${request.reportType})`;
  request.hashName = HASH_TYPES[request.hashType]?.name ?? `unknown (${request.hashType})`;
  if (request.variableDataSize > MAX_RUNTIME || HCL_RUNTIME_OFFSET + request.variableDataSize > b.length) {
    throw inputError('BAD_HCL', `runtime data of ${request.variableDataSize} bytes runs past the end of the ${b.length}-byte blob`, at(r + 16, 'variable_data_size'));
  }
  if (request.dataSize !== REQUEST_SIZE + request.variableDataSize) throw inputError('BAD_HCL', `data_size ${request.dataSize} ≠ 20 + variable_data_size ${request.variableDataSize}`, at(r, 'data_size'));
  const runtimeData = b.subarray(HCL_RUNTIME_OFFSET, HCL_RUNTIME_OFFSET + request.variableDataSize);
  const out: HclReport = {
    version: u32(b, 4),
    reportSize: u32(b, 8),
    requestType: u32(b, 12),
    status: u32(b, 16),
    report: b.subarray(HCL_REPORT_OFFSET, HCL_REPORT_OFFSET + REPORT_SIZE),
    request,
    runtimeData,
    keys: [],
  };
  try {
    const doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(runtimeData)) as unknown;
    if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) out.runtime = doc as Record<string, unknown>;
  } catch {
    // Not JSON: the binding is still checkable; the fields are not shown.
  }
  const keys = out.runtime?.keys;
  if (Array.isArray(keys)) {
    for (const k of keys) {
      if (typeof k !== 'object' || k === null) continue;
      const o = k as Record<string, unknown>;
      const j: HclJwk = {};
      if (typeof o.kid === 'string') j.kid = o.kid;
      if (typeof o.kty === 'string') j.kty = o.kty;
      if (Array.isArray(o.key_ops)) j.keyOps = o.key_ops.filter((x): x is string => typeof x === 'string');
      const n = b64url(o.n);
      const e = b64url(o.e);
      if (n) j.n = n;
      if (e) j.e = e;
      out.keys.push(j);
    }
  }
  const vm = out.runtime?.['vm-configuration'];
  if (typeof vm === 'object' && vm !== null) out.vmConfiguration = vm as Record<string, unknown>;
  return out;
}

/** The attestation key (kid "HCLAkPub"). */
export function hclAkPub(h: HclReport): HclJwk | undefined {
  return h.keys.find((k) => k.kid === 'HCLAkPub');
}

/** "hcl.runtime-data": REPORT_DATA[0..n] = hash(runtime data), REPORT_DATA[n..64] zero. */
export function hclBindingCheck(h: HclReport): Check {
  const NAME = 'hcl.runtime-data';
  const ht = HASH_TYPES[h.request.hashType];
  if (!ht) return fail(NAME, `report_data_hash_type ${h.request.hashType} is not 1 (SHA-256), 2 (SHA-384) or 3 (SHA-512)`);
  if (h.request.reportType !== 2) return fail(NAME, `report_type is ${h.request.reportTypeName}, not SNP (2)`);
  const d = ht.size === 32 ? sha256(h.runtimeData) : ht.size === 48 ? nobleSha384(h.runtimeData) : nobleSha512(h.runtimeData);
  const rd = h.report.subarray(REPORT_FIELDS.REPORT_DATA[0], REPORT_FIELDS.REPORT_DATA[0] + 64);
  if (!bytesEqual(rd.subarray(0, ht.size), d)) return fail(NAME, `REPORT_DATA[0..${ht.size}] ${toHex(rd.subarray(0, ht.size))} ≠ ${ht.name} of the ${h.runtimeData.length}-byte runtime data ${toHex(d)}`);
  if (!isAllZero(rd.subarray(ht.size))) return fail(NAME, `REPORT_DATA[${ht.size}..64] is not zero`);
  return pass(NAME, `REPORT_DATA[0..${ht.size}] = ${ht.name} of the ${h.runtimeData.length}-byte runtime data (${toHex(d)})`);
}

/** RSA modulus and exponent of a PEM public key (SPKI "PUBLIC KEY", PKCS#1 "RSA PUBLIC KEY" or a certificate's key). */
export function rsaPublicFromPem(pem: string, file: string): { n: Uint8Array; e: Uint8Array } {
  const blocks = parsePem(pem, file);
  const blk = blocks.find((x) => x.label === 'PUBLIC KEY' || x.label === 'RSA PUBLIC KEY');
  if (!blk) throw inputError('BAD_KEY', 'holds no PEM PUBLIC KEY or RSA PUBLIC KEY block', { file });
  const c = { name: file };
  let rsaDer = blk.der;
  if (blk.label === 'PUBLIC KEY') {
    const [, bits] = children(c, expectTag(c, readRoot(c, blk.der), TAG.SEQUENCE, 'SubjectPublicKeyInfo'));
    rsaDer = readBitString(c, expectTag(c, bits, TAG.BIT_STRING, 'subjectPublicKey'), 'subjectPublicKey');
  }
  const [n, e] = children(c, expectTag(c, readRoot(c, rsaDer), TAG.SEQUENCE, 'RSAPublicKey'));
  const strip = (v: Uint8Array) => (v.length > 1 && v[0] === 0 ? v.subarray(1) : v);
  return { n: strip(value(expectTag(c, n, TAG.INTEGER, 'modulus'))), e: strip(value(expectTag(c, e, TAG.INTEGER, 'publicExponent'))) };
}

/** "hcl.ak-pub": the runtime data's HCLAkPub is the pinned key. */
export function hclAkCheck(h: HclReport, pinned: { n: Uint8Array; e: Uint8Array }): Check {
  const ak = hclAkPub(h);
  if (!ak) return fail('hcl.ak-pub', 'the runtime data has no HCLAkPub key');
  if (ak.kty !== 'RSA' || !ak.n || !ak.e) return fail('hcl.ak-pub', `HCLAkPub is not an RSA JWK (kty ${ak.kty ?? 'absent'})`);
  const strip = (v: Uint8Array) => (v.length > 1 && v[0] === 0 ? v.subarray(1) : v);
  return bytesEqual(strip(ak.n), pinned.n) && bytesEqual(strip(ak.e), pinned.e) ? pass('hcl.ak-pub', `HCLAkPub is the pinned RSA-${pinned.n.length * 8} key`) : fail('hcl.ak-pub', 'HCLAkPub is not the pinned key');
}

/** Display lines for `report show`. */
export function formatHclText(h: HclReport): string[] {
  const rows: [string, string][] = [
    ['HCL_VERSION', String(h.version)],
    ['HCL_REPORT_SIZE', String(h.reportSize)],
    ['HCL_REQUEST_TYPE', String(h.requestType)],
    ['HCL_STATUS', String(h.status)],
    ['REQUEST_VERSION', String(h.request.version)],
    ['REPORT_TYPE', h.request.reportTypeName],
    ['REPORT_DATA_HASH', h.request.hashName],
    ['RUNTIME_DATA', `${h.runtimeData.length} bytes${h.runtime ? ' (JSON)' : ' (not JSON)'}`],
  ];
  for (const k of h.keys) rows.push([`KEY ${k.kid ?? '?'}`, `${k.kty ?? '?'}${k.n ? `-${k.n.length * 8}` : ''} key_ops ${JSON.stringify(k.keyOps ?? [])} n ${k.n ? toHex(k.n.subarray(0, 8)) + '…' : '?'}`]);
  if (h.vmConfiguration) rows.push(['VM_CONFIGURATION', JSON.stringify(h.vmConfiguration)]);
  const ud = h.runtime?.['user-data'];
  if (typeof ud === 'string') rows.push(['USER_DATA', ud]);
  return rows.map(([k, v]) => `${k.padEnd(19)}${v}`);
}

/** JSON member for `report show --json`. */
export function hclToJson(h: HclReport): Record<string, unknown> {
  return {
    version: h.version,
    report_size: h.reportSize,
    request_type: h.requestType,
    status: h.status,
    request: { data_size: h.request.dataSize, version: h.request.version, report_type: h.request.reportType, report_data_hash_type: h.request.hashType, variable_data_size: h.request.variableDataSize },
    runtime_data_sha256: toHex(sha256(h.runtimeData)),
    runtime_data: h.runtime ?? null,
  };
}
