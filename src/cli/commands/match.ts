/**
 * `snp-launch match`: which launch configuration of an image produced a MEASUREMENT (or a report's)?
 * Searches the launch space of docs/launch-space.md with shared work (src/launch-space) and prints
 * every matching configuration with the `snp-launch measure` (and, where it can express it, the
 * sev-snp-measure) command that reproduces it; or, when nothing matches, what was searched and
 * what must therefore differ. Exit 0 on a match, 1 on none or bad input, 2 on usage errors.
 */
import { fromBase64, fromHex, toHex } from '../../core/bytes.js';
import { inputError, usageError } from '../../core/errors.js';
import {
  checkSpaceSize,
  describeCell,
  explainNoMatch,
  hostSignature,
  measureCommand,
  narrowSpace,
  ovmfFacts,
  referenceCommand,
  searchMeasurement,
  type ImagePaths,
  type LaunchCell,
  type OvmfFacts,
  type SearchResult,
  type SpaceImage,
} from '../../launch-space/index.js';
import { openSpaceImage } from '../space-image.js';
import { BY_HASH_IMAGE_OPTIONS, igvmImagePaths, ovmfImagePaths } from '../by-hash-options.js';
import { KRUN_IMAGE_OPTIONS, krunArgs, krunPaths } from '../krun-image.js';
import { formatHelp, get, parseArgs, type CommandSpec, type ParsedArgs } from '../args.js';
import { loadReport } from '../report-input.js';
import { writeStdout } from '../stdout.js';
import { fitLines, formatJsonDoc, plural } from '../output.js';

export const MATCH_SPEC: CommandSpec = {
  usage: 'snp-launch match (--measurement HEX | --report FILE) (--ovmf PATH [--kernel ...] | --igvm FILE) [narrowing options]',
  summary: 'Find which launch configuration (platform, vCPU count and type, SEV_FEATURES, KVM generation, VMSA GPA) of an image gives a measurement.',
  options: [
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
    { name: 'measurement', type: 'string', metavar: 'HEX', help: 'the MEASUREMENT to explain: 48 bytes as hex or base64' },
    { name: 'report', type: 'string', metavar: 'FILE', help: "an attestation report (binary, hex or base64; any version): its MEASUREMENT, and for v3+ its host CPU to rank '-cpu host'" },
    { name: 'ovmf', type: 'string', metavar: 'PATH', help: 'OVMF firmware image' },
    { name: 'kernel', type: 'string', metavar: 'PATH', help: 'kernel for measured direct boot: OVMF, or IGVM on cloud-hypervisor-kvm (searched with the kernel-hashes block on and off)' },
    { name: 'initrd', type: 'string', metavar: 'PATH', help: 'initrd (needs --kernel)' },
    { name: 'append', type: 'string', metavar: 'CMDLINE', help: 'kernel command line (needs --kernel)' },
    ...BY_HASH_IMAGE_OPTIONS,
    { name: 'igvm', type: 'string', metavar: 'FILE', help: 'IGVM image (instead of --ovmf)' },
    ...KRUN_IMAGE_OPTIONS,
    { name: 'platform', type: 'list', metavar: 'LIST', help: 'platforms to search (OVMF: qemu-kvm,ec2,gce; IGVM: the seven IGVM platforms); default all' },
    { name: 'vcpus', type: 'list', metavar: 'LIST', help: 'vCPU counts, e.g. 4, 1-64 or 1-64,96,128 (default 1-512)' },
    { name: 'vcpu-type', type: 'list', metavar: 'LIST', help: 'QEMU CPU model names (default: every named model and real EPYC silicon)' },
    { name: 'vcpu-sig', type: 'list', metavar: 'LIST', help: 'CPUID(1).EAX signatures (with --vcpu-type: both are searched)' },
    { name: 'guest-features', type: 'list', metavar: 'LIST', help: 'SEV_FEATURES values (default 0x1,0x21,0x201,0x221 by KVM generation)' },
    { name: 'kvm', type: 'list', metavar: 'LIST', help: 'host KVM generations: init2, legacy (default both)' },
    { name: 'vmsa-gpa', type: 'list', metavar: 'LIST', help: 'VMSA GPAs (default 0xfffffffff000 and, for pre-v9 KVM and GCE, 0xffffffffff000)' },
    { name: 'rdx', type: 'list', metavar: 'LIST', help: 'RDX values of the ec2/gce profiles (default ec2: 0x600,0; gce: 0x600)' },
    { name: 'kernel-hashes', type: 'string', metavar: 'on|off|both', help: 'with --kernel: whether QEMU measured the kernel-hashes page (kernel-hashes=on); default both' },
    { name: 'first', type: 'flag', help: 'stop at the first matching configuration' },
    { name: 'json', type: 'flag', help: 'print one JSON object (format "snp-launch.match/1", docs/json-output.md)' },
    { name: 'wide', type: 'flag', help: 'do not fold long lines to 100 columns' },
  ],
  epilog: [
    'examples:',
    '  snp-launch match --report report.bin --ovmf OVMF.fd',
    '  snp-launch match --measurement 3b7b... --ovmf OVMF.fd --kernel vmlinuz --initrd initrd.img --append "console=ttyS0" --vcpus 1-64',
    '  snp-launch match --report report.bin --igvm guest.igvm --platform qemu-kvm,kvm-vmsa-page',
    '',
    'Exit status: 0 at least one configuration matches, 1 none matches (or bad input), 2 usage error.',
  ].join('\n'),
};

