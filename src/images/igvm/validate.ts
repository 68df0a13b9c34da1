/**
 * Cross-header IGVM rules (specs/igvm.md §4 and §7, snp-launch conventions §7.1): section order,
 * platform uniqueness and architecture, parameter-area bookkeeping, relocation regions and the
 * VP-context data format. Fed one decoded header at a time, in file order, then `finish()`.
 */
import { PAGE_SIZE, SECTION_RANK, type Section } from './defs.js';
import type {
  IgvmFixedHeader,
  IgvmHeader,
  IgvmPageTableRelocation,
  IgvmPlatformType,
  IgvmRelocatableRegion,
  IgvmSupportedPlatform,
  VpContextFormat,
} from './types.js';

/** Throws for header `h` (rel = byte offset into its payload, or -8 for the TLV header itself). */
export type HeaderFail = (h: { index: number; offset: number }, code: string, reason: string, rel: number, field: string) => never;

/** VP_CONTEXT data format by platform (§4.11); TDX has none. */
const VP_FORMAT: Partial<Record<IgvmPlatformType, VpContextFormat>> = {
  SEV_SNP: 'snp-vmsa',
  SEV_ES: 'snp-vmsa',
  NATIVE: 'native-x64',
  SEV: 'native-x64',
  VSM_ISOLATION: 'vbs-registers',
  CCA: 'cca-aarch64',
};

/** Platforms allowed only on one architecture (§4.1); VSM_ISOLATION runs on either. */
const X64_ONLY: ReadonlySet<IgvmPlatformType> = new Set(['NATIVE', 'SEV_SNP', 'TDX', 'SEV', 'SEV_ES']);

function hex(v: bigint | number): string {
  return '0x' + v.toString(16);
}

export class IgvmValidator {
  private section: Section = 'platform';
  private readonly platforms: IgvmSupportedPlatform[] = [];
  private readonly relocs: IgvmRelocatableRegion[] = [];
  private readonly ptRelocs: IgvmPageTableRelocation[] = [];
  /** Parameter-area index → { size, inserted }. */
  private readonly areas = new Map<number, { size: number; inserted: boolean }>();
  /** "mask/vp_index" of every VP context seen. */
  private readonly vpKeys = new Set<string>();

  constructor(
    private readonly fixed: IgvmFixedHeader,
    private readonly fail: HeaderFail,
  ) {}

  /** Section order (§3.2): called with the TLV header position before decoding the payload. */
  enterSection(h: { index: number; offset: number }, section: Section, kind: string): void {
    if (SECTION_RANK[section] < SECTION_RANK[this.section]) {
      this.fail(h, 'IGVM_SECTION_ORDER', `${kind} (${section} section) after the ${this.section} section`, -8, 'type');
    }
    if (section !== 'platform' && this.platforms.length === 0) {
      this.fail(h, 'IGVM_NO_PLATFORM', `${kind} before any SUPPORTED_PLATFORM header (at least one is required)`, -8, 'type');
    }
    this.section = section;
  }

