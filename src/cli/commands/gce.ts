/**
 * `snp-launch gce endorsement show|verify FILE`: GCE launch endorsements (google/gce-tcb-verifier
 * VMLaunchEndorsement; docs/endorsements.md). FILE is the binary protobuf (the public bucket's
 * <MEASUREMENT>.binarypb) or an extended report / certificate table holding it under GUID
 * 9f4116cd-c503-4f5a-8f6f-fb68882f4ce2. verify checks the signature and the chain to the root given
 * with --root (none is embedded, so without it verify fails), and optionally an OVMF build and a
 * report against it. Exit 0 all checks pass, 1 a check failed or an input is bad, 2 usage.
 */
import { formatJsonDoc } from '../output.js';
import { inputError, usageError } from '../../core/errors.js';
import { loadCertificates } from '../../attestation/cert.js';
import type { Check } from '../../attestation/check.js';
import { parseTimeText } from '../../attestation/text.js';
import { gceReportChecks, parseGceEndorsement, verifyGceEndorsement, type GceEndorsement } from '../../endorsements/gce.js';
import { formatGceEndorsement, gceEndorsementInFile, gceEndorsementToJson, gceOvmfChecks } from '../../endorsements/gce-use.js';
import { openFileSource, readSmallFile } from '../../node/file-source.js';
import { formatHelp, get, parseArgs, type CommandSpec, type ParsedArgs } from '../args.js';
import { loadReport } from '../report-input.js';
import { writeStdout } from '../stdout.js';

/** Endorsements are a few KiB; an extended report with its table stays far below this. */
const MAX_FILE = 1 << 20;

const SHOW: CommandSpec = {
  usage: 'snp-launch gce endorsement show FILE [--json]',
  summary: 'Decode a GCE launch endorsement (VMLaunchEndorsement protobuf, or the certificate table / extended report holding it). Nothing is verified.',
  options: [
    { name: 'json', type: 'flag', help: 'machine-readable output' },
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
  ],
  positionals: ['FILE'],
};

const VERIFY: CommandSpec = {
  usage: 'snp-launch gce endorsement verify FILE --root ROOT.pem [--ovmf OVMF.fd] [--report R [--vcpus N]] [--at TIME] [--json]',
  summary: 'Verify a GCE launch endorsement: RSASSA-PSS SHA-256 signature, signer chain to the pinned root; optionally an OVMF build and a report against it.',
  options: [
    { name: 'root', type: 'string', metavar: 'PEM', help: 'the GCE-cc-tcb-root certificate to pin (production: https://pki.goog/cloud_integrity/GCE-cc-tcb-root_1.crt); required for a pass' },
    { name: 'ovmf', type: 'string', metavar: 'PATH', help: 'check that the file\'s SHA-384 is the endorsed UEFI digest and that measure --vmm-type gce reproduces every endorsed MEASUREMENT' },
    { name: 'report', type: 'string', metavar: 'FILE', help: 'an attestation report whose MEASUREMENT, FAMILY_ID, IMAGE_ID and POLICY must match (its signature is checked by report verify)' },
    { name: 'vcpus', type: 'decimal', metavar: 'N', help: 'with --report: the guest\'s vCPU count (default: any endorsed count may match)' },
    { name: 'at', type: 'string', metavar: 'ISO-8601', help: 'time for certificate validity (default: now)' },
    { name: 'json', type: 'flag', help: 'machine-readable output' },
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
  ],
  positionals: ['FILE'],
  epilog: 'Exit status: 0 every check passed, 1 a check failed or an input is bad, 2 usage error.',
};

