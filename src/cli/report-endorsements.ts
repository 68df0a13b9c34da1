/**
 * The CLI side of issue 19 for `report show/verify` and `refvalues` (docs/endorsements.md): option
 * specs, reading the files, and turning the browser-safe checks of src/endorsements into
 * report-verify checks. report.ts and refvalues.ts call in through small, marked hooks.
 */
import { inputError, SnpLaunchError, usageError } from '../core/errors.js';
import { loadCertificates, type Certificate } from '../attestation/cert.js';
import { fail, type Check } from '../attestation/check.js';
import { decodeReportInput } from '../attestation/input.js';
import type { AttestationReport } from '../attestation/report.js';
import { readSmallFile } from '../node/file-source.js';
import { checkReportWithUvmEndorsement, looksLikeUvmEndorsement } from '../endorsements/aci.js';
import { formatHclText, hclAkCheck, hclBindingCheck, hclToJson, isHclReport, parseHclReport, rsaPublicFromPem } from '../endorsements/hcl.js';
import { gceReportChecks, parseGceEndorsement, verifyGceEndorsement } from '../endorsements/gce.js';
import { gceEndorsementInFile, gceRefValues } from '../endorsements/gce-use.js';
import { hostDataCheck, hostDataOfPolicy, initdataHostData } from '../endorsements/kata.js';
import { parseThimCerts, thimTcbCheck } from '../endorsements/thim.js';
import type { PinnedFields, RefCell } from '../refvalues/types.js';
import { get, type OptionSpec, type ParsedArgs } from './args.js';
import type { VerifyHook } from './report-verify-hooks.js';
import { MAX_REPORT_FILE } from './report-input.js';

/** Policies, initdata, keys, endorsements: all small; a GCE endorsement is a few KiB. */
const MAX_FILE = 1 << 20;
/** As refvalues-verify.ts: a 100,000-cell CoRIM is ~11 MB. */
const MAX_REFVALUES_FILE = 64 * 1024 * 1024;

const ext = (o: Omit<OptionSpec, 'extension'>): OptionSpec => ({ ...o, extension: true });
const HOST_DATA_OPTIONS: OptionSpec[] = [
  ext({ name: 'host-data-of', type: 'string', metavar: 'FILE', help: 'HOST_DATA must be the SHA-256 of this file\'s exact bytes (an ACI container policy)' }),
  ext({ name: 'initdata', type: 'string', metavar: 'FILE', help: 'HOST_DATA must be the digest of this Kata/CoCo initdata TOML (its algorithm, cut or zero-padded to 32 bytes)' }),
];

/** Options `report verify` gains (issue 19). */
export const VERIFY_ENDORSEMENT_OPTIONS: OptionSpec[] = [
  ...HOST_DATA_OPTIONS,
  ext({ name: 'uvm-did', type: 'string', metavar: 'DID', help: 'with an ACI UVM endorsement as --refvalues: the required issuer (default: Microsoft\'s did:x509, docs/endorsements.md)' }),
  ext({ name: 'uvm-feed', type: 'string', metavar: 'NAME', help: 'with an ACI UVM endorsement: the required feed (default ContainerPlat-AMD-UVM)' }),
  ext({ name: 'uvm-min-svn', type: 'decimal', metavar: 'N', help: 'with an ACI UVM endorsement: minimum endorsed SVN' }),
  ext({ name: 'ak-pub', type: 'string', metavar: 'PEM', help: 'Azure HCL report: the vTPM attestation key (HCLAkPub) must be this RSA public key' }),
  ext({ name: 'gce-endorsement', type: 'string', metavar: 'FILE', help: 'GCE launch endorsement (VMLaunchEndorsement protobuf); default: the one in the extended report\'s certificate table when --gce-root is given' }),
  ext({ name: 'gce-root', type: 'string', metavar: 'PEM', help: 'the GCE-cc-tcb-root certificate the endorsement must chain to (none is embedded)' }),
  ext({ name: 'gce-vcpus', type: 'decimal', metavar: 'N', help: 'the guest\'s vCPU count: MEASUREMENT must equal that count\'s endorsed entry (default: any entry)' }),
];

