/**
 * `snp-launch report show FILE [--json]` and `snp-launch report verify FILE --cert VCEK_OR_VLEK ...`
 * (specs/attestation.md). verify runs the signature/chain/binding checks (unless --no-cert) and
 * then every requested policy check, prints each with PASS/FAIL and a reason, and exits 0 when all
 * pass, 1 when any fails, 2 on usage errors. Nothing is downloaded: KDS URLs are only printed.
 */
import { inputError, usageError } from '../../core/errors.js';
import { toHex } from '../../core/bytes.js';
import {
  decodeReportInput,
  formatReportText,
  loadCertificates,
  parseBytesText,
  parseFirmwareText,
  parseProductLine,
  parseReport,
  parseTcbText,
  parseTimeText,
  parseVek,
  reportToJson,
  validateReport,
  vcekUrl,
  vlekUrl,
  verifyReport,
  withProduct,
  type AttestationReport,
  type Certificate,
  type Check,
  type ParsedText,
  type PolicyConstraints,
  type ProductLine,
  type ValidateOptions,
} from '../../attestation/index.js';
import { readSmallFile } from '../../node/file-source.js';
import { loadReport } from '../report-input.js';
import { formatHelp, get, parseArgs, type CommandSpec, type OptionSpec, type ParsedArgs } from '../args.js';
import { MEASURE_OPTIONS, predictFromArgs, resolveMeasureRequest } from '../measure-options.js';
import { vcpuSignature } from '../../vmsa/vcpu-types.js';
import { writeStdout } from '../stdout.js';
import { REPORT_KDS_OPTIONS, reportKds } from '../report-fetch.js'; // [kds hook] issue 16 items 6-7

/**
 * Upper bounds for inputs read whole. A report is 1184 bytes; with a GHCB certificate table
 * (VCEK + ASK + ARK) or as hex text it stays under 16 KiB, and a PEM bundle is about 7 KiB.
 */
const MAX_CERT_FILE = 64 * 1024;

const PRODUCT_OPT: OptionSpec = { name: 'product', type: 'string', metavar: 'Milan|Genoa|Turin', extension: true, help: 'product line when the report cannot say (version 2 reports)' };
const JSON_OPT: OptionSpec = { name: 'json', type: 'flag', extension: true, help: 'machine-readable output' };
const STRICT_OPT: OptionSpec = { name: 'strict', type: 'flag', extension: true, help: 'reject non-zero reserved bytes and trailing bytes (go-sev-guest strictness) instead of warning' };

const SHOW: CommandSpec = {
  usage: 'snp-launch report show FILE [--json] [--product P | --cert VCEK_OR_VLEK]',
  summary: 'Print every field of an SEV-SNP attestation report, decoded (binary, hex or base64 file; versions 2-5+).',
  options: [
    JSON_OPT,
    PRODUCT_OPT,
    STRICT_OPT,
    { name: 'cert', type: 'string', metavar: 'VCEK_OR_VLEK', extension: true, help: 'take the product (and TCB layout) of a version 2 report from its certificate; nothing is verified' },
  ],
  positionals: ['FILE'],
};

const ext = (o: Omit<OptionSpec, 'extension'>): OptionSpec => ({ ...o, extension: true });
const POLICY_FLAGS: [string, keyof PolicyConstraints, string][] = [
  ['deny-debug', 'allowDebug', 'fail if the guest policy allows DEBUG'],
  ['deny-migrate-ma', 'allowMigrateMa', 'fail if the guest policy allows a migration agent'],
  ['deny-smt', 'allowSmt', 'fail if the guest policy allows SMT'],
  ['deny-cxl', 'allowCxl', 'fail if the guest policy allows CXL'],
  ['require-single-socket', 'requireSingleSocket', 'fail unless SINGLE_SOCKET is set'],
  ['require-aes-256-xts', 'requireAes256Xts', 'fail unless MEM_AES_256_XTS is set'],
  ['require-rapl-dis', 'requireRaplDis', 'fail unless RAPL_DIS is set'],
  ['require-ciphertext-hiding', 'requireCiphertextHiding', 'fail unless CIPHERTEXT_HIDING is set'],
  ['require-page-swap-disable', 'requirePageSwapDisable', 'fail unless PAGE_SWAP_DISABLE is set'],
];

