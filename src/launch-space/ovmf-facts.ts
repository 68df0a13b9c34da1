/**
 * What an OVMF image supports and whether QEMU launches it, for the words around a search result
 * (`match`): a qemu-kvm launch QEMU refuses is named as such, and the no-match advice suggests only
 * what the firmware can measure (no `--kernel` for a firmware without an SNP_KERNEL_HASHES section).
 * The rules are the loader layer's (src/loaders/ovmf/qemu-launchable.ts).
 */
import { SectionType } from '../images/ovmf/metadata.js';
import { hasSection, parseOvmf } from '../images/ovmf/parse.js';
import { qemuRefusals } from '../loaders/ovmf/qemu-launchable.js';
import type { SpaceImage } from './types.js';

export interface OvmfFacts {
  /** The firmware has an SNP_KERNEL_HASHES metadata section (measured direct boot). */
  kernelHashes: boolean;
  /** Why QEMU refuses an SNP launch with this many vCPUs (empty: it launches). */
  qemuRefusals(vcpus: number): string[];
}

/** The facts of an OVMF image; undefined for IGVM images. */
export async function ovmfFacts(image: SpaceImage): Promise<OvmfFacts | undefined> {
  if (image.kind !== 'ovmf') return undefined;
  const img = await parseOvmf(image.ovmf);
  return {
    kernelHashes: hasSection(img, SectionType.SNP_KERNEL_HASHES),
    qemuRefusals: (vcpus) => qemuRefusals(img, { mode: 'snp', vcpus }).map((r) => r.reason),
  };
}
