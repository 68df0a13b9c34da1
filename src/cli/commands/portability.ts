/**
 * `snp-launch portability --igvm FILE [--vcpus N ...] [--json]`: the launch digest of one IGVM image
 * on every platform of specs/platforms.md (or why a platform cannot launch it), the groups of
 * platforms that agree, and for each disagreement the first diverging measurement-log step with the
 * reason in words; with an SNP_ID_BLOCK, whether it matches on each platform.
 * Exit status 0 when every platform that can launch the file agrees, 1 otherwise.
 */
import { inputError, usageError } from '../../core/errors.js';
import { analyzePortability, type PortabilityReport } from '../../explain/portability.js';
import { describeStep } from '../../explain/entries.js';
import { IGVM_PLATFORMS, type IgvmPlatform } from '../../core/platforms.js';
import { openFileSource } from '../../node/file-source.js';
import { VCPU_TYPES } from '../../vmsa/vcpu-types.js';
import { signature } from './portable-output.js';
import { formatHelp, get, parseArgs, type CommandSpec } from '../args.js';
import { writeStdout } from '../stdout.js';
import { fitLines, formatJsonDoc, shortDigest } from '../output.js';

const SPEC: CommandSpec = {
  usage: 'snp-launch portability --igvm FILE [--vcpus N] [--vcpu-type T | --vcpu-sig S] [--guest-features F] [--native-zero] [--json] [--fix --for P1,P2 -o OUT]',
  summary: 'Measure one IGVM image on every platform (openvmm, igvmmeasure, qemu-kvm, kvm-vmsa-page, kvm-direct-vmsa, cloud-hypervisor-mshv), group the platforms that agree and explain where the others diverge.',
  options: [
    { name: 'igvm', type: 'string', metavar: 'FILE', help: 'the IGVM image' },
    { name: 'vcpus', type: 'decimal', metavar: 'N', help: 'vCPU count (default 1; only qemu-kvm depends on it)' },
    { name: 'vcpu-type', type: 'choice', choices: Object.keys(VCPU_TYPES), metavar: 'TYPE', help: 'guest CPU model for the qemu-kvm AP VMSAs (RDX), e.g. EPYC-v4' },
    { name: 'vcpu-sig', type: 'auto', metavar: 'VALUE', help: 'raw CPUID(1).EAX signature instead of --vcpu-type' },
    { name: 'vcpu-family', type: 'decimal', metavar: 'FAMILY', help: 'CPU family; needs --vcpu-model and --vcpu-stepping' },
    { name: 'vcpu-model', type: 'decimal', metavar: 'MODEL', help: 'CPU model' },
    { name: 'vcpu-stepping', type: 'decimal', metavar: 'STEPPING', help: 'CPU stepping' },
    { name: 'guest-features', type: 'auto', metavar: 'VALUE', help: 'expected SEV_FEATURES (kvm-vmsa-page and kvm-direct-vmsa reject a VMSA that differs)' },
    { name: 'native-zero', type: 'flag', help: 'add a row for igvmmeasure --native-zero' },
    { name: 'platform', type: 'list', metavar: 'LIST', help: `only these platforms (comma list or repeated): ${IGVM_PLATFORMS.join(', ')}` },
    { name: 'json', type: 'flag', help: 'print the report as JSON (format "snp-launch.portability/1")' },
    { name: 'fix', type: 'flag', help: 'rewrite the file with the fewest edits so the --for platforms agree (needs -o); see docs/platforms.md' },
    { name: 'for', type: 'list', metavar: 'LIST', help: 'with --fix: the platforms that must agree (comma list or repeated; default: all six; igvmmeasure-native-zero allowed)' },
    { name: 'output', short: 'o', type: 'string', metavar: 'FILE', help: 'with --fix: where to write the rewritten file' },
    { name: 'wide', type: 'flag', help: 'whole digests and no folding of long lines to 100 columns' },
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
  ],
  epilog: 'The per-platform measurement rules and what each divergence means: docs/platforms.md.',
};

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(SPEC, argv);
  if (get.flag(args, 'help')) {
    writeStdout(formatHelp(SPEC));
    return 0;
  }
  const path = get.str(args, 'igvm') ?? args.positionals[0];
  if (path === undefined) throw usageError('MISSING_OPTION', 'the following arguments are required: --igvm', '--igvm');
  if (get.flag(args, 'fix')) return (await import('./portability-fix.js')).runFix(args, path);
  if (get.list(args, 'for').length > 0 || get.str(args, 'output') !== undefined) throw usageError('OPTION_CONFLICT', '--for and -o/--output apply to --fix only', get.list(args, 'for').length > 0 ? '--for' : '--output');
  const vcpus = get.num(args, 'vcpus');
  if (vcpus !== undefined && vcpus < 1) throw usageError('BAD_VCPUS', `argument --vcpus: must be at least 1, got ${vcpus}`, '--vcpus');
  const platforms = get.list(args, 'platform');
  for (const p of platforms) {
    if (!(IGVM_PLATFORMS as readonly string[]).includes(p)) throw usageError('BAD_CHOICE', `argument --platform: invalid choice: '${p}' (choose from ${IGVM_PLATFORMS.join(', ')})`, '--platform');
  }
  const gf = get.big(args, 'guest-features');
  if (gf !== undefined && (gf < 0n || gf >= 1n << 64n)) throw usageError('BAD_VALUE', `argument --guest-features: must be a 64-bit value, got ${gf}`, '--guest-features');
  const sig = signature(args);
  const src = await openFileSource(path);
  try {
    const rep = await analyzePortability({
      igvm: src,
      ...(vcpus !== undefined ? { vcpus } : {}),
      ...(sig !== undefined ? { vcpuSig: sig } : {}),
      ...(gf !== undefined ? { guestFeatures: gf } : {}),
      ...(get.flag(args, 'native-zero') ? { nativeZero: true } : {}),
      ...(platforms.length > 0 ? { platforms: platforms as IgvmPlatform[] } : {}),
    });
    if (rep.groups.length === 0) throw inputError('IGVM_NO_PLATFORM', `no platform can launch it: ${rep.rows.map((r) => r.error).join('; ')}`, { file: path });
    writeStdout(get.flag(args, 'json') ? formatJsonDoc('portability', 1, rep) : fitLines(text(rep, get.flag(args, 'wide')), get.flag(args, 'wide')).join('\n') + '\n');
    return rep.groups.length === 1 && rep.rows.every((r) => r.digest) ? 0 : 1;
  } finally {
    await src.close?.();
  }
}

