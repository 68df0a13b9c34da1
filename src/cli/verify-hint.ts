/**
 * `report verify` with image options: when the predicted MEASUREMENT differs from the report's, say
 * which launch of the same image would have produced it (issue 8 item 4), e.g. "the report matches
 * qemu-kvm, 8 vCPUs, EPYC-Milan ... — you predicted 4 vCPUs, SEV_FEATURES 0x1". Searches the
 * default launch space of the image (docs/launch-space.md) around the given options.
 */
import { KVM_VMSA_GPA } from '../firmware/page-types.js';
import { defaultSpace, describeCell, featureWords, measureCommand, searchMeasurement, type ImagePaths, type LaunchCell } from '../launch-space/index.js';
import type { MeasureRequest } from '../measure/request.js';
import { kernelGiven } from '../measure/by-hash.js';
import { openSpaceImage, requestImagePaths } from './space-image.js';

const hex = (v: number | bigint): string => '0x' + v.toString(16);

/** The image files named by the options (--ovmf with --kernel/--initrd/--append, or --igvm), without checking launch options. */
export function imagePathsOf(v: { ovmf?: string; igvm?: string; kernel?: string; initrd?: string; append?: string }): ImagePaths | undefined {
  if (v.igvm !== undefined) return { kind: 'igvm', igvm: v.igvm };
  if (v.ovmf === undefined) return undefined;
  const p: ImagePaths = { kind: 'ovmf', ovmf: v.ovmf };
  if (v.kernel !== undefined) p.kernel = v.kernel;
  if (v.initrd !== undefined) p.initrd = v.initrd;
  if (v.append !== undefined) p.append = v.append;
  return p;
}

/**
 * The sentence to add to a failed measurement check, or undefined when the request is not an SNP
 * launch. `req` (the full launch the user predicted) is optional: with --refvalues the image files
 * alone are enough, and the answer then does not compare with a prediction.
 */
export async function measurementHint(target: MeasureRequest | ImagePaths, measurement: Uint8Array, preferSig?: number): Promise<string | undefined> {
  const req = 'paths' in target ? target : undefined;
  if (req?.kind === 'ovmf' && req.mode !== 'snp') return undefined;
  const paths = req ? requestImagePaths(req) : (target as ImagePaths);
  const { image, close } = await openSpaceImage(paths);
  try {
    const booted = image.kind === 'ovmf' ? kernelGiven(image) : image.kind === 'igvm' && image.launch !== undefined && kernelGiven(image.launch);
    const space = defaultSpace(image.kind, booted);
    if (req !== undefined && req.kind !== 'krun' && req.vcpuSig !== undefined && !space.vcpuSigs.includes(req.vcpuSig)) space.vcpuSigs = [...space.vcpuSigs, req.vcpuSig];
    const r = await searchMeasurement(image, space, measurement, preferSig !== undefined ? { preferSig } : {});
    const best = r.matches[0];
    if (!best) return `no launch of this image in the default space (${r.configurations.toLocaleString('en-US')} configurations) gives the report's MEASUREMENT: the firmware, kernel, initrd or cmdline bytes differ (snp-launch match says more)`;
    const diff = req ? differences(best, req) : '';
    return `the report matches ${describeCell(best)}${diff ? ` — you predicted ${diff}` : ''}; reproduce: ${measureCommand(best, paths)}`;
  } finally {
    await close();
  }
}

/** The predicted request's values on the axes where the match differs. */
function differences(c: LaunchCell, req: MeasureRequest): string {
  const out: string[] = [];
  if (c.platform !== req.platform) out.push(req.platform);
  const vcpus = req.vcpus ?? 1;
  if (c.vcpus !== vcpus) out.push(`${vcpus} vCPU${vcpus === 1 ? '' : 's'}`);
  if (req.kind !== 'krun' && req.vcpuSig !== undefined && c.vcpuSig !== req.vcpuSig && c.platform === 'qemu-kvm') out.push(`vCPU signature ${hex(req.vcpuSig)}${req.vcpuType ? ` (${req.vcpuType})` : ''}`);
  if (req.kind === 'ovmf') {
    const f = req.guestFeatures ?? 1n;
    if (c.guestFeatures !== f) out.push(`SEV_FEATURES ${hex(f)} (${featureWords(f)})`);
    if (c.platform === 'qemu-kvm' && c.kvm !== (req.kvm ?? 'init2')) out.push(`KVM ${req.kvm ?? 'init2'}`);
    if (c.vmsaGpa !== (req.vmsaGpa ?? KVM_VMSA_GPA)) out.push(`VMSA GPA ${hex(req.vmsaGpa ?? KVM_VMSA_GPA)}`);
    const k = req.paths.kernel !== undefined || req.kernelSha256 !== undefined;
    if (c.kernelHashes !== k) out.push(k ? 'the kernel-hashes page measured' : 'no kernel hashes');
  }
  return out.join(', ');
}
