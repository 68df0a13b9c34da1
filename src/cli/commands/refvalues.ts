/**
 * `snp-launch refvalues`: the reference values of an image for a matrix of launch configurations,
 * as snp-launch JSON, a CoRIM of the AMD SEV-SNP profile (optionally signed), Trustee RVPS
 * reference values or a go-sev-guest check policy (docs/refvalues.md). Exit 0 ok, 1 input error,
 * 2 usage error.
 */
import { basename } from 'node:path';
import { fromBase64, fromHex } from '../../core/bytes.js';
import { usageError } from '../../core/errors.js';
import { parseList, parseVcpuList, type SpaceImage } from '../../launch-space/index.js';
import { parseIntText } from '../../launch-space/narrow.js';
import { IGVM_PLATFORMS } from '../../core/platforms.js';
import { KRUN_IMAGE_OPTIONS, krunArgs, openKrunImage } from '../krun-image.js';
import { openFileSource } from '../../node/file-source.js';
import type { ByteSource } from '../../core/source.js';
import { encodeCorim, matrixCells, matrixSize, referenceValuesToJson, signCorim, MAX_REFVALUE_CELLS, type MatrixCpu, type PinnedFields, type RefCell, type ReferenceValues } from '../../refvalues/index.js';
import { KVM_GENERATIONS, type KvmGeneration } from '../../vmsa/profiles/_profile.js';
import { vcpuTypeSignature } from '../../vmsa/vcpu-types.js';
import { formatHelp, get, parseArgs, type CommandSpec, type ParsedArgs } from '../args.js';
import { writeGsg, writeOutput } from '../refvalues-output.js';
import { encodeGsg } from '../../refvalues/gsg.js';
import { encodeRvps } from '../../refvalues/rvps.js';
import { CORIM_FLAVORS, type CorimFlavor } from '../../refvalues/corim.js';
import type { TcbLayout } from '../../attestation/product.js';
import { SNP_LAUNCH_VERSION } from '../version.js';
import { describeInput } from '../../measure/json.js';
import { parseOvmf } from '../../images/ovmf/parse.js';
import { requireQemuLaunchable } from '../../loaders/ovmf/qemu-launchable.js';
import { writeStdout } from '../stdout.js';
// issue 19 hook: --host-data-of, --initdata, --from-gce-endorsement (docs/endorsements.md)
import { REFVALUES_ENDORSEMENT_OPTIONS, refvaluesEndorsementInputs } from '../report-endorsements.js';
import { BY_HASH_IMAGE_OPTIONS, igvmImagePaths, ovmfImagePaths, ovmfInputHashes } from '../by-hash-options.js';
import { kernelGiven } from '../../measure/by-hash.js';
import { openSpaceImageInto } from '../space-image.js';