function help(): string {
  return ['usage: snp-launch gce endorsement show FILE [--json]', '       snp-launch gce endorsement verify FILE --root ROOT.pem [options]', '', 'Run `snp-launch gce endorsement show --help` or `... verify --help` for the options.', ''].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const [noun, sub, ...rest] = argv;
  if (noun === undefined || noun === '-h' || noun === '--help') {
    writeStdout(help());
    return noun === undefined ? 2 : 0;
  }
  if (noun !== 'endorsement') throw usageError('UNKNOWN_SUBCOMMAND', `unknown gce subcommand '${noun}' (use: gce endorsement show|verify FILE)`);
  if (sub !== 'show' && sub !== 'verify') throw usageError('UNKNOWN_SUBCOMMAND', `unknown gce endorsement subcommand '${sub ?? ''}' (use show or verify)`);
  const spec = sub === 'show' ? SHOW : VERIFY;
  const args = parseArgs(spec, rest);
  if (get.flag(args, 'help')) {
    writeStdout(formatHelp(spec));
    return 0;
  }
  if (args.positionals.length !== 1) throw usageError('MISSING_FILE', 'the following arguments are required: FILE');
  const path = args.positionals[0]!;
  const e = await loadEndorsement(path);
  return sub === 'show' ? show(args, path, e) : verify(args, path, e);
}

/** The endorsement in FILE: raw protobuf, or inside a certificate table (alone or after a report). */
async function loadEndorsement(path: string): Promise<GceEndorsement> {
  const b = await readSmallFile(path, MAX_FILE);
  const t = gceEndorsementInFile(b, path);
  if (!t.table) return parseGceEndorsement(b, path);
  if (!t.endorsement) throw inputError('NO_GCE_ENDORSEMENT', 'is a certificate table without a GCE launch endorsement (GUID 9f4116cd-c503-4f5a-8f6f-fb68882f4ce2)', { file: path });
  return parseGceEndorsement(t.endorsement, `${path} certificate table`);
}

function show(args: ParsedArgs, path: string, e: GceEndorsement): number {
  if (get.flag(args, 'json')) writeStdout(formatJsonDoc('gce-endorsement', 1, { file: path, ...gceEndorsementToJson(e) }));
  else writeStdout([`GCE launch endorsement: ${path} (not verified)`, ...formatGceEndorsement(e)].join('\n') + '\n');
  return 0;
}

async function verify(args: ParsedArgs, path: string, e: GceEndorsement): Promise<number> {
  const at = get.str(args, 'at');
  let now = new Date();
  if (at !== undefined) {
    const t = parseTimeText(at);
    if (t.error !== undefined) throw usageError('BAD_VALUE', `argument --at: ${t.error}`, '--at');
    now = t.value;
  }
  const vcpus = get.num(args, 'vcpus');
  const reportPath = get.str(args, 'report');
  if (vcpus !== undefined && reportPath === undefined) throw usageError('MISSING_OPTION', 'argument --vcpus: needs --report', '--vcpus');
  const rootPath = get.str(args, 'root');
  let root;
  if (rootPath !== undefined) {
    const certs = loadCertificates(await readSmallFile(rootPath, MAX_FILE), rootPath);
    if (certs.length !== 1) throw inputError('BAD_ROOT', `holds ${certs.length} certificates; give exactly the root`, { file: rootPath });
    root = certs[0]!;
  }
  const checks: Check[] = await verifyGceEndorsement(e, path, { now, ...(root ? { root } : {}) });
  const ovmfPath = get.str(args, 'ovmf');
  if (ovmfPath !== undefined) {
    const ovmf = await openFileSource(ovmfPath);
    try {
      checks.push(...(await gceOvmfChecks(e, ovmf)));
    } finally {
      await ovmf.close?.();
    }
  }
  if (reportPath !== undefined) checks.push(...gceReportChecks(await loadReport(reportPath), e, vcpus !== undefined ? { vcpus } : {}));
  const ok = checks.every((c) => c.pass);
  if (get.flag(args, 'json')) {
    writeStdout(formatJsonDoc('gce-verify', 1, { file: path, ok, checked_at: now.toISOString(), checks, endorsement: gceEndorsementToJson(e) }));
    return ok ? 0 : 1;
  }
  const w = Math.max(...checks.map((c) => c.name.length));
  const lines = [`GCE launch endorsement: ${path}`, ...checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'}  ${c.name.padEnd(w)}  ${c.reason}`)];
  lines.push(ok ? `OK: all ${checks.length} checks passed` : `FAILED: ${checks.filter((c) => !c.pass).length} of ${checks.length} checks failed`);
  writeStdout(lines.join('\n') + '\n');
  return ok ? 0 : 1;
}
