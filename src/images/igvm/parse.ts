/**
 * IGVM parser (specs/igvm.md §2, §3, §7): reads the fixed header and the variable-header TLVs of
 * a ByteSource by offset, verifies the CRC-32, decodes and validates every header, and records
 * where each header's file data is. File data is never read here except the 4-byte register count
 * of VBS VP contexts; large files are therefore parsed with memory bounded by the header section.
 *
 * Every error is an SnpLaunchError whose location names the file, the header index (when a header
 * is at fault), the byte offset and the field; the reason names the header type.
 */
import { u32 } from '../../core/bytes.js';
import { inputError } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';
import { Crc32 } from './crc32.js';
import { decodeHeader, PayloadReader } from './decode.js';
import {
  align8,
  ARCH_AARCH64,
  ARCH_X64,
  FIXED,
  FIXED_SIZE_V1,
  FIXED_SIZE_V2,
  HEADER_TYPES,
  IGVM_MAGIC,
  KIND_BY_TYPE,
  OPTIONAL_BIT,
  PAGE_SIZE,
  TLV_HEADER_SIZE,
  TYPE_RESERVED_306,
  VBS_REGISTER_SIZE,
  type HeaderKind,
} from './defs.js';
import type { IgvmDirective, IgvmFile, IgvmFixedHeader, IgvmHeader, IgvmInitHeader, IgvmSupportedPlatform, IgvmVpContext } from './types.js';
import { IgvmValidator } from './validate.js';
import { compactFile, PageDataTable, type Slot } from './page-table.js';

/**
 * Upper bound on the variable-header section (64 MiB ≈ 2 million PAGE_DATA headers, i.e. 8 GiB of
 * 4 KiB pages). The section is held in memory while parsing; this keeps a hostile size from
 * allocating gigabytes. Real files are far smaller (an OpenHCL image has a few MiB of headers).
 */
export const MAX_VARIABLE_HEADER_SIZE = 64 << 20;

/** Payload offset of the file_offset field, for headers that reference file data (§4). */
const FILE_OFFSET_FIELD: Partial<Record<HeaderKind, number>> = {
  CORIM_DOCUMENT: 4,
  CORIM_SIGNATURE: 4,
  PARAMETER_AREA: 12,
  PAGE_DATA: 12,
  VP_CONTEXT: 12,
};

/** Parses and validates an IGVM file. */
export async function parseIgvm(src: ByteSource): Promise<IgvmFile> {
  const fixed = await readFixedHeader(src);
  const vho = fixed.variableHeaderOffset;
  const vhs = fixed.variableHeaderSize;
  const vh = await src.read(vho, vhs);
  await checkCrc(src, fixed, vh);

  const fileDataOffset = vho + vhs;
  const headerFail: HeaderFail = (h, code, reason, rel, field) => {
    throw inputError(code, reason, { file: src.name, index: h.index, offset: h.offset + TLV_HEADER_SIZE + rel, field });
  };
  const validator = new IgvmValidator(fixed, headerFail);
  // PAGE_DATA headers go to columns (page-table.ts); the lists hold their row numbers.
  const pages = new PageDataTable();
  const headers: Slot<IgvmHeader>[] = [];
  const platforms: IgvmSupportedPlatform[] = [];
  const initialization: IgvmInitHeader[] = [];
  const directives: Slot<IgvmDirective>[] = [];
  const nonZeroPadding: number[] = [];

  const reader = new PayloadReader(vh);
  // One position and two failure callbacks per parse, not per header: a parse may see millions of
  // headers, and per-header closures were a large share of its garbage.
  const at = { index: 0, offset: 0 };
  const typeFail = (code: string, reason: string): never => headerFail(at, code, reason, -8, 'type');
  const fieldFail = (code: string, reason: string, rel: number, field: string): never => headerFail(at, code, reason, rel, field);
  let pos = 0;
  for (let index = 0; pos < vhs; index++) {
    const offset = vho + pos;
    at.index = index;
    at.offset = offset;
    if (pos + TLV_HEADER_SIZE > vhs) {
      headerFail(at, 'IGVM_TRUNCATED', `truncated TLV header: ${vhs - pos} bytes left in the variable header, 8 needed`, -8, 'type');
    }
    reader.base = pos;
    const type = reader.u32(0);
    const length = reader.u32(4);
    const kind = tlvKind(type, typeFail);
    const spec = HEADER_TYPES[kind];
    validator.enterSection(at, spec.section, kind);
    if (length !== spec.size) {
      headerFail(at, 'IGVM_BAD_LENGTH', `${kind}: payload length ${length} must be ${spec.size}`, -4, 'length');
    }
    if (pos + TLV_HEADER_SIZE + length > vhs) {
      headerFail(at, 'IGVM_TRUNCATED', `${kind}: payload of ${length} bytes runs past the end of the variable header`, -4, 'length');
    }
    const next = align8(pos + TLV_HEADER_SIZE + length);
    if (next > vhs) {
      headerFail(at, 'IGVM_TRUNCATED', `${kind}: padding to 8 bytes runs past the end of the variable header (size ${vhs})`, -4, 'length');
    }
    for (let i = pos + TLV_HEADER_SIZE + length; i < next; i++) {
      // The reference parser does not check padding (igvm-tooling pads with '0'); remember it.
      if (vh[i] !== 0) {
        nonZeroPadding.push(index);
        break;
      }
    }
    reader.base = pos + TLV_HEADER_SIZE;
    if (kind === 'PAGE_DATA') {
      const row = pages.add(reader, index, type, offset, fieldFail);
      const fo = pages.fileOffset[row]!;
      if (fo !== 0 && (fo < fileDataOffset || fo + PAGE_SIZE > src.size)) {
        headerFail(at, 'IGVM_OFFSET_PAST_END', `PAGE_DATA: file data [${fo}, ${fo + PAGE_SIZE}) is outside the file-data section [${fileDataOffset}, ${src.size})`, FILE_OFFSET_FIELD.PAGE_DATA!, 'file_offset');
      }
      headers.push(row);
      directives.push(row);
      pos = next;
      continue;
    }
    const h = decodeHeader(kind, reader, { index, type, offset }, fieldFail);
    const format = validator.check(h);
    if (h.kind === 'VP_CONTEXT') {
      h.format = format!;
      // A VBS register list has its own length (§4.11): read its count (the only data read here).
      if (format === 'vbs-registers') await vbsLength(src, h, fileDataOffset, headerFail);
    }
    checkFileData(src.size, h, fileDataOffset, headerFail);
    headers.push(h);
    if (h.kind === 'SUPPORTED_PLATFORM') platforms.push(h);
    else if (spec.section === 'init') initialization.push(h as IgvmInitHeader);
    else directives.push(h as IgvmDirective);
    pos = next;
  }
  validator.finish({ index: headers.length, offset: vho + vhs });
  return compactFile({ name: src.name, fixed, platforms, initialization, fileDataOffset, nonZeroPadding }, pages, headers, directives);
}

