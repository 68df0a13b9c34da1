/**
 * `snp-launch report show FILE [--json]` and `snp-launch report verify FILE --cert VCEK_OR_VLEK ...`
 * (specs/attestation.md, docs/attestation.md). verify runs the signature/chain/binding checks
 * (unless --no-cert), the default checks (canonical format, DEBUG and MIGRATE_MA denied, committed
 * firmware) and every requested check, prints each with PASS/FAIL and a reason and the report
 * fields nothing pinned, and exits 0 when all pass, 1 when any fails, 2 on usage errors. Options
 * are a table (report-verify-options.ts); hooks (report-verify-hooks.ts) add options and checks.
 */
import { inputError, SnpLaunchError, usageError } from '../../core/errors.js';
import {
  formatReportText,
  loadCertificates,
  parseTimeText,
  parseVek,
  reportToJson,
  selectVek,
  validateReport,
  vcekUrl,
  vlekUrl,
  verifyReport,
  withProduct,
  type Certificate,
} from '../../attestation/index.js';
import { readSmallFile } from '../../node/file-source.js';
import { loadReport } from '../report-input.js';
import { formatHelp, get, parseArgs, type CommandSpec, type ParsedArgs } from '../args.js';
import { MEASURE_OPTIONS, predictFromArgs, resolveMeasureRequest } from '../measure-options.js';
import { vcpuSignature } from '../../vmsa/vcpu-types.js';
import { writeStdout } from '../stdout.js';
import { hasPinnedChecks, JSON_OPT, PRODUCT_OPT, productArg, STRICT_OPT, validateOptions, value, VERIFY_OWN_OPTIONS } from '../report-verify-options.js';
import { VERIFY_HOOKS, type VerifyContext } from '../report-verify-hooks.js';
import { addHints, renderJson, renderText } from '../report-verify-output.js';
import { imagePathsOf } from '../verify-hint.js';
// issue 19 hooks: THIM JSON certificates, the HCL section of show, ACI UVM endorsements as --refvalues (docs/endorsements.md)
import { certFileBytes, endorsementRequested, hclShowSection, isUvmRefValues } from '../report-endorsements.js';

/**
 * Upper bounds for inputs read whole. A report is 1184 bytes; with a GHCB certificate table
 * (VCEK + ASK + ARK) or as hex text it stays under 16 KiB, and a PEM bundle is about 7 KiB.
 */
const MAX_CERT_FILE = 64 * 1024;

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

function verifySpec(): CommandSpec {
  const own = [...VERIFY_OWN_OPTIONS, ...VERIFY_HOOKS.flatMap((h) => h.options)];
  return {
    usage: 'snp-launch report verify FILE (--cert VCEK_OR_VLEK | --no-cert) [options] [--measurement HEX | <measure options>]',
    summary: 'Verify an attestation report (signature, AMD chain, certificate binding) and check it against a policy.',
    options: [...own, ...MEASURE_OPTIONS.filter((o) => !own.some((v) => v.name === o.name))],
    positionals: ['FILE'],
    epilog: [
      'Always checked: the canonical report format, DEBUG and MIGRATE_MA not allowed by the guest policy, and',
      'COMMITTED = CURRENT firmware (--lenient, --allow-debug, --allow-migrate-ma, --allow-provisional-firmware relax them).',
      'The expected measurement can be predicted from an image with the `measure` options, e.g.',
      '  --ovmf OVMF.fd --vcpus 4 --vcpu-type EPYC-v4 [--kernel ... --initrd ... --append ...]  (mode snp by default)',
      '  --igvm FILE --platform qemu-kvm|openvmm|...',
      'With --refvalues, the image file alone (--ovmf F or --igvm F) names the launch that gives a mismatching MEASUREMENT.',
      'Exit status: 0 every check passed, 1 a check failed or an input is bad, 2 usage error.',
    ].join('\n'),
  };
}

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
  const spec = sub === 'show' ? SHOW : verifySpec();
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

