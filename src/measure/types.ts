/**
 * The library's measurement API types, shared by the OVMF path (ovmf.ts), the IGVM path (igvm.ts),
 * the CLI, attestation checks and the explorer. Inputs are ByteSources so the same calls work on
 * files (Node edge), Blobs (browser) and in-memory bytes.
 */
import type { ByteSource } from '../core/source.js';
import type { KernelInputs } from './by-hash.js';
import type { MeasurementLogEntry } from '../firmware/log.js';
import type { KvmGeneration } from '../vmsa/profiles/_profile.js';
import type { QemuLaunchability } from '../loaders/ovmf/qemu-launchable.js';

/** sev-snp-measure modes. */
export type OvmfMode = 'snp' | 'seves' | 'sev' | 'snp:ovmf-hash' | 'snp:svsm';
/** VMM types for OVMF launches (sev-snp-measure --vmm-type names). */
export type VmmType = 'QEMU' | 'ec2' | 'gce';

/** Kernel, initrd and command line (measured direct boot), each file or its SHA-256 (by-hash.ts). */
export interface OvmfMeasureOptions extends KernelInputs {
  mode: OvmfMode;
  ovmf: ByteSource;
  /** Number of vCPUs (VMSAs); required for snp, seves, snp:svsm. */
  vcpus?: number;
  vmm?: VmmType; // default QEMU
  /** CPUID(1).EAX signature for RDX (QEMU); required by QEMU for snp/seves/snp:svsm. */
  vcpuSig?: number;
  /** SEV_FEATURES for mode snp (default 0x1). */
  guestFeatures?: bigint;
  /** 48-byte seed replacing the OVMF pages (mode snp only). */
  snpOvmfHash?: Uint8Array;
  /** snp:svsm inputs. */
  svsm?: ByteSource;
  varsSize?: number;
  /** Host KVM generation: 'init2' (default; MXCSR/FCW 0x1F80/0x037F in QEMU VMSAs) or 'legacy' (0/0). */
  kvm?: KvmGeneration;
  /** GPA at which KVM measures the VMSAs (default 0xFFFFFFFFF000; 0xFFFFFFFFFF000 on pre-v9 52-bit hosts / GCE Genoa). */
  vmsaGpa?: number;
  /** RDX for vmm ec2/gce instead of their fixed 0x600 (EC2 before 2026: 0); QEMU's RDX is vcpuSig. */
  rdx?: number;
  /** Keep the measurement log (per PAGE_INFO step). */
  log?: boolean;
  /** Keep the VMSA pages that were measured (for --dump-vmsa). */
  keepVmsas?: boolean;
}

export interface MeasureResult {
  /** 48 bytes for SNP modes, 32 bytes (SHA-256) for sev/seves. */
  digest: Uint8Array;
  /** 'sha384' for SNP, 'sha256' for SEV / SEV-ES. */
  algorithm: 'sha384' | 'sha256';
  /** Mode or platform label, e.g. "snp", "seves", "openvmm". */
  mode: string;
  /** "qemu-kvm" | "ec2" | "gce" | an IGVM platform id. */
  platform: string;
  /** The measurement log when requested (SNP modes only). */
  log?: MeasurementLogEntry[];
  /** VMSA pages measured, in order, when requested. */
  vmsas?: Uint8Array[];
  /** Things the user should know (ignored options, assumptions). */
  warnings: string[];
  /** IGVM only: the file's SNP_ID_BLOCK and whether its launch digest equals this digest. */
  idBlock?: IdBlockCheck;
  /**
   * OVMF on QEMU (modes snp and seves): whether QEMU would launch this at all
   * (src/loaders/ovmf/qemu-launchable.ts). When not, `warnings` also carries one sentence saying why.
   */
  launchable?: QemuLaunchability;
}

/** An SNP_ID_BLOCK carried by an image, checked against a computed digest (issue 3, item 7). */
export interface IdBlockCheck {
  present: boolean;
  /** ID block ld == the computed launch digest. */
  matches: boolean;
  /** The ID block's ld, lowercase hex. */
  expected: string;
}

/** IGVM measurement platforms: defined at the bottom layer (src/core/platforms.ts), re-exported here for existing importers. */
import type { IgvmPlatform } from '../core/platforms.js';
export { IGVM_PLATFORMS, type IgvmPlatform } from '../core/platforms.js';

export interface IgvmMeasureOptions {
  igvm: ByteSource;
  platform: IgvmPlatform;
  /** vCPU count (default 1); only qemu-kvm depends on it. */
  vcpus?: number;
  /** CPUID(1).EAX for AP VMSAs (qemu-kvm with vcpus > 1). */
  vcpuSig?: number;
  /** igvmmeasure --native-zero: NORMAL pages without data measured as ZERO. */
  nativeZero?: boolean;
  /** Expected SEV_FEATURES (kvm-vmsa-page / kvm-direct-vmsa reject a VMSA that differs). */
  guestFeatures?: bigint;
  /** cloud-hypervisor-kvm measured boot: kernel, optional initrd and command line (all needed but the initrd); files or SHA-256 values. */
  kernel?: ByteSource;
  initrd?: ByteSource;
  append?: string;
  kernelSha256?: Uint8Array;
  initrdSha256?: Uint8Array;
  log?: boolean;
  keepVmsas?: boolean;
}