const VERIFY_OWN: OptionSpec[] = [
  ext({ name: 'cert', type: 'string', metavar: 'VCEK_OR_VLEK', help: 'the VCEK or VLEK that signed the report (DER or PEM)' }),
  ext({ name: 'no-cert', type: 'flag', help: 'run only the requested policy checks; the signature is NOT verified' }),
  ext({ name: 'refvalues', type: 'string', metavar: 'FILE', help: 'reference values (snp-launch refvalues: JSON or CoRIM, signed or not): pass when one cell matches' }),
  ext({ name: 'refvalues-key', type: 'string', metavar: 'PEM', help: 'public key that must have signed the --refvalues CoRIM (COSE_Sign1 ES384)' }),
  ext({ name: 'chain', type: 'string', metavar: 'ASK_ARK.pem', help: 'intermediate (ASK/ASVK) and/or ARK, e.g. KDS cert_chain; default: the embedded AMD certificates (the ARK is always pinned)' }),
  PRODUCT_OPT,
  STRICT_OPT,
  ext({ name: 'at', type: 'string', metavar: 'ISO-8601', help: 'time for certificate validity (default: now)' }),
  ext({ name: 'measurement', type: 'list', metavar: 'HEX', help: 'expected MEASUREMENT (repeatable: any may match); or give the image options below to predict it' }),
  ext({ name: 'report-data', type: 'string', metavar: 'HEX', help: 'expected REPORT_DATA (shorter values are zero-padded to 64 bytes)' }),
  ext({ name: 'host-data', type: 'string', metavar: 'HEX', help: 'expected HOST_DATA (zero-padded to 32 bytes)' }),
  ext({ name: 'id-key-digest', type: 'list', metavar: 'HEX', help: 'allowed ID_KEY_DIGEST (hex or base64; repeatable)' }),
  ext({ name: 'author-key-digest', type: 'list', metavar: 'HEX', help: 'allowed AUTHOR_KEY_DIGEST (hex or base64; repeatable)' }),
  ext({ name: 'min-tcb', type: 'string', metavar: 'bl=..,tee=..,snp=..,ucode=..[,fmc=..]', help: 'minimum SPLs of CURRENT, COMMITTED and REPORTED TCB' }),
  ext({ name: 'min-launch-tcb', type: 'string', metavar: 'bl=..,...', help: 'minimum SPLs of LAUNCH_TCB' }),
  ext({ name: 'min-firmware', type: 'string', metavar: 'MAJOR.MINOR[.BUILD]', help: 'minimum current and committed firmware version' }),
  ext({ name: 'min-abi', type: 'string', metavar: 'MAJOR.MINOR', help: 'minimum ABI version in the guest policy' }),
  ...POLICY_FLAGS.map(([name, , help]) => ext({ name, type: 'flag', help })),
  ext({ name: 'vmpl', type: 'decimal', metavar: 'N', help: 'expected VMPL (0-3)' }),
  ext({ name: 'min-guest-svn', type: 'decimal', metavar: 'N', help: 'minimum GUEST_SVN' }),
  ext({ name: 'family-id', type: 'string', metavar: 'HEX', help: 'expected FAMILY_ID (16 bytes)' }),
  ext({ name: 'image-id', type: 'string', metavar: 'HEX', help: 'expected IMAGE_ID (16 bytes)' }),
  JSON_OPT,
  ...REPORT_KDS_OPTIONS, // [kds hook] --fetch, --kds, --fetch-timeout, --crl, --check-revocation (src/cli/report-fetch.ts)
];

const VERIFY: CommandSpec = {
  usage: 'snp-launch report verify FILE (--cert VCEK_OR_VLEK | --no-cert) [options] [--measurement HEX | <measure options>]',
  summary: 'Verify an attestation report (signature, AMD chain, certificate binding) and check it against a policy.',
  options: [...VERIFY_OWN, ...MEASURE_OPTIONS.filter((o) => !VERIFY_OWN.some((v) => v.name === o.name))],
  positionals: ['FILE'],
  epilog: [
    'The expected measurement can be predicted from an image with the `measure` options, e.g.',
    '  --ovmf OVMF.fd --vcpus 4 --vcpu-type EPYC-v4 [--kernel ... --initrd ... --append ...]  (mode snp by default)',
    '  --igvm FILE --platform qemu-kvm|openvmm|...',
    'Exit status: 0 every check passed, 1 a check failed or an input is bad, 2 usage error.',
  ].join('\n'),
};

