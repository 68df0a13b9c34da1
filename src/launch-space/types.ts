/**
 * The launch-space layer's public types: which launches to enumerate (LaunchSpace), one launch
 * configuration (LaunchCell), and the image they launch. The layer sits above the firmware model:
 * it enumerates configurations and shares work, but every digest still comes from the OVMF/IGVM
 * loaders, the KVM UAPI model and the firmware model (docs/launch-space.md).
 */
import type { ByteSource } from '../core/source.js';
import type { KernelInputs } from '../measure/by-hash.js';
import type { IgvmMeasureOptions } from '../measure/types.js';
import { OVMF_PLATFORMS, type DirectPlatform, type IgvmPlatform, type OvmfPlatform } from '../core/platforms.js';
import type { KvmGeneration } from '../vmsa/profiles/_profile.js';

/** OVMF launch platforms (VMM profiles) of sev-snp-measure: QEMU/KVM, AWS EC2, Google GCE (src/core/platforms.ts). */
export type { OvmfPlatform };
export const OVMF_SPACE_PLATFORMS: readonly OvmfPlatform[] = OVMF_PLATFORMS;

/** The image whose launches are enumerated. Files are ByteSources (Node files, Blobs, bytes). */
export type SpaceImage =
  | ({
      kind: 'ovmf';
      ovmf: ByteSource;
      /** The firmware pages' digest (snp:ovmf-hash): the pages are not read (an `ovmf metadata` source has none). */
      snpOvmfHash?: Uint8Array;
    } & KernelInputs)
  | {
      kind: 'igvm';
      igvm: ByteSource;
      /**
       * Options every launch of the file takes, as `measure --igvm` passes them: the expected
       * SEV_FEATURES (kvm-vmsa-page / kvm-direct-vmsa refuse a VMSA that differs), igvmmeasure's
       * --native-zero, and cloud-hypervisor-kvm's measured direct boot (kernel, initrd, command line,
       * or their hashes: the `kernelHashes` axis turns that block on and off).
       */
      launch?: IgvmLaunchOptions;
    }
  /** libkrun: its bundles' files, the RAM size (in boot_params) and a flattened kernel's load address. */
  | { kind: 'krun'; qboot: ByteSource; kernel: ByteSource; kernelGpa?: number; initrd?: ByteSource; ramMiB: number };

/** What a launch of an IGVM file takes besides the platform, vCPU count and signature. */
export type IgvmLaunchOptions = Pick<IgvmMeasureOptions, 'guestFeatures' | 'nativeZero' | 'kernel' | 'initrd' | 'append' | 'kernelSha256' | 'initrdSha256'>;

/** The image kinds a space can enumerate. */
export type SpaceKind = SpaceImage['kind'];
/** Every platform a launch space can name. */
export type SpacePlatform = OvmfPlatform | IgvmPlatform | DirectPlatform;

/**
 * A launch space: every combination of the listed values is one configuration per vCPU count.
 * Absent members take the defaults of docs/launch-space.md (defaultSpace). Axes a platform does not
 * have are not multiplied for it (EC2 and GCE write a fixed RDX, GCE fixed features, ...): the
 * platform's own rules decide which values apply (see variantsFor).
 */
export interface LaunchSpace {
  platforms: readonly SpacePlatform[];
  /** vCPU counts, ascending, each 1..4096. */
  vcpus: readonly number[];
  /** RDX values for QEMU/KVM (CPUID(1).EAX); ignored by EC2/GCE (whose RDX is in their own lists). */
  vcpuSigs: readonly number[];
  /** SEV_FEATURES values (KVM_SEV_INIT2 vmsa_features). */
  guestFeatures: readonly bigint[];
  kvm: readonly KvmGeneration[];
  /** VMSA GPAs KVM may measure at (0xFFFFFFFFF000; 0xFFFFFFFFFF000 on pre-v9 52-bit hosts and GCE Genoa). */
  vmsaGpas: readonly number[];
  /** Kernel-hashes gate (OVMF with --kernel): true = the table page is measured, false = zero pages as without a kernel. */
  kernelHashes: readonly boolean[];
  /** RDX values of the EC2 and GCE profiles (EC2: 0 before 2026, 0x600 now; GCE 0x600, fixed in the default space). */
  cloudRdx: readonly number[];
  /** true: the space is the documented default (historically plausible combinations only, see defaultSpace). */
  historical?: boolean;
}

/** One launch configuration, with the vCPU count. */
export interface LaunchCell {
  platform: SpacePlatform;
  vcpus: number;
  /** The value in RDX of the VMSAs (for EC2/GCE their fixed value; for IGVM qemu-kvm the APs' RDX). */
  vcpuSig: number;
  /** QEMU -cpu names or silicon with this signature (for QEMU/KVM); empty elsewhere. */
  vcpuTypes: readonly string[];
  guestFeatures: bigint;
  kvm: KvmGeneration;
  vmsaGpa: number;
  kernelHashes: boolean;
}

/** Per-configuration callback: return `false` to stop the enumeration. Both arguments are valid during the call only (copy to keep). */
export type CellVisitor = (cell: LaunchCell, digest: Uint8Array) => boolean | void;