/** Type code → kind, rejecting unknown types (with or without the optional bit) and 0x306 (§3.1). */
function tlvKind(type: number, fail: (code: string, reason: string) => never): HeaderKind {
  const kind = KIND_BY_TYPE.get(type);
  if (kind) return kind;
  if (type === TYPE_RESERVED_306) fail('IGVM_UNKNOWN_TYPE', 'header type 0x306 (RESERVED_DO_NOT_USE, was SHARED_BOUNDARY_GPA) is not allowed');
  const optional = (type & OPTIONAL_BIT) !== 0 ? ' (the optional bit is set, but unknown types are rejected)' : '';
  return fail('IGVM_UNKNOWN_TYPE', `unknown header type 0x${(type >>> 0).toString(16)}${optional}`);
}

async function readFixedHeader(src: ByteSource): Promise<IgvmFixedHeader> {
  const f = (code: string, reason: string, offset: number, field: string) => inputError(code, reason, { file: src.name, offset, field });
  if (src.size < FIXED_SIZE_V1) throw f('IGVM_TRUNCATED', `truncated fixed header: file is ${src.size} bytes, at least ${FIXED_SIZE_V1} needed`, 0, 'fixed header');
  const b = await src.read(0, Math.min(src.size, FIXED_SIZE_V2));
  const magic = u32(b, FIXED.magic);
  if (magic !== IGVM_MAGIC) throw f('IGVM_BAD_MAGIC', `bad magic 0x${magic.toString(16)} (expected 0x4d564749, "IGVM")`, FIXED.magic, 'magic');
  const version = u32(b, FIXED.formatVersion);
  if (version !== 1 && version !== 2) throw f('IGVM_BAD_VERSION', `unsupported format_version ${version} (1 or 2)`, FIXED.formatVersion, 'format_version');
  const fixedSize = version === 1 ? FIXED_SIZE_V1 : FIXED_SIZE_V2;
  if (b.length < fixedSize) throw f('IGVM_TRUNCATED', `truncated fixed header: file is ${src.size} bytes, version 2 needs ${fixedSize}`, 0, 'fixed header');
  const total = u32(b, FIXED.totalFileSize);
  if (total !== src.size) throw f('IGVM_SIZE_MISMATCH', `total_file_size ${total} does not match the file size ${src.size}`, FIXED.totalFileSize, 'total_file_size');
  const vho = u32(b, FIXED.variableHeaderOffset);
  if (vho < fixedSize || vho % 8 !== 0) {
    throw f('IGVM_BAD_OFFSET', `variable_header_offset ${vho} must be 8-aligned and at least the fixed header size ${fixedSize}`, FIXED.variableHeaderOffset, 'variable_header_offset');
  }
  if (vho >= src.size) throw f('IGVM_OFFSET_PAST_END', `variable_header_offset ${vho} is past the end of the file (size ${src.size})`, FIXED.variableHeaderOffset, 'variable_header_offset');
  const vhs = u32(b, FIXED.variableHeaderSize);
  if (vho + vhs >= src.size) {
    throw f('IGVM_OFFSET_PAST_END', `variable header [${vho}, ${vho + vhs}) leaves no file data (file size ${src.size}; the reference parser requires at least one byte)`, FIXED.variableHeaderSize, 'variable_header_size');
  }
  if (vhs > MAX_VARIABLE_HEADER_SIZE) throw f('IGVM_TOO_LARGE', `variable_header_size ${vhs} exceeds the supported maximum ${MAX_VARIABLE_HEADER_SIZE}`, FIXED.variableHeaderSize, 'variable_header_size');
  let architecture: 'x64' | 'aarch64' = 'x64';
  let pageSize = PAGE_SIZE;
  if (version === 2) {
    const arch = u32(b, FIXED.architecture);
    if (arch !== ARCH_X64 && arch !== ARCH_AARCH64) throw f('IGVM_BAD_FIELD', `unknown architecture ${arch} (0 = X64, 1 = AArch64)`, FIXED.architecture, 'architecture');
    architecture = arch === ARCH_X64 ? 'x64' : 'aarch64';
    pageSize = u32(b, FIXED.pageSize);
    if (pageSize !== PAGE_SIZE) throw f('IGVM_BAD_FIELD', `page_size ${pageSize} must be 4096`, FIXED.pageSize, 'page_size');
  }
  return { formatVersion: version, variableHeaderOffset: vho, variableHeaderSize: vhs, totalFileSize: total, checksum: u32(b, FIXED.checksum), architecture, pageSize };
}

