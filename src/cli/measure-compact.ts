/**
 * `measure --compact FILE --vcpus LIST`: the MEASUREMENT of each vCPU count from a compact launch
 * description (refvalues --format compact; src/refvalues/compact.ts) without the image. With several
 * variants in the file, --platform/--vmm-type, --vcpu-type/--vcpu-sig, --guest-features and --kvm
 * pick one.
 */
import { formatJsonDoc } from './output.js';
import { toBase64, toHex } from '../core/bytes.js';
import { inputError, usageError } from '../core/errors.js';
import { readSmallFile } from '../node/file-source.js';
import { compactFromJson, extendCompactRange, type CompactVariant } from '../refvalues/compact.js';
import { vcpuSignature, vcpuTypeSignature } from '../vmsa/vcpu-types.js';
import { get, type ParsedArgs } from './args.js';
import { SNP_LAUNCH_VERSION } from './version.js';

const IMAGE_OPTIONS = ['ovmf', 'igvm', 'kernel', 'initrd', 'append', 'kernel-sha256', 'initrd-sha256', 'ovmf-metadata', 'snp-ovmf-hash', 'svsm', 'vars-size', 'vars-file', 'mode', 'log', 'log-full', 'dump-vmsa', 'dump-vmsa-dir', 'vmsa-gpa', 'rdx', 'native-zero'];
const VMM: Record<string, string> = { QEMU: 'qemu-kvm', ec2: 'ec2', gce: 'gce' };

export async function measureCompact(args: ParsedArgs, path: string, counts: number[] | undefined): Promise<string> {
  for (const o of IMAGE_OPTIONS) if (args.values.has(o)) throw usageError('OPTION_CONFLICT', `argument --${o}: not allowed with --compact (the compact description stands for the image and its launch)`, `--${o}`);
  const one = get.num(args, 'vcpus');
  const list = counts ?? (one !== undefined ? [one] : undefined);
  if (list === undefined) throw usageError('MISSING_VCPUS', 'missing --vcpus N (a count, list or range) with --compact', '--vcpus');
  if (list.some((n) => n < 1)) throw usageError('BAD_VCPUS', 'argument --vcpus: must be at least 1', '--vcpus');
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await readSmallFile(path, 64 << 20)));
  } catch (e) {
    if ((e as { code?: string }).code !== undefined && !(e instanceof SyntaxError)) throw e;
    throw inputError('BAD_COMPACT', `is not valid JSON (${(e as Error).message})`, { file: path });
  }
  const v = pick(compactFromJson(doc, path).variants, args, path);
  const rows: { vcpus: number; d: Uint8Array }[] = [];
  extendCompactRange(v, list, (vcpus, d) => rows.push({ vcpus, d: d.slice() }));
  const b64 = get.str(args, 'output-format') === 'base64';
  if (get.flag(args, 'json')) {
    const variant = { platform: v.platform, ...(v.vcpuType ? { vcpuType: v.vcpuType } : {}), vcpuSig: '0x' + v.vcpuSig.toString(16).padStart(8, '0'), guestFeatures: '0x' + v.guestFeatures.toString(16), kvm: v.kvm };
    return formatJsonDoc('measure-compact', 1, { compact: path, variant, digests: rows.map((r) => ({ vcpus: r.vcpus, measurement: toHex(r.d) })) });
  }
  const fmt = (d: Uint8Array) => (b64 ? toBase64(d) : toHex(d));
  if (counts === undefined) return fmt(rows[0]!.d) + '\n';
  return rows.map((r) => `${r.vcpus}\t${fmt(r.d)}`).join('\n') + '\n';
}

/** The one variant the options select. */
function pick(all: CompactVariant[], args: ParsedArgs, path: string): CompactVariant {
  const platform = get.str(args, 'platform') ?? (get.str(args, 'vmm-type') !== undefined ? VMM[get.str(args, 'vmm-type')!] ?? get.str(args, 'vmm-type') : undefined);
  const family = get.num(args, 'vcpu-family');
  const sigBig = get.big(args, 'vcpu-sig');
  const type = get.str(args, 'vcpu-type');
  const sig = family !== undefined ? vcpuSignature(family, get.num(args, 'vcpu-model') ?? 0, get.num(args, 'vcpu-stepping') ?? 0) : sigBig !== undefined ? Number(sigBig) : type !== undefined ? vcpuTypeSignature(type) : undefined;
  const features = get.big(args, 'guest-features');
  const kvm = get.str(args, 'kvm');
  const ok = all.filter(
    (v) =>
      (platform === undefined || v.platform === platform) &&
      (sig === undefined || v.vcpuSig === sig || v.platform !== 'qemu-kvm') &&
      (features === undefined || v.guestFeatures === features) &&
      (kvm === undefined || v.kvm === kvm || v.platform !== 'qemu-kvm'),
  );
  const names = (vs: CompactVariant[]) => vs.map((v) => `${v.platform} ${v.vcpuType ?? '0x' + v.vcpuSig.toString(16)} SEV_FEATURES 0x${v.guestFeatures.toString(16)} ${v.kvm}`).join('; ');
  if (ok.length === 0) throw inputError('COMPACT_NO_VARIANT', `has no variant for the options given (it has: ${names(all)})`, { file: path });
  if (ok.length > 1) throw usageError('COMPACT_AMBIGUOUS', `${path} has ${ok.length} variants for these options (${names(ok)}); pick one with --platform, --vcpu-type/--vcpu-sig, --guest-features or --kvm`, '--compact');
  return ok[0]!;
}
