/**
 * What is this file? (runs in the worker; issue 17 item 5). A dropped or chosen file is recognised
 * by its content, never by its name, so the page can put it where it belongs (the image, the
 * report check, the certificate, the CRL, the reference values, the CoRIM signer key, the kernel)
 * or say in words why it takes none of them. Each test is a cheap look at the first bytes or a
 * parse bounded by the file kind's size; the order goes from the most specific magic to the least.
 */
import { REPORT_SIZE, decodeReportInput, loadCertificates, loadCrls, parsePem, parseVek } from '../../src/attestation/index.js';
import { guidBytes } from '../../src/images/ovmf/guids.js';
import { decodeReferenceValues } from '../../src/refvalues/index.js';
import { detectEndorsement, initdataAlgorithm, isHclReport, looksLikeEndorsementTable, parseThimCerts, parseUvmEndorsement, rsaPublicFromPem } from '../../src/endorsements/index.js';
import type { DetectData } from './protocol.js';
import { readReport } from './report-check.js';

const MAX_SMALL = 1 << 20;
const MAX_REFVALUES = 64 << 20;
const IGVM_MAGIC = [0x49, 0x47, 0x56, 0x4d];
/** The OVMF footer table GUID sits 48 bytes before the end (src/images/ovmf/footer.ts FOOTER_FROM_END 50, +2). */
const FOOTER_GUID_FROM_END = 48;
/** MSG_REPORT_RSP: STATUS, REPORT_SIZE and 24 reserved bytes before the report (attestation.md §1.7). */
const MSG_RSP_HEADER = 0x20;

const ascii = (b: Uint8Array, at: number, s: string) => [...s].every((c, i) => b[at + i] === c.charCodeAt(0));
const isText = (b: Uint8Array) => b.every((x) => x === 0x09 || x === 0x0a || x === 0x0d || (x >= 0x20 && x !== 0x7f));

async function slice(f: File, start: number, end: number): Promise<Uint8Array> {
  return new Uint8Array(await f.slice(start, end).arrayBuffer());
}

/** DER SEQUENCE { SEQUENCE { INTEGER 1, SEQUENCE … } }: a v2 TBSCertList (a certificate's TBS starts with [0]). */
function looksLikeDerCrl(b: Uint8Array): boolean {
  let p = 0;
  const hdr = (): boolean => {
    if (b[p] !== 0x30) return false;
    const l = b[p + 1]!;
    p += 2 + (l & 0x80 ? l & 0x7f : 0);
    return true;
  };
  if (!hdr() || !hdr()) return false;
  return b[p] === 0x02 && b[p + 1] === 0x01 && b[p + 2] === 0x01 && b[p + 3] === 0x30;
}

/**
 * Cloud endorsements and bindings (src/endorsements/detect.ts), in words. A THIM certificate JSON is
 * a certificate source (report verify --cert takes it); the rest go to the endorsements. `text`
 * files never count as a GCE endorsement (a protobuf is binary).
 */
function endorsementWhat(bytes: Uint8Array, name: string, text: boolean): DetectData | undefined {
  const kind = detectEndorsement(bytes, name);
  const str = () => new TextDecoder().decode(bytes);
  switch (kind) {
    case 'thim-certs': {
      let tcbm = '';
      try {
        const t = parseThimCerts(bytes, name);
        if (t?.tcbm !== undefined) tcbm = `, tcbm 0x${t.tcbm.toString(16).padStart(16, '0')}`;
      } catch (e) {
        return { kind: 'refused', what: `ACI/THIM certificate JSON that cannot be read (${(e as Error).message.replace(`${name}: `, '')})` };
      }
      return { kind: 'cert', what: `ACI/THIM host-certificate JSON (VCEK and AMD chain${tcbm})` };
    }
    case 'uvm-endorsement': {
      try {
        const u = parseUvmEndorsement(bytes, name);
        return { kind: 'endorsement', what: `an ACI UVM endorsement (COSE_Sign1, feed ${u.feed ?? '?'}, SVN ${u.guestSvn})` };
      } catch (e) {
        return { kind: 'endorsement', what: `an ACI UVM endorsement that does not parse (${(e as Error).message.replace(`${name}: `, '')}); the check will say why` };
      }
    }
    case 'initdata': {
      let alg = '?';
      try {
        alg = initdataAlgorithm(str(), name);
      } catch {
        /* the check names the problem */
      }
      return { kind: 'endorsement', what: `a Kata/CoCo initdata (TOML, algorithm ${alg}): HOST_DATA must be its digest` };
    }
    case 'policy':
      return { kind: 'endorsement', what: 'an ACI container policy (rego): HOST_DATA must be its SHA-256' };
    case 'gce-endorsement':
      return text ? undefined : { kind: 'endorsement', what: 'a GCE launch endorsement (VMLaunchEndorsement)' };
    default:
      return undefined;
  }
}