export const REFVALUES_SPEC: CommandSpec = {
  usage: 'snp-launch refvalues (--ovmf PATH [--kernel ...] | --igvm FILE | --measurement HEX) [matrix] [pinned fields] [--format json|corim|rvps|gsg] [-o FILE|DIR]',
  summary: 'Reference values for a verifier fleet: the MEASUREMENT of every launch configuration of a matrix (one pass), plus the report fields a verifier pins.',
  options: [
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
    { name: 'ovmf', type: 'string', metavar: 'PATH', help: 'OVMF firmware image (mode snp)' },
    { name: 'kernel', type: 'string', metavar: 'PATH', help: 'kernel for measured direct boot: OVMF, or IGVM on cloud-hypervisor-kvm (kernel-hashes block measured)' },
    { name: 'initrd', type: 'string', metavar: 'PATH', help: 'initrd (needs --kernel)' },
    { name: 'append', type: 'string', metavar: 'CMDLINE', help: 'kernel command line (needs --kernel)' },
    ...BY_HASH_IMAGE_OPTIONS,
    { name: 'igvm', type: 'string', metavar: 'FILE', help: 'IGVM image (instead of --ovmf)' },
    ...KRUN_IMAGE_OPTIONS,
    { name: 'platform', type: 'list', metavar: 'LIST', help: 'platforms (OVMF: qemu-kvm,ec2,gce; IGVM: the IGVM platforms; krun); default qemu-kvm' },
    { name: 'vcpus', type: 'list', metavar: 'LIST', help: 'vCPU counts: 4, 1-64 or 1-64,96,128 (required with an image)' },
    { name: 'vcpu-type', type: 'list', metavar: 'LIST', help: 'QEMU -cpu names, e.g. EPYC-v4,EPYC-Milan,EPYC-Genoa' },
    { name: 'vcpu-sig', type: 'list', metavar: 'LIST', help: 'CPUID(1).EAX signatures (beside --vcpu-type); qemu-kvm needs one of the two, as measure does (--vcpu-sig 0: a CPU model with signature 0)' },
    { name: 'guest-features', type: 'list', metavar: 'LIST', help: 'SEV_FEATURES values (OVMF; default 0x1)' },
    { name: 'kvm', type: 'list', metavar: 'LIST', help: 'host KVM generations: init2, legacy (default init2)' },
    { name: 'measurement', type: 'list', metavar: 'HEX', help: 'MEASUREMENTs from elsewhere (a vendor, an earlier release): hex or base64, comma list or repeated' },
    { name: 'policy', type: 'string', metavar: 'HEX', help: 'pin the guest POLICY (u64, e.g. 0x30000)' },
    { name: 'host-data', type: 'string', metavar: 'HEX', help: 'pin HOST_DATA (32 bytes)' },
    { name: 'id-key-digest', type: 'string', metavar: 'HEX', help: 'pin ID_KEY_DIGEST (48 bytes)' },
    { name: 'author-key-digest', type: 'string', metavar: 'HEX', help: 'pin AUTHOR_KEY_DIGEST (48 bytes)' },
    { name: 'family-id', type: 'string', metavar: 'HEX', help: 'pin FAMILY_ID (16 bytes)' },
    { name: 'image-id', type: 'string', metavar: 'HEX', help: 'pin IMAGE_ID (16 bytes)' },
    { name: 'min-tcb', type: 'string', metavar: 'HEX', help: 'minimum REPORTED_TCB as the report\'s u64 (e.g. 0xdb18000000000004); each component must be at or above' },
    { name: 'guest-svn', type: 'string', metavar: 'N', help: 'pin GUEST_SVN' },
    { name: 'format', type: 'choice', choices: ['json', 'corim', 'rvps', 'gsg', 'compact', 'compact-cbor'], metavar: 'FORMAT', help: 'json (default), corim (CBOR, AMD SEV-SNP CoRIM profile), rvps (Trustee RVPS registration message), gsg (go-sev-guest check configurations, .textproto), compact (digest before the VMSAs + VMSA digests per variant: any vCPU count; JSON) or compact-cbor (the profile draft\'s launch-configuration map)' },
    { name: 'corim-flavor', type: 'choice', choices: [...CORIM_FLAVORS], metavar: 'FLAVOR', help: "with --format corim: draft (default; the AMD profile draft's examples) or veraison (what Veraison's SEV-SNP scheme loads; docs/refvalues.md)" },
    { name: 'tcb-layout', type: 'choice', choices: ['milan', 'turin'], metavar: 'LAYOUT', help: 'with --format rvps: read --min-tcb in the Milan/Genoa (default) or the Turin TCB layout' },
    { name: 'sign', type: 'string', metavar: 'KEY.pem', help: 'with --format corim: sign it (COSE_Sign1, ES384) with this EC P-384 private key' },
    { name: 'allow-nonlaunchable', type: 'flag', help: 'produce values even for firmware QEMU refuses to launch for SNP (no SEV metadata, AP reset address 0, zero-size sections)' },
    { name: 'output', short: 'o', type: 'string', metavar: 'FILE', help: 'write to FILE instead of stdout (CBOR is never written to a terminal); for gsg with more than one cell, a directory (one .textproto per cell)' },
    ...REFVALUES_ENDORSEMENT_OPTIONS, // issue 19 hook
  ],
  epilog: [
    'examples:',
    '  snp-launch refvalues --ovmf OVMF.fd --platform qemu-kvm,ec2,gce --vcpus 1-512 --vcpu-type EPYC-v4,EPYC-Milan,EPYC-Genoa > rv.json',
    '  snp-launch refvalues --ovmf OVMF.fd --vcpus 4,8 --vcpu-type EPYC-Milan --policy 0x30000 --format corim --sign signer.pem -o rv.cbor',
    '  snp-launch report verify report.bin --no-cert --refvalues rv.cbor --refvalues-key signer-pub.pem',
    '  snp-launch refvalues --ovmf OVMF.fd --vcpus 1-64 --vcpu-type EPYC-Genoa --format rvps -o rvps-message.json   # rvps-tool register --path rvps-message.json',
    '  snp-launch refvalues --ovmf OVMF.fd --vcpus 4,8 --vcpu-type EPYC-Milan --format gsg -o policies/           # check -config policies/<cell>.textproto',
    '',
    `At most ${MAX_REFVALUE_CELLS.toLocaleString('en-US')} cells. Format and codepoints: docs/refvalues.md.`,
  ].join('\n'),
};

