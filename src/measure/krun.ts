/**
 * libkrun (`--vmm-type krun`) measurement entry point: turns the user's files into libkrunfw's
 * bundles (src/images/krun) and runs the krun loader on the upstream KVM model
 * (src/loaders/krun; docs/platforms.md "krun").
 */
import { inputError, usageError } from '../core/errors.js';
import type { ByteSource } from '../core/source.js';
import { elfKernelBundle, isElf, rawBundle, type KrunBlob } from '../images/krun/bundle.js';
import { KRUN_QBOOT_GPA, launchKrun, type KrunImage } from '../loaders/krun/index.js';
import type { KvmGeneration } from '../vmsa/profiles/_profile.js';
import type { MeasureResult } from './types.js';

export interface KrunMeasureOptions {
  /** qboot's bios.bin (libkrunfw qboot/sev/bios.bin). */
  qboot: ByteSource;
  /** vmlinux (ELF: flattened as libkrunfw bundles it) or an already flattened kernel with `kernelGpa`. */
  kernel: ByteSource;
  /** Load address of a flattened (non-ELF) kernel. */
  kernelGpa?: number;
  initrd?: ByteSource;
  /** Guest RAM in MiB. */
  ramMiB: number;
  vcpus: number;
  /** SEV_FEATURES (default 0x1, as libkrun's VMSAs). */
  guestFeatures?: bigint;
  /** 'legacy' (default: libkrunfw's VMSA dumps, MXCSR/FCW 0) or 'init2'. */
  kvm?: KvmGeneration;
  log?: boolean;
  keepVmsas?: boolean;
}

/** The libkrunfw bundles of the user's files. */
export async function krunImage(o: Pick<KrunMeasureOptions, 'qboot' | 'kernel' | 'kernelGpa' | 'initrd'>): Promise<KrunImage> {
  const qboot = rawBundle(o.qboot);
  if (qboot.size === 0 || KRUN_QBOOT_GPA + qboot.size > 2 ** 32) {
    throw inputError('KRUN_QBOOT_SIZE', `is ${o.qboot.size} bytes; libkrun maps qboot at 0xffff0000, so it must be 1 byte to 64 KiB`, { file: o.qboot.name });
  }
  let kernel: KrunBlob & { loadAddr: number };
  if (await isElf(o.kernel)) {
    if (o.kernelGpa !== undefined) throw usageError('OPTION_CONFLICT', '--kernel-gpa applies to a flattened kernel; a vmlinux ELF gives its own load address', '--kernel-gpa');
    kernel = await elfKernelBundle(o.kernel);
  } else {
    if (o.kernelGpa === undefined) throw usageError('MISSING_OPTION', `${o.kernel.name} is not an ELF vmlinux: give its load address with --kernel-gpa (libkrunfw: 0x1000000 on x86-64)`, '--kernel-gpa');
    if (o.kernelGpa % 4096 !== 0 || o.kernelGpa < 0 || o.kernelGpa >= 2 ** 52) throw usageError('BAD_VALUE', `argument --kernel-gpa: 0x${o.kernelGpa.toString(16)} is not a page-aligned guest address`, '--kernel-gpa');
    kernel = { ...rawBundle(o.kernel), loadAddr: o.kernelGpa };
  }
  const img: KrunImage = { qboot, kernel };
  if (o.initrd) img.initrd = rawBundle(o.initrd);
  return img;
}

export async function measureKrun(o: KrunMeasureOptions): Promise<MeasureResult> {
  if (!Number.isInteger(o.vcpus) || o.vcpus < 1 || o.vcpus > 4096) throw usageError('BAD_VCPUS', `argument --vcpus: must be 1..4096, got ${o.vcpus}`, '--vcpus');
  const img = await krunImage(o);
  const { result, vmsas } = await launchKrun(img, {
    vcpus: o.vcpus,
    ramMiB: o.ramMiB,
    ...(o.guestFeatures !== undefined ? { sevFeatures: o.guestFeatures } : {}),
    ...(o.kvm ? { kvm: o.kvm } : {}),
    ...(o.log ? { log: true } : {}),
  });
  const res: MeasureResult = { digest: result.digest, algorithm: 'sha384', mode: 'snp', platform: 'krun', warnings: result.warnings };
  if (result.log) res.log = result.log;
  if (o.keepVmsas) res.vmsas = vmsas;
  return res;
}
