/**
 * One entry point for a file dropped beside a report (the explorer; issue 19 item 5): what kind of
 * endorsement it is, and the same checks `report verify` runs for it. Browser-safe.
 */
import { SnpLaunchError } from '../core/errors.js';
import type { Certificate } from '../attestation/cert.js';
import { fail, type Check } from '../attestation/check.js';
import type { AttestationReport } from '../attestation/report.js';
import { checkReportWithUvmEndorsement, looksLikeUvmEndorsement } from './aci.js';
import { gceReportChecks, parseGceEndorsement, verifyGceEndorsement } from './gce.js';
import { gceEndorsementInFile } from './gce-use.js';
import { hclBindingCheck, isHclReport, parseHclReport } from './hcl.js';
import { hostDataCheck, hostDataOfPolicy, initdataHostData } from './kata.js';
import { parseThimCerts, thimTcbCheck } from './thim.js';

export type EndorsementKind = 'uvm-endorsement' | 'thim-certs' | 'gce-endorsement' | 'initdata' | 'policy' | 'unknown';

export interface DropOptions {
  /** GCE: the pinned GCE-cc-tcb-root (without it gce.chain fails). */
  gceRoot?: Certificate;
  /** GCE: the guest's VMSA count. */
  gceVcpus?: number;
  /** ACI: issuer DID, feed, minimum SVN (defaults as in report verify). */
  uvmDid?: string;
  uvmFeed?: string;
  uvmMinSvn?: number;
  /** Time for certificate validity (default now). */
  now?: Date;
}

export interface DropResult {
  kind: EndorsementKind;
  checks: Check[];
  /** thim-certs: the VCEK + ASK + ARK as PEM bytes, to verify the report with (checkAttestation). */
  certificates?: Uint8Array;
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b.subarray(0, 4096));

/** The kind of a dropped file, by content (never by name). */
export function detectEndorsement(bytes: Uint8Array, name = 'file'): EndorsementKind {
  if (looksLikeUvmEndorsement(bytes)) return 'uvm-endorsement';
  try {
    if (parseThimCerts(bytes, name)) return 'thim-certs';
  } catch {
    // JSON that mentions vcekCert but is malformed: let the check say so.
    return 'thim-certs';
  }
  const t = text(bytes);
  if (/^\s*algorithm\s*=\s*["']/m.test(t) && /^\s*\[data\]/m.test(t)) return 'initdata';
  if (/^\s*package\s+[A-Za-z_][\w.]*\s*$/m.test(t)) return 'policy';
  try {
    const f = gceEndorsementInFile(bytes, name);
    if (f.endorsement || !f.table) {
      parseGceEndorsement(f.endorsement ?? bytes, name);
      return 'gce-endorsement';
    }
  } catch {
    // not a GCE endorsement
  }
  return 'unknown';
}

/**
 * The checks for one dropped file against a parsed report. `reportInput` is the report file's
 * bytes as dropped (for an HCL blob's binding, see hclChecksOf). Bad input yields failing checks.
 */
export async function checkDroppedEndorsement(report: AttestationReport, file: { name: string; bytes: Uint8Array }, opts: DropOptions = {}): Promise<DropResult> {
  const kind = detectEndorsement(file.bytes, file.name);
  try {
    switch (kind) {
      case 'uvm-endorsement':
        return { kind, checks: await checkReportWithUvmEndorsement(report, file.bytes, file.name, { ...(opts.now ? { now: opts.now } : {}), ...(opts.uvmDid ? { did: opts.uvmDid } : {}), ...(opts.uvmFeed ? { feed: opts.uvmFeed } : {}), ...(opts.uvmMinSvn !== undefined ? { minSvn: opts.uvmMinSvn } : {}) }) };
      case 'thim-certs': {
        const t = parseThimCerts(file.bytes, file.name)!;
        return { kind, checks: t.tcbm !== undefined ? [thimTcbCheck(report, t.tcbm)] : [], certificates: t.pem };
      }
      case 'initdata': {
        const d = await initdataHostData(file.bytes, file.name);
        return { kind, checks: [hostDataCheck('initdata', report, d.hostData, `${d.algorithm} of initdata ${file.name}`)] };
      }
      case 'policy':
        return { kind, checks: [hostDataCheck('host-data-of', report, hostDataOfPolicy(file.bytes), `SHA-256 of ${file.name}`)] };
      case 'gce-endorsement': {
        const f = gceEndorsementInFile(file.bytes, file.name);
        const e = parseGceEndorsement(f.endorsement ?? file.bytes, file.name);
        const v = await verifyGceEndorsement(e, file.name, { ...(opts.gceRoot ? { root: opts.gceRoot } : {}), ...(opts.now ? { now: opts.now } : {}) });
        return { kind, checks: [...v, ...gceReportChecks(report, e, opts.gceVcpus !== undefined ? { vcpus: opts.gceVcpus } : {})] };
      }
      default:
        return { kind, checks: [fail('endorsement', `${file.name} is not an ACI UVM endorsement, THIM certificates, a GCE endorsement, a Kata initdata or an ACI policy`)] };
    }
  } catch (e) {
    if (e instanceof SnpLaunchError) return { kind, checks: [fail(kind, e.message)] };
    throw e;
  }
}

/** "hcl.runtime-data" when the dropped report file is an Azure HCL blob; [] otherwise. */
export function hclChecksOf(reportInput: Uint8Array, name = 'report'): Check[] {
  if (!isHclReport(reportInput)) return [];
  try {
    return [hclBindingCheck(parseHclReport(reportInput, name))];
  } catch (e) {
    if (e instanceof SnpLaunchError) return [fail('hcl.runtime-data', e.message)];
    throw e;
  }
}