/** CRC-32 over the fixed header with the checksum zeroed, then the variable header (§2.1). */
async function checkCrc(src: ByteSource, fixed: IgvmFixedHeader, vh: Uint8Array): Promise<void> {
  const size = fixed.formatVersion === 1 ? FIXED_SIZE_V1 : FIXED_SIZE_V2;
  const head = (await src.read(0, size)).slice();
  head.fill(0, FIXED.checksum, FIXED.checksum + 4);
  const crc = new Crc32().update(head).update(vh).digest();
  if (crc !== fixed.checksum) {
    throw inputError('IGVM_BAD_CHECKSUM', `checksum 0x${fixed.checksum.toString(16)} does not match the computed CRC-32 0x${crc.toString(16)}`, {
      file: src.name,
      offset: FIXED.checksum,
      field: 'checksum',
    });
  }
}

type HeaderFail = (h: { index: number; offset: number }, code: string, reason: string, rel: number, field: string) => never;

/** The file data a header references: [fileOffset, fileOffset + length), or undefined for none. */
function fileRange(h: IgvmHeader): { fileOffset: number; length: number } | undefined {
  switch (h.kind) {
    case 'CORIM_DOCUMENT':
    case 'CORIM_SIGNATURE':
      return h.fileOffset === 0 ? undefined : { fileOffset: h.fileOffset, length: h.sizeBytes };
    case 'PARAMETER_AREA':
      return h.initialData === null ? undefined : { fileOffset: h.initialData.fileOffset, length: h.size };
    case 'PAGE_DATA':
      return h.fileOffset === 0 ? undefined : { fileOffset: h.fileOffset, length: h.dataLength };
    case 'VP_CONTEXT':
      return { fileOffset: h.fileOffset, length: h.length };
    default:
      return undefined;
  }
}

/** Every file_offset + size must lie inside the file-data section (§6, §7.1). */
function checkFileData(size: number, h: IgvmHeader, fileDataOffset: number, fail: HeaderFail): void {
  const r = fileRange(h);
  if (r === undefined) return;
  if (r.fileOffset < fileDataOffset || r.fileOffset + r.length > size) {
    fail(h, 'IGVM_OFFSET_PAST_END', `${h.kind}: file data [${r.fileOffset}, ${r.fileOffset + r.length}) is outside the file-data section [${fileDataOffset}, ${size})`, FILE_OFFSET_FIELD[h.kind as HeaderKind] ?? 0, 'file_offset');
  }
}

/** VBS VP context: u32 register_count, then 32-byte registers; the list must fit one page. */
async function vbsLength(src: ByteSource, h: IgvmVpContext, fileDataOffset: number, fail: HeaderFail): Promise<void> {
  h.length = 4;
  checkFileData(src.size, h, fileDataOffset, fail);
  const count = u32(await src.read(h.fileOffset, 4), 0);
  if (4 + count * VBS_REGISTER_SIZE > PAGE_SIZE) fail(h, 'IGVM_BAD_FIELD', `${h.kind}: VBS register_count ${count} does not fit one page`, FILE_OFFSET_FIELD.VP_CONTEXT!, 'file_offset');
  h.length = 4 + count * VBS_REGISTER_SIZE;
}
