/**
 * The conformance table: IGVM files (built with the independent writer of _igvm.ts) and, per case,
 * which platforms the rules of specs/platforms.md §5 must reject. The expected digests themselves
 * come from _rules.ts; `errs` is a second, hand-written statement of the error rules that the
 * reference is checked against, so a slip in one of them shows.
 */
import { DT, FLAG_2MB, FLAG_SHARED, FLAG_UNMEASURED, HT, PT, makeVmsa, pattern, type Encoded, type Header, type IgvmFile, type VmsaFields } from './_igvm.js';
import { KVM_VMSA_GPA, PLATFORMS, type Opts, type Platform } from './_rules.js';

/** Platform masks as COCONUT igvmbuilder uses them (igvm.md §5). */
export const SNP = 0x1;
export const NATIVE = 0x2;
export const VSM = 0x10;

export interface Run {
  platform: Platform;
  opts?: Opts;
  /** Extra CLI words (e.g. --vcpu-type NAME) that the reference sees through opts. */
  extraArgs?: string[];
}

export interface Case {
  name: string;
  file: IgvmFile;
  /** Runs; default: every platform without options. */
  runs?: Run[];
  /** Platforms whose runs must be errors (per §5, written by hand); all others must give a digest. */
  errs: readonly Platform[];
  /** Patches the encoded bytes (the CRC is recomputed after). */
  patch?: (e: Encoded) => void;
  /** Set when the file breaks an igvm.md parser rule (the reason): an error on every platform. */
  invalid?: string;
  /** Set when the CLI is known to deviate from the spec here: the runs are node:test todos. */
  todo?: string;
  /** The platforms the todo applies to (default: all). */
  todoOn?: readonly Platform[];
}

const ALL = PLATFORMS;
const KVM_ERR: Platform[] = ['qemu-kvm', 'kvm-vmsa-page', 'kvm-direct-vmsa'];
const NEEDS_BSP: Platform[] = ['qemu-kvm', 'kvm-vmsa-page', 'kvm-direct-vmsa', 'cloud-hypervisor-mshv'];

export const platformHdr = (mask: number, type: number): Header => ({ kind: 'platform', mask, type, highestVtl: type === PT.VSM_ISOLATION ? 2 : 0 });
export const policy = (mask = SNP): Header => ({ kind: 'policy', policy: 0x30000n, mask });
const page = (gpa: number | bigint, label: string, extra: Partial<Extract<Header, { kind: 'pageData' }>> = {}): Header => ({ kind: 'pageData', gpa: BigInt(gpa), mask: SNP, data: pattern(label), ...extra });
const empty = (gpa: number | bigint, extra: Partial<Extract<Header, { kind: 'pageData' }>> = {}): Header => ({ kind: 'pageData', gpa: BigInt(gpa), mask: SNP, ...extra });
export const vp = (gpa: bigint = KVM_VMSA_GPA, vpIndex = 0, f: VmsaFields = {}, mask = SNP): Header => ({ kind: 'vp', gpa, mask, vpIndex, vmsa: makeVmsa({ tag: vpIndex + 1, ...f }) });

/** A single-platform SNP file: platform, optional policy, then the directives. */
export function snpFile(directives: Header[], o: { version?: 1 | 2; policy?: boolean; snpMask?: number } = {}): IgvmFile {
  const m = o.snpMask ?? SNP;
  return { version: o.version ?? 1, headers: [platformHdr(m, PT.SEV_SNP), ...(o.policy === false ? [] : [policy(m)]), ...directives] };
}

const kvmShaped = (): Header[] => [page(0x0, 'p0'), page(0x1000, 'p1'), page(0x2000, 'p2'), vp()];

