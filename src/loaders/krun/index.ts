/**
 * `krun`: libkrun's own SEV-SNP launch, without OVMF (containers/libkrunfw e0647fa,
 * utils/krunfw_measurement.c measurement_snp; docs/platforms.md "krun"), on upstream KVM:
 *  1. qboot at 0xffff0000, the kernel at its load address and the initrd at 0xa00000, each its
 *     64 KiB-padded bundle, as NORMAL pages;
 *  2. boot_params at 0x7000 (NORMAL; vCPU count and e820 table from the RAM size);
 *  3. a ZERO page at 0, SECRETS at 0x5000, CPUID at 0x6000, ZERO pages 0x8000-0xEFFF;
 *  4. at LAUNCH_FINISH, KVM's VMSAs at 0xfffffffff000: the BSP (qboot at 0xfffffff0, RSP/RBP
 *     0x8ff0, RSI 0x7000), then every AP (0xfffffff3).
 * The plan is split at the boot_params page so that the launch-space layer can hash the bundles once
 * and extend the prefix for each vCPU count (boot_params carries the count).
 */
import { PAGE_SIZE, PageType } from '../../firmware/page-types.js';
import type { KrunBlob } from '../../images/krun/bundle.js';
import { krunBootParams } from '../../images/krun/boot-params.js';
import { UpstreamKvmSession } from '../../uapi/kvm-upstream.js';
import type { LaunchResult, LaunchUpdateParams, SessionOptions } from '../../uapi/types.js';
import { buildKrunVmsa } from '../../vmsa/profiles/krun.js';
import type { KvmGeneration } from '../../vmsa/profiles/_profile.js';

export const KRUN_QBOOT_GPA = 0xffff0000;
export const KRUN_INITRD_GPA = 0xa00000;
export const KRUN_BOOT_PARAMS_GPA = 0x7000;
/** SEV_FEATURES of libkrun's VMSAs (SNPActive; utils/vmsa.h). */
export const KRUN_SEV_FEATURES = 0x1n;
/** libkrun's guest policy is not measured; the UAPI model needs one (SMT + RSVD_MBO). */
const POLICY = 0x30000n;

export interface KrunImage {
  qboot: KrunBlob;
  kernel: KrunBlob & { loadAddr: number };
  initrd?: KrunBlob;
}

export interface KrunLaunchOptions {
  vcpus: number;
  /** Guest RAM in MiB (libkrunfw's tool defaults to 2048). */
  ramMiB: number;
  sevFeatures?: bigint;
  /** The libkrunfw dumps come from a pre-INIT2 host ('legacy', MXCSR/FCW 0, the default). */
  kvm?: KvmGeneration;
  log?: boolean;
}

const blobUpdate = (gpa: number, b: KrunBlob, what: string): LaunchUpdateParams => ({ gpa, length: b.size, type: PageType.NORMAL, data: { source: b.source, offset: 0, length: b.size }, origin: `${what} (${b.source.name}, padded to ${b.size} bytes)` });

/** Step 1: the bundles, the same for every vCPU count and RAM size. */
export function krunBlobUpdates(img: KrunImage): LaunchUpdateParams[] {
  const out = [blobUpdate(KRUN_QBOOT_GPA, img.qboot, 'qboot'), blobUpdate(img.kernel.loadAddr, img.kernel, 'kernel')];
  if (img.initrd && img.initrd.size > 0) out.push(blobUpdate(KRUN_INITRD_GPA, img.initrd, 'initrd'));
  return out;
}

/** Steps 2-3: boot_params and the fixed pages. */
export function krunTailUpdates(img: KrunImage, vcpus: number, ramMiB: number): LaunchUpdateParams[] {
  return [
    { gpa: KRUN_BOOT_PARAMS_GPA, length: PAGE_SIZE, type: PageType.NORMAL, data: krunBootParams(vcpus, ramMiB, img.initrd?.size ?? 0), origin: `boot_params (${vcpus} vCPUs, ${ramMiB} MiB RAM)` },
    { gpa: 0, length: PAGE_SIZE, type: PageType.ZERO, origin: 'zero page at 0' },
    { gpa: 0x5000, length: PAGE_SIZE, type: PageType.SECRETS, origin: 'secrets page' },
    { gpa: 0x6000, length: PAGE_SIZE, type: PageType.CPUID, origin: 'CPUID page' },
    { gpa: 0x8000, length: 0x7000, type: PageType.ZERO, origin: 'zero pages 0x8000-0xefff' },
  ];
}

/** Step 4: vCPU i's VMSA (KVM builds it from libkrun's registers at LAUNCH_FINISH). */
export function krunVcpuVmsa(i: number, o: Pick<KrunLaunchOptions, 'sevFeatures' | 'kvm'>): Uint8Array {
  return buildKrunVmsa(i === 0 ? 'bsp' : 'ap', o.sevFeatures ?? KRUN_SEV_FEATURES, o.kvm ?? 'legacy');
}

/** The whole launch (from `seed` and without the bundles when `prefix` is given: the launch-space layer). */
export async function launchKrun(img: KrunImage, o: KrunLaunchOptions, session: SessionOptions = {}, skipBlobs = false): Promise<{ result: LaunchResult; vmsas: Uint8Array[] }> {
  const features = o.sevFeatures ?? KRUN_SEV_FEATURES;
  const s = new UpstreamKvmSession({ softChecks: true, ...(o.log ? { log: true } : {}), ...session });
  s.start({ policy: POLICY, vmsaFeatures: features, vcpus: o.vcpus });
  for (const u of [...(skipBlobs ? [] : krunBlobUpdates(img)), ...krunTailUpdates(img, o.vcpus, o.ramMiB)]) await s.update(u);
  const vmsas: Uint8Array[] = [];
  for (let i = 0; i < o.vcpus; i++) {
    const v = krunVcpuVmsa(i, o);
    vmsas.push(v);
    s.setVcpuState(i, v, i === 0 ? 'libkrun BSP VMSA (qboot at 0xfffffff0, RSP/RBP 0x8ff0, RSI 0x7000)' : `libkrun AP VMSA, vCPU ${i} (0xfffffff3)`);
  }
  return { result: await s.finish(), vmsas };
}