  /** Checks one decoded header; returns the VP-context format for VP_CONTEXT headers. */
  check(h: IgvmHeader): VpContextFormat | undefined {
    switch (h.kind) {
      case 'SUPPORTED_PLATFORM':
        this.platform(h);
        return undefined;
      case 'RELOCATABLE_REGION':
        this.relocatable(h);
        return undefined;
      case 'PAGE_TABLE_RELOCATION_REGION':
        if (this.ptRelocs.some((r) => r.compatibilityMask === h.compatibilityMask)) {
          this.fail(h, 'IGVM_DUPLICATE', `${h.kind}: a second region for compatibility_mask ${hex(h.compatibilityMask)}`, 0, 'compatibility_mask');
        }
        this.ptRelocs.push(h);
        return undefined;
      case 'PARAMETER_AREA':
        if (this.areas.has(h.parameterAreaIndex)) {
          this.fail(h, 'IGVM_DUPLICATE', `${h.kind}: parameter area index ${h.parameterAreaIndex} is declared twice`, 8, 'parameter_area_index');
        }
        this.areas.set(h.parameterAreaIndex, { size: h.size, inserted: false });
        return undefined;
      case 'PARAMETER_INSERT': {
        const a = this.area(h, h.parameterAreaIndex, 12);
        a.inserted = true;
        const end = h.gpa + BigInt(a.size);
        for (const r of this.ptRelocs) {
          if ((r.compatibilityMask & h.compatibilityMask) !== 0 && h.gpa < r.gpa + r.size && r.gpa < end) {
            this.fail(h, 'IGVM_OVERLAP', `${h.kind}: area at ${hex(h.gpa)} lies inside the page-table relocation region (header ${r.index})`, 0, 'gpa');
          }
        }
        return undefined;
      }
      case 'VP_CONTEXT':
        return this.vpContext(h);
      case 'VP_COUNT_PARAMETER':
      case 'SRAT':
      case 'MADT':
      case 'MMIO_RANGES':
      case 'MEMORY_MAP':
      case 'COMMAND_LINE':
      case 'SLIT':
      case 'PPTT':
      case 'DEVICE_TREE':
      case 'ENVIRONMENT_INFO_PARAMETER': {
        const a = this.area(h, h.parameterAreaIndex, 0);
        if (h.byteOffset >= a.size) {
          this.fail(h, 'IGVM_BAD_FIELD', `${h.kind}: byte_offset ${hex(h.byteOffset)} is outside parameter area ${h.parameterAreaIndex} (${hex(a.size)} bytes)`, 4, 'byte_offset');
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /** File-level rules checked once every header has been seen. */
  finish(end: { index: number; offset: number }): void {
    if (this.platforms.length === 0) {
      this.fail(end, 'IGVM_NO_PLATFORM', 'no SUPPORTED_PLATFORM header (at least one is required)', -8, 'type');
    }
    for (const r of this.relocs) {
      if (!this.vpKeys.has(`${r.compatibilityMask}/${r.vpIndex}`)) {
        this.fail(r, 'IGVM_NO_MATCHING_VP_CONTEXT', `${r.kind}: no VP_CONTEXT for compatibility_mask ${hex(r.compatibilityMask)} and vp_index ${r.vpIndex} (NoMatchingVpContext)`, 4, 'vp_index');
      }
    }
  }

  private platform(h: IgvmSupportedPlatform): void {
    for (const p of this.platforms) {
      if (p.platformType === h.platformType) this.fail(h, 'IGVM_DUPLICATE', `${h.kind}: a second ${h.platformType} platform (first is header ${p.index})`, 5, 'platform_type');
      if (p.compatibilityMask === h.compatibilityMask) {
        this.fail(h, 'IGVM_DUPLICATE', `${h.kind}: compatibility_mask ${hex(h.compatibilityMask)} is already used by header ${p.index}`, 0, 'compatibility_mask');
      }
    }
    const arch = this.fixed.architecture;
    if (X64_ONLY.has(h.platformType) && arch !== 'x64') this.fail(h, 'IGVM_BAD_ARCH', `${h.kind}: ${h.platformType} requires the X64 architecture, file is ${arch}`, 5, 'platform_type');
    if (h.platformType === 'CCA' && arch !== 'aarch64') this.fail(h, 'IGVM_BAD_ARCH', `${h.kind}: CCA requires the AArch64 architecture, file is ${arch}`, 5, 'platform_type');
    this.platforms.push(h);
  }

  private relocatable(h: IgvmRelocatableRegion): void {
    const end = h.relocationRegionGpa + h.relocationRegionSize;
    for (const r of this.relocs) {
      if (r.compatibilityMask !== h.compatibilityMask) continue;
      if (h.relocationRegionGpa < r.relocationRegionGpa + r.relocationRegionSize && r.relocationRegionGpa < end) {
        this.fail(h, 'IGVM_OVERLAP', `${h.kind}: region at ${hex(h.relocationRegionGpa)} overlaps header ${r.index} for the same compatibility_mask`, 16, 'relocation_region_gpa');
      }
    }
    this.relocs.push(h);
  }

  private area(h: IgvmHeader, index: number, rel: number): { size: number; inserted: boolean } {
    const a = this.areas.get(index);
    if (!a) this.fail(h, 'IGVM_BAD_PARAMETER_AREA', `${h.kind}: parameter area index ${index} is not declared`, rel, 'parameter_area_index');
    if (a.inserted) this.fail(h, 'IGVM_BAD_PARAMETER_AREA', `${h.kind}: parameter area index ${index} was already inserted`, rel, 'parameter_area_index');
    return a;
  }

  private vpContext(h: Extract<IgvmHeader, { kind: 'VP_CONTEXT' }>): VpContextFormat {
    const p = this.platforms.find((x) => x.compatibilityMask === h.compatibilityMask);
    if (!p) {
      this.fail(h, 'IGVM_BAD_MASK', `${h.kind}: compatibility_mask ${hex(h.compatibilityMask)} is not exactly one platform's mask (data format unknown)`, 8, 'compatibility_mask');
    }
    const format = VP_FORMAT[p.platformType];
    if (!format) this.fail(h, 'IGVM_BAD_MASK', `${h.kind}: no VP context format for platform ${p.platformType}`, 8, 'compatibility_mask');
    if (format === 'snp-vmsa' && h.gpa % BigInt(PAGE_SIZE) !== 0n) {
      this.fail(h, 'IGVM_UNALIGNED', `${h.kind}: gpa ${hex(h.gpa)} is not 4 KiB-aligned`, 0, 'gpa');
    }
    this.vpKeys.add(`${h.compatibilityMask}/${h.vpIndex}`);
    return format;
  }
}
