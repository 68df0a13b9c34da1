/**
 * Messages between the explorer page and its measurement worker. Files cross as File/Blob objects
 * (structured clone shares the underlying data, nothing is copied or uploaded); results come back
 * as plain data with typed arrays.
 */

export type ImageKind = 'ovmf' | 'igvm';

/** The form, as the user filled it in. Empty fields are absent. */
export interface FormValues {
  image: File;
  kernel?: File;
  initrd?: File;
  append?: string;
  vcpus: number;
  /** A --vcpu-type name. */
  vcpuType?: string;
  /** "0x…" text as typed (validated in the worker, like the CLI's --guest-features). */
  guestFeatures?: string;
}

/** One step of a measurement log, as sent to the page. */
export interface LogEntryData {
  index: number;
  gpa: number;
  pageType: number;
  contents: Uint8Array;
  digest: Uint8Array;
  origin: string;
}

export interface RowData {
  /** e.g. "qemu-kvm/snp", "ec2/seves", "kvm-vmsa-page". */
  id: string;
  image: ImageKind;
  platform: string;
  mode: string;
  /** The equivalent CLI command line. */
  cli: string;
  /** Lowercase hex; absent when the platform cannot launch this input. */
  digest?: string;
  algorithm?: 'sha384' | 'sha256';
  /** Why there is no digest (the library's error message). */
  reason?: string;
  warnings: string[];
  /** Set when QEMU would refuse this launch (the digest is still the reference's): why, one sentence each. */
  refused?: string[];
  /** SNP rows: the measurement log. */
  log?: LogEntryData[];
  vcpus: number;
  ms: number;
}

export interface DivergenceData {
  /** Index into the aligned rows of the first step where the two launch digests differ; -1 when they never do. */
  alignedIndex: number;
  /** How the two sides are named in the text. */
  labelA: string;
  labelB: string;
  /** The first differing step (0-based), when both sides have a log. */
  index?: number;
  /** src/explain DivergenceKind, e.g. "vmsa-placement". */
  kind?: string;
  /** Each side's step at that index, in words ("VMSA at 0xfffffffff000 (…)"). */
  stepA?: string;
  stepB?: string;
  /** Why they differ: the `why:` line of `snp-launch portability`, or why no step comparison is possible. */
  text: string;
}

/** One row of an aligned pair of logs: either side may be missing (an insertion). */
export interface AlignedPair {
  a?: LogEntryData;
  b?: LogEntryData;
  /** The two entries measure the same page the same way (same GPA, type and contents). */
  same: boolean;
}

export interface DiffSide {
  rowId: string;
  vcpus: number;
}

/** Whether the report's signature and chain were verified: the first thing the report check says. */
export type SignatureVerdict = 'verified' | 'failed' | 'unchecked';

/** One check line; `info` lines (e.g. a check that could not run) count neither for nor against. */
export interface CheckLine {
  ok: boolean;
  text: string;
  info?: boolean;
}

/**
 * What the report check takes beside the report, certificate and CRL (issue 19 item 5): cloud
 * endorsements and bindings (ACI UVM endorsement, Kata initdata, ACI policy, GCE launch
 * endorsement), the GCE root and vCPU count, and the `report verify --allow-*` relaxations.
 */
export interface ReportExtras {
  endorsements: File[];
  gceRoot?: File;
  gceVcpus?: number;
  /** Azure HCL: the vTPM attestation key the runtime data must carry (report verify --ak-pub). */
  akPub?: File;
  /** ACI UVM endorsement pins (report verify --uvm-did, --uvm-feed, --uvm-min-svn); defaults as there. */
  uvmDid?: string;
  uvmFeed?: string;
  uvmMinSvn?: number;
  allowDebug?: boolean;
  allowMigrateMa?: boolean;
  allowProvisionalFirmware?: boolean;
}

/** The checks one file beside the report (or the report file itself: HCL binding, GCE in its table) gave. */
export interface EndorsementGroup {
  file: string;
  /** In words: "ACI UVM endorsement", "Azure HCL report", … */
  what: string;
  checks: CheckLine[];
}

export interface ReportCheckData {
  ok: boolean;
  verdict: SignatureVerdict;
  /** The verdict in one sentence ("NOT verified: report-signature failed"). */
  summary: string;
  /** Parsed summary lines (version, policy, TCB, …). */
  fields: [string, string][];
  measurement: string;
  /** Signature/chain verdict lines; empty when no certificate was given. */
  verification: CheckLine[];
  /** Endorsement and binding checks, one group per file (they count in the verdict). */
  endorsements: EndorsementGroup[];
  /** Report fields nothing pinned (no check, no matching row): `report verify`'s "not checked". */
  unchecked: string[];
  /** Rows whose digest equals MEASUREMENT. */
  matches: string[];
  /** AMD KDS URLs for this report, shown as links (the page fetches nothing). */
  kds: { label: string; url: string }[];
  error?: string;
}

