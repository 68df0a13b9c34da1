/**
 * More conformance cases (edge cases of platforms.md §5 and the igvm.md parser rules that decide
 * "error" vs "digest"). Same shape as _cases.ts.
 */
import { DT, FLAG_2MB, FLAG_SHARED, FLAG_UNMEASURED, PT, makeVmsa, pattern, type Header } from './_igvm.js';
import { NATIVE, SNP, VSM, platformHdr, policy, snpFile, vp, type Case } from './_cases.js';
import { KVM_VMSA_GPA, PLATFORMS } from './_rules.js';

const ALL = PLATFORMS;
const page = (gpa: bigint, label: string, extra: Partial<Extract<Header, { kind: 'pageData' }>> = {}): Header => ({ kind: 'pageData', gpa, mask: SNP, data: pattern(label), ...extra });
const empty = (gpa: bigint, extra: Partial<Extract<Header, { kind: 'pageData' }>> = {}): Header => ({ kind: 'pageData', gpa, mask: SNP, ...extra });

/** A NATIVE VP context: IgvmNativeVpContextX64 (232 bytes) then zeros to 4 KiB (igvm.md §4.11). */
function nativeVp(): Header {
  const data = new Uint8Array(4096);
  data.set(pattern('native-vp', 232));
  return { kind: 'vp', gpa: 0x7000n, mask: NATIVE, vpIndex: 0, vmsa: data };
}