export async function run(argv: string[]): Promise<number> {
  const args = argv.some((a) => a === '-h' || a === '--help') ? undefined : parseArgs(REFVALUES_SPEC, argv);
  if (args === undefined || get.flag(args, 'help')) {
    writeStdout(formatHelp(REFVALUES_SPEC));
    return 0;
  }
  const format = get.str(args, 'format') ?? 'json';
  const signKey = get.str(args, 'sign');
  if (signKey !== undefined && format !== 'corim') throw usageError('OPTION_CONFLICT', 'argument --sign: only with --format corim', '--sign');
  const tcbLayout = get.str(args, 'tcb-layout') as TcbLayout | undefined;
  const flavor = (get.str(args, 'corim-flavor') ?? 'draft') as CorimFlavor;
  if (args.values.has('corim-flavor') && format !== 'corim') throw usageError('OPTION_CONFLICT', 'argument --corim-flavor: only with --format corim', '--corim-flavor');
  if (tcbLayout !== undefined && format !== 'rvps') throw usageError('OPTION_CONFLICT', 'argument --tcb-layout: only with --format rvps', '--tcb-layout');
  const pinned = pinnedFields(args);
  const external: RefCell[] = get.list(args, 'measurement').map((t) => ({ platform: 'external', measurement: measurementArg(t) }));
  external.push(...(await refvaluesEndorsementInputs(args, pinned))); // issue 19 hook
  const opened: ByteSource[] = [];
  try {
    const { image, inputs } = await openImage(args, opened);
    if (format === 'compact' || format === 'compact-cbor') {
      if (!image) throw usageError('MISSING_OPTION', `argument --format ${format}: needs an image (--ovmf or --ovmf-metadata)`, '--format');
      return await (await import('../refvalues-compact.js')).writeCompact(args, image, matrixArgs(args, image, false), { tool: `snp-launch ${SNP_LAUNCH_VERSION}`, inputs, pinned }, format);
    }
    let cells: RefCell[] = [];
    if (image) {
      const matrix = matrixArgs(args, image);
      const total = matrixSize(matrix) + external.length;
      if (total > MAX_REFVALUE_CELLS) throw usageError('MATRIX_TOO_LARGE', `the matrix has ${total.toLocaleString('en-US')} cells, more than the bound of ${MAX_REFVALUE_CELLS.toLocaleString('en-US')} (narrow --vcpus or the lists)`, '--vcpus');
      if (image.kind === 'ovmf' && matrix.platforms.includes('qemu-kvm') && !get.flag(args, 'allow-nonlaunchable')) {
        await requireLaunchable(image.ovmf, matrix.vcpus);
      }
      cells = await matrixCells(image, matrix);
    } else {
      for (const o of ['platform', 'vcpus', 'vcpu-type', 'vcpu-sig', 'guest-features', 'kvm']) {
        if (args.values.has(o)) throw usageError('OPTION_CONFLICT', `argument --${o}: needs an image (--ovmf or --igvm)`, `--${o}`);
      }
      if (external.length === 0) throw usageError('MISSING_OPTION', 'the following arguments are required: --ovmf, --igvm or --measurement', '--ovmf');
    }
    const rv: ReferenceValues = { tool: `snp-launch ${SNP_LAUNCH_VERSION}`, inputs, pinned, cells: [...cells, ...external] };
    if (format === 'json') {
      await writeOutput(args, new TextEncoder().encode(JSON.stringify(referenceValuesToJson(rv), null, 2) + '\n'), false);
    } else if (format === 'rvps') {
      const out = encodeRvps(rv, tcbLayout !== undefined ? { tcbLayout } : {});
      for (const n of out.notes) process.stderr.write(`snp-launch: note: ${n}\n`);
      await writeOutput(args, new TextEncoder().encode(JSON.stringify(out.message, null, 2) + '\n'), false);
    } else if (format === 'gsg') {
      await writeGsg(args, encodeGsg(rv));
    } else {
      let bytes = encodeCorim(rv, flavor);
      if (signKey !== undefined) {
        const { loadP384PrivateKey } = await import('./id-block.js');
        bytes = signCorim(bytes, await loadP384PrivateKey(signKey, 'refvalues --sign needs an EC P-384 private key (the CoRIM is signed with ES384)'));
      }
      await writeOutput(args, bytes, true);
    }
    return 0;
  } finally {
    for (const s of opened) await s.close?.().catch(() => undefined);
  }
}