function help(): string {
  return ['usage: snp-launch report show FILE [--json]', '       snp-launch report verify FILE --cert VCEK_OR_VLEK [options]', '', 'Run `snp-launch report show --help` or `snp-launch report verify --help` for the options.', ''].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    writeStdout(help());
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'show' && sub !== 'verify') throw usageError('UNKNOWN_SUBCOMMAND', `unknown report subcommand '${sub}' (use show or verify)`);
  const spec = sub === 'show' ? SHOW : VERIFY;
  if (rest.includes('-h') || rest.includes('--help')) {
    writeStdout(formatHelp(spec));
    return 0;
  }
  const args = parseArgs(spec, sub === 'verify' ? expandDigestLists(rest) : rest);
  if (args.positionals.length !== 1) throw usageError('MISSING_FILE', 'the following arguments are required: FILE');
  return sub === 'show' ? show(args) : verify(args);
}

/** Options that take a 48-byte digest and may be followed by more digests (`--id-key-digest A B`). */
const DIGEST_LISTS = new Set(['--measurement', '--id-key-digest', '--author-key-digest']);
/** 48 bytes as hex (96 digits, optional 0x) or base64 (64 characters). */
const DIGEST_TOKEN = /^(?:(?:0x)?[0-9a-fA-F]{96}|[A-Za-z0-9+/]{64})$/;

/** Rewrites `--id-key-digest A B C` into repeated options, so both spellings work. */
function expandDigestLists(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    out.push(a);
    if (!DIGEST_LISTS.has(a) || i + 1 >= argv.length) continue;
    out.push(argv[++i]!);
    while (i + 1 < argv.length && DIGEST_TOKEN.test(argv[i + 1]!)) out.push(a, argv[++i]!);
  }
  return out;
}

function value<T>(p: ParsedText<T>, opt: string): T {
  if (p.error !== undefined) throw usageError('BAD_VALUE', `argument --${opt}: ${p.error}`, `--${opt}`);
  return p.value;
}

function productArg(args: ParsedArgs): ProductLine | undefined {
  const t = get.str(args, 'product');
  if (t === undefined) return undefined;
  const p = parseProductLine(t);
  if (!p) throw usageError('BAD_CHOICE', `argument --product: invalid choice: '${t}' (choose from Milan, Genoa, Turin, Venice)`, '--product');
  return p;
}

async function show(args: ParsedArgs): Promise<number> {
  const path = args.positionals[0]!;
  let r = await loadReport(path, productArg(args), get.flag(args, 'strict'));
  const certPath = get.str(args, 'cert');
  if (certPath !== undefined) {
    const vek = (await loadCerts(certPath)).find((c) => !c.isCa);
    const line = vek ? parseVek(vek).productLine : undefined;
    if (line && r.product?.source !== 'cpuid') r = withProduct(r, line, 'certificate');
  }
  const url = r.product && r.signerInfo.signingKey === 'VCEK' ? vcekUrl(r.product.line, r.chipId, r.reportedTcb) : undefined;
  // A VLEK-signed report (AWS) names no chip; its VLEK comes from the host, KDS only with CSP credentials (§3).
  const vlek = r.product && r.signerInfo.signingKey === 'VLEK' ? vlekUrl(r.product.line, r.reportedTcb) : undefined;
  if (get.flag(args, 'json')) {
    writeStdout(JSON.stringify({ format: 'snp-launch.report/1', file: path, ...reportToJson(r), kds_vcek_url: url ?? null, kds_vlek_url: vlek ?? null }, null, 2) + '\n');
    return 0;
  }
  const lines = [`report: ${path}`, ...formatReportText(r)];
  if (url) lines.push(`KDS VCEK URL       ${url}`);
  if (vlek) lines.push(`KDS VLEK URL       ${vlek} (needs cloud-provider credentials)`);
  writeStdout(lines.join('\n') + '\n');
  return 0;
}

async function loadCerts(path: string): Promise<Certificate[]> {
  return loadCertificates(await readSmallFile(path, MAX_CERT_FILE), path);
}

