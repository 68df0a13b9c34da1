/**
 * The measurement log: one entry per PAGE_INFO the firmware folds into the launch digest, saying
 * where each step came from. Entries are produced by the firmware model (launch-digest.ts).
 */
import { type PageType } from './page-types.js';

export interface MeasurementLogEntry {
  /** 0-based step number. */
  index: number;
  gpa: number;
  pageType: PageType;
  /** PAGE_INFO.CONTENTS (48 bytes; zero for ZERO/UNMEASURED/SECRETS/CPUID). */
  contents: Uint8Array;
  /** Launch digest after this step. */
  digest: Uint8Array;
  /** Where the page came from, in words (e.g. "OVMF SNP_SEC_MEM section", "VMSA vCPU 2 (AP)"). */
  origin: string;
}

/** Receives log entries as they are produced; lets callers stream a log without keeping it. */
export type LogSink = (e: MeasurementLogEntry) => void;