/** Options `refvalues` gains (issue 19). */
export const REFVALUES_ENDORSEMENT_OPTIONS: OptionSpec[] = [
  ...HOST_DATA_OPTIONS.map((o) => ({ ...o, help: o.help.replace('HOST_DATA must be', 'pin HOST_DATA to') })),
  ext({ name: 'from-gce-endorsement', type: 'string', metavar: 'FILE', help: 'cells from a GCE launch endorsement (one gce cell per VMSA count; POLICY, FAMILY_ID, IMAGE_ID pinned), verified first against --gce-root' }),
  ext({ name: 'gce-root', type: 'string', metavar: 'PEM', help: 'with --from-gce-endorsement: the GCE-cc-tcb-root certificate (required)' }),
];

/** True when any option of this module asks for a check (so `--no-cert` has something to do). */
export function endorsementRequested(args: ParsedArgs): boolean {
  return ['host-data-of', 'initdata', 'ak-pub', 'gce-endorsement', 'gce-root'].some((o) => args.values.has(o));
}

/** Certificate file bytes: THIM/ACI host-certificate JSON (or its base64) becomes its PEM bundle. */
export function certFileBytes(bytes: Uint8Array, path: string): Uint8Array {
  return parseThimCerts(bytes, path)?.pem ?? bytes;
}

/** The 32-byte HOST_DATA an option's file gives, with a label for reasons. */
async function hostDataFromArgs(args: ParsedArgs): Promise<{ value: Uint8Array; label: string; name: string } | undefined> {
  const policy = get.str(args, 'host-data-of');
  const init = get.str(args, 'initdata');
  if (policy !== undefined && init !== undefined) throw usageError('OPTION_CONFLICT', 'argument --initdata: not allowed with argument --host-data-of', '--initdata');
  if (args.values.has('host-data') && (policy ?? init) !== undefined) throw usageError('OPTION_CONFLICT', `argument --${policy ? 'host-data-of' : 'initdata'}: not allowed with argument --host-data`, '--host-data');
  if (policy !== undefined) return { value: hostDataOfPolicy(await readSmallFile(policy, MAX_FILE)), label: `SHA-256 of ${policy}`, name: 'host-data-of' };
  if (init !== undefined) {
    const d = await initdataHostData(await readSmallFile(init, MAX_FILE), init);
    return { value: d.hostData, label: `${d.algorithm} of initdata ${init}${d.digest.length > 32 ? ', cut to 32 bytes' : ''}`, name: 'initdata' };
  }
  return undefined;
}

/** The GCE endorsement bytes: --gce-endorsement, else a certificate table in the report or --cert file. */
async function gceEndorsementBytes(args: ParsedArgs, reportRaw: Uint8Array, reportPath: string, certPath?: string): Promise<{ bytes: Uint8Array; from: string } | undefined> {
  const file = get.str(args, 'gce-endorsement');
  if (file !== undefined) return { bytes: await readSmallFile(file, MAX_FILE), from: file };
  const fromTable = (b: Uint8Array, name: string) => gceEndorsementInFile(b, name).endorsement;
  const inReport = fromTable(reportRaw, reportPath);
  if (inReport) return { bytes: inReport, from: `${reportPath} certificate table` };
  if (certPath !== undefined) {
    const inCert = fromTable(await readSmallFile(certPath, MAX_REPORT_FILE), certPath);
    if (inCert) return { bytes: inCert, from: `${certPath} certificate table` };
  }
  return undefined;
}

async function loadRoot(path: string): Promise<Certificate> {
  const certs = loadCertificates(await readSmallFile(path, MAX_FILE), path);
  if (certs.length !== 1) throw inputError('BAD_ROOT', `holds ${certs.length} certificates; give exactly the root`, { file: path });
  return certs[0]!;
}

/** True when the --refvalues file is an ACI UVM endorsement (checked by ENDORSEMENTS_HOOK, not as reference values). */
export async function isUvmRefValues(file: string): Promise<boolean> {
  return looksLikeUvmEndorsement(await readSmallFile(file, MAX_REFVALUES_FILE));
}

