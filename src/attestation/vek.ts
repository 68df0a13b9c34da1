/**
 * Versioned endorsement keys (VCEK, VLEK): the AMD X.509 extensions under 1.3.6.1.4.1.3704.1
 * (specs/attestation.md §2.2; AMD 57230 VCEK/KDS spec). Extension values are raw DER (INTEGER,
 * IA5String); the hwID is raw bytes, sometimes wrapped in an OCTET STRING, decided by length.
 */
import { inputError } from '../core/errors.js';
import { TAG, readRoot, readString, readUnsigned, type DerContext } from './der.js';
import type { Certificate } from './cert.js';
import { productFromName, type ProductLine, type TcbLayout } from './product.js';
import { encodeTcb, type TcbParts } from './tcb.js';

const AMD = '1.3.6.1.4.1.3704.1';
/** Extension OIDs (§2.2 table). */
export const AMD_OID = {
  structVersion: `${AMD}.1`,
  productName: `${AMD}.2`,
  blSPL: `${AMD}.3.1`,
  teeSPL: `${AMD}.3.2`,
  snpSPL: `${AMD}.3.3`,
  spl4: `${AMD}.3.4`,
  spl5: `${AMD}.3.5`,
  spl6: `${AMD}.3.6`,
  spl7: `${AMD}.3.7`,
  ucodeSPL: `${AMD}.3.8`,
  fmcSPL: `${AMD}.3.9`,
  hwID: `${AMD}.4`,
  cspID: `${AMD}.5`,
} as const;

export type VekKind = 'VCEK' | 'VLEK';

export interface VekInfo {
  kind: VekKind;
  /** 0 = Milan/Genoa TCB layout, 1 = Turin layout; undefined when the extension is absent. */
  structVersion?: number;
  /** As written by KDS, e.g. "Milan-B0", "Genoa", "Turin". */
  productName?: string;
  productLine?: ProductLine;
  /** The SPLs the key was derived for (must equal the report's REPORTED_TCB). */
  tcb: TcbParts;
  /**
   * The whole 64-bit TCB_VERSION the certificate stands for, reserved SPLs included (go-sev-guest
   * kds.ComposeTCBParts): Milan/Genoa spl_4..spl_7 fill bytes 2..5; the Turin layout's reserved
   * bytes are zero. Compared with REPORTED_TCB as a whole.
   */
  tcbRaw: bigint;
  /** The TCB layout the SPLs belong to (from structVersion, else the product). */
  tcbLayout: TcbLayout;
  /** VCEK: CHIP_ID (64 bytes Milan/Genoa, 8 bytes Turin), unwrapped. */
  hwId?: Uint8Array;
  /** The hwID was wrapped in a DER OCTET STRING. */
  hwIdWrapped?: boolean;
  /** VLEK: the cloud provider, e.g. "CN=cc-us-east-2.amazonaws.com". */
  cspId?: string;
  /** Rule violations that do not stop parsing (checked by verify as "certificate-extensions"). */
  problems: string[];
}

function intExt(c: DerContext, cert: Certificate, oid: string, what: string): number | undefined {
  const e = cert.extensions.get(oid);
  if (!e) return undefined;
  const v = readUnsigned(c, readRoot(c, e.value), what);
  if (v > 255n) throw inputError('BAD_VEK_EXTENSION', `${what} is ${v}, more than 255`, { file: c.name, field: what });
  return Number(v);
}

/**
 * hwID (§2.2): 64 or 8 bytes → raw; 66 bytes `04 40 …` or 10 bytes `04 08 …` → DER-wrapped.
 * Decided by length, never by the first byte (a raw CHIP_ID may start with 0x04).
 */
export function unwrapHwId(v: Uint8Array, name = 'certificate'): { hwId: Uint8Array; wrapped: boolean } {
  if (v.length === 64 || v.length === 8) return { hwId: v, wrapped: false };
  if ((v.length === 66 && v[0] === TAG.OCTET_STRING && v[1] === 0x40) || (v.length === 10 && v[0] === TAG.OCTET_STRING && v[1] === 0x08)) {
    return { hwId: v.subarray(2), wrapped: true };
  }
  throw inputError('BAD_VEK_EXTENSION', `hwID extension is ${v.length} bytes; expected 64 or 8 (raw) or 66 or 10 (DER OCTET STRING)`, { file: name, field: 'hwID' });
}

