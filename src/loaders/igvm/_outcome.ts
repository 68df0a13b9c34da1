/** What an IGVM platform loader returns, and defaults shared by the loaders. */
import type { LaunchResult } from '../../uapi/types.js';

export interface IgvmLaunchOutcome {
  result: LaunchResult;
  /** The VMSA pages measured, in measurement order. */
  vmsas: Uint8Array[];
}

/** Policy used when the file has no GUEST_POLICY for SEV-SNP: SMT + RSVD_MBO (it is not measured). */
export const DEFAULT_IGVM_POLICY = 0x30000n;