/**
 * Every issue-19 check `report verify` runs for these arguments: an ACI UVM endorsement given as
 * --refvalues, --host-data-of / --initdata, the HCL binding (always, for an HCL blob) and --ak-pub,
 * the THIM tcbm (when --cert is THIM JSON), the GCE endorsement.
 */
export async function endorsementChecks(args: ParsedArgs, r: AttestationReport, ctx: { reportPath: string; certPath?: string; now: Date }): Promise<Check[]> {
  const checks: Check[] = [];
  const rv = get.str(args, 'refvalues');
  const uvmOnly = ['uvm-did', 'uvm-feed', 'uvm-min-svn'].find((o) => args.values.has(o));
  const uvm = rv !== undefined ? await readSmallFile(rv, MAX_REFVALUES_FILE) : undefined;
  if (rv !== undefined && uvm && looksLikeUvmEndorsement(uvm)) {
    if (args.values.has('refvalues-key')) throw usageError('OPTION_CONFLICT', 'argument --refvalues-key: an ACI UVM endorsement carries its own certificate chain (use --uvm-did)', '--refvalues-key');
    const did = get.str(args, 'uvm-did');
    const feed = get.str(args, 'uvm-feed');
    const minSvn = get.num(args, 'uvm-min-svn');
    checks.push(...(await checkReportWithUvmEndorsement(r, uvm, rv, { now: ctx.now, ...(did !== undefined ? { did } : {}), ...(feed !== undefined ? { feed } : {}), ...(minSvn !== undefined ? { minSvn } : {}) })));
  } else if (uvmOnly) throw usageError('OPTION_CONFLICT', `argument --${uvmOnly}: needs --refvalues with an ACI UVM endorsement`, `--${uvmOnly}`);

  const hd = await hostDataFromArgs(args);
  if (hd) checks.push(hostDataCheck(hd.name, r, hd.value, hd.label));

  const raw = decodeReportInput(await readSmallFile(ctx.reportPath, MAX_REPORT_FILE)).bytes;
  const akPath = get.str(args, 'ak-pub');
  if (isHclReport(raw)) {
    try {
      const h = parseHclReport(raw, ctx.reportPath);
      checks.push(hclBindingCheck(h));
      if (akPath !== undefined) checks.push(hclAkCheck(h, rsaPublicFromPem(new TextDecoder().decode(await readSmallFile(akPath, MAX_FILE)), akPath)));
    } catch (e) {
      if (!(e instanceof SnpLaunchError)) throw e;
      checks.push(fail('hcl.runtime-data', e.message));
    }
  } else if (akPath !== undefined) throw usageError('OPTION_CONFLICT', 'argument --ak-pub: the report is not an Azure HCL report', '--ak-pub');

  if (ctx.certPath !== undefined) {
    const thim = parseThimCerts(await readSmallFile(ctx.certPath, MAX_FILE), ctx.certPath);
    if (thim?.tcbm !== undefined) checks.push(thimTcbCheck(r, thim.tcbm));
  }

  const rootPath = get.str(args, 'gce-root');
  const vcpus = get.num(args, 'gce-vcpus');
  if (args.values.has('gce-endorsement') || rootPath !== undefined) {
    const src = await gceEndorsementBytes(args, raw, ctx.reportPath, ctx.certPath);
    if (!src) throw inputError('NO_GCE_ENDORSEMENT', `--gce-root was given but neither --gce-endorsement nor a certificate table with GUID 9f4116cd-c503-4f5a-8f6f-fb68882f4ce2 is at hand`, { file: ctx.reportPath });
    const e = parseGceEndorsement(src.bytes, src.from);
    checks.push(...(await verifyGceEndorsement(e, src.from, { now: ctx.now, ...(rootPath !== undefined ? { root: await loadRoot(rootPath) } : {}) })));
    checks.push(...gceReportChecks(r, e, vcpus !== undefined ? { vcpus } : {}));
  } else if (vcpus !== undefined) throw usageError('MISSING_OPTION', 'argument --gce-vcpus: needs --gce-endorsement or --gce-root', '--gce-vcpus');
  return checks;
}