export const MORE_CASES: Case[] = [
  { name: 'shared 2 MiB page → error even on openvmm (2 MiB rule is common)', file: snpFile([page(0x0n, 'p0'), empty(0x200000n, { flags: FLAG_2MB | FLAG_SHARED }), vp()]), errs: ALL },
  { name: '2 MiB SECRETS page → error', file: snpFile([empty(0x200000n, { flags: FLAG_2MB, dataType: DT.SECRETS }), vp()]), errs: ALL },
  {
    name: 'de-duplicated file data (two PAGE_DATA share one file offset)',
    // Header 2 is the first directive (platform, policy come first).
    file: snpFile([page(0x0n, 'same'), page(0x1000n, 'other'), { kind: 'pageDataRef', gpa: 0x2000n, mask: SNP, ref: 2 }, vp()]),
    errs: [],
  },
  {
    name: 'GPAs up to the last page of the 52-bit space, out of order (sorting and PAGE_INFO.gpa)',
    file: snpFile([
      page(0x000ffffffffff000n, 'top52'),
      page(0x0008000000000000n, 'bit51'),
      page(0x1000n, 'low'),
      { kind: 'paramArea', index: 3, size: 2 * 4096 },
      { kind: 'paramInsert', gpa: 0x000fffffffffd000n, mask: SNP, index: 3 },
      vp(),
    ]),
    errs: [],
  },
  {
    name: 'GPAs between 2^52 and 2^53 (PAGE_DATA gpa is a u64, igvm.md §4.8)',
    file: snpFile([page(0x001ffffffffff000n, 'below53'), page(0x0010000000000000n, 'at52'), page(0x1000n, 'low'), vp()]),
    errs: [],
    // Rejected ("EINVAL: ... not a page-aligned guest address") until 9e7971a.
  },
  {
    name: 'GPAs above 2^53 up to the last page below 2^64 (PAGE_DATA gpa is a u64, igvm.md §4.8)',
    file: snpFile([
      page(0xfffffffffffff000n, 'top'),
      page(0x0020000000001000n, 'above53'),
      page(0x0020000000000000n, 'at53'),
      page(0x1000n, 'low'),
      { kind: 'paramArea', index: 3, size: 2 * 4096 },
      { kind: 'paramInsert', gpa: 0xffffffffffffd000n, mask: SNP, index: 3 },
      vp(),
    ]),
    errs: [],
    // Rejected ("is beyond 2^53") until 9e7971a.
  },
  {
    name: '--native-zero with a shared page without data (igvmmeasure ignores the shared flag)',
    file: snpFile([empty(0x0n, { flags: FLAG_SHARED }), empty(0x1000n), page(0x2000n, 'p2', { flags: FLAG_SHARED }), vp()]),
    runs: [{ platform: 'igvmmeasure' }, { platform: 'igvmmeasure', opts: { nativeZero: true } }, { platform: 'openvmm' }, { platform: 'cloud-hypervisor-mshv' }],
    errs: [],
  },
  {
    name: 'a NATIVE VP context is skipped (mixed platforms, v2)',
    file: { version: 2, headers: [platformHdr(SNP, PT.SEV_SNP), platformHdr(NATIVE, PT.NATIVE), policy(SNP), page(0x0n, 'p0', { mask: SNP | NATIVE }), nativeVp(), vp()] },
    errs: [],
  },
  {
    name: 'VP context with mask SNP|NATIVE (not one platform) → error',
    file: { version: 2, headers: [platformHdr(SNP, PT.SEV_SNP), platformHdr(NATIVE, PT.NATIVE), policy(SNP), page(0x0n, 'p0'), vp(KVM_VMSA_GPA, 0, {}, SNP | NATIVE)] },
    errs: ALL,
  },
  {
    name: 'parameter area declared but never inserted (nothing measured)',
    file: snpFile([{ kind: 'paramArea', index: 0, size: 3 * 4096 }, page(0x0n, 'p0'), vp()]),
    errs: [],
  },
  { name: 'PAGE_DATA gpa not page-aligned → error', file: snpFile([page(0x800n, 'p0'), vp()]), errs: ALL },
  { name: 'PAGE_DATA reserved field != 0 → error', file: snpFile([page(0x0n, 'p0', { reserved: 1 }), vp()]), errs: ALL },
  { name: 'PARAMETER_INSERT of an undeclared index → error', file: snpFile([page(0x0n, 'p0'), { kind: 'paramInsert', gpa: 0x8000n, mask: SNP, index: 5 }, vp()]), errs: ALL },
  {
    name: 'PARAMETER_INSERT gpa not page-aligned → error',
    file: snpFile([{ kind: 'paramArea', index: 0, size: 4096 }, { kind: 'paramInsert', gpa: 0x8100n, mask: SNP, index: 0 }, vp()]),
    errs: ALL,
  },
  { name: 'short page data at the end of the file, not padded → error (reads 4096 bytes)', file: snpFile([page(0x0n, 'p0'), vp(), page(0x1000n, 'x', { data: pattern('tail', 100), noPad: true })]), errs: ALL },
  { name: 'VMSA data truncated at the end of the file → error', file: snpFile([page(0x0n, 'p0'), { kind: 'vp', gpa: KVM_VMSA_GPA, mask: SNP, vpIndex: 0, vmsa: makeVmsa().subarray(0, 2048) }]), errs: ALL },
  {
    name: 'ambiguity: --guest-features on platforms whose §5 rules do not mention it (treated as ignored)',
    file: snpFile([page(0x0n, 'p0'), vp(KVM_VMSA_GPA, 0, { sevFeatures: 0x21n })]),
    runs: (['openvmm', 'igvmmeasure', 'qemu-kvm', 'cloud-hypervisor-mshv'] as const).map((platform) => ({ platform, opts: { guestFeatures: 0x1n } })),
    errs: [],
  },
  {
    name: 'qemu-kvm --vcpus 16, and the signature from --vcpu-family/--vcpu-model/--vcpu-stepping',
    file: snpFile([page(0x0n, 'p0'), empty(0x1000n, { flags: FLAG_UNMEASURED }), vp(KVM_VMSA_GPA, 0, { sevFeatures: 0x1n })]),
    runs: [
      { platform: 'qemu-kvm', opts: { vcpus: 16, vcpuSig: 0x830f10n } },
      { platform: 'qemu-kvm', opts: { vcpus: 2, vcpuSig: 0xa00f11n }, extraArgs: ['--vcpu-family', '25', '--vcpu-model', '1', '--vcpu-stepping', '1'] },
    ],
    errs: [],
  },
  {
    name: 'VSM + SNP: VSM-only pages and parameter insert skipped (v1)',
    file: {
      version: 1,
      headers: [
        platformHdr(VSM, PT.VSM_ISOLATION),
        platformHdr(SNP, PT.SEV_SNP),
        policy(VSM),
        policy(SNP),
        { kind: 'paramArea', index: 0, size: 2 * 4096 },
        { kind: 'paramArea', index: 1, size: 2 * 4096 },
        { kind: 'paramInsert', gpa: 0x20000n, mask: VSM, index: 0 },
        { kind: 'paramInsert', gpa: 0x30000n, mask: SNP | VSM, index: 1 },
        page(0x0n, 'vsm', { mask: VSM }),
        page(0x1000n, 'snp', { mask: SNP }),
        page(0x2000n, 'both', { mask: SNP | VSM, flags: FLAG_SHARED }),
        vp(0x5000n),
      ],
    },
    errs: ['qemu-kvm'],
  },
  {
    name: 'PARAMETER_AREA initial data past the end of the file → error',
    file: snpFile([vp(), { kind: 'paramArea', index: 0, size: 2 * 4096, data: pattern('area-short', 100) }, { kind: 'paramInsert', gpa: 0x8000n, mask: SNP, index: 0 }]),
    errs: ALL,
    invalid: 'igvm.md §7.1: every file_offset + size must lie inside the file',
  },
  {
    name: 'PARAMETER_AREA of 0 bytes (4K-aligned): no page, or one page on igvmmeasure/cloud-hypervisor',
    file: snpFile([page(0x0n, 'p0'), { kind: 'paramArea', index: 0, size: 0 }, { kind: 'paramInsert', gpa: 0x8000n, mask: SNP, index: 0 }, vp()]),
    errs: [],
    // Was rejected on the whole-area platforms ("EINVAL: len 0 ...") until da45a2c.
  },
  {
    name: 'qemu-kvm: --vcpu-sig with 1 vCPU leaves the IGVM VMSA as is; AP sev_features come from the IGVM VMSA, not --guest-features',
    file: snpFile([page(0x0n, 'p0'), vp(KVM_VMSA_GPA, 0, { sevFeatures: 0x21n, rdx: 0n })]),
    runs: [
      { platform: 'qemu-kvm', opts: { vcpus: 1, vcpuSig: 0x800f12n } },
      { platform: 'qemu-kvm', opts: { vcpus: 2, vcpuSig: 0x800f12n, guestFeatures: 0x1n } },
    ],
    errs: [],
  },
  {
    name: 'kvm-direct-vmsa: an AP VMSA whose sev_features differ from --guest-features',
    file: snpFile([page(0x0n, 'p0'), vp(0x5000n, 0, { sevFeatures: 0x21n }), vp(0x6000n, 1, { sevFeatures: 0x1n })]),
    runs: [{ platform: 'kvm-direct-vmsa', opts: { guestFeatures: 0x21n } }, { platform: 'openvmm', opts: { guestFeatures: 0x21n } }],
    errs: ['kvm-direct-vmsa'],
  },
  {
    name: 'kvm-direct-vmsa without --guest-features: VMSAs with different sev_features (bit 0 set in each)',
    file: snpFile([page(0x0n, 'p0'), vp(0x5000n, 0, { sevFeatures: 0x21n }), vp(0x6000n, 1, { sevFeatures: 0x1n })]),
    runs: [{ platform: 'kvm-direct-vmsa' }],
    errs: [],
    // Rejected ("the VM's vmsa_features are 0x21") until 07d8bd5; §5 checks only bit 0 and --guest-features.
  },
  {
    name: 'kvm-direct-vmsa: an AP VMSA at a 2 MiB-aligned GPA',
    file: snpFile([page(0x0n, 'p0'), vp(0x5000n, 0), vp(0x400000n, 1)]),
    errs: ['qemu-kvm', 'kvm-vmsa-page', 'kvm-direct-vmsa'],
  },
  {
    name: 'GUEST_POLICY only for another platform (none for SNP) → still measured',
    file: { version: 2, headers: [platformHdr(SNP, PT.SEV_SNP), platformHdr(NATIVE, PT.NATIVE), policy(NATIVE), page(0x0n, 'p0'), vp()] },
    errs: [],
  },
  {
    name: 'SNP + SEV_ES + TDX platforms: an SEV_ES VP context (VMSA format) and TDX/SEV_ES pages are skipped',
    file: {
      version: 1,
      headers: [
        platformHdr(0x1, PT.SEV_SNP),
        platformHdr(0x2, 5 /* SEV_ES */),
        platformHdr(0x4, 3 /* TDX */),
        policy(0x1),
        page(0x0n, 'snp'),
        page(0x1000n, 'sev-es', { mask: 0x2 }),
        page(0x2000n, 'tdx', { mask: 0x4 }),
        page(0x3000n, 'all', { mask: 0x7 }),
        { kind: 'vp', gpa: 0x9000n, mask: 0x2, vpIndex: 0, vmsa: makeVmsa({ sevFeatures: 0n, tag: 42 }) },
        vp(),
      ],
    },
    errs: [],
  },
  {
    name: '--native-zero: a page WITH file data that is all zeros stays NORMAL',
    file: snpFile([page(0x0n, 'z', { data: new Uint8Array(4096) }), empty(0x1000n), page(0x2000n, 'zs', { data: new Uint8Array(10) }), vp()]),
    runs: [{ platform: 'igvmmeasure', opts: { nativeZero: true } }, { platform: 'igvmmeasure' }],
    errs: [],
  },
  {
    name: 'SNP platform mask bit 31 (u32 sign bit), directives with masks 0x80000001 and 0xFFFFFFFF',
    file: {
      version: 1,
      headers: [
        platformHdr(0x1, PT.NATIVE),
        platformHdr(0x80000000, PT.SEV_SNP),
        policy(0x80000000),
        page(0x0n, 'n', { mask: 0x1 }),
        page(0x1000n, 'a', { mask: 0x80000001 }),
        page(0x2000n, 'b', { mask: 0xffffffff }),
        { kind: 'paramArea', index: 0xffffffff, size: 2 * 4096 },
        { kind: 'paramInsert', gpa: 0x8000n, mask: 0x80000000, index: 0xffffffff },
        vp(KVM_VMSA_GPA, 0, {}, 0x80000000),
      ],
    },
    errs: [],
  },
  {
    name: 'kvm-direct-vmsa: vp_index 0 and 0xFFFF',
    file: snpFile([page(0x0n, 'p0'), vp(0x5000n, 0xffff), vp(0x6000n, 0)]),
    errs: ['qemu-kvm', 'kvm-vmsa-page'],
  },
  {
    name: 'a page and the VMSA at the same GPA (stable order on cloud-hypervisor)',
    file: snpFile([page(0x5000n, 'before'), vp(0x5000n), page(0x5000n, 'after'), page(0x1000n, 'low')]),
    errs: ['qemu-kvm'],
  },
  {
    name: 'the VP context shares its file data with a PAGE_DATA (de-duplicated blob)',
    // Headers: 0 platform, 1 policy, 2 page (VMSA-shaped data), 3 vp. The VP's file_offset is moved
    // to the page's blob; the reference reads it from there too.
    file: snpFile([page(0x0n, 'x', { data: makeVmsa({ tag: 77 }) }), vp(KVM_VMSA_GPA, 0, { tag: 1 })]),
    patch: (e) => {
      new DataView(e.bytes.buffer).setUint32(e.tlvOffsets[3]! + 8 + 12, e.dataOffsets[2]!, true);
      e.dataOffsets[3] = e.dataOffsets[2];
    },
    errs: [],
  },
];
