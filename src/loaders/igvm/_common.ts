/**
 * What every IGVM platform shares (specs/platforms.md §5.1): select the directives for the SEV-SNP
 * platform (`mask & snp_mask != 0`), map PAGE_DATA to a measured page type, reject 2 MiB pages,
 * resolve parameter-area sizes, and coalesce consecutive PAGE_DATA directives (contiguous GPAs, same
 * type and flags, contiguous file data or all without data) into runs, so that page data streams
 * through LaunchSession.update in big contiguous reads. The per-platform files decide what to do
 * with the runs, parameter inserts and VP contexts.
 */
import { inputError, LaunchRejectedError, SnpLaunchError } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';
import { PAGE_SIZE, PageType } from '../../firmware/page-types.js';
import { appliesTo, readVpContext, snpMask } from '../../images/igvm/access.js';
import type { IgvmFile, IgvmPageData, IgvmSnpIdBlock, IgvmVpContext } from '../../images/igvm/types.js';
import { PAGE_DATA_TYPES, PAGE_FLAG_2MB, PAGE_FLAG_SHARED, PAGE_FLAG_UNMEASURED } from '../../images/igvm/defs.js';
import { compactDirectives } from '../../images/igvm/page-table.js';
import type { IgvmPlatform } from '../../core/platforms.js';
import type { KernelHashes } from '../../images/ovmf/kernel-hashes.js';
import type { LaunchUpdateParams, PageData } from '../../uapi/types.js';

/** A run of PAGE_DATA directives measured alike. */
export interface PageRun {
  kind: 'pages';
  gpa: number;
  count: number;
  /** The measured type by the common rule (SECRETS, CPUID, UNMEASURED or NORMAL). */
  type: PageType;
  /** File offset of the first page's data, or 0 when the pages have no file data (zeros). */
  fileOffset: number;
  shared: boolean;
  /** Header indexes of the first and last directive of the run. */
  first: number;
  last: number;
}

/** A PARAMETER_INSERT with its area's size. */
export interface ParamInsert {
  kind: 'param';
  gpa: number;
  size: number;
  areaIndex: number;
  header: number;
}

/** An SNP VP_CONTEXT (its VMSA is read on demand). */
export interface VpItem {
  kind: 'vp';
  gpa: number;
  vpIndex: number;
  header: number;
  ctx: IgvmVpContext;
}

export type IgvmItem = PageRun | ParamInsert | VpItem;

export interface IgvmLaunchInput {
  /** The file's name, for errors. The parsed headers are not kept: a large image's 65,536
   * PAGE_DATA headers can be collected while its pages stream. */
  name: string;
  src: ByteSource;
  /** The SNP directives in file order, PAGE_DATA coalesced. */
  items: IgvmItem[];
  /** The SNP VP contexts, in file order. */
  vps: VpItem[];
  /** GUEST_POLICY for the SNP mask, when present. */
  policy?: bigint;
  idBlock?: IgvmSnpIdBlock;
  warnings: string[];
}

export interface IgvmLaunchOptions {
  vcpus: number;
  vcpuSig?: number;
  nativeZero?: boolean;
  guestFeatures?: bigint;
  /** Kernel/initrd/cmdline hashes for platforms that measure a kernel-hashes block (cloud-hypervisor-kvm). */
  kernelHashes?: KernelHashes;
  /** Passed to the session. */
  log?: boolean;
}

/** An error for "platform P cannot launch this file": kind 'input', naming the platform. */
export function platformError(platform: IgvmPlatform, why: string, input?: IgvmLaunchInput, index?: number): SnpLaunchError {
  return inputError('IGVM_PLATFORM', `${platform}: ${why}`, { ...(input ? { file: input.name } : {}), ...(index !== undefined ? { index } : {}) });
}

const hex = (v: number | bigint) => '0x' + v.toString(16);

/** measuredType from the raw data-type code (PAGE_DATA_TYPES order) and flags. */
function typeOfCode(dataType: number, flags: number): PageType {
  const name = PAGE_DATA_TYPES[dataType];
  if (name === 'SECRETS') return PageType.SECRETS;
  if (name === 'CPUID_DATA' || name === 'CPUID_XF') return PageType.CPUID;
  if ((flags & PAGE_FLAG_UNMEASURED) !== 0) return PageType.UNMEASURED;
  return PageType.NORMAL;
}

