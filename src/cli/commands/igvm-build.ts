/**
 * `snp-launch igvm build`: writes an IGVM file from an OVMF launch that every listed platform
 * measures the same, then measures the written file on each of them and checks its ID block.
 * The rules and the construction live in src/portable; this file reads options, opens files
 * (src/node) and prints. The output appears only when complete (src/node/output-file.ts).
 */
import { fromHex } from '../../core/bytes.js';
import { inputError, usageError } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';
import { writeIgvmLayout } from '../../images/igvm/stream-write.js';
import { openFileSource } from '../../node/file-source.js';
import { parseOvmf } from '../../images/ovmf/parse.js';
import { requireQemuLaunchable } from '../../loaders/ovmf/qemu-launchable.js';
import { setHashProvider } from '../../core/hash.js';
import { nodeHashProvider } from '../../node/hash.js';
import { createOutputFile } from '../../node/output-file.js';
import { planPortableIgvm, type PortableBuildOptions } from '../../portable/build.js';
import { conflictLine } from '../../portable/conflicts.js';
import { proveIgvm } from '../../portable/proof.js';
import { parseTargets, TARGET_NAMES } from '../../portable/targets.js';
import { KVM_GENERATIONS, type KvmGeneration } from '../../vmsa/profiles/_profile.js';
import { VCPU_TYPES } from '../../vmsa/vcpu-types.js';
import { BY_HASH_OPTIONS, byHashKernel } from '../by-hash-options.js';
import { formatHelp, get, parseArgs, type CommandSpec, type ParsedArgs } from '../args.js';
import { renderProof, signature } from './portable-output.js';
import { idSignerFor } from './id-block.js';
import { writeStdout } from '../stdout.js';
import { fitLines, formatJsonDoc } from '../output.js';

