/**
 * What clouds and stacks publish beside a report, checked in the page (issue 19 item 5; runs in the
 * worker): an ACI UVM endorsement, a Kata/CoCo initdata or an ACI container policy (HOST_DATA), a GCE
 * launch endorsement (a file, or the one in the report's certificate table), and the report file
 * itself when it is an Azure HCL blob (REPORT_DATA binds its runtime data). The checks are the
 * library's (src/endorsements/detect.ts), the same that `report verify` runs for the matching flags;
 * this file only reads the files, bounded, and groups the results per file.
 */
import { loadCertificates, looksLikeCertTable, REPORT_SIZE, type AttestationReport, type Certificate, type Check } from '../../src/attestation/index.js';
import {
  checkDroppedEndorsement,
  formatHclText,
  gceEndorsementInFile,
  hclAkCheck,
  hclChecksOf,
  isHclReport,
  parseHclReport,
  rsaPublicFromPem,
  type DropOptions,
  type EndorsementKind,
} from '../../src/endorsements/index.js';
import type { CheckLine, EndorsementGroup, ReportExtras } from './protocol.js';

/** As the CLI (src/cli/report-endorsements.ts): policies, initdata and endorsements are small. */
export const MAX_ENDORSEMENT_FILE = 1 << 20;

export const ENDORSEMENT_WORDS: Record<EndorsementKind, string> = {
  'uvm-endorsement': 'ACI UVM endorsement (report verify --refvalues)',
  'thim-certs': 'ACI/THIM host certificates (report verify --cert)',
  'gce-endorsement': 'GCE launch endorsement (report verify --gce-endorsement)',
  initdata: 'Kata/CoCo initdata: HOST_DATA (report verify --initdata)',
  policy: 'ACI container policy: HOST_DATA (report verify --host-data-of)',
  unknown: 'not an endorsement the page knows',
};

/** The report file as read once: its name and its bytes, hex/base64 text decoded (an HCL blob or a certificate table stays whole). */
export interface ReportInput {
  name: string;
  raw: Uint8Array;
}

export const checkLine = (c: Check): CheckLine => ({ ok: c.pass, text: `${c.name}: ${c.reason}` });

async function bytesOf(f: File, max: number): Promise<Uint8Array> {
  if (f.size > max) throw new Error(`${f.name}: ${f.size} bytes is too large (at most ${max})`);
  return new Uint8Array(await f.arrayBuffer());
}

/** Display rows for an Azure HCL blob (`report show` lines), or [] for a bare report. */
export function hclFieldLines(raw: Uint8Array, name: string): string[] {
  if (!isHclReport(raw)) return [];
  try {
    return formatHclText(parseHclReport(raw, name));
  } catch (e) {
    return [`warning: ${(e as Error).message}`];
  }
}

async function loadRoot(f: File): Promise<Certificate> {
  const certs = loadCertificates(await bytesOf(f, MAX_ENDORSEMENT_FILE), f.name);
  if (certs.length !== 1) throw new Error(`${f.name}: holds ${certs.length} certificates; give exactly the GCE root`);
  return certs[0]!;
}

/** "hcl.ak-pub" (report verify --ak-pub): the runtime data's HCLAkPub is the given RSA key; a bare report fails it. */
async function akCheck(raw: Uint8Array, name: string, akFile: File): Promise<CheckLine> {
  if (!isHclReport(raw)) return { ok: false, text: `hcl.ak-pub: ${name} is not an Azure HCL report, so it carries no AK to compare with ${akFile.name}` };
  try {
    const pem = new TextDecoder().decode(await bytesOf(akFile, MAX_ENDORSEMENT_FILE));
    return checkLine(hclAkCheck(parseHclReport(raw, name), rsaPublicFromPem(pem, akFile.name)));
  } catch (e) {
    return { ok: false, text: `hcl.ak-pub: ${(e as Error).message}` };
  }
}