/** The report as lines: per-platform digests abbreviated unless `wide`, each group's digest in full. */
function text(rep: PortabilityReport, wide: boolean): string[] {
  const out: string[] = [`${rep.file}: SEV-SNP launch digest per platform (${rep.vcpus} vCPU${rep.vcpus === 1 ? '' : 's'})`, ''];
  const w = Math.max(...rep.rows.map((r) => r.platform.length));
  const letter = (digest: string | undefined) => {
    const i = rep.groups.findIndex((g) => g.digest === digest);
    return i < 0 ? ' ' : String.fromCharCode(65 + i);
  };
  for (const r of rep.rows) {
    const id = r.idBlock ? (r.idBlock.matches ? '  ID block: matches' : '  ID block: does not match') : '';
    out.push(`  ${r.platform.padEnd(w)}  ${r.digest ? `${letter(r.digest)}  ${shortDigest(r.digest, wide)}` : `cannot launch: ${r.error}`}${id}`);
  }
  out.push('');
  const n = rep.groups[0]!.platforms.length;
  if (rep.groups.length === 1) out.push(n === 1 ? `Only ${rep.groups[0]!.platforms[0]} can launch it; its digest (A):` : `All ${n} platforms that can launch it agree (A):`);
  else out.push('Groups that agree:');
  rep.groups.forEach((g, i) => {
    const l = String.fromCharCode(65 + i);
    out.push(...(rep.groups.length === 1 ? [] : [`  ${l}: ${g.platforms.join(', ')}`]), `  ${l} ${g.digest}`);
  });
  if (rep.groups.length > 1) {
    out.push('', 'Where they diverge (first differing measurement step):');
    for (const d of rep.differences) {
      const v = d.divergence;
      out.push(`  ${d.a} vs ${d.b}, step ${v.index}:`);
      out.push(`    ${d.a}: ${v.a ? describeStep(v.a) : '(no more steps)'}`);
      out.push(`    ${d.b}: ${v.b ? describeStep(v.b) : '(no more steps)'}`);
      out.push(`    why: ${v.reason}`);
    }
  }
  if (rep.idBlock) {
    const yes = rep.rows.filter((r) => r.idBlock?.matches).map((r) => r.platform);
    out.push('', `SNP_ID_BLOCK launch digest ${rep.idBlock}`, `  ${yes.length ? `matches on ${yes.join(', ')}` : 'matches on no platform'}`);
  }
  const id = (label: string) => label.split(' ')[0]!;
  const warns = rep.rows.flatMap((r) => r.warnings.map((x) => `${r.platform}: ${x.startsWith(`${id(r.platform)}: `) ? x.slice(id(r.platform).length + 2) : x}`));
  for (const x of new Set(warns)) out.push(`warning: ${x}`);
  return out;
}