const SPEC: CommandSpec = {
  usage: 'snp-launch igvm build --ovmf FILE -o FILE [--for P1,P2,...] [--kernel K [--initrd I] [--append A]] [--svsm S --vars-size N] [--vcpu-type T] [--id-key PEM [--author-key PEM]] [options]',
  summary: 'Build an IGVM file from an OVMF launch so that every listed platform measures the same launch digest; embed a signed SNP_ID_BLOCK for it.',
  options: [
    { name: 'ovmf', type: 'string', metavar: 'FILE', help: 'OVMF firmware image (every SEV metadata section becomes IGVM pages)' },
    { name: 'kernel', type: 'string', metavar: 'FILE', help: 'kernel for measured direct boot: fills the SNP_KERNEL_HASHES page as QEMU does' },
    { name: 'initrd', type: 'string', metavar: 'FILE', help: 'initrd (needs --kernel); only hashed, streamed' },
    { name: 'append', type: 'string', metavar: 'CMDLINE', help: 'kernel command line (needs --kernel)' },
    ...BY_HASH_OPTIONS.filter((x) => x.name !== 'ovmf-metadata'),
    { name: 'svsm', type: 'string', metavar: 'FILE', help: 'Coconut-SVSM binary: build the snp:svsm launch (needs --vars-size or --vars-file)' },
    { name: 'vars-size', type: 'decimal', metavar: 'BYTES', help: 'OVMF_VARS size (with --svsm)' },
    { name: 'vars-file', type: 'string', metavar: 'FILE', help: 'OVMF_VARS file; only its size is used (with --svsm)' },
    { name: 'vmm-type', type: 'choice', choices: ['QEMU', 'ec2', 'gce'], metavar: 'TYPE', help: 'register profile and metadata rules of the BSP VMSA: QEMU (default), ec2 or gce' },
    { name: 'vcpu-type', type: 'choice', choices: Object.keys(VCPU_TYPES), metavar: 'TYPE', help: 'guest CPU model for RDX (required with the QEMU profile), e.g. EPYC-v4' },
    { name: 'vcpu-sig', type: 'auto', metavar: 'VALUE', help: 'raw CPUID(1).EAX signature instead of --vcpu-type' },
    { name: 'vcpu-family', type: 'decimal', metavar: 'FAMILY', help: 'CPU family; needs --vcpu-model and --vcpu-stepping' },
    { name: 'vcpu-model', type: 'decimal', metavar: 'MODEL', help: 'CPU model' },
    { name: 'vcpu-stepping', type: 'decimal', metavar: 'STEPPING', help: 'CPU stepping' },
    { name: 'guest-features', type: 'auto', metavar: 'VALUE', help: 'SEV_FEATURES of the BSP VMSA (default 0x1)' },
    { name: 'kvm', type: 'choice', choices: KVM_GENERATIONS, metavar: 'GEN', help: 'host KVM generation of the VMSA FPU defaults: init2 (default) or legacy (MXCSR/FCW 0)' },
    { name: 'vmsa-gpa', type: 'auto', metavar: 'GPA', help: 'GPA of the VMSA (default 0xFFFFFFFFF000, the only one qemu-kvm accepts)' },
    { name: 'vcpus', type: 'decimal', metavar: 'N', help: 'vCPU count the image is launched with (only qemu-kvm measures it; default 1)' },
    { name: 'policy', type: 'auto', metavar: 'VALUE', help: 'SNP guest policy in GUEST_POLICY and the ID block (default 0x30000)' },
    { name: 'platform-mask', type: 'auto', metavar: 'MASK', help: 'compatibility mask of the SEV-SNP platform and every directive (default 0x1)' },
    { name: 'id-key', type: 'string', metavar: 'PEM', help: 'ID private key (EC P-384, unencrypted PEM): embed a signed SNP_ID_BLOCK' },
    { name: 'author-key', type: 'string', metavar: 'PEM', help: 'author private key (needs --id-key)' },
    { name: 'family-id', type: 'string', metavar: 'HEX', help: 'ID block FAMILY_ID (16 bytes hex)' },
    { name: 'image-id', type: 'string', metavar: 'HEX', help: 'ID block IMAGE_ID (16 bytes hex)' },
    { name: 'guest-svn', type: 'decimal', metavar: 'N', help: 'ID block GUEST_SVN' },
    { name: 'for', type: 'list', metavar: 'P1,P2', help: `platforms that must agree (default: all six): ${TARGET_NAMES.join(', ')}` },
    { name: 'native-zero', type: 'flag', help: 'also agree with igvmmeasure --native-zero (same as listing igvmmeasure-native-zero)' },
    { name: 'allow-nonlaunchable', type: 'flag', help: 'build even from firmware QEMU refuses to launch for SNP (no SEV metadata, AP reset address 0, zero-size sections)' },
    { name: 'output', short: 'o', type: 'string', metavar: 'FILE', help: 'the IGVM file to write' },
    { name: 'json', type: 'flag', help: 'print the result as JSON (format "snp-launch.igvm-build/1")' },
    { name: 'wide', type: 'flag', help: 'whole digests and no folding of long lines to 100 columns' },
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
  ],
  epilog: 'Construction rules and the conflicts no file can avoid: docs/platforms.md ("Building portable IGVM images").\nExit status: 0 written and verified, 1 bad input or the platforms cannot agree (nothing is written), 2 usage error.',
};

function hexId(args: ParsedArgs, name: string): Uint8Array | undefined {
  const v = get.str(args, name);
  if (v === undefined) return undefined;
  const b = fromHex(v.replace(/^0x/, ''));
  if (!b || b.length !== 16) throw usageError('BAD_VALUE', `argument --${name}: expected 16 bytes as 32 hex digits, got '${v}'`, `--${name}`);
  return b;
}

function u64(args: ParsedArgs, name: string, bits = 64): bigint | undefined {
  const v = get.big(args, name);
  if (v !== undefined && (v < 0n || v >= 1n << BigInt(bits))) throw usageError('BAD_VALUE', `argument --${name}: must be a ${bits}-bit value, got ${v}`, `--${name}`);
  return v;
}

/**
 * The vCPU count the file was built and checked for: qemu-kvm measures one AP VMSA per extra vCPU,
 * so the digest (and the ID block) hold for this count only there (issue 17).
 */