/** Policy options from the command line (usage errors for malformed values). */
function validateOptions(args: ParsedArgs): ValidateOptions {
  const o: ValidateOptions = {};
  const bytes = (opt: string, spec: { exact?: number; max?: number }) => {
    const t = get.str(args, opt);
    return t === undefined ? undefined : value(parseBytesText(t, spec), opt);
  };
  const list = (opt: string) => get.list(args, opt).map((t) => value(parseBytesText(t, { exact: 48 }), opt));
  if (args.values.has('measurement')) o.measurements = list('measurement');
  const rd = bytes('report-data', { max: 64 });
  if (rd) o.reportData = rd;
  const hd = bytes('host-data', { max: 32 });
  if (hd) o.hostData = hd;
  const fam = bytes('family-id', { max: 16 });
  if (fam) o.familyId = fam;
  const img = bytes('image-id', { max: 16 });
  if (img) o.imageId = img;
  if (args.values.has('id-key-digest')) o.idKeyDigests = list('id-key-digest');
  if (args.values.has('author-key-digest')) o.authorKeyDigests = list('author-key-digest');
  const mt = get.str(args, 'min-tcb');
  if (mt !== undefined) o.minTcb = value(parseTcbText(mt), 'min-tcb');
  const mlt = get.str(args, 'min-launch-tcb');
  if (mlt !== undefined) o.minLaunchTcb = value(parseTcbText(mlt), 'min-launch-tcb');
  const mf = get.str(args, 'min-firmware');
  if (mf !== undefined) o.minFirmware = value(parseFirmwareText(mf), 'min-firmware');
  const policy: PolicyConstraints = {};
  for (const [flag, key] of POLICY_FLAGS) if (get.flag(args, flag)) (policy as Record<string, boolean>)[key] = !key.startsWith('allow');
  const ma = get.str(args, 'min-abi');
  if (ma !== undefined) {
    const v = value(parseFirmwareText(ma), 'min-abi');
    if (v.build !== undefined) throw usageError('BAD_VALUE', `argument --min-abi: '${ma}' is not MAJOR.MINOR`, '--min-abi');
    policy.minAbi = { major: v.major, minor: v.minor };
  }
  if (Object.keys(policy).length > 0) o.policy = policy;
  const vmpl = get.num(args, 'vmpl');
  if (vmpl !== undefined) {
    if (vmpl < 0 || vmpl > 3) throw usageError('BAD_VALUE', `argument --vmpl: must be 0-3, got ${vmpl}`, '--vmpl');
    o.vmpl = vmpl;
  }
  const svn = get.num(args, 'min-guest-svn');
  if (svn !== undefined) o.minGuestSvn = svn;
  return o;
}