async function show(args: ParsedArgs): Promise<number> {
  const path = args.positionals[0]!;
  let r = await loadReport(path, productArg(args), get.flag(args, 'strict'));
  const certPath = get.str(args, 'cert');
  if (certPath !== undefined) {
    const vek = selectVek(await loadCerts(certPath), r);
    const line = vek ? parseVek(vek).productLine : undefined;
    if (line && r.product?.source !== 'cpuid') r = withProduct(r, line, 'certificate');
  }
  const url = r.product && r.signerInfo.signingKey === 'VCEK' ? vcekUrl(r.product.line, r.chipId, r.reportedTcb) : undefined;
  // A VLEK-signed report (AWS) names no chip; its VLEK comes from the host, KDS only with CSP credentials (§3).
  const vlek = r.product && r.signerInfo.signingKey === 'VLEK' ? vlekUrl(r.product.line, r.reportedTcb) : undefined;
  const hcl = await hclShowSection(path); // issue 19 hook: the HCL header, request and runtime data
  if (get.flag(args, 'json')) {
    writeStdout(JSON.stringify({ format: 'snp-launch.report/1', file: path, ...reportToJson(r), kds_vcek_url: url ?? null, kds_vlek_url: vlek ?? null, ...(hcl ? { hcl: hcl.json } : {}) }, null, 2) + '\n');
    return 0;
  }
  const lines = [`report: ${path}`, ...formatReportText(r), ...(hcl?.lines ?? [])];
  if (url) lines.push(`KDS VCEK URL       ${url}`);
  if (vlek) lines.push(`KDS VLEK URL       ${vlek} (needs cloud-provider credentials)`);
  writeStdout(lines.join('\n') + '\n');
  return 0;
}

async function loadCerts(path: string): Promise<Certificate[]> {
  return loadCertificates(certFileBytes(await readSmallFile(path, MAX_CERT_FILE), path), path); // issue 19 hook: THIM JSON
}


/** Usage checks that need no file. */
function checkUsage(args: ParsedArgs): void {
  const cert = args.values.has('cert');
  const noCert = get.flag(args, 'no-cert');
  const supplied = VERIFY_HOOKS.some((h) => h.suppliesCert?.(args));
  if (cert && noCert) throw usageError('OPTION_CONFLICT', 'argument --no-cert: not allowed with argument --cert', '--no-cert');
  if (!cert && !noCert && !supplied) throw usageError('MISSING_OPTION', 'the following arguments are required: --cert (or --no-cert to run policy checks without verifying the signature)', '--cert');
  if (noCert && args.values.has('chain')) throw usageError('OPTION_CONFLICT', 'argument --chain: not allowed with argument --no-cert', '--chain');
  if (!args.values.has('refvalues') && args.values.has('refvalues-key')) throw usageError('MISSING_OPTION', 'argument --refvalues-key: needs --refvalues', '--refvalues-key');
}

/** --cert's end-entity certificates and CA certificates, and --chain's. */
async function readCerts(args: ParsedArgs): Promise<{ veks: Certificate[]; chain: Certificate[] }> {
  const certPath = get.str(args, 'cert');
  const chainPath = get.str(args, 'chain');
  // --cert may also be a bundle (VCEK/VLEK plus ASK/ARK) or a GHCB table: the CA certificates join the chain.
  const file = certPath === undefined ? [] : await loadCerts(certPath);
  if (certPath !== undefined && file.every((c) => c.isCa)) {
    const cns = file.map((c) => `'${c.subjectCN ?? '?'}'`).join(', ');
    throw inputError('BAD_CERT_FILE', `holds no VCEK or VLEK, only CA certificate(s) ${cns}; pass the VCEK/VLEK with --cert (CA certificates go to --chain)`, { file: certPath });
  }
  const chain = [...file.filter((c) => c.isCa), ...(chainPath === undefined ? [] : await loadCerts(chainPath))];
  return { veks: file.filter((c) => !c.isCa), chain };
}

/** Appends the sentence that names the launch giving the report's MEASUREMENT (or says how to find it). */
async function measurementAdvice(ctx: VerifyContext, refValues: boolean, measureGiven: boolean): Promise<void> {
  const failed = ctx.checks.filter((c) => !c.pass && (c.name === 'measurement' || c.name === 'refvalues.MEASUREMENT'));
  if (failed.length === 0) return;
  const r = ctx.report;
  let hint: string | undefined;
  if (measureGiven) {
    let req;
    try {
      req = resolveMeasureRequest(ctx.args, { defaultMode: 'snp' });
    } catch (e) {
      // With --refvalues the image file alone is enough: the search does not need the launch options.
      if (!(refValues && e instanceof SnpLaunchError && e.kind === 'usage')) throw e;
    }
    const target = req ?? imagePathsOf(Object.fromEntries(['ovmf', 'igvm', 'kernel', 'initrd', 'append'].map((k) => [k, get.str(ctx.args, k)])));
    const cpu = r.cpuid;
    if (target) hint = await (await import('../verify-hint.js')).measurementHint(target, r.measurement, cpu ? vcpuSignature(cpu.family, cpu.model, cpu.stepping) : undefined);
  } else if (refValues) {
    hint = 'give the image (--ovmf ... or --igvm ...) to search which launch of it gives this MEASUREMENT; with --refvalues the image file alone is enough';
  } else {
    hint = `to search which launch of an image gives this MEASUREMENT, run: snp-launch match --report ${ctx.reportPath} --ovmf FILE (or --igvm FILE)`;
  }
  if (hint) for (const c of failed) c.reason += `; ${hint}`;
}