function certWhat(bytes: Uint8Array, name: string): DetectData | undefined {
  let certs;
  try {
    certs = loadCertificates(bytes, name);
  } catch {
    return undefined;
  }
  const first = certs[0];
  if (!first) return undefined;
  try {
    const v = parseVek(first);
    return { kind: 'cert', what: `a ${v.kind} certificate${v.productName ? ` (${v.productName})` : ''}` };
  } catch {
    // A lone self-signed certificate that is not AMD's: the root a GCE launch endorsement chains to.
    const cn = first.subjectCN ?? '';
    if (certs.length === 1 && first.isCa && cn === first.issuerCN && !/^(ARK|ASK|ASVK|SEV)-/.test(cn)) {
      return { kind: 'gce-root', what: `a self-signed root certificate (CN=${cn || '?'}), the root a GCE launch endorsement must chain to` };
    }
    const cns = certs.map((c) => c.subjectCN ?? '?').join(', ');
    return { kind: 'refused', what: `a certificate chain (${cns}), not a VCEK or VLEK: the page checks against its embedded AMD roots; give the VCEK or VLEK that signed the report` };
  }
}

export async function detectFile(f: File): Promise<DetectData> {
  if (f.size === 0) return { kind: 'refused', what: 'an empty file' };
  const head = await slice(f, 0, 4096);
  if (IGVM_MAGIC.every((x, i) => head[i] === x)) return { kind: 'igvm', what: 'an IGVM file' };

  // Text: PEM, JSON, or a report as hex/base64.
  if (isText(head.subarray(0, 512))) {
    const text = new TextDecoder().decode(head);
    const pem = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
    if (pem !== undefined && f.size <= MAX_SMALL) {
      const bytes = new Uint8Array(await f.arrayBuffer());
      if (pem === 'X509 CRL') return { kind: 'crl', what: 'a certificate revocation list (PEM)' };
      if (pem === 'CERTIFICATE') return certWhat(bytes, f.name) ?? { kind: 'refused', what: 'a PEM certificate that cannot be read' };
      if (pem === 'PUBLIC KEY' || pem === 'RSA PUBLIC KEY') {
        const text = new TextDecoder().decode(bytes);
        parsePem(text, f.name);
        try {
          // An RSA key is an Azure vTPM AK to pin; CoRIM signer keys are EC P-384.
          const rsa = rsaPublicFromPem(text, f.name);
          return { kind: 'ak-pub', what: `an RSA-${rsa.n.length * 8} public key (the Azure vTPM attestation key an HCL report must carry)` };
        } catch {
          return { kind: 'key', what: 'a PEM public key (for checking a signed CoRIM)' };
        }
      }
      if (/PRIVATE KEY/.test(pem)) return { kind: 'refused', what: 'a private key: the page needs none (a signed CoRIM is checked with the public key)' };
      return { kind: 'refused', what: `a PEM ${pem} block, which the page does not take` };
    }
    if (f.size <= MAX_SMALL) {
      const e = endorsementWhat(new Uint8Array(await f.arrayBuffer()), f.name, true);
      if (e) return e;
    }
    if (text.trimStart().startsWith('{') && f.size <= MAX_REFVALUES) {
      const bytes = new Uint8Array(await f.arrayBuffer());
      let doc: unknown;
      try {
        doc = JSON.parse(new TextDecoder().decode(bytes));
      } catch (e) {
        return { kind: 'refused', what: `a JSON file that does not parse (${(e as Error).message})` };
      }
      const o = doc as Record<string, unknown>;
      if (typeof o.digest === 'string' && (typeof o.format === 'string' ? o.format.startsWith('snp-launch.measure') : 'options' in o)) {
        return { kind: 'measure-json', what: `a snp-launch measure --json output (digest ${o.digest})` };
      }
      try {
        const rv = decodeReferenceValues(bytes, f.name);
        return { kind: 'refvalues', what: `reference values (snp-launch JSON, ${rv.cells.length} cells)` };
      } catch (e) {
        return { kind: 'refused', what: `JSON, but not reference values nor a measure output (${(e as Error).message.replace(`${f.name}: `, '')})` };
      }
    }
  }

  // OVMF: a firmware volume header ("_FVH" at 0x28) or the OVMF footer table GUID at the end.
  const tail = f.size >= FOOTER_GUID_FROM_END ? await slice(f, f.size - FOOTER_GUID_FROM_END, f.size - FOOTER_GUID_FROM_END + 16) : new Uint8Array(0);
  const footer = guidBytes('OVMF_TABLE_FOOTER');
  if (ascii(head, 0x28, '_FVH') || (tail.length === 16 && footer.every((x, i) => tail[i] === x))) return { kind: 'ovmf', what: 'OVMF firmware' };
  // An attestation report: binary (bare, MSG_REPORT_RSP, or followed by a GHCB certificate table), hex or base64.
  if (f.size <= MAX_SMALL && f.size >= REPORT_SIZE) {
    try {
      const raw = new Uint8Array(await f.arrayBuffer());
      const { bytes } = decodeReportInput(raw);
      const hcl = isHclReport(bytes);
      const sized = hcl || bytes.length <= REPORT_SIZE + MSG_RSP_HEADER || looksLikeEndorsementTable(bytes, REPORT_SIZE);
      const r = await readReport(f);
      const what = `report (version ${r.version}${r.product ? `, ${r.product.line}` : ''})`;
      if (sized && r.version >= 2 && r.version <= 5) return { kind: 'report', what: hcl ? `an Azure HCL report holding an attestation ${what}` : `an attestation ${what}` };
    } catch {
      /* not a report */
    }
  }
  // DER: a certificate, else a CRL.
  if (head[0] === 0x30 && f.size <= MAX_SMALL) {
    const c = certWhat(new Uint8Array(await f.arrayBuffer()), f.name);
    if (c) return c;
    if (looksLikeDerCrl(head)) {
      try {
        const [crl] = loadCrls(new Uint8Array(await f.arrayBuffer()), f.name);
        return { kind: 'crl', what: `a certificate revocation list (${crl?.issuerCN ?? 'DER'}, #${crl?.crlNumber ?? '?'})` };
      } catch (e) {
        return { kind: 'refused', what: `a CRL that cannot be read (${(e as Error).message.replace(`${f.name}: `, '')})` };
      }
    }
  }
  // CBOR: a CoRIM (tagged or COSE_Sign1-signed).
  if (head[0]! >= 0xc0 && head[0]! <= 0xdb && f.size <= MAX_REFVALUES) {
    // A COSE_Sign1 with a JSON payload is an ACI UVM endorsement, not a signed CoRIM.
    const e = f.size <= MAX_SMALL ? endorsementWhat(new Uint8Array(await f.arrayBuffer()), f.name, false) : undefined;
    if (e) return e;
    try {
      const rv = decodeReferenceValues(new Uint8Array(await f.arrayBuffer()), f.name);
      return { kind: 'refvalues', what: `a CoRIM (${rv.cells.length} cells)` };
    } catch (e) {
      if (/signed CoRIM/.test((e as Error).message)) return { kind: 'refvalues', what: 'a signed CoRIM (COSE_Sign1): give the signer public key in 8. Reference values' };
    }
  }
  // A Linux bzImage: "HdrS" at 0x202 (boot protocol header).
  if (ascii(head, 0x202, 'HdrS')) return { kind: 'kernel', what: 'a Linux kernel (bzImage)' };
  if (!isText(head) && f.size <= MAX_SMALL) {
    const e = endorsementWhat(new Uint8Array(await f.arrayBuffer()), f.name, false);
    if (e) return e;
  }
  if (isText(head)) return { kind: 'refused', what: 'a text file that is none of: firmware, IGVM, attestation report (hex or base64), PEM certificate, CRL or key, JSON reference values, ACI UVM endorsement, ACI policy, Kata initdata, THIM certificate JSON' };
  return { kind: 'raw', what: 'not recognised as OVMF firmware (no firmware volume header, no OVMF footer table), nor as IGVM, a report, a certificate, a CRL, a CoRIM or an endorsement' };
}