/** Page type of a PAGE_DATA directive by the common rule (platforms.md §5.1). */
export function measuredType(d: IgvmPageData): PageType {
  if (d.dataType === 'SECRETS') return PageType.SECRETS;
  if (d.dataType === 'CPUID_DATA' || d.dataType === 'CPUID_XF') return PageType.CPUID;
  if (d.flags.unmeasured) return PageType.UNMEASURED;
  return PageType.NORMAL;
}

function toGpa(v: bigint, what: string, file: IgvmFile, index: number): number {
  // Page-aligned u64 values have at most 52 significant bits, so they are exact as doubles.
  if (v % 4096n !== 0n || v < 0n || v >= 1n << 64n) throw inputError('IGVM_GPA', `${what} GPA ${hex(v)} is not a page-aligned u64`, { file: file.name, index });
  return Number(v);
}

/** Selects and prepares the SNP directives of a parsed file. */
export function prepareIgvm(file: IgvmFile, src: ByteSource): IgvmLaunchInput {
  const mask = snpMask(file);
  const areas = new Map<number, number>();
  const items: IgvmItem[] = [];
  const vps: VpItem[] = [];
  const warnings: string[] = [];
  let policy: bigint | undefined;
  let idBlock: IgvmSnpIdBlock | undefined;
  for (const h of file.initialization) {
    if (h.kind === 'GUEST_POLICY' && appliesTo(h, mask) && policy === undefined) policy = h.policy;
  }
  /** One PAGE_DATA directive for the SNP mask: appended to the last run when it continues it. */
  const page = (index: number, gpa: number, type: PageType, shared: boolean, is2MiB: boolean, fileOffset: number): void => {
    if (is2MiB) throw inputError('IGVM_2MIB', '2 MiB pages are not supported', { file: file.name, index, field: 'PAGE_DATA.flags' });
    const prev = items[items.length - 1];
    if (
      prev?.kind === 'pages' &&
      prev.type === type &&
      prev.shared === shared &&
      prev.gpa + prev.count * PAGE_SIZE === gpa &&
      (prev.fileOffset === 0 ? fileOffset === 0 : fileOffset === prev.fileOffset + prev.count * PAGE_SIZE)
    ) {
      prev.count++;
      prev.last = index;
    } else {
      items.push({ kind: 'pages', gpa, count: 1, type, fileOffset, shared, first: index, last: index });
    }
  };
  // A file from parseIgvm keeps PAGE_DATA as columns: walk them without building header objects.
  const compact = compactDirectives(file);
  const table = compact?.table;
  for (const slot of compact ? compact.directives : file.directives) {
    if (typeof slot === 'number') {
      // Hot loop (one iteration per page of a large image): typed-array reads only.
      if ((table!.mask[slot]! & mask) === 0) continue;
      const f = table!.flags[slot]!;
      page(table!.index[slot]!, table!.gpa(slot), typeOfCode(table!.dataType[slot]!, f), (f & PAGE_FLAG_SHARED) !== 0, (f & PAGE_FLAG_2MB) !== 0, table!.fileOffset[slot]!);
      continue;
    }
    const d = slot;
    if (d.kind === 'PARAMETER_AREA') {
      areas.set(d.parameterAreaIndex, d.size);
      continue;
    }
    const m = (d as { compatibilityMask?: number }).compatibilityMask;
    if (m === undefined || (m & mask) === 0) continue;
    switch (d.kind) {
      case 'PAGE_DATA':
        page(d.index, toGpa(d.gpa, 'PAGE_DATA', file, d.index), measuredType(d), d.flags.shared, d.flags.is2MiB, d.fileOffset);
        break;
      case 'PARAMETER_INSERT': {
        const size = areas.get(d.parameterAreaIndex);
        if (size === undefined) throw inputError('IGVM_PARAM', `PARAMETER_INSERT uses undeclared parameter area ${d.parameterAreaIndex}`, { file: file.name, index: d.index });
        items.push({ kind: 'param', gpa: toGpa(d.gpa, 'PARAMETER_INSERT', file, d.index), size, areaIndex: d.parameterAreaIndex, header: d.index });
        break;
      }
      case 'VP_CONTEXT': {
        const vp: VpItem = { kind: 'vp', gpa: toGpa(d.gpa, 'VP_CONTEXT', file, d.index), vpIndex: d.vpIndex, header: d.index, ctx: d };
        items.push(vp);
        vps.push(vp);
        break;
      }
      case 'SNP_ID_BLOCK':
        if (idBlock) warnings.push(`more than one SNP_ID_BLOCK applies to SEV-SNP; header ${d.index} is ignored`);
        else idBlock = d;
        break;
      default:
        break; // REQUIRED_MEMORY, ERROR_RANGE, VBS ...: not measured
    }
  }
  const out: IgvmLaunchInput = { name: file.name, src, items, vps, warnings };
  if (policy !== undefined) out.policy = policy;
  if (idBlock) out.idBlock = idBlock;
  return out;
}