/** The `report verify` hook (report-verify-hooks.ts): options, then the checks after verification. */
export const ENDORSEMENTS_HOOK: VerifyHook = {
  name: 'endorsements',
  options: VERIFY_ENDORSEMENT_OPTIONS,
  async check(ctx) {
    const certPath = get.str(ctx.args, 'cert');
    const r = ctx.verified?.report ?? ctx.report;
    const checks = await endorsementChecks(ctx.args, r, { reportPath: ctx.reportPath, now: ctx.now, ...(certPath !== undefined ? { certPath } : {}) });
    ctx.checks.push(...checks);
    if (checks.some((c) => c.name === 'hcl.runtime-data')) {
      // parseReport's note predates this check; say what is checked now.
      for (const rep of new Set([ctx.report, r])) rep.warnings = rep.warnings.map((w) => w.replace('and the runtime data after it is not checked', 'its runtime data binding is checked (hcl.runtime-data); the TPM quote is not'));
    }
  },
};

/** `report show`: the HCL section (text lines and JSON member) when the file is an HCL blob. */
export async function hclShowSection(path: string): Promise<{ lines: string[]; json: Record<string, unknown> } | undefined> {
  const raw = decodeReportInput(await readSmallFile(path, MAX_REPORT_FILE)).bytes;
  if (!isHclReport(raw)) return undefined;
  let h: ReturnType<typeof parseHclReport>;
  try {
    h = parseHclReport(raw, path);
  } catch (e) {
    // `show` is for looking: the SNP report inside still decodes, so a damaged wrapper is named, not fatal
    // (`report verify` fails its hcl.runtime-data check on the same blob).
    if (!(e instanceof SnpLaunchError)) throw e;
    return { lines: ['Azure HCL report:', `${'WRAPPER'.padEnd(19)}cannot be decoded: ${e.message}`], json: { error: e.message } };
  }
  const binding = hclBindingCheck(h);
  return { lines: ['Azure HCL report:', ...formatHclText(h), `${'BINDING'.padEnd(19)}${binding.pass ? 'holds' : 'FAILS'}: ${binding.reason}`], json: { ...hclToJson(h), binding: binding } };
}

/**
 * `refvalues`: HOST_DATA pinned from --host-data-of / --initdata, and the cells of a verified
 * --from-gce-endorsement. Returns the cells to add; sets `pinned` fields.
 */
export async function refvaluesEndorsementInputs(args: ParsedArgs, pinned: PinnedFields): Promise<RefCell[]> {
  const hd = await hostDataFromArgs(args);
  if (hd) pinned.hostData = hd.value;
  const file = get.str(args, 'from-gce-endorsement');
  const rootPath = get.str(args, 'gce-root');
  if (file === undefined) {
    if (rootPath !== undefined) throw usageError('MISSING_OPTION', 'argument --gce-root: needs --from-gce-endorsement', '--gce-root');
    return [];
  }
  if (rootPath === undefined) throw usageError('MISSING_OPTION', 'argument --from-gce-endorsement: needs --gce-root (the endorsement is verified before it is converted)', '--gce-root');
  const e = parseGceEndorsement(await readSmallFile(file, MAX_FILE), file);
  const bad = (await verifyGceEndorsement(e, file, { root: await loadRoot(rootPath) })).find((c) => !c.pass);
  if (bad) throw inputError('GCE_ENDORSEMENT_UNVERIFIED', `${bad.name}: ${bad.reason}`, { file });
  const g = gceRefValues(e);
  for (const [k, v] of Object.entries(g.pinned) as [keyof PinnedFields, never][]) {
    if (pinned[k] !== undefined && JSON.stringify(String(pinned[k])) !== JSON.stringify(String(v))) throw usageError('OPTION_CONFLICT', `the endorsement pins ${k}; do not give it on the command line as well`, `--${k}`);
    pinned[k] = v;
  }
  return g.cells;
}
