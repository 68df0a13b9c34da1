/**
 * A fluent builder for IGVM models and files (specs/igvm.md), for tests and examples: platforms,
 * policy, pages, VP contexts, parameter areas and the SNP ID block, with sensible defaults. Headers
 * are emitted in section order (platform → init → directive, §3.2), keeping call order within a
 * section, so callers need not care about the order of their calls.
 */
import { usageError } from '../../core/errors.js';
import { PAGE_SIZE, SECTION_RANK, HEADER_TYPES } from './defs.js';
import type {
  IgvmHeaderSpec,
  IgvmModel,
  IgvmPlatformType,
  PageDataType,
  ParameterKind,
  SnpIdBlockFields,
} from './types.js';
import { writeIgvm } from './write.js';

export interface PlatformOptions {
  /** Default: the lowest bit not yet used by another platform (the first platform gets 0x1). */
  mask?: number;
  highestVtl?: number;
  sharedGpaBoundary?: bigint;
}

export interface PageOptions {
  type?: PageDataType;
  unmeasured?: boolean;
  shared?: boolean;
  is2MiB?: boolean;
  /** Default: the builder's default mask (the first platform's). */
  mask?: number;
}

export interface IgvmBuilder {
  platform(type: IgvmPlatformType, opts?: PlatformOptions): IgvmBuilder;
  policy(policy: bigint, mask?: number): IgvmBuilder;
  /** One PAGE_DATA; data of at most 4096 bytes (zero-padded when written) or null for a zero page. */
  pageData(gpa: bigint | number, data: Uint8Array | null, opts?: PageOptions): IgvmBuilder;
  /** PAGE_DATA for consecutive 4 KiB pages covering `data` (the last page zero-padded). */
  pages(gpa: bigint | number, data: Uint8Array, opts?: PageOptions): IgvmBuilder;
  /** `count` PAGE_DATA zero pages (no file data) from gpa. */
  zeroPages(gpa: bigint | number, count: number, opts?: PageOptions): IgvmBuilder;
  vpContext(gpa: bigint | number, vpIndex: number, data: Uint8Array, mask?: number): IgvmBuilder;
  parameterArea(index: number, size: number, initialData?: Uint8Array | null): IgvmBuilder;
  parameter(kind: ParameterKind, areaIndex: number, byteOffset?: number): IgvmBuilder;
  parameterInsert(gpa: bigint | number, areaIndex: number, mask?: number): IgvmBuilder;
  requiredMemory(gpa: bigint | number, numberOfBytes: number, opts?: { mask?: number; vtl2Protectable?: boolean }): IgvmBuilder;
  /** SNP_ID_BLOCK; unspecified fields are zero, algorithms 1 (ECDSA P-384) and curves 2 (P-384). */
  idBlock(fields?: Partial<Omit<SnpIdBlockFields, 'kind'>>): IgvmBuilder;
  /** Any header as is. */
  header(h: IgvmHeaderSpec): IgvmBuilder;
  model(): IgvmModel;
  build(): Uint8Array;
}

export interface BuilderOptions {
  formatVersion?: 1 | 2;
  architecture?: 'x64' | 'aarch64';
}

function gpaOf(v: bigint | number): bigint {
  return BigInt(v);
}