/** A ByteSource of zeros (NORMAL pages without file data are measured as SHA-384 of zeros). */
export function zeroSource(size: number): ByteSource {
  return { name: '(zero pages)', size, read: (_o, l) => Promise.resolve(new Uint8Array(l)) };
}

export function runOrigin(r: PageRun): string {
  const h = r.first === r.last ? `header ${r.first}` : `headers ${r.first}-${r.last}`;
  const what = r.fileOffset === 0 ? 'no file data' : 'file data';
  return `IGVM PAGE_DATA ${h} (${what}${r.shared ? ', shared' : ''})`;
}

/**
 * The update for a page run. NORMAL pages stream their file data (or zeros); other types carry no
 * contents. `zeroAsZero` (igvmmeasure --native-zero) measures data-less NORMAL pages as ZERO.
 */
export function runUpdate(src: ByteSource, r: PageRun, zeroAsZero = false): LaunchUpdateParams {
  const length = r.count * PAGE_SIZE;
  const origin = runOrigin(r);
  if (r.type !== PageType.NORMAL) return { gpa: r.gpa, length, type: r.type, origin };
  if (r.fileOffset === 0) {
    if (zeroAsZero) return { gpa: r.gpa, length, type: PageType.ZERO, origin: origin + ' as ZERO (--native-zero)' };
    return { gpa: r.gpa, length, type: PageType.NORMAL, data: { source: zeroSource(length), offset: 0, length }, origin };
  }
  const data: PageData = { source: src, offset: r.fileOffset, length };
  return { gpa: r.gpa, length, type: PageType.NORMAL, data, origin };
}

/**
 * Largest parameter area measured page by page. A PARAMETER_AREA header may declare up to 2^53
 * bytes in 16 bytes of file, which would take days to measure; real areas are a few pages.
 */
export const MAX_MEASURED_PARAMETER_AREA = 4 * 1024 ** 3;

/**
 * A parameter area: every page (`whole`) or only the first, UNMEASURED. An empty area measured
 * page by page has no pages: undefined (no update).
 */
export function paramUpdate(input: IgvmLaunchInput, p: ParamInsert, whole: boolean): LaunchUpdateParams | undefined {
  if (whole && p.size === 0) return undefined;
  if (whole && p.size > MAX_MEASURED_PARAMETER_AREA) {
    throw inputError('IGVM_PARAM_TOO_LARGE', `parameter area ${p.areaIndex} is ${p.size} bytes; snp-launch measures parameter areas of at most 4 GiB page by page`, { file: input.name, index: p.header, field: 'PARAMETER_INSERT' });
  }
  const length = whole ? p.size : PAGE_SIZE;
  const pages = length / PAGE_SIZE;
  const what = whole ? `${pages} page${pages === 1 ? '' : 's'}` : `first page of ${p.size / PAGE_SIZE}`;
  return { gpa: p.gpa, length, type: PageType.UNMEASURED, origin: `IGVM PARAMETER_INSERT header ${p.header} (area ${p.areaIndex}, ${what})` };
}

export function vmsaOrigin(vp: VpItem, extra = ''): string {
  return `IGVM VP_CONTEXT header ${vp.header} (vp_index ${vp.vpIndex}${extra})`;
}

export function readVmsa(input: IgvmLaunchInput, vp: VpItem): Promise<Uint8Array> {
  return readVpContext(input.src, vp.ctx);
}

/** Runs `f`, turning a UAPI rejection into the platform's "cannot launch" error. */
export async function asPlatform<T>(platform: IgvmPlatform, input: IgvmLaunchInput, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof LaunchRejectedError) throw platformError(platform, `the launch is rejected with ${e.reason}`, input);
    throw e;
  }
}

/** Issues an update when there is one (an empty parameter area has none). */
export async function updateIf(s: { update(p: LaunchUpdateParams): Promise<void> }, u: LaunchUpdateParams | undefined): Promise<void> {
  if (u) await s.update(u);
}