/** A parameter area of `pages` pages with every parameter-usage header, inserted at 0x10000. */
function paramArea(pages: number, withData = false): Header[] {
  const size = pages * 4096;
  return [
    { kind: 'paramArea', index: 0, size, data: withData ? pattern('area', size) : undefined },
    { kind: 'param', type: HT.VP_COUNT_PARAMETER, index: 0, byteOffset: 0 },
    { kind: 'param', type: HT.ENVIRONMENT_INFO_PARAMETER, index: 0, byteOffset: 8 },
    { kind: 'param', type: HT.MMIO_RANGES, index: 0, byteOffset: 0x40 },
    { kind: 'param', type: HT.MEMORY_MAP, index: 0, byteOffset: 0x100 },
    { kind: 'param', type: HT.COMMAND_LINE, index: 0, byteOffset: 0x800 },
    { kind: 'paramInsert', gpa: 0x10000n, mask: SNP, index: 0 },
  ];
}

const every = (opts: Opts, extraArgs?: string[]): Run[] => ALL.map((platform) => ({ platform, opts, extraArgs }));

export const CASES: Case[] = [
  { name: 'KVM-shaped file (pages, then the VMSA at 0xFFFFFFFFF000)', file: snpFile(kvmShaped()), errs: [] },
  { name: 'VMSA first, then pages (qemu-kvm moves it last)', file: snpFile([vp(), page(0x0, 'p0'), page(0x1000, 'p1')]), errs: [] },
  { name: 'pages in descending GPA order (cloud-hypervisor sorts)', file: snpFile([page(0x5000, 'a'), page(0x3000, 'b'), empty(0x1000), vp()]), errs: [] },
  {
    name: 'VMSA at 0x4000 between pages in descending order',
    file: snpFile([page(0x5000, 'a'), vp(0x4000n), page(0x3000, 'b'), page(0x1000, 'c')]),
    errs: ['qemu-kvm'],
  },
  {
    name: 'equal GPAs: stable sort keeps directive order',
    file: snpFile([page(0x3000, 'a'), page(0x2000, 'b1'), page(0x2000, 'b2'), { kind: 'paramArea', index: 0, size: 4096 }, { kind: 'paramInsert', gpa: 0x2000n, mask: SNP, index: 0 }, page(0x2000, 'b3', { flags: FLAG_UNMEASURED }), page(0x1000, 'd'), vp()]),
    errs: [],
  },
  {
    name: 'shared flag (with and without data, and on SECRETS)',
    file: snpFile([page(0x0, 'p0'), page(0x1000, 's1', { flags: FLAG_SHARED }), empty(0x2000, { flags: FLAG_SHARED }), page(0x3000, 's3', { flags: FLAG_SHARED | FLAG_UNMEASURED }), empty(0x4000, { flags: FLAG_SHARED, dataType: DT.SECRETS }), vp()]),
    errs: [],
  },
  { name: 'parameter area of 1 page with every usage header', file: snpFile([page(0x0, 'p0'), ...paramArea(1), page(0x20000, 'p2'), vp()]), errs: [] },
  { name: 'parameter area of 3 pages (one page vs all pages)', file: snpFile([page(0x0, 'p0'), ...paramArea(3), page(0x20000, 'p2'), vp()]), errs: [] },
  { name: 'parameter area of 3 pages with initial file data', file: snpFile([...paramArea(3, true), vp()]), errs: [] },
  {
    name: 'two parameter areas inserted out of GPA order',
    file: snpFile([
      { kind: 'paramArea', index: 0, size: 2 * 4096 },
      { kind: 'paramArea', index: 7, size: 3 * 4096 },
      { kind: 'param', type: HT.VP_COUNT_PARAMETER, index: 7, byteOffset: 4 },
      { kind: 'paramInsert', gpa: 0x30000n, mask: SNP, index: 7 },
      page(0x20000, 'mid'),
      { kind: 'paramInsert', gpa: 0x8000n, mask: SNP, index: 0 },
      vp(),
    ]),
    errs: [],
  },
  {
    name: 'pages with no file data (NORMAL; --native-zero only on igvmmeasure)',
    file: snpFile([empty(0x0), page(0x1000, 'p1'), empty(0x2000, { flags: FLAG_UNMEASURED }), empty(0x3000, { dataType: DT.SECRETS }), empty(0x4000, { dataType: DT.CPUID_DATA }), empty(0x5000), vp()]),
    runs: [...every({}), { platform: 'igvmmeasure', opts: { nativeZero: true } }],
    errs: [],
  },
  {
    name: 'short page data (zero-padded by the writer, and an unpadded short blob followed by more data)',
    file: snpFile([page(0x0, 'p0', { data: pattern('short', 100) }), page(0x1000, 'p1', { data: pattern('short-unpadded', 1000), noPad: true }), page(0x2000, 'after'), vp()]),
    errs: [],
  },
  {
    name: 'unmeasured flag (with and without data)',
    file: snpFile([page(0x0, 'p0'), page(0x1000, 'u1', { flags: FLAG_UNMEASURED }), empty(0x2000, { flags: FLAG_UNMEASURED }), page(0x3000, 'p3'), vp()]),
    runs: [...every({}), { platform: 'igvmmeasure', opts: { nativeZero: true } }],
    errs: [],
  },
  {
    name: 'SECRETS / CPUID_DATA / CPUID_XF (contents not measured, type wins over unmeasured)',
    file: snpFile([
      page(0x0, 'p0'),
      page(0x1000, 'secrets', { dataType: DT.SECRETS }),
      page(0x2000, 'cpuid', { dataType: DT.CPUID_DATA }),
      page(0x3000, 'cpuidxf', { dataType: DT.CPUID_XF }),
      page(0x4000, 'secrets-u', { dataType: DT.SECRETS, flags: FLAG_UNMEASURED }),
      page(0x5000, 'cpuid-u', { dataType: DT.CPUID_DATA, flags: FLAG_UNMEASURED }),
      vp(),
    ]),
    errs: [],
  },
  {
    name: 'SNP + NATIVE + VSM masks: directives for other platforms skipped, shared mask bits applied (v2 header)',
    file: {
      version: 2,
      headers: [
        platformHdr(SNP, PT.SEV_SNP),
        platformHdr(NATIVE, PT.NATIVE),
        platformHdr(VSM, PT.VSM_ISOLATION),
        policy(SNP),
        policy(VSM),
        page(0x0, 'native-only', { mask: NATIVE }),
        page(0x0, 'snp+native', { mask: SNP | NATIVE }),
        page(0x1000, 'vsm-only', { mask: VSM }),
        page(0x1000, 'all', { mask: SNP | NATIVE | VSM }),
        page(0x400000, 'native-2m', { mask: NATIVE, flags: FLAG_2MB }),
        empty(0x2000, { mask: SNP | VSM }),
        { kind: 'paramArea', index: 0, size: 2 * 4096 },
        { kind: 'paramArea', index: 1, size: 4096 },
        { kind: 'paramInsert', gpa: 0x8000n, mask: NATIVE, index: 0 },
        { kind: 'paramInsert', gpa: 0xa000n, mask: SNP | NATIVE, index: 1 },
        { kind: 'requiredMemory', gpa: 0x100000n, mask: SNP | NATIVE, size: 0x10000 },
        vp(),
      ],
    },
    errs: [],
  },
  {
    name: 'SNP platform with mask 0x4 (NATIVE 0x1): the mask comes from the SEV_SNP header',
    file: {
      version: 1,
      headers: [platformHdr(0x1, PT.NATIVE), platformHdr(0x4, PT.SEV_SNP), policy(0x4), page(0x0, 'native', { mask: 0x1 }), page(0x1000, 'snp', { mask: 0x4 }), page(0x2000, 'both', { mask: 0x5 }), vp(KVM_VMSA_GPA, 0, {}, 0x4)],
    },
    errs: [],
  },
  { name: '2 MiB page with data → error on every platform', file: snpFile([page(0x0, 'p0'), page(0x200000, 'big', { flags: FLAG_2MB }), vp()]), errs: ALL },
  { name: '2 MiB unmeasured page without data → error on every platform', file: snpFile([empty(0x400000, { flags: FLAG_2MB | FLAG_UNMEASURED }), vp()]), errs: ALL },
  {
    name: 'no SEV-SNP platform header → error',
    file: { version: 2, headers: [platformHdr(NATIVE, PT.NATIVE), policy(NATIVE), page(0x0, 'p0', { mask: NATIVE })] },
    errs: ALL,
  },
  { name: 'missing GUEST_POLICY → still measured', file: snpFile(kvmShaped(), { policy: false }), errs: [] },
  {
    name: 'REQUIRED_MEMORY and SNP_ID_BLOCK are not measured',
    file: snpFile([{ kind: 'requiredMemory', gpa: 0x100000n, mask: SNP, size: 0x200000, flags: 0 }, page(0x0, 'p0'), vp(), { kind: 'idBlock', mask: SNP, ld: pattern('ld', 48) }]),
    errs: [],
  },
  { name: 'v1 header', file: snpFile([page(0x0, 'v'), empty(0x1000), ...paramArea(2), vp()], { version: 1 }), errs: [] },
  { name: 'v2 header (same directives as the v1 case)', file: snpFile([page(0x0, 'v'), empty(0x1000), ...paramArea(2), vp()], { version: 2 }), errs: [] },
  // ---- VP contexts ----
  { name: 'no VP context (pages only)', file: snpFile([page(0x0, 'p0'), page(0x1000, 'p1')]), errs: NEEDS_BSP },
  { name: 'VMSA elsewhere (0x80000)', file: snpFile([page(0x0, 'p0'), vp(0x80000n)]), errs: ['qemu-kvm'] },
  { name: 'VMSA vmpl 1', file: snpFile([page(0x0, 'p0'), vp(KVM_VMSA_GPA, 0, { vmpl: 1 })]), errs: KVM_ERR },
  { name: 'VMSA sev_features bit 0 clear (0x20)', file: snpFile([page(0x0, 'p0'), vp(KVM_VMSA_GPA, 0, { sevFeatures: 0x20n })]), errs: KVM_ERR },
  {
    name: '--guest-features equal to the VMSA sev_features (0x21)',
    file: snpFile([page(0x0, 'p0'), vp(KVM_VMSA_GPA, 0, { sevFeatures: 0x21n })]),
    runs: [{ platform: 'kvm-vmsa-page', opts: { guestFeatures: 0x21n } }, { platform: 'kvm-direct-vmsa', opts: { guestFeatures: 0x21n } }],
    errs: [],
  },
  {
    name: '--guest-features different from the VMSA sev_features',
    file: snpFile([page(0x0, 'p0'), vp(KVM_VMSA_GPA, 0, { sevFeatures: 0x21n })]),
    runs: [{ platform: 'kvm-vmsa-page', opts: { guestFeatures: 0x1n } }, { platform: 'kvm-direct-vmsa', opts: { guestFeatures: 0x1n } }],
    errs: ['kvm-vmsa-page', 'kvm-direct-vmsa'],
  },
  {
    name: 'two VP contexts (vp 0 at 0xFFFFFFFFF000, vp 1 at 0x81000)',
    file: snpFile([page(0x0, 'p0'), vp(), page(0x90000, 'p9'), vp(0x81000n, 1)]),
    errs: ['qemu-kvm', 'kvm-vmsa-page'],
  },
  {
    name: 'two VP contexts, vp 1 first and at a lower GPA than vp 0 (cloud-hypervisor uses vp 0 contents)',
    file: snpFile([vp(0x3000n, 1, { rip: 0x1234n }), page(0x0, 'p0'), vp(0x9000n, 0), page(0x5000, 'p5')]),
    errs: ['qemu-kvm', 'kvm-vmsa-page'],
  },
  {
    name: 'duplicate vp_index 0 (identical VMSA bytes)',
    file: snpFile([page(0x0, 'p0'), vp(0x5000n, 0), vp(0x6000n, 0)]),
    errs: ['qemu-kvm', 'kvm-vmsa-page', 'kvm-direct-vmsa'],
  },
  { name: 'VP contexts for vp 1 and 2, none for vp 0', file: snpFile([page(0x0, 'p0'), vp(0x5000n, 1), vp(0x6000n, 2)]), errs: NEEDS_BSP },
  { name: 'one VP context, for vp_index 1 only', file: snpFile([page(0x0, 'p0'), vp(KVM_VMSA_GPA, 1)]), errs: NEEDS_BSP },
  { name: 'second VP context with vmpl 1 (direct-vmsa checks every one)', file: snpFile([vp(0x5000n, 0), vp(0x6000n, 1, { vmpl: 1 })]), errs: KVM_ERR },
  { name: 'VMSA GPA 2 MiB-aligned (0x200000)', file: snpFile([page(0x0, 'p0'), vp(0x200000n)]), errs: ['qemu-kvm', 'kvm-direct-vmsa'] },
  { name: 'VMSA GPA 0 (2 MiB-aligned)', file: snpFile([page(0x1000, 'p1'), vp(0x0n)]), errs: ['qemu-kvm', 'kvm-direct-vmsa'] },
  { name: 'VMSA GPA not page-aligned (0x80800) → parser error everywhere', file: snpFile([page(0x0, 'p0'), vp(0x80800n)]), errs: ALL },
  // ---- vCPU counts ----
  {
    name: 'qemu-kvm --vcpus 1, 2, 4 (AP VMSAs; sev_features 0x21 from the IGVM VMSA)',
    file: snpFile([page(0x0, 'p0'), empty(0x1000), ...paramArea(2), vp(KVM_VMSA_GPA, 0, { sevFeatures: 0x21n, rdx: 0x800f12n })]),
    runs: [
      { platform: 'qemu-kvm', opts: { vcpus: 1 } },
      { platform: 'qemu-kvm', opts: { vcpus: 2, vcpuSig: 0x800f12n } },
      { platform: 'qemu-kvm', opts: { vcpus: 4, vcpuSig: 0xa00f11n } },
      { platform: 'qemu-kvm', opts: { vcpus: 2, vcpuSig: 0n } },
      { platform: 'qemu-kvm', opts: { vcpus: 3, vcpuSig: 0xa10f10n }, extraArgs: ['--vcpu-type', 'EPYC-Genoa'] },
    ],
    errs: [],
  },
  {
    name: '--vcpus 4 on the platforms that ignore it',
    file: snpFile([page(0x0, 'p0'), ...paramArea(2), vp()]),
    runs: ALL.filter((p) => p !== 'qemu-kvm').flatMap((platform) => [{ platform, opts: { vcpus: 4 } }, { platform, opts: { vcpus: 4, vcpuSig: 0x800f12n } }]),
    errs: [],
  },
  {
    name: 'qemu-kvm --vcpus 2 without a vCPU signature → error',
    file: snpFile([page(0x0, 'p0'), vp()]),
    runs: [{ platform: 'qemu-kvm', opts: { vcpus: 2 } }],
    errs: ['qemu-kvm'],
  },
];

/** The CLI words of a run (beyond --igvm FILE). */
export function cliArgs(run: Run): string[] {
  const a = ['--platform', run.platform];
  const o = run.opts ?? {};
  if (o.vcpus !== undefined) a.push('--vcpus', String(o.vcpus));
  if (run.extraArgs) a.push(...run.extraArgs);
  else if (o.vcpuSig !== undefined) a.push('--vcpu-sig', '0x' + o.vcpuSig.toString(16));
  if (o.nativeZero) a.push('--native-zero');
  if (o.guestFeatures !== undefined) a.push('--guest-features', '0x' + o.guestFeatures.toString(16));
  return a;
}