/** Starts a builder. Defaults: version 1, X64. */
export function igvmBuilder(opts: BuilderOptions = {}): IgvmBuilder {
  const headers: IgvmHeaderSpec[] = [];
  let defaultMask: number | undefined;
  const mask = (m?: number): number => {
    const v = m ?? defaultMask;
    if (v === undefined) throw usageError('IGVM_BUILDER', 'add a platform before masked headers, or pass a mask', 'mask');
    return v;
  };
  const page = (gpa: bigint, data: Uint8Array | null, o: PageOptions): IgvmHeaderSpec => ({
    kind: 'PAGE_DATA',
    gpa,
    compatibilityMask: mask(o.mask),
    flags: { is2MiB: o.is2MiB ?? false, unmeasured: o.unmeasured ?? false, shared: o.shared ?? false },
    dataType: o.type ?? 'NORMAL',
    data: data === null || data.length === PAGE_SIZE ? data : padTo(data, PAGE_SIZE),
  });
  const zeroSig = () => ({ r: new Uint8Array(72), s: new Uint8Array(72) });
  const zeroKey = () => ({ curve: 2, qx: new Uint8Array(72), qy: new Uint8Array(72) });

  const b: IgvmBuilder = {
    platform(type, o = {}) {
      const used = headers.reduce((m, h) => (h.kind === 'SUPPORTED_PLATFORM' ? m | h.compatibilityMask : m), 0);
      let m = o.mask;
      if (m === undefined) for (m = 1; used & m; m <<= 1);
      defaultMask ??= m;
      headers.push({ kind: 'SUPPORTED_PLATFORM', compatibilityMask: m, highestVtl: o.highestVtl ?? 0, platformType: type, platformVersion: 1, sharedGpaBoundary: o.sharedGpaBoundary ?? 0n });
      return b;
    },
    policy(policy, m) {
      headers.push({ kind: 'GUEST_POLICY', policy, compatibilityMask: mask(m) });
      return b;
    },
    pageData(gpa, data, o = {}) {
      headers.push(page(gpaOf(gpa), data, o));
      return b;
    },
    pages(gpa, data, o = {}) {
      for (let off = 0; off < data.length; off += PAGE_SIZE) headers.push(page(gpaOf(gpa) + BigInt(off), data.subarray(off, off + PAGE_SIZE), o));
      return b;
    },
    zeroPages(gpa, count, o = {}) {
      for (let i = 0; i < count; i++) headers.push(page(gpaOf(gpa) + BigInt(i * PAGE_SIZE), null, o));
      return b;
    },
    vpContext(gpa, vpIndex, data, m) {
      headers.push({ kind: 'VP_CONTEXT', gpa: gpaOf(gpa), compatibilityMask: mask(m), vpIndex, data });
      return b;
    },
    parameterArea(index, size, initialData = null) {
      headers.push({ kind: 'PARAMETER_AREA', parameterAreaIndex: index, size, initialData });
      return b;
    },
    parameter(kind, areaIndex, byteOffset = 0) {
      headers.push({ kind, parameterAreaIndex: areaIndex, byteOffset });
      return b;
    },
    parameterInsert(gpa, areaIndex, m) {
      headers.push({ kind: 'PARAMETER_INSERT', gpa: gpaOf(gpa), compatibilityMask: mask(m), parameterAreaIndex: areaIndex });
      return b;
    },
    requiredMemory(gpa, numberOfBytes, o = {}) {
      headers.push({ kind: 'REQUIRED_MEMORY', gpa: gpaOf(gpa), compatibilityMask: mask(o.mask), numberOfBytes, vtl2Protectable: o.vtl2Protectable ?? false });
      return b;
    },
    idBlock(f = {}) {
      headers.push({
        kind: 'SNP_ID_BLOCK',
        compatibilityMask: mask(f.compatibilityMask),
        authorKeyEnabled: f.authorKeyEnabled ?? 0,
        ld: f.ld ?? new Uint8Array(48),
        familyId: f.familyId ?? new Uint8Array(16),
        imageId: f.imageId ?? new Uint8Array(16),
        version: f.version ?? 1,
        guestSvn: f.guestSvn ?? 0,
        idKeyAlgorithm: f.idKeyAlgorithm ?? 1,
        authorKeyAlgorithm: f.authorKeyAlgorithm ?? 1,
        idKeySignature: f.idKeySignature ?? zeroSig(),
        idPublicKey: f.idPublicKey ?? zeroKey(),
        authorKeySignature: f.authorKeySignature ?? zeroSig(),
        authorPublicKey: f.authorPublicKey ?? zeroKey(),
      });
      return b;
    },
    header(h) {
      headers.push(h);
      return b;
    },
    model() {
      const rank = (h: IgvmHeaderSpec) => SECTION_RANK[HEADER_TYPES[h.kind].section];
      // Array.prototype.sort is stable, so call order is kept within a section.
      const sorted = headers.map((h, i) => ({ h, i })).sort((x, y) => rank(x.h) - rank(y.h) || x.i - y.i).map((x) => x.h);
      return { formatVersion: opts.formatVersion ?? 1, architecture: opts.architecture ?? 'x64', headers: sorted };
    },
    build() {
      return writeIgvm(b.model());
    },
  };
  return b;
}

function padTo(data: Uint8Array, n: number): Uint8Array {
  if (data.length > n) throw usageError('IGVM_WRITE_DATA', `page data is ${data.length} bytes, at most ${n}`, 'data');
  const out = new Uint8Array(n);
  out.set(data);
  return out;
}