/** Reference values only for launches QEMU makes (src/loaders/ovmf/qemu-launchable.ts). */
async function requireLaunchable(ovmf: ByteSource, vcpus: readonly number[]): Promise<void> {
  const img = await parseOvmf(ovmf);
  requireQemuLaunchable(img, Math.max(...vcpus), 'reference values for it would never match a report');
}

function measurementArg(text: string): Uint8Array {
  const t = text.replace(/\s+/g, '');
  const b = fromHex(t.replace(/^0x/i, '')) ?? fromBase64(t);
  if (!b || b.length !== 48) throw usageError('BAD_MEASUREMENT', `argument --measurement: must be 48 bytes of hex or base64, got '${text.slice(0, 20)}${text.length > 20 ? '...' : ''}'`, '--measurement');
  return b;
}

function hexArg(args: ParsedArgs, name: string, len: number): Uint8Array | undefined {
  const t = get.str(args, name);
  if (t === undefined) return undefined;
  const b = fromHex(t.trim().replace(/^0x/i, ''));
  if (!b || b.length !== len) throw usageError('BAD_VALUE', `argument --${name}: must be ${len} bytes of hex (${2 * len} digits)`, `--${name}`);
  return b;
}

function pinnedFields(args: ParsedArgs): PinnedFields {
  const p: PinnedFields = {};
  const u = (name: string, bits: number): bigint | undefined => {
    const t = get.str(args, name);
    if (t === undefined) return undefined;
    const v = parseIntText(t, `--${name}`);
    if (v >= 1n << BigInt(bits)) throw usageError('BAD_INT', `argument --${name}: ${t} does not fit in ${bits} bits`, `--${name}`);
    return v;
  };
  const set = <K extends keyof PinnedFields>(k: K, v: PinnedFields[K] | undefined) => void (v !== undefined && (p[k] = v));
  set('policy', u('policy', 64));
  set('hostData', hexArg(args, 'host-data', 32));
  set('idKeyDigest', hexArg(args, 'id-key-digest', 48));
  set('authorKeyDigest', hexArg(args, 'author-key-digest', 48));
  set('familyId', hexArg(args, 'family-id', 16));
  set('imageId', hexArg(args, 'image-id', 16));
  set('minTcb', u('min-tcb', 64));
  const svn = u('guest-svn', 32);
  if (svn !== undefined) p.guestSvn = Number(svn);
  return p;
}

