/**
 * The launch-call interface between VMM loaders and kernel UAPI models. A loader (QEMU, EC2, GCE,
 * OpenVMM, Cloud Hypervisor ...) turns an image into these calls; a UAPI model (upstream KVM, KVM with
 * the VMSA page type, KVM with per-vCPU VMSA GPAs, MSHV) checks them as the kernel would and turns
 * them into firmware operations on an SnpFirmware. The calls mirror KVM_SEV_SNP_LAUNCH_START /
 * _UPDATE / _FINISH (specs/kvm-snp-launch.md §1) plus "set this vCPU's register state".
 */
import type { ByteSource } from '../core/source.js';
import type { PageType } from '../firmware/page-types.js';
import type { MeasurementLogEntry, LogSink } from '../firmware/log.js';

export interface LaunchStartParams {
  /** Guest policy (KVM_SEV_SNP_LAUNCH_START.policy). */
  policy: bigint;
  /** KVM_SEV_INIT2.vmsa_features (SEV_FEATURES the kernel writes into VMSAs it builds). */
  vmsaFeatures: bigint;
  /** Number of vCPUs created before LAUNCH_START. */
  vcpus: number;
  /** Guest memory size in bytes, when known (bounds checks for VMSA GPAs). */
  guestMemory?: number;
  /** kvm_sev_snp_launch_start.flags; KVM requires 0. */
  flags?: number;
  /**
   * The KVM_X86_SNP_POLICY_BITS attribute of newer kernels. Absent: the fixed rules of the sev.c
   * version in specs/kvm-snp-launch.md §1.4 (allowed bits 0-17, 19, 20; SMT required; SINGLE_SOCKET rejected).
   */
  supportedPolicyBits?: bigint;
  /** The KVM_X86_SEV_VMSA_FEATURES attribute; when given, vmsaFeatures must be a subset (KVM_SEV_INIT2). */
  supportedVmsaFeatures?: bigint;
}

/**
 * Page data for an update: in-memory bytes, or a range of a ByteSource (streamed, never read whole).
 * Data shorter than the update's length is zero-padded (IGVM page data may be short).
 */
export type PageData = Uint8Array | { source: ByteSource; offset: number; length: number };

export interface LaunchUpdateParams {
  /** Guest physical address of the first page (gfn_start << 12). */
  gpa: number;
  /** Bytes; the kernel requires a multiple of 4096. */
  length: number;
  /** KVM_SEV_SNP_PAGE_TYPE_* (same values as the firmware page types). */
  type: PageType;
  /** Contents for NORMAL/VMSA/CPUID/SECRETS pages (ignored for ZERO/UNMEASURED). */
  data?: PageData;
  /** For the VMSA page type on variants that bind it to a vCPU (direct-vmsa). */
  vcpu?: number;
  /** Where these pages come from, in words; becomes the log entries' origin. */
  origin: string;
  /** kvm_sev_snp_launch_update.flags; KVM requires 0. */
  flags?: number;
}

export interface LaunchFinishParams {
  /** 96-byte ID block, when id_block_en. */
  idBlock?: Uint8Array;
  /** 4096-byte ID auth structure. */
  idAuth?: Uint8Array;
  /** 32 bytes of host data. */
  hostData?: Uint8Array;
  /** auth_key_en (only meaningful with an ID block). */
  authKeyEn?: boolean;
  /** vcek_disabled (vlek_required in earlier kernels). */
  vcekDisabled?: boolean;
  /** kvm_sev_snp_launch_finish.flags; KVM requires 0. */
  flags?: number;
}

export interface LaunchResult {
  /** The launch digest (MEASUREMENT), 48 bytes. */
  digest: Uint8Array;
  /** PAGE_INFO steps folded in. */
  steps: number;
  /** The measurement log, when requested. */
  log?: MeasurementLogEntry[];
  /** Non-fatal observations (e.g. a VMSA whose sev_features the kernel would overwrite). */
  warnings: string[];
  /** Finish parameters as accepted. */
  finish: LaunchFinishParams;
}

export interface SessionOptions {
  /** Keep the log (true) or stream it (a sink). */
  log?: boolean | LogSink;
  /** Initial digest instead of 48 zero bytes (sev-snp-measure's --snp-ovmf-hash). */
  seed?: Uint8Array;
  /**
   * Report the checks that do not change a digest (policy bits, a page made private twice, the ID
   * block's digest at FINISH) as warnings instead of rejecting the call. Measurement paths that follow
   * specs/platforms.md use this; replay and the typed API default to rejecting like KVM.
   */
  softChecks?: boolean;
  /**
   * GPA at which upstream KVM measures the VMSAs it builds at LAUNCH_FINISH (default 0xFFFFFFFFF000).
   * Pre-v9 SNP host patches truncated -1 to MAXPHYADDR: 0xFFFFFFFFFF000 on 52-bit (Genoa) hosts,
   * and GCE measures that on Genoa (specs/launch-space.md §2.2, §2.5).
   */
  vmsaGpa?: number;
}

/** The kernel UAPI variants snp-launch models (specs/kvm-snp-launch.md §1, §2, §3.2). */
export type KvmUapi = 'upstream' | 'vmsa-page' | 'direct-vmsa';
export const KVM_UAPIS: readonly KvmUapi[] = ['upstream', 'vmsa-page', 'direct-vmsa'];

/** One SNP launch through a kernel UAPI model. Every method throws LaunchRejectedError like KVM would. */
export interface LaunchSession {
  readonly uapi: string;
  start(p: LaunchStartParams): void;
  update(p: LaunchUpdateParams): Promise<void>;
  /**
   * The register state of vCPU `vcpu` as a full 4096-byte VMSA (what the kernel would build from it).
   * Upstream KVM measures these at FINISH; the other variants may ignore or reject them.
   */
  setVcpuState(vcpu: number, vmsa: Uint8Array, origin: string): void;
  /** KVM_SEV_SNP_LAUNCH_FINISH: measures what the variant adds at the end and returns the digest. */
  finish(p?: LaunchFinishParams): Promise<LaunchResult>;
}