async function verify(args: ParsedArgs): Promise<number> {
  checkUsage(args);
  const path = args.positionals[0]!;
  const noCert = get.flag(args, 'no-cert');
  const product = productArg(args);
  const at = get.str(args, 'at');
  const now = at === undefined ? new Date() : value(parseTimeText(at), 'at');
  const { options: vo, notes } = validateOptions(args);
  const measureGiven = MEASURE_OPTIONS.some((o) => args.values.has(o.name));
  if (measureGiven && vo.measurements) throw usageError('OPTION_CONFLICT', 'argument --measurement: not allowed with image options (the measurement is predicted from the image)', '--measurement');
  const refValues = get.str(args, 'refvalues');
  if (noCert && !hasPinnedChecks(vo) && !measureGiven && refValues === undefined && !endorsementRequested(args)) { // issue 19 hook
    throw usageError('NOTHING_TO_CHECK', '--no-cert needs at least one policy check (e.g. --measurement, --ovmf ..., --report-data)', '--no-cert');
  }

  // Read inputs before predicting (cheap one-line errors first).
  const report = await loadReport(path, product, get.flag(args, 'strict'));
  const { veks, chain } = await readCerts(args);
  const ctx: VerifyContext = { args, reportPath: path, report, now, veks, chain, checks: [], covers: new Set(), notes, ...(product ? { product } : {}) };
  for (const h of VERIFY_HOOKS) await h.prepare?.(ctx);
  if (!noCert) {
    const vek = selectVek(ctx.veks, report);
    const where = get.str(args, 'cert') ?? 'the certificates';
    if (!vek && ctx.veks.length === 0) throw inputError('BAD_CERT_FILE', 'no VCEK or VLEK was given or found', { file: where });
    if (!vek) throw inputError('BAD_CERT_FILE', `holds ${ctx.veks.length} end-entity certificates and SIGNER_INFO (SIGNING_KEY ${report.signerInfo.signingKey}) names none of them uniquely; --cert needs one VCEK or VLEK`, { file: where });
    ctx.vek = vek;
  }

  // With --refvalues the image options only name the launch on a mismatch: the reference values
  // decide MEASUREMENT, so no second "measurement" check is made.
  let predicted: { digest: Uint8Array; label: string } | undefined;
  if (measureGiven && refValues === undefined) {
    const res = await predictFromArgs(args, { defaultMode: 'snp' });
    if (res) {
      if (res.algorithm !== 'sha384') throw usageError('NOT_SNP', `mode ${res.mode} gives a ${res.algorithm} digest, not an SNP launch measurement`, '--mode');
      predicted = { digest: res.digest, label: `predicted from ${get.str(args, 'ovmf') ?? get.str(args, 'igvm')} (${res.mode}, ${res.platform})` };
      vo.measurements = [res.digest];
      vo.measurementSource = predicted.label;
    }
  }

  if (ctx.vek) {
    ctx.verified = await verifyReport(report, { vek: ctx.vek, now, ...(ctx.chain.length > 0 ? { chain: ctx.chain } : {}), ...(product ? { product } : {}) });
    ctx.checks.push(...ctx.verified.checks);
  }
  ctx.checks.push(...validateReport(ctx.verified?.report ?? report, vo, ctx.verified ? { vek: ctx.verified.vek } : {}));
  const pol = vo.policy ?? {};
  if (Object.keys(pol).some((k) => k !== 'allowDebug' && k !== 'allowMigrateMa')) ctx.covers.add('POLICY');
  // issue 19 hook: an ACI UVM endorsement given as --refvalues is checked by the endorsements hook.
  if (refValues !== undefined && !(await isUvmRefValues(refValues))) {
    const rv = await (await import('../refvalues-verify.js')).refValuesChecks(ctx.verified?.report ?? report, refValues, get.str(args, 'refvalues-key'), get.num(args, 'max-vcpus'));
    ctx.checks.push(...rv.checks);
    rv.covers.forEach((f) => ctx.covers.add(f));
  }
  for (const h of VERIFY_HOOKS) await h.check?.(ctx);
  await measurementAdvice(ctx, refValues !== undefined, measureGiven);
  addHints(ctx);
  const extras = { noCert, lenient: vo.lenient ?? false, ...(predicted ? { predicted } : {}) };
  writeStdout(get.flag(args, 'json') ? renderJson(ctx, extras) : renderText(ctx, extras));
  return ctx.checks.every((c) => c.pass) ? 0 : 1;
}