const failed = (file: string, what: string, name: string, why: string): EndorsementGroup => ({ file, what, checks: [{ ok: false, text: `${name}: ${why}` }] });

export interface EndorsementResult {
  groups: EndorsementGroup[];
  /** A THIM certificate JSON among the endorsements: its VCEK + chain as PEM (used when no certificate was given). */
  certificates?: Uint8Array;
  /** An extended report (report + GHCB certificate table holding a VCEK or VLEK): the file's bytes, for loadCertificates. */
  tableCertificates?: Uint8Array;
}

/**
 * Every endorsement and binding check for this report. Unreadable files give a failing group
 * (never a silent skip); a GCE endorsement in the report's certificate table is checked when a GCE
 * root is given, as `report verify` does, and otherwise named as not checked.
 */
export async function endorsementGroups(report: AttestationReport, reportFile: ReportInput, extras: ReportExtras | undefined, now?: Date): Promise<EndorsementResult> {
  const out: EndorsementResult = { groups: [] };
  const raw = reportFile.raw;
  if (raw.length > REPORT_SIZE && looksLikeCertTable(raw, REPORT_SIZE)) out.tableCertificates = raw;
  const hcl = hclChecksOf(raw, reportFile.name).map(checkLine);
  if (extras?.akPub) hcl.push(await akCheck(raw, reportFile.name, extras.akPub));
  const what = isHclReport(raw) ? 'Azure HCL report: REPORT_DATA binds the runtime data (the vTPM quote is not checked)' : 'not an Azure HCL report, but an AK to pin was given';
  if (hcl.length > 0) out.groups.push({ file: reportFile.name, what, checks: hcl });

  const opts: DropOptions = {
    ...(now ? { now } : {}),
    ...(extras?.gceVcpus !== undefined ? { gceVcpus: extras.gceVcpus } : {}),
    ...(extras?.uvmDid !== undefined ? { uvmDid: extras.uvmDid } : {}),
    ...(extras?.uvmFeed !== undefined ? { uvmFeed: extras.uvmFeed } : {}),
    ...(extras?.uvmMinSvn !== undefined ? { uvmMinSvn: extras.uvmMinSvn } : {}),
  };
  if (extras?.gceRoot) {
    try {
      opts.gceRoot = await loadRoot(extras.gceRoot);
    } catch (e) {
      out.groups.push(failed(extras.gceRoot.name, 'GCE root', 'gce.root', (e as Error).message));
    }
  }
  const inTable = gceEndorsementInFile(raw, reportFile.name).endorsement;
  if (inTable) {
    const name = `${reportFile.name} (certificate table)`;
    if (opts.gceRoot) {
      const r = await checkDroppedEndorsement(report, { name, bytes: inTable }, opts);
      out.groups.push({ file: name, what: ENDORSEMENT_WORDS[r.kind], checks: r.checks.map(checkLine) });
    } else out.groups.push({ file: name, what: ENDORSEMENT_WORDS['gce-endorsement'], checks: [{ ok: true, info: true, text: 'gce: not checked: the certificate table carries a GCE launch endorsement; give the GCE-cc-tcb-root certificate to check it' }] });
  }

  for (const f of extras?.endorsements ?? []) {
    let bytes: Uint8Array;
    try {
      bytes = await bytesOf(f, MAX_ENDORSEMENT_FILE);
    } catch (e) {
      out.groups.push(failed(f.name, 'unreadable', 'endorsement', (e as Error).message));
      continue;
    }
    const r = await checkDroppedEndorsement(report, { name: f.name, bytes }, opts);
    if (r.certificates && !out.certificates) out.certificates = r.certificates;
    const checks = r.checks.map(checkLine);
    if (r.kind === 'thim-certs') checks.push({ ok: true, info: true, text: `thim: its VCEK and chain are used when no certificate is given` });
    out.groups.push({ file: f.name, what: ENDORSEMENT_WORDS[r.kind], checks });
  }
  return out;
}