/** A 48-byte measurement from hex (optionally 0x-prefixed, whitespace ignored) or base64. */
export function parseMeasurement(text: string): Uint8Array {
  const t = text.replace(/\s+/g, '');
  const bytes = fromHex(t.replace(/^0x/i, '')) ?? fromBase64(t);
  if (bytes === undefined) throw inputError('BAD_MEASUREMENT', 'is neither hex nor base64', { field: '--measurement' });
  if (bytes.length !== 48) throw inputError('BAD_MEASUREMENT', `must be 48 bytes (96 hex digits or 64 base64 characters), got ${plural(bytes.length, 'byte')}`, { field: '--measurement' });
  return bytes;
}

export async function run(argv: string[]): Promise<number> {
  const args = argv.some((a) => a === '-h' || a === '--help') ? undefined : parseArgs(MATCH_SPEC, argv);
  if (args === undefined || get.flag(args, 'help')) {
    writeStdout(formatHelp(MATCH_SPEC));
    return 0;
  }
  const { paths, space, measurementText, reportPath } = checkArgs(args);
  let target: Uint8Array;
  let preferSig: number | undefined;
  const notes: string[] = [];
  if (reportPath !== undefined) {
    const r = await loadReport(reportPath);
    target = r.measurement;
    if (r.cpuid) {
      preferSig = hostSignature(r.cpuid.family, r.cpuid.model, r.cpuid.stepping);
      if (!args.values.has('vcpu-type') && !args.values.has('vcpu-sig') && !space.vcpuSigs.includes(preferSig)) space.vcpuSigs = [...space.vcpuSigs, preferSig];
      notes.push(`report v${r.version}: host CPU family 0x${r.cpuid.family.toString(16)} model 0x${r.cpuid.model.toString(16)} stepping ${r.cpuid.stepping} = signature 0x${preferSig.toString(16)} (what -cpu host gives; ranked first)`);
    } else {
      notes.push(`report v${r.version} carries no host CPUID (v3+ does): every signature is equally likely`);
    }
  } else {
    target = parseMeasurement(measurementText!);
  }
  const size = checkSpaceSize(space, paths.kind);
  const tty = process.stderr.isTTY === true;
  if (tty) process.stderr.write(`searching ${size.toLocaleString('en-US')} configurations...\n`);
  const { image, close } = await openSpaceImage(paths);
  try {
    const t0 = performance.now();
    const result = await searchMeasurement(image, space, target, {
      first: get.flag(args, 'first'),
      ...(preferSig !== undefined ? { preferSig } : {}),
      ...(tty ? { onProgress: (done: number) => void (performance.now() - t0 > 1000 && process.stderr.write(`\r  ${done.toLocaleString('en-US')} of ${size.toLocaleString('en-US')}`)) } : {}),
    });
    if (tty && result.ms > 1000) process.stderr.write('\n');
    const facts = await ovmfFacts(image);
    if (get.flag(args, 'json')) {
      const explanation = result.matches.length === 0 ? explainNoMatch(result, space, image, facts) : undefined;
      writeStdout(formatJsonDoc('match', 1, matchJson(result, paths, facts, notes, explanation)));
    } else {
      writeStdout(fitLines(matchText(result, paths, space, image, notes, facts), get.flag(args, 'wide')).join('\n') + '\n');
    }
    return result.matches.length > 0 ? 0 : 1;
  } finally {
    await close();
  }
}