/** The launch search on a report whose MEASUREMENT matches no row (`snp-launch match`). */
export interface SearchData {
  measurement: string;
  configurations: number;
  ms: number;
  /** Matching launches, most plausible first (at most MAX_LISTED of them). */
  matches: { text: string; command: string; reference?: string }[];
  /** How many matched in all. */
  total: number;
  /** When nothing matches: what was searched and what must differ (the CLI's words). */
  noMatch: string[];
  /** The `snp-launch match` command that runs the same search. */
  matchCommand: string;
  notes: string[];
}

/** What a dropped or chosen file is, and where the page put it. */
export type FileKind = 'ovmf' | 'igvm' | 'report' | 'cert' | 'crl' | 'endorsement' | 'gce-root' | 'ak-pub' | 'refvalues' | 'key' | 'kernel' | 'measure-json' | 'raw' | 'refused';

export interface DetectData {
  kind: FileKind;
  /** One sentence: what the file is ("an attestation report (version 3, Milan)"). */
  what: string;
}

/** The "make portable" result (src/portable/fix.ts on the chosen IGVM file). */
export interface PortableData {
  /** The edits, in words (empty: already portable). */
  edits: string[];
  /** Set with `conflict`: the causes, one sentence each, and the subsets that agree. */
  reasons?: string[];
  subsets?: { targets: string[]; digest: string }[];
  /** Digest per listed platform on the rewritten file (or why it cannot launch). */
  rows: { target: string; digest?: string; error?: string }[];
  /** Set when no file can make the platforms agree: the one-line explanation. */
  conflict?: string;
  /** The rewritten file (absent on conflict) and its suggested name. */
  bytes?: Uint8Array;
  fileName: string;
}

/** The vCPU table: digests per count (rows) and platform (columns), from one pass of the launch-space engine. */
export interface RangeData {
  platforms: string[];
  rows: { vcpus: number; digests: (string | null)[] }[];
  skipped: { platform: string; reason: string }[];
  configurations: number;
  ms: number;
}

/** Reference-values export format: snp-launch JSON, CoRIM (profile draft) or CoRIM for Veraison. */
export type RefFormat = 'json' | 'corim' | 'corim-veraison';

export interface RefExportData {
  bytes: Uint8Array;
  fileName: string;
  mime: string;
  cells: number;
}

export interface RefCheckData {
  pass: boolean;
  /** The first matching cell, described ("qemu-kvm, 4 vCPUs, vCPU type EPYC-v4, ..."). */
  cell?: string;
  cells: number;
  matchingCells: number;
  failures: { field: string; reason: string }[];
  /** A signed CoRIM whose signature was checked with the given key. */
  signed: boolean;
  /** The report's signature verdict: a PASS needs "verified" (issue 16 item 8). */
  verdict: SignatureVerdict;
  verifySummary: string;
}

export type Request =
  | { type: 'measure'; seq: number; form: FormValues }
  | { type: 'example'; seq: number; which: ImageKind }
  | { type: 'json'; seq: number; rowId: string; log: boolean }
  | { type: 'diff'; seq: number; a: DiffSide; b: DiffSide }
  | { type: 'report'; seq: number; report: File; cert?: File; crl?: File; extras?: ReportExtras; predicted: { id: string; digest: string }[]; /** ISO date for certificate validity; default now. */ at?: string }
  | { type: 'search'; seq: number; report: File; form: FormValues }
  | { type: 'detect'; seq: number; file: File }
  | { type: 'portable'; seq: number; image: File; /** --for names; empty = every IGVM platform. */ targets: string[]; vcpus: number; vcpuType?: string }
  | { type: 'range'; seq: number; form: FormValues; /** e.g. "1-64,96,128" */ range: string }
  | { type: 'refv-export'; seq: number; form: FormValues; range: string; /** comma list; empty = every platform of the image kind */ platforms: string; format: RefFormat }
  | { type: 'refv-check'; seq: number; report: File; refvalues: File; key?: File; cert?: File; crl?: File; extras?: ReportExtras; at?: string };

export type Response =
  | { type: 'progress'; seq: number; done: number; total: number; label: string; kind?: ImageKind; /** A row just finished (without its log). */ row?: RowData }
  | { type: 'measured'; seq: number; kind: ImageKind; rows: RowData[]; ms: number }
  | { type: 'example'; seq: number; name: string; bytes: Uint8Array; vcpuType?: string }
  | { type: 'json'; seq: number; rowId: string; text: string; fileName: string }
  | { type: 'diff'; seq: number; a: RowData; b: RowData; pairs: AlignedPair[]; divergence: DivergenceData }
  | { type: 'report'; seq: number; result: ReportCheckData }
  | { type: 'search'; seq: number; result: SearchData }
  | { type: 'detect'; seq: number; result: DetectData }
  | { type: 'portable'; seq: number; result: PortableData }
  | { type: 'range'; seq: number; result: RangeData }
  | { type: 'refv-export'; seq: number; result: RefExportData }
  | { type: 'refv-check'; seq: number; result: RefCheckData }
  | { type: 'error'; seq: number; message: string };