/** Decodes a VCEK/VLEK. Throws when the certificate is not one (wrong CN, wrong key type, missing SPLs). */
export function parseVek(cert: Certificate): VekInfo {
  const c: DerContext = { name: cert.name };
  const err = (reason: string, field?: string): never => {
    throw inputError('NOT_A_VEK', reason, { file: cert.name, ...(field ? { field } : {}) });
  };
  const cn = cert.subjectCN ?? '';
  const hwExt = cert.extensions.get(AMD_OID.hwID);
  const cspExt = cert.extensions.get(AMD_OID.cspID);
  let kind: VekKind;
  if (cn === 'SEV-VCEK') kind = 'VCEK';
  else if (cn === 'SEV-VLEK') kind = 'VLEK';
  else if (!cert.extensions.has(AMD_OID.blSPL)) {
    err(`is not a VCEK or VLEK (subject CN '${cn}'${cert.isCa ? ', a CA certificate: pass it with --chain' : ''})`);
  } else kind = cspExt && !hwExt ? 'VLEK' : 'VCEK';
  if (cert.publicKey.type !== 'ec' || cert.publicKey.curve !== 'P-384') {
    const k = cert.publicKey.type === 'rsa' ? `RSA-${cert.publicKey.modulusBits}` : cert.publicKey.type === 'ec' ? `EC ${cert.publicKey.curve}` : cert.publicKey.oid;
    err(`has a ${k} key; a ${kind!} must have an ECDSA P-384 key`, 'subjectPublicKey');
  }
  const problems: string[] = [];
  const structVersion = intExt(c, cert, AMD_OID.structVersion, 'structVersion');
  let productName: string | undefined;
  const pn = cert.extensions.get(AMD_OID.productName);
  if (pn) {
    const n = readRoot(c, pn.value);
    productName = readString(c, n, 'productName');
  }
  const productLine = productName !== undefined ? productFromName(productName) : undefined;
  if (productName !== undefined && !productLine) problems.push(`productName '${productName}' is not a known product line`);
  if (structVersion !== undefined && structVersion > 1) problems.push(`structVersion ${structVersion} is unknown (0 or 1 expected)`);
  const tcbLayout: TcbLayout = structVersion === 1 || (structVersion === undefined && (productLine === 'Turin' || productLine === 'Venice')) ? 'turin' : 'milan';
  const req = (oid: string, what: string): number => intExt(c, cert, oid, what) ?? err(`has no ${what} extension (${oid})`, what);
  const tcb: TcbParts = {
    bl: req(AMD_OID.blSPL, 'blSPL'),
    tee: req(AMD_OID.teeSPL, 'teeSPL'),
    snp: req(AMD_OID.snpSPL, 'snpSPL'),
    ucode: req(AMD_OID.ucodeSPL, 'ucodeSPL'),
  };
  if (tcbLayout === 'turin') tcb.fmc = req(AMD_OID.fmcSPL, 'fmcSPL');
  else if (cert.extensions.has(AMD_OID.fmcSPL)) problems.push('fmcSPL is present in a Milan/Genoa-layout certificate');
  let tcbRaw = encodeTcb(tcb, tcbLayout);
  for (const [i, [oid, what]] of ([[AMD_OID.spl4, 'spl4'], [AMD_OID.spl5, 'spl5'], [AMD_OID.spl6, 'spl6'], [AMD_OID.spl7, 'spl7']] as const).entries()) {
    const v = intExt(c, cert, oid, what);
    if (v !== undefined && v !== 0) problems.push(`${what} is ${v}, expected 0`);
    if (v !== undefined && tcbLayout === 'milan') tcbRaw |= BigInt(v) << BigInt(8 * (2 + i));
  }
  const info: VekInfo = { kind: kind!, tcb, tcbRaw, tcbLayout, problems };
  if (structVersion !== undefined) info.structVersion = structVersion;
  if (productName !== undefined) info.productName = productName;
  if (productLine) info.productLine = productLine;
  if (hwExt) {
    const { hwId, wrapped } = unwrapHwId(hwExt.value, cert.name);
    info.hwId = hwId;
    info.hwIdWrapped = wrapped;
    const want = tcbLayout === 'turin' ? 8 : 64;
    if (hwId.length !== want) problems.push(`hwID is ${hwId.length} bytes; a ${tcbLayout === 'turin' ? 'Turin' : 'Milan/Genoa'} VCEK has ${want}`);
  }
  if (cspExt) info.cspId = readString(c, readRoot(c, cspExt.value), 'cspID');
  // go-sev-guest: a VCEK has a hwID and no cspID; a VLEK has a cspID and no hwID (§2.2).
  if (info.kind === 'VCEK' && !info.hwId) problems.push('VCEK has no hwID extension');
  if (info.kind === 'VCEK' && info.cspId !== undefined) problems.push('VCEK has a cspID extension');
  if (info.kind === 'VLEK' && info.cspId === undefined) problems.push('VLEK has no cspID extension');
  if (info.kind === 'VLEK' && info.hwId) problems.push('VLEK has a hwID extension');
  return info;
}