function checkArgs(args: ParsedArgs): { paths: ImagePaths; space: ReturnType<typeof narrowSpace>; measurementText?: string; reportPath?: string } {
  const measurementText = get.str(args, 'measurement');
  const reportPath = get.str(args, 'report');
  if (measurementText === undefined && reportPath === undefined) throw usageError('MISSING_OPTION', 'the following arguments are required: --measurement or --report', '--measurement');
  if (measurementText !== undefined && reportPath !== undefined) throw usageError('OPTION_CONFLICT', 'argument --report: not allowed with argument --measurement', '--report');
  const ovmf = get.str(args, 'ovmf') ?? get.str(args, 'ovmf-metadata');
  const igvm = get.str(args, 'igvm');
  if (ovmf === undefined && igvm === undefined && !krunArgs(args)) throw usageError('MISSING_OPTION', 'the following arguments are required: --ovmf or --igvm (the image whose launches are searched)', '--ovmf');
  if (ovmf !== undefined && igvm !== undefined) throw usageError('IMAGE_CONFLICT', 'argument --igvm: not allowed with argument --ovmf', '--igvm');
  let paths: ImagePaths;
  if (krunArgs(args)) {
    paths = krunPaths(args);
  } else if (igvm !== undefined) {
    if (args.values.has('rdx')) throw usageError('OPTION_CONFLICT', '--rdx applies to --ovmf images, not to --igvm', '--rdx');
    paths = igvmImagePaths(args, igvm);
  } else {
    paths = ovmfImagePaths(args)!;
  }
  const text = (n: string) => get.csv(args, n);
  const narrow = Object.fromEntries(
    (
      [
        ['platform', 'platform'],
        ['vcpus', 'vcpus'],
        ['vcpuType', 'vcpu-type'],
        ['vcpuSig', 'vcpu-sig'],
        ['guestFeatures', 'guest-features'],
        ['kvm', 'kvm'],
        ['vmsaGpa', 'vmsa-gpa'],
        ['rdx', 'rdx'],
        ['kernelHashes', 'kernel-hashes'],
      ] as const
    )
      .filter(([, o]) => text(o) !== undefined)
      .map(([k, o]) => [k, text(o)!]),
  );
  const booted = (paths.kind === 'ovmf' || paths.kind === 'igvm') && (paths.kernel !== undefined || paths.kernelSha256 !== undefined);
  const space = narrowSpace(paths.kind, booted, narrow);
  if (paths.kind === 'igvm' && booted) {
    // Of the IGVM platforms only Cloud Hypervisor on KVM boots a kernel beside the file and measures it.
    const other = narrow.platform === undefined ? undefined : space.platforms.find((p) => p !== 'cloud-hypervisor-kvm');
    if (other) throw usageError('OPTION_CONFLICT', `--kernel/--initrd/--append apply to --igvm launches on cloud-hypervisor-kvm only, not '${other}'`, '--kernel');
    space.platforms = ['cloud-hypervisor-kvm'];
  }
  return { paths, space, ...(measurementText !== undefined ? { measurementText } : {}), ...(reportPath !== undefined ? { reportPath } : {}) };
}

const hex = (v: number | bigint): string => '0x' + v.toString(16);

/** QEMU's reasons to refuse a matching qemu-kvm launch of an OVMF image (empty: none, or not qemu-kvm). */
function refusals(c: LaunchCell, facts: OvmfFacts | undefined): string[] {
  return facts && c.platform === 'qemu-kvm' ? facts.qemuRefusals(c.vcpus) : [];
}

/** The body of "snp-launch.match/1" (docs/schemas/match.schema.json); `explanation` when nothing matches. */
export function matchJson(r: SearchResult, paths: ImagePaths, facts?: OvmfFacts, notes: readonly string[] = [], explanation?: readonly string[]): object {
  return {
    measurement: toHex(r.measurement),
    matches: r.matches.map((c) => {
      const ref = referenceCommand(c, paths);
      return {
        platform: c.platform,
        vcpus: c.vcpus,
        vcpuSig: '0x' + c.vcpuSig.toString(16).padStart(8, '0'),
        vcpuTypes: c.vcpuTypes,
        guestFeatures: hex(c.guestFeatures),
        kvm: c.kvm,
        vmsaGpa: hex(c.vmsaGpa),
        kernelHashes: c.kernelHashes,
        command: measureCommand(c, paths),
        ...(ref ? { referenceCommand: ref } : {}),
        ...(facts && c.platform === 'qemu-kvm' ? { launchable: { ok: refusals(c, facts).length === 0, reasons: refusals(c, facts) } } : {}),
      };
    }),
    searched: { configurations: r.configurations, spaceSize: r.spaceSize, ms: Math.round(r.ms) },
    ...(r.skipped.length ? { skipped: r.skipped } : {}),
    ...(notes.length ? { notes: [...notes] } : {}),
    // The same sentences as the text form: what was searched and what must therefore differ.
    ...(explanation ? { explanation: [...explanation] } : {}),
  };
}

function matchText(r: SearchResult, paths: ImagePaths, space: ReturnType<typeof narrowSpace>, image: SpaceImage, notes: string[], facts?: OvmfFacts): string[] {
  const rate = r.ms > 0 ? Math.round((r.configurations / r.ms) * 1000) : r.configurations;
  const lines = [`measurement ${toHex(r.measurement)}`, ...notes.map((n) => `note: ${n}`)];
  lines.push(`searched ${r.configurations.toLocaleString('en-US')} configurations in ${Math.round(r.ms)} ms (${rate.toLocaleString('en-US')} per second)`);
  if (r.matches.length === 0) return [...lines, ...explainNoMatch(r, space, image, facts)];
  lines.push(`${r.matches.length} configuration${r.matches.length === 1 ? '' : 's'} give${r.matches.length === 1 ? 's' : ''} this measurement:`);
  r.matches.forEach((c: LaunchCell, i) => {
    lines.push(`${i + 1}. ${describeCell(c)}`);
    if (c.vcpuTypes.length > 1) lines.push(`   same digest for -cpu ${c.vcpuTypes.join(', ')}`);
    const refused = refusals(c, facts);
    if (refused.length > 0) lines.push(`   QEMU refuses this launch: ${refused.join('; ')}`);
    lines.push(`   ${measureCommand(c, paths)}`);
    const ref = referenceCommand(c, paths);
    if (ref) lines.push(`   ${ref}`);
  });
  return lines;
}
