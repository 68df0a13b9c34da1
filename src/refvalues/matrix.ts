/**
 * A reference-values matrix: the cartesian product of the `measure` options a fleet launches an
 * image with (platforms × vCPU types × SEV_FEATURES × KVM generations × vCPU counts), one cell per
 * `measure` invocation. The digests come from the launch-space engine (one pass, shared work:
 * src/launch-space); cells that a platform does not distinguish (EC2/GCE write RDX 0x600 whatever
 * the vCPU type, and their VMSAs do not depend on the KVM generation) share one digest, exactly as
 * `measure` gives them the same digest.
 */
import { inputError, usageError } from '../core/errors.js';
import { KVM_VMSA_GPA } from '../firmware/page-types.js';
import { forEachDigest, type LaunchSpace, type SpaceImage } from '../launch-space/index.js';
import type { KvmGeneration } from '../vmsa/profiles/_profile.js';
import { MAX_REFVALUE_CELLS, type RefCell } from './types.js';
import { kernelGiven } from '../measure/by-hash.js';

/** One vCPU model of the matrix: a QEMU -cpu name and its signature, or a bare signature. */
export interface MatrixCpu {
  type?: string;
  sig: number;
}

export interface RefMatrix {
  platforms: readonly string[];
  vcpus: readonly number[];
  /** Default: signature 0 (what `measure` uses without --vcpu-type/--vcpu-sig). */
  cpus?: readonly MatrixCpu[];
  /** OVMF only (IGVM files carry their own SEV_FEATURES). Default [0x1]. */
  guestFeatures?: readonly bigint[];
  /** Default ['init2'] (measure's default). */
  kvm?: readonly KvmGeneration[];
}

/** EC2 and GCE VMSAs carry this RDX whatever the vCPU type (sev-snp-measure 0.0.13). */
const CLOUD_RDX = 0x600;

/** Number of cells of a matrix (before computing anything). */
export function matrixSize(m: RefMatrix): number {
  return m.platforms.length * m.vcpus.length * (m.cpus?.length || 1) * (m.guestFeatures?.length || 1) * (m.kvm?.length || 1);
}

/**
 * The cells of `m` for `image`, in a fixed order (platform, vCPU model, features, KVM generation,
 * vCPU count, each as listed), so the same inputs always give the same document.
 */
export async function matrixCells(image: SpaceImage, m: RefMatrix): Promise<RefCell[]> {
  const size = matrixSize(m);
  if (size === 0) throw usageError('EMPTY_MATRIX', 'the reference-value matrix is empty (give at least one platform and vCPU count)', '--vcpus');
  if (size > MAX_REFVALUE_CELLS) {
    throw usageError('MATRIX_TOO_LARGE', `the matrix has ${size.toLocaleString('en-US')} cells, more than the bound of ${MAX_REFVALUE_CELLS.toLocaleString('en-US')} (narrow --vcpus or the lists)`, '--vcpus');
  }
  const cpus = m.cpus?.length ? m.cpus : [{ sig: 0 }];
  const features = m.guestFeatures?.length ? m.guestFeatures : [1n];
  // libkrun's VMSAs come from a pre-INIT2 host (MXCSR/FCW 0): its default generation is legacy.
  const kvms = m.kvm?.length ? m.kvm : image.kind === 'krun' ? (['legacy'] as const) : (['init2'] as const);
  if (image.kind !== 'ovmf' && m.guestFeatures?.length) throw usageError('OPTION_CONFLICT', '--guest-features applies to --ovmf images (an IGVM file carries its own SEV_FEATURES, libkrun writes 0x1)', '--guest-features');
  const sigs = [...new Set(cpus.map((c) => c.sig))];
  const digests = new Map<string, { d: Uint8Array; f: bigint }>();
  const keyOf = (platform: string, sig: number, f: bigint, kvm: string, vcpus: number): string => {
    if (platform === 'ec2' || platform === 'gce') return `${platform}|${f}|${vcpus}`;
    if (image.kind === 'krun') return `${platform}|${kvm}|${vcpus}`;
    if (image.kind === 'igvm') return platform === 'qemu-kvm' ? `${platform}|${sig}|${vcpus}` : `${platform}|${vcpus}`;
    return `${platform}|${sig}|${f}|${kvm}|${vcpus}`;
  };
  for (const platform of m.platforms) {
    const space: LaunchSpace = {
      platforms: [platform as LaunchSpace['platforms'][number]],
      vcpus: m.vcpus,
      vcpuSigs: sigs,
      guestFeatures: features,
      kvm: kvms,
      vmsaGpas: [KVM_VMSA_GPA],
      kernelHashes: [image.kind === 'ovmf' ? kernelGiven(image) : image.kind === 'igvm' && image.launch !== undefined && kernelGiven(image.launch)],
      cloudRdx: [CLOUD_RDX],
    };
    const sum = await forEachDigest(image, space, (cell, digest) => {
      digests.set(keyOf(cell.platform, cell.vcpuSig, cell.guestFeatures, cell.kvm, cell.vcpus), { d: digest.slice(), f: cell.guestFeatures });
    });
    const skipped = sum.skipped.find((s) => s.platform === platform);
    // The image (or its kernel) is at fault, not the option: an input error (exit 1), as `measure` says it.
    if (skipped) throw inputError('PLATFORM_CANNOT_LAUNCH', `${platform} cannot launch it: ${skipped.reason}`, { file: image.kind === 'ovmf' ? image.ovmf.name : image.kind === 'igvm' ? image.igvm.name : image.qboot.name });
  }
  const cells: RefCell[] = [];
  for (const platform of m.platforms) {
    for (const cpu of cpus) {
      for (const f of image.kind !== 'ovmf' ? [undefined] : features) {
        for (const kvm of kvms) {
          for (const vcpus of m.vcpus) {
            const got = digests.get(keyOf(platform, cpu.sig, f ?? 0n, kvm, vcpus));
            if (!got) throw new Error(`refvalues: the launch-space engine gave no digest for ${platform} ${vcpus} vCPUs (internal error)`);
            cells.push({
              platform,
              vcpus,
              ...(cpu.type !== undefined ? { vcpuType: cpu.type } : {}),
              vcpuSig: cpu.sig,
              guestFeatures: got.f,
              kvm,
              measurement: got.d,
            });
          }
        }
      }
    }
  }
  return cells;
}
