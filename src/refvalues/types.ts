/**
 * The reference-values document model (docs/refvalues.md): the launch configurations (cells) of one
 * image with their MEASUREMENT, plus the report fields a verifier pins for every cell. Every output
 * format (json, CoRIM, RVPS, go-sev-guest) is an encoding of this model.
 */
import type { KvmGeneration } from '../vmsa/profiles/_profile.js';

/** One launch configuration and its MEASUREMENT. Cells from `--measurement` have platform "external". */
export interface RefCell {
  platform: string;
  vcpus?: number;
  /** The QEMU -cpu name the cell was asked for (absent for --vcpu-sig or external digests). */
  vcpuType?: string;
  /** CPUID(1).EAX the launch was asked for (ec2/gce ignore it and write RDX 0x600, as `measure` does). */
  vcpuSig?: number;
  guestFeatures?: bigint;
  kvm?: KvmGeneration;
  /** 48 bytes. */
  measurement: Uint8Array;
}

/** Report fields every cell pins. Absent = not pinned (any value passes). */
export interface PinnedFields {
  /** GUEST POLICY, the report's u64 (exact). */
  policy?: bigint;
  /** HOST_DATA, 32 bytes (exact). */
  hostData?: Uint8Array;
  /** ID_KEY_DIGEST, 48 bytes (exact). */
  idKeyDigest?: Uint8Array;
  /** AUTHOR_KEY_DIGEST, 48 bytes (exact). */
  authorKeyDigest?: Uint8Array;
  /** FAMILY_ID, 16 bytes (exact). */
  familyId?: Uint8Array;
  /** IMAGE_ID, 16 bytes (exact). */
  imageId?: Uint8Array;
  /** Minimum TCB as the report's raw u64 (each component of REPORTED_TCB must be at or above). */
  minTcb?: bigint;
  /** GUEST_SVN (exact). */
  guestSvn?: number;
}

export interface ReferenceValues {
  /** "snp-launch <version>". */
  tool: string;
  /** Input file names → SHA-256 (hex) of their bytes. */
  inputs: Record<string, string>;
  pinned: PinnedFields;
  cells: RefCell[];
}

/** Pinned field names in the order they are written and checked. */
export const PINNED_FIELDS = ['policy', 'hostData', 'idKeyDigest', 'authorKeyDigest', 'familyId', 'imageId', 'minTcb', 'guestSvn'] as const;
export type PinnedField = (typeof PINNED_FIELDS)[number];

/** Byte lengths of the pinned byte fields (the report's field sizes). */
export const PINNED_BYTES: Partial<Record<PinnedField, number>> = { hostData: 32, idKeyDigest: 48, authorKeyDigest: 48, familyId: 16, imageId: 16 };

/** Upper bound of cells in one document (a 4,608-cell matrix is ~1 MB of CoRIM; this bounds memory). */
export const MAX_REFVALUE_CELLS = 100_000;