function matrixArgs(args: ParsedArgs, image: SpaceImage, needVcpus = true) {
  const kind = image.kind;
  const vcpusText = get.csv(args, 'vcpus') ?? (needVcpus ? undefined : '1');
  if (vcpusText === undefined) throw usageError('MISSING_OPTION', 'the following arguments are required: --vcpus (a count, list or range)', '--vcpus');
  // A kernel beside an IGVM file: only cloud-hypervisor-kvm boots (and measures) it.
  const booted = image.kind === 'igvm' && image.launch !== undefined && kernelGiven(image.launch);
  const allowed: readonly string[] = kind === 'ovmf' ? ['qemu-kvm', 'ec2', 'gce'] : kind === 'krun' ? ['krun'] : booted ? ['cloud-hypervisor-kvm'] : IGVM_PLATFORMS;
  const platforms = parseList(get.csv(args, 'platform') ?? (kind === 'krun' ? 'krun' : booted ? 'cloud-hypervisor-kvm' : 'qemu-kvm'), '--platform', (p) => {
    if (booted && p !== 'cloud-hypervisor-kvm' && IGVM_PLATFORMS.includes(p as never)) throw usageError('OPTION_CONFLICT', `--kernel/--initrd/--append apply to --igvm launches on cloud-hypervisor-kvm only, not '${p}'`, '--kernel');
    if (!allowed.includes(p)) throw usageError('BAD_CHOICE', `argument --platform: invalid choice for --${kind}: '${p}' (choose from ${allowed.join(', ')})`, '--platform');
    return p;
  });
  const cpus: MatrixCpu[] = [];
  const types = get.csv(args, 'vcpu-type');
  if (types !== undefined) {
    for (const t of parseList(types, '--vcpu-type', (x) => x)) {
      const sig = vcpuTypeSignature(t);
      if (sig === undefined) throw usageError('BAD_CHOICE', `argument --vcpu-type: unknown vCPU type '${t}' (e.g. EPYC-v4, EPYC-Milan, EPYC-Genoa; or give --vcpu-sig)`, '--vcpu-type');
      cpus.push({ type: t, sig });
    }
  }
  const sigs = get.csv(args, 'vcpu-sig');
  if (sigs !== undefined) {
    for (const s of parseList(sigs, '--vcpu-sig', (x) => parseIntText(x, '--vcpu-sig'))) {
      if (s >= 1n << 32n) throw usageError('BAD_INT', `argument --vcpu-sig: 0x${s.toString(16)} does not fit in 32 bits`, '--vcpu-sig');
      cpus.push({ sig: Number(s) });
    }
  }
  const vcpus = parseVcpuList(vcpusText);
  // As measure: QEMU writes the vCPU signature into RDX (every OVMF VMSA, IGVM AP VMSAs), so a
  // value left out would be a guess (issue 17).
  const needsSig = platforms.includes('qemu-kvm') && (kind === 'ovmf' || vcpus.some((n) => n > 1));
  if (cpus.length === 0 && needsSig) {
    throw usageError('MISSING_VCPU_SIG', 'argument --vcpu-type: qemu-kvm puts the vCPU signature in RDX; give --vcpu-type or --vcpu-sig (--vcpu-sig 0 for signature 0)', '--vcpu-type');
  }
  const gf = get.csv(args, 'guest-features');
  const kvm = get.csv(args, 'kvm');
  return {
    platforms: [...new Set(platforms)],
    vcpus,
    cpus,
    ...(gf !== undefined ? { guestFeatures: [...new Set(parseList(gf, '--guest-features', (x) => parseIntText(x, '--guest-features')))] } : {}),
    ...(kvm !== undefined
      ? {
          kvm: [
            ...new Set(
              parseList(kvm, '--kvm', (k) => {
                if (!(KVM_GENERATIONS as readonly string[]).includes(k)) throw usageError('BAD_CHOICE', `argument --kvm: invalid choice: '${k}' (choose from init2, legacy)`, '--kvm');
                return k as KvmGeneration;
              }),
            ),
          ],
        }
      : {}),
  };
}

async function openImage(args: ParsedArgs, opened: ByteSource[]): Promise<{ image?: SpaceImage; inputs: Record<string, string> }> {
  const ovmf = get.str(args, 'ovmf') ?? get.str(args, 'ovmf-metadata');
  const igvm = get.str(args, 'igvm');
  if (ovmf !== undefined && igvm !== undefined) throw usageError('IMAGE_CONFLICT', 'argument --igvm: not allowed with argument --ovmf', '--igvm');
  if (igvm !== undefined) {
    // cloud-hypervisor-kvm's measured direct boot: the kernel, initrd and command line beside the file.
    const p = igvmImagePaths(args, igvm);
    const image = await openSpaceImageInto(p, opened);
    const inputs: Record<string, string> = { [basename(igvm)]: (await describeInput((image as Extract<SpaceImage, { kind: 'igvm' }>).igvm)).sha256 };
    const l = image.kind === 'igvm' ? image.launch : undefined;
    if (l?.kernel) inputs[basename(p.kernel!)] = (await describeInput(l.kernel)).sha256;
    else if (p.kernelSha256) inputs['kernel (--kernel-sha256)'] = p.kernelSha256;
    if (l?.initrd) inputs[basename(p.initrd!)] = (await describeInput(l.initrd)).sha256;
    else if (p.initrdSha256) inputs['initrd (--initrd-sha256)'] = p.initrdSha256;
    return { image, inputs };
  }
  const ovmfPaths = krunArgs(args) ? undefined : ovmfImagePaths(args);
  if (ovmfPaths) {
    const image = await openSpaceImageInto(ovmfPaths, opened);
    return { image, inputs: await ovmfInputHashes(ovmfPaths, image) };
  }
  const inputs: Record<string, string> = {};
  const open = async (path: string) => {
    const s = await openFileSource(path);
    opened.push(s);
    inputs[basename(path)] = (await describeInput(s)).sha256;
    return s;
  };
  const krun = await openKrunImage(args, open);
  if (krun) return { image: krun, inputs };
  return { inputs };
}
