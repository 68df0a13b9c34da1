/**
 * libkrun launches in the launch space: the bundles (qboot, kernel, initrd) are hashed once; for each
 * vCPU count the krun loader's tail (boot_params carries the count, then the fixed pages) runs on
 * the KVM model from that prefix, and the VMSAs are chained (BSP once, then the AP page per vCPU).
 * Checked against a full krun launch at the smallest count, like the other enumerators.
 */
import { bytesEqual } from '../core/bytes.js';
import { hashProvider } from '../core/hash.js';
import { SnpFirmware } from '../firmware/launch-digest.js';
import { KVM_VMSA_GPA, PageType } from '../firmware/page-types.js';
import { KRUN_SEV_FEATURES, krunBlobUpdates, krunTailUpdates, krunVcpuVmsa, launchKrun } from '../loaders/krun/index.js';
import { krunImage } from '../measure/krun.js';
import { UpstreamKvmSession } from '../uapi/kvm-upstream.js';
import type { EnumerateOptions, EnumerateSummary } from './engine.js';
import type { CellVisitor, LaunchCell, LaunchSpace, SpaceImage } from './types.js';

export async function krunSpace(image: Extract<SpaceImage, { kind: 'krun' }>, space: LaunchSpace, visit: CellVisitor, opts: EnumerateOptions): Promise<EnumerateSummary> {
  const summary: EnumerateSummary = { configurations: 0, stopped: false, skipped: [] };
  if (!space.platforms.includes('krun') || space.vcpus.length === 0) return summary;
  const img = await krunImage(image);
  const start = { policy: 0x30000n, vmsaFeatures: KRUN_SEV_FEATURES, vcpus: 1 };
  const blobs = new UpstreamKvmSession({ softChecks: true });
  blobs.start(start);
  for (const u of krunBlobUpdates(img)) await blobs.update(u);
  const prefix = blobs.launchDigest;
  const sha384 = hashProvider().sha384;
  for (const kvm of space.kvm) {
    const bsp = sha384(krunVcpuVmsa(0, { kvm }));
    const ap = sha384(krunVcpuVmsa(1, { kvm }));
    const first = space.vcpus[0]!;
    const full = await launchKrun(img, { vcpus: first, ramMiB: image.ramMiB, kvm });
    for (const n of space.vcpus) {
      const tail = new UpstreamKvmSession({ softChecks: true, seed: prefix });
      tail.start({ ...start, vcpus: n });
      for (const u of krunTailUpdates(img, n, image.ramMiB)) await tail.update(u);
      const fw = new SnpFirmware({ seed: tail.launchDigest });
      fw.step(PageType.VMSA, KVM_VMSA_GPA, bsp, 'BSP VMSA');
      fw.repeatStep(PageType.VMSA, KVM_VMSA_GPA, ap, n - 1, 'AP VMSA');
      if (n === first && !bytesEqual(fw.current, full.result.digest)) throw new Error('launch-space engine: the chained digest differs from the krun launch (internal error)');
      const cell: LaunchCell = { platform: 'krun', vcpus: n, vcpuSig: 0, vcpuTypes: [], guestFeatures: KRUN_SEV_FEATURES, kvm, vmsaGpa: KVM_VMSA_GPA, kernelHashes: false };
      summary.configurations++;
      if (visit(cell, fw.current) === false) {
        summary.stopped = true;
        return summary;
      }
    }
    opts.onProgress?.(summary.configurations);
  }
  return summary;
}