async function verify(args: ParsedArgs): Promise<number> {
  const path = args.positionals[0]!;
  const certPath = get.str(args, 'cert');
  const noCert = get.flag(args, 'no-cert');
  if (certPath !== undefined && noCert) throw usageError('OPTION_CONFLICT', 'argument --no-cert: not allowed with argument --cert', '--no-cert');
  if (certPath === undefined && !noCert && !get.flag(args, 'fetch')) throw usageError('MISSING_OPTION', 'the following arguments are required: --cert (or --no-cert to run policy checks without verifying the signature)', '--cert');
  if (noCert && args.values.has('chain')) throw usageError('OPTION_CONFLICT', 'argument --chain: not allowed with argument --no-cert', '--chain');
  const product = productArg(args);
  const at = get.str(args, 'at');
  const now = at === undefined ? new Date() : value(parseTimeText(at), 'at');
  const vo = validateOptions(args);
  const measureGiven = MEASURE_OPTIONS.some((o) => args.values.has(o.name));
  if (measureGiven && vo.measurements) throw usageError('OPTION_CONFLICT', 'argument --measurement: not allowed with image options (the measurement is predicted from the image)', '--measurement');
  const refValues = get.str(args, 'refvalues');
  if (refValues === undefined && args.values.has('refvalues-key')) throw usageError('MISSING_OPTION', 'argument --refvalues-key: needs --refvalues', '--refvalues-key');
  const hasPolicy = Object.keys(vo).length > 0 || measureGiven || refValues !== undefined;
  if (noCert && !hasPolicy) throw usageError('NOTHING_TO_CHECK', '--no-cert needs at least one policy check (e.g. --measurement, --ovmf ..., --report-data)', '--no-cert');

  // Read inputs before predicting (cheap one-line errors first).
  const report = await loadReport(path, product, get.flag(args, 'strict'));
  // --cert may also be a bundle (VCEK/VLEK plus ASK/ARK): the CA certificates join the chain.
  const certFile = certPath === undefined ? [] : await loadCerts(certPath);
  const veks = certFile.filter((c) => !c.isCa);
  if (certPath !== undefined && veks.length === 0) {
    const cns = certFile.map((c) => `'${c.subjectCN ?? '?'}'`).join(', ');
    throw inputError('BAD_CERT_FILE', `holds no VCEK or VLEK, only CA certificate(s) ${cns}; pass the VCEK/VLEK with --cert (CA certificates go to --chain)`, { file: certPath });
  }
  if (certPath !== undefined && veks.length > 1) throw inputError('BAD_CERT_FILE', `holds ${veks.length} end-entity certificates; --cert needs exactly one VCEK or VLEK`, { file: certPath });
  const certs = veks;
  // [kds hook] --fetch gets the VCEK when --cert is absent; revocation is checked after verifyReport.
  const kds = await reportKds(args, report, { path, haveCert: certs.length > 0, noCert });
  if (kds.vek) certs.push(kds.vek);
  const chainPath = get.str(args, 'chain');
  const extra = certFile.filter((c) => c.isCa);
  const chain = chainPath === undefined ? (extra.length > 0 ? extra : undefined) : [...extra, ...(await loadCerts(chainPath))];

  let predicted: { digest: Uint8Array; label: string } | undefined;
  if (measureGiven) {
    const res = await predictFromArgs(args, { defaultMode: 'snp' });
    if (res) {
      if (res.algorithm !== 'sha384') throw usageError('NOT_SNP', `mode ${res.mode} gives a ${res.algorithm} digest, not an SNP launch measurement`, '--mode');
      const img = get.str(args, 'ovmf') ?? get.str(args, 'igvm');
      predicted = { digest: res.digest, label: `predicted from ${img} (${res.mode}, ${res.platform})` };
      vo.measurements = [res.digest];
      vo.measurementSource = predicted.label;
    }
  }

  const checks: Check[] = [];
  let kdsUrl: string | undefined;
  let r = report;
  if (certs[0]) {
    const v = await verifyReport(report, { vek: certs[0], now, ...(chain ? { chain } : {}), ...(product ? { product } : {}) });
    checks.push(...v.checks);
    r = v.report;
    kdsUrl = v.kdsUrl;
    checks.push(...(await kds.revocation(r, certs[0], chain, now))); // [kds hook]
  }
  checks.push(...validateReport(r, vo));
  if (refValues !== undefined) checks.push(...(await (await import('../refvalues-verify.js')).refValuesChecks(r, refValues, get.str(args, 'refvalues-key'))));
  // A predicted MEASUREMENT (or reference values) that differs: say which launch of the same image gives the report's.
  const mChecks = checks.filter((c) => !c.pass && ((predicted && c.name === 'measurement') || c.name === 'refvalues.MEASUREMENT'));
  if (mChecks.length > 0 && measureGiven) {
    const req = resolveMeasureRequest(args, { defaultMode: 'snp' });
    const cpu = r.cpuid;
    const hint = req && (await (await import('../verify-hint.js')).measurementHint(req, r.measurement, cpu ? vcpuSignature(cpu.family, cpu.model, cpu.stepping) : undefined));
    if (hint) for (const c of mChecks) c.reason += `; ${hint}`;
  } else if (mChecks.length > 0) {
    for (const c of mChecks) c.reason += '; give the image (--ovmf ... or --igvm ...) to search which launch of it gives this MEASUREMENT';
  }
  const ok = checks.every((c) => c.pass);
  if (get.flag(args, 'json')) {
    const doc = {
      format: 'snp-launch.verify/1',
      file: path,
      ok,
      signature_verified: certs.length > 0 && checks.some((c) => c.name === 'report-signature' && c.pass),
      product: r.product?.line ?? null,
      checked_at: now.toISOString(),
      checks,
      predicted_measurement: predicted ? { digest: toHex(predicted.digest), source: predicted.label } : null,
      kds_url: kdsUrl ?? null,
      warnings: r.warnings,
    };
    writeStdout(JSON.stringify(doc, null, 2) + '\n');
    return ok ? 0 : 1;
  }
  const w = Math.max(...checks.map((c) => c.name.length));
  const lines = [`report: ${path} (version ${r.version}, ${r.product?.line ?? 'product unknown'}, signed by ${r.signerInfo.signingKey})`];
  for (const warn of r.warnings) lines.push(`warning: ${warn}`);
  if (noCert) lines.push('note: --no-cert: the report signature and certificate chain were NOT verified');
  if (kds.vekSource) lines.push(`note: VCEK from ${kds.vekSource}`); // [kds hook]
  for (const c of checks) lines.push(`${c.pass ? 'PASS' : 'FAIL'}  ${c.name.padEnd(w)}  ${c.reason}`);
  if (r.policy.debug && vo.policy?.allowDebug === undefined) lines.push('note: the guest policy allows DEBUG (use --deny-debug to reject it)');
  if (kdsUrl) lines.push(`KDS URL: ${kdsUrl}`);
  const failed = checks.filter((c) => !c.pass).length;
  lines.push(ok ? `OK: all ${checks.length} checks passed${noCert ? ' (signature not verified)' : ''}` : `FAILED: ${failed} of ${checks.length} checks failed`);
  writeStdout(lines.join('\n') + '\n');
  return ok ? 0 : 1;
}
