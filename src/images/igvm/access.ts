/**
 * Reading what a parsed IGVM file points at (specs/igvm.md §4.8, §4.11, §6): page data, VP context
 * pages, parameter-area initial data, CoRIM blobs, the SEV-SNP platform mask (platforms.md §5.1)
 * and the conversion of a parsed file back into a writer model. Each read is one bounded
 * ByteSource read; nothing here reads the file whole.
 */
import { inputError } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';
import { PAGE_SIZE } from './defs.js';
import { parseIgvm } from './parse.js';
import type {
  IgvmCorim,
  IgvmFile,
  IgvmHeader,
  IgvmHeaderSpec,
  IgvmModel,
  IgvmPageData,
  IgvmParameterArea,
  IgvmSupportedPlatform,
  IgvmVpContext,
} from './types.js';

/** The SEV-SNP SUPPORTED_PLATFORM header, or undefined. */
export function snpPlatform(file: IgvmFile): IgvmSupportedPlatform | undefined {
  return file.platforms.find((p) => p.platformType === 'SEV_SNP');
}

/** The compatibility mask of the SEV-SNP platform; an error when the file has none (platforms.md §5.1). */
export function snpMask(file: IgvmFile): number {
  const p = snpPlatform(file);
  if (!p) {
    throw inputError('IGVM_NO_SNP_PLATFORM', `no SUPPORTED_PLATFORM header with platform_type SEV_SNP (platforms: ${file.platforms.map((x) => x.platformType).join(', ') || 'none'})`, {
      file: file.name,
      offset: file.fixed.variableHeaderOffset,
      field: 'SUPPORTED_PLATFORM',
    });
  }
  return p.compatibilityMask;
}

/** Whether a directive's mask includes the platform mask (igvm.md §5). Unmasked headers always apply. */
export function appliesTo(h: IgvmHeader, platformMask: number): boolean {
  return 'compatibilityMask' in h ? (h.compatibilityMask & platformMask) !== 0 : true;
}

function zeroPadded(bytes: Uint8Array): Uint8Array {
  if (bytes.length === PAGE_SIZE) return bytes.slice();
  const out = new Uint8Array(PAGE_SIZE);
  out.set(bytes.subarray(0, PAGE_SIZE));
  return out;
}

/** The 4096-byte page of a PAGE_DATA directive, or null when it has no file data (a page of zeros). */
export async function readPageData(src: ByteSource, d: IgvmPageData): Promise<Uint8Array | null> {
  if (d.fileOffset === 0) return null;
  return zeroPadded(await src.read(d.fileOffset, d.dataLength));
}

/** The VP context data zero-padded to 4096 bytes (for SNP: the VMSA page, launch-digest.md §3). */
export async function readVpContext(src: ByteSource, d: IgvmVpContext): Promise<Uint8Array> {
  return zeroPadded(await src.read(d.fileOffset, d.length));
}

/** The VP context data exactly as stored (`length` bytes). */
export async function readVpContextRaw(src: ByteSource, d: IgvmVpContext): Promise<Uint8Array> {
  return (await src.read(d.fileOffset, d.length)).slice();
}

/** A parameter area's initial data (`size` bytes), or null when it is zero-filled. */
export async function readParameterAreaData(src: ByteSource, d: IgvmParameterArea): Promise<Uint8Array | null> {
  if (d.initialData === null) return null;
  return (await src.read(d.initialData.fileOffset, d.size)).slice();
}

/** A CoRIM document or signature, or null when the header has no data. */
export async function readCorimData(src: ByteSource, d: IgvmCorim): Promise<Uint8Array | null> {
  if (d.fileOffset === 0) return null;
  return (await src.read(d.fileOffset, d.sizeBytes)).slice();
}

/** Drops the position fields and replaces file references with the data they point at. */
async function toSpec(src: ByteSource, h: IgvmHeader): Promise<IgvmHeaderSpec> {
  const { index: _i, type: _t, offset: _o, ...rest } = h;
  switch (rest.kind) {
    case 'PAGE_DATA': {
      const { fileOffset: _f, dataLength: _l, ...f } = rest;
      return { ...f, data: await readPageData(src, h as IgvmPageData) };
    }
    case 'VP_CONTEXT': {
      const { fileOffset: _f, length: _l, format: _fmt, ...f } = rest;
      return { ...f, data: await readVpContextRaw(src, h as IgvmVpContext) };
    }
    case 'PARAMETER_AREA': {
      const { initialData: _d, ...f } = rest;
      return { ...f, initialData: await readParameterAreaData(src, h as IgvmParameterArea) };
    }
    case 'CORIM_DOCUMENT':
    case 'CORIM_SIGNATURE': {
      const { fileOffset: _f, sizeBytes: _s, ...f } = rest;
      return { ...f, data: await readCorimData(src, h as IgvmCorim) };
    }
    default:
      return rest as IgvmHeaderSpec;
  }
}

/** A parsed file as a writer model (reads all file data: for tests and small files). */
export async function toIgvmModel(src: ByteSource, file: IgvmFile): Promise<IgvmModel> {
  const headers: IgvmHeaderSpec[] = [];
  for (const h of file.headers) headers.push(await toSpec(src, h));
  return { formatVersion: file.fixed.formatVersion, architecture: file.fixed.architecture, headers };
}

/** parseIgvm + toIgvmModel. */
export async function readIgvmModel(src: ByteSource): Promise<IgvmModel> {
  return toIgvmModel(src, await parseIgvm(src));
}