function vcpuLine(vcpus: number, labels: readonly string[]): string {
  const n = `${vcpus} vCPU${vcpus === 1 ? '' : 's'}`;
  return labels.some((l) => l.startsWith('qemu-kvm')) ? `built for ${n}: qemu-kvm measures the count, other counts need a rebuild with --vcpus N` : `built for ${n} (the listed platforms measure no vCPU count)`;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(SPEC, argv);
  if (get.flag(args, 'help')) {
    writeStdout(formatHelp(SPEC));
    return 0;
  }
  if (args.positionals.length > 0) throw usageError('UNEXPECTED_ARGUMENT', `unrecognized arguments: ${args.positionals.join(' ')}`, args.positionals[0]);
  // Every usage check before any file is opened.
  const ovmfPath = get.str(args, 'ovmf');
  if (ovmfPath === undefined) throw usageError('MISSING_OPTION', 'the following arguments are required: --ovmf', '--ovmf');
  const out = get.str(args, 'output');
  if (out === undefined) throw usageError('MISSING_OPTION', 'the following arguments are required: -o/--output', '--output');
  const byHash = byHashKernel(args);
  const kernel = get.str(args, 'kernel') ?? (byHash.kernelSha256 ? '(--kernel-sha256)' : undefined);
  if (get.str(args, 'initrd') !== undefined && kernel === undefined) throw usageError('NEED_KERNEL', '--kernel required when using --initrd', '--initrd');
  if (get.str(args, 'append') !== undefined && kernel === undefined) throw usageError('NEED_KERNEL', '--kernel required when using --append', '--append');
  const svsm = get.str(args, 'svsm');
  if (svsm !== undefined && kernel !== undefined) throw usageError('OPTION_CONFLICT', '--kernel cannot be combined with --svsm (the SVSM launch measures no kernel hashes page)', '--kernel');
  const varsFile = get.str(args, 'vars-file');
  const varsSizeOpt = get.num(args, 'vars-size');
  if (svsm !== undefined && varsFile === undefined && varsSizeOpt === undefined) throw usageError('NEED_VARS', '--svsm requires --vars-size or --vars-file', '--vars-size');
  if (svsm === undefined && (varsFile !== undefined || varsSizeOpt !== undefined)) throw usageError('OPTION_CONFLICT', '--vars-size/--vars-file apply to --svsm only', '--vars-size');
  const vmm = (get.str(args, 'vmm-type') ?? 'QEMU') as 'QEMU' | 'ec2' | 'gce';
  if (svsm !== undefined && vmm !== 'QEMU') throw usageError('OPTION_CONFLICT', 'the SVSM launch has the QEMU profile only (--vmm-type QEMU)', '--vmm-type');
  const vcpuSig = signature(args);
  if (vcpuSig === undefined && vmm === 'QEMU') throw usageError('NEED_VCPU_SIG', 'the QEMU profile needs the vCPU signature for RDX: --vcpu-type, --vcpu-sig or --vcpu-family', '--vcpu-type');
  const targets = parseTargets(get.list(args, 'for'), get.flag(args, 'native-zero'));
  if (get.str(args, 'author-key') !== undefined && get.str(args, 'id-key') === undefined) throw usageError('OPTION_CONFLICT', '--author-key needs --id-key (the author key signs the ID key)', '--author-key');
  const mask = u64(args, 'platform-mask', 32);
  const gf = u64(args, 'guest-features');
  const policy = u64(args, 'policy');
  const vmsaGpa = u64(args, 'vmsa-gpa');
  const familyId = hexId(args, 'family-id');
  const imageId = hexId(args, 'image-id');
  const svn = get.num(args, 'guest-svn');
  if (svn !== undefined && (svn < 0 || svn > 0xffffffff)) throw usageError('BAD_VALUE', `argument --guest-svn: must be a u32, got ${svn}`, '--guest-svn');

  const opened: ByteSource[] = [];
  const open = async (p: string) => {
    const s = await openFileSource(p);
    opened.push(s);
    return s;
  };
  // One thread: the pages are measured once per platform in small files, and a worker pool's
  // start-up costs more than it saves here (bench row 7).
  setHashProvider(nodeHashProvider);
  const output = await createOutputFile(out);
  const vcpus = get.num(args, 'vcpus') ?? 1;
  try {
    const ovmf = await open(ovmfPath);
    // The SVSM launch measures the SVSM binary's metadata and VMSAs, not these (ovmf.md §8.3).
    if (svsm === undefined && !get.flag(args, 'allow-nonlaunchable')) {
      requireQemuLaunchable(await parseOvmf(ovmf), vcpus, 'an IGVM file built from it would not boot as an SNP guest');
    }
    const idPath = get.str(args, 'id-key');
    const authorPath = get.str(args, 'author-key');
    const o: PortableBuildOptions = {
      ovmf,
      targets,
      name: out,
      vmm,
      ...(vcpuSig !== undefined ? { vcpuSig } : {}),
      ...(gf !== undefined ? { guestFeatures: gf } : {}),
      ...(get.str(args, 'kvm') ? { kvm: get.str(args, 'kvm') as KvmGeneration } : {}),
      ...(vmsaGpa !== undefined ? { vmsaGpa } : {}),
      ...(get.num(args, 'vcpus') !== undefined ? { vcpus: get.num(args, 'vcpus')! } : {}),
      ...(policy !== undefined ? { policy } : {}),
      ...(mask !== undefined ? { platformMask: Number(mask) } : {}),
      ...(familyId ? { familyId } : {}),
      ...(imageId ? { imageId } : {}),
      ...(svn !== undefined ? { guestSvn: svn } : {}),
    };
    if (get.str(args, 'kernel') !== undefined) o.kernel = await open(get.str(args, 'kernel')!);
    Object.assign(o, byHash);
    if (get.str(args, 'initrd') !== undefined) o.initrd = await open(get.str(args, 'initrd')!);
    if (get.str(args, 'append') !== undefined) o.append = get.str(args, 'append')!;
    if (svsm !== undefined) {
      o.svsm = await open(svsm);
      o.varsSize = varsSizeOpt ?? (await open(varsFile!)).size;
    }
    if (idPath !== undefined) o.idKey = await idSignerFor(idPath, false);
    if (authorPath !== undefined) o.authorKey = await idSignerFor(authorPath, false);

    const plan = await planPortableIgvm(o);
    // Written once, to the temporary file; measured there (the exact bytes), then the signed ID
    // block (not measured) is patched into the head and the file renamed into place.
    await writeIgvmLayout(plan.layout, (c) => output.write(c));
    const temp = await open(output.tempPath);
    const r = await plan.finish(temp);
    if (!r.ok) throw inputError('PORTABILITY_CONFLICT', conflictLine(r.conflict), { file: out });
    if (r.layout !== plan.layout) await output.writeAt(0, r.layout.head);
    await output.commit();
    const written = await open(out);
    const launch = { vcpus: o.vcpus ?? 1, ...(vcpuSig !== undefined ? { vcpuSig } : {}) };
    const proof = await proveIgvm(written, targets, launch, r.measurement);
    const ok = proof.measurement.agree && (proof.idBlock === undefined || (proof.idBlock.matchesOn.length === targets.length && proof.idBlock.signatureValid && proof.idBlock.authorSignatureValid !== false));
    if (get.flag(args, 'json')) {
      writeStdout(formatJsonDoc('igvm-build', 1, { file: out, size: r.layout.totalSize, vcpus, digest: r.digest, rules: r.rules, ...proof }));
    } else {
      const L = [`wrote ${out} (${r.layout.totalSize} bytes) for ${targets.map((t) => t.label).join(', ')}`, vcpuLine(vcpus, targets.map((t) => t.label))];
      if (r.rules.length > 0) L.push('', 'construction rules applied:', ...r.rules.map((x) => `  - ${x}`));
      const wide = get.flag(args, 'wide');
      writeStdout(fitLines(L, wide).join('\n') + '\n\n' + renderProof(proof, targets.length, wide));
    }
    return ok ? 0 : 1;
  } finally {
    await output.discard();
    for (const s of opened) await s.close?.();
  }
}
