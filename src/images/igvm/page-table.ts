/**
 * PAGE_DATA headers as columns. A large IGVM image is mostly PAGE_DATA headers (65,536 for 256 MiB
 * of pages); the parser keeps their fields in typed arrays instead of one object (and one bigint)
 * per header, and builds the `IgvmPageData` objects only when `IgvmFile.headers`/`directives` are
 * read. The measuring path walks the columns (`compactDirectives`) and never builds them.
 */
import { PD, PAGE_DATA_TYPES, PAGE_SIZE } from './defs.js';
import { checkPageData, pageDataFlags, type Fail, type PayloadReader } from './decode.js';
import type { IgvmDirective, IgvmFile, IgvmHeader, IgvmPageData } from './types.js';

export class PageDataTable {
  n = 0;
  gpaLo = new Uint32Array(0);
  gpaHi = new Uint32Array(0);
  mask = new Uint32Array(0);
  fileOffset = new Uint32Array(0);
  flags = new Uint8Array(0);
  dataType = new Uint8Array(0);
  index = new Uint32Array(0);
  type = new Uint32Array(0);
  offset = new Uint32Array(0);
  private objects: (IgvmPageData | undefined)[] = [];

  /** Columns grow by doubling: memory follows the PAGE_DATA headers a file has, not its header size. */
  private grow(): void {
    const size = Math.max(1024, this.gpaLo.length * 2);
    const more = <T extends Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.gpaLo = more(this.gpaLo, (n) => new Uint32Array(n));
    this.gpaHi = more(this.gpaHi, (n) => new Uint32Array(n));
    this.mask = more(this.mask, (n) => new Uint32Array(n));
    this.fileOffset = more(this.fileOffset, (n) => new Uint32Array(n));
    this.flags = more(this.flags, (n) => new Uint8Array(n));
    this.dataType = more(this.dataType, (n) => new Uint8Array(n));
    this.index = more(this.index, (n) => new Uint32Array(n));
    this.type = more(this.type, (n) => new Uint32Array(n));
    this.offset = more(this.offset, (n) => new Uint32Array(n));
  }

  /** Validates the payload at `r.base` (decode.ts rules) and appends it; returns its row. */
  add(r: PayloadReader, index: number, type: number, offset: number, fail: Fail): number {
    checkPageData(r, fail);
    if (this.n === this.gpaLo.length) this.grow();
    const i = this.n++;
    this.gpaLo[i] = r.u32(PD.gpa);
    this.gpaHi[i] = r.u32(PD.gpa + 4);
    this.mask[i] = r.u32(PD.compatibilityMask);
    this.fileOffset[i] = r.u32(PD.fileOffset);
    this.flags[i] = r.u32(PD.flags);
    this.dataType[i] = r.u16(PD.dataType);
    this.index[i] = index;
    this.type[i] = type;
    this.offset[i] = offset;
    return i;
  }

  /** The GPA as a number: exact, since it is page aligned (52 significant bits at most). */
  gpa(i: number): number {
    return this.gpaHi[i]! * 0x1_0000_0000 + this.gpaLo[i]!;
  }

  /** Row i as the object `decodeHeader` builds (the same object on every call). */
  object(i: number): IgvmPageData {
    let o = this.objects[i];
    if (o === undefined) {
      const fileOffset = this.fileOffset[i]!;
      o = {
        kind: 'PAGE_DATA',
        gpa: (BigInt(this.gpaHi[i]!) << 32n) | BigInt(this.gpaLo[i]!),
        compatibilityMask: this.mask[i]!,
        flags: pageDataFlags(this.flags[i]!),
        dataType: PAGE_DATA_TYPES[this.dataType[i]!]!,
        fileOffset,
        dataLength: fileOffset === 0 ? 0 : PAGE_SIZE,
        index: this.index[i]!,
        type: this.type[i]!,
        offset: this.offset[i]!,
      };
      this.objects[i] = o;
    }
    return o;
  }
}

/** A header list where PAGE_DATA headers are row numbers of the table. */
export type Slot<T> = T | number;

interface Compact {
  table: PageDataTable;
  directives: Slot<IgvmDirective>[];
}

const compact = new WeakMap<IgvmFile, Compact>();

/**
 * The file object `parseIgvm` returns: `headers` and `directives` are built on first read (and
 * then kept), from the slots and the table.
 */
export function compactFile(base: Omit<IgvmFile, 'headers' | 'directives'>, table: PageDataTable, headers: Slot<IgvmHeader>[], directives: Slot<IgvmDirective>[]): IgvmFile {
  const build = <T>(slots: Slot<T>[]): T[] => slots.map((s) => (typeof s === 'number' ? (table.object(s) as T) : s));
  let h: IgvmHeader[] | undefined;
  let d: IgvmDirective[] | undefined;
  const file: IgvmFile = {
    name: base.name,
    fixed: base.fixed,
    get headers() {
      return (h ??= build(headers));
    },
    platforms: base.platforms,
    initialization: base.initialization,
    get directives() {
      return (d ??= build(directives));
    },
    fileDataOffset: base.fileDataOffset,
    nonZeroPadding: base.nonZeroPadding,
  };
  compact.set(file, { table, directives });
  return file;
}

/** The directive slots and the PAGE_DATA table of a file from `parseIgvm`, for a walk without objects. */
export function compactDirectives(file: IgvmFile): Compact | undefined {
  return compact.get(file);
}
