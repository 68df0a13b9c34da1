/**
 * The GUIDed footer table at the end of an OVMF image (the "OVMF reset-vector table"), exactly as
 * specs/ovmf.md §3: skip the 32-byte reset-vector area, an 18-byte footer header (u16 size, GUID)
 * at N-50, and a body of entries read from the end backwards, each ending in its own
 * (u16 size, GUID) header. A missing footer GUID means an empty table, not an error.
 */
import { guidToString, u16, u32 } from '../../core/bytes.js';
import { inputError, type SnpLaunchError } from '../../core/errors.js';
import { OvmfGuid } from './guids.js';

/** Layout constants (ovmf.md §3). */
export const FOOTER = {
  /** Bytes at the very end holding the reset vector; not part of the table. */
  RESET_VECTOR_AREA: 32,
  /** u16 size + 16-byte GUID, for both the footer and every entry. */
  ENTRY_HEADER: 18,
  /** The footer header starts this many bytes before the end of the file. */
  FOOTER_FROM_END: 50,
} as const;

export interface FooterEntry {
  /** Canonical GUID string. */
  guid: string;
  /** Entry data (the bytes before its 18-byte header). */
  data: Uint8Array;
  /** File offset of `data`. */
  offset: number;
  /** The entry's size field (data + 18). */
  size: number;
}

/** Where the walk stopped before the start of the table (an entry running past it). */
export interface FooterStop {
  /** The entry's GUID (its 18-byte header is intact). */
  guid: string;
  /** Its size field. */
  size: number;
  /** File offset of its header. */
  offset: number;
  /** Bytes by which it runs before the start of the table. */
  overhang: number;
}

export interface FooterTable {
  /** Whether the footer GUID was found. */
  present: boolean;
  /** File offset of the table body (first byte of the lowest entry); -1 when absent. */
  offset: number;
  /** The footer's size field (body + 18); 0 when absent. */
  size: number;
  /** Entries in parse order (from the end backwards). */
  entries: FooterEntry[];
  /** GUID → entry; later-parsed (lower-address) duplicates win, as in the reference. */
  byGuid: Map<string, FooterEntry>;
  /** Set when an entry runs past the start of the table: the walk ended there, as QEMU's does. */
  stop?: FooterStop;
}

export const EMPTY_FOOTER: FooterTable = { present: false, offset: -1, size: 0, entries: [], byGuid: new Map() };

/** Whether the 18-byte footer header (read at N-50) carries the footer GUID, and its size field. */
export function readFooterHeader(header: Uint8Array): { present: boolean; size: number } {
  const present = guidToString(header.subarray(2, 18)) === OvmfGuid.OVMF_TABLE_FOOTER;
  return { present, size: u16(header, 0) };
}

/**
 * Parses the table body (the `size - 18` bytes ending at N-50, starting at file offset `bodyOffset`).
 * `file` names the image in errors.
 */
export function parseFooterBody(body: Uint8Array, bodyOffset: number, footerSize: number, file: string): FooterTable {
  const entries: FooterEntry[] = [];
  const byGuid = new Map<string, FooterEntry>();
  let len = body.length;
  while (len >= FOOTER.ENTRY_HEADER) {
    const hdr = len - FOOTER.ENTRY_HEADER;
    const size = u16(body, hdr);
    const guid = guidToString(body.subarray(hdr + 2, len));
    if (size < FOOTER.ENTRY_HEADER) {
      throw inputError('OVMF_FOOTER_ENTRY', `Invalid entry size (${size}, less than ${FOOTER.ENTRY_HEADER}) of footer table entry ${guid}`, {
        file,
        offset: bodyOffset + hdr,
      });
    }
    if (size > len) {
      // QEMU stops looking here (so does the reference): the entry and anything below it are not found.
      const stop: FooterStop = { guid, size, offset: bodyOffset + hdr, overhang: size - len };
      return { present: true, offset: bodyOffset, size: footerSize, entries, byGuid, stop };
    }
    const start = len - size;
    const entry: FooterEntry = { guid, data: body.slice(start, hdr), offset: bodyOffset + start, size };
    entries.push(entry);
    byGuid.set(guid, entry);
    len -= size;
  }
  return { present: true, offset: bodyOffset, size: footerSize, entries, byGuid };
}

/** The first 4 bytes of an entry's data as u32 LE (every value the measurement uses; ovmf.md §3 rule 7). */
export function entryU32(e: FooterEntry, file: string, at = 0): number {
  if (e.data.length < at + 4) {
    throw inputError('OVMF_FOOTER_ENTRY', `footer table entry ${e.guid} has ${e.data.length} data bytes, too short for a u32 at +${at}`, {
      file,
      offset: e.offset,
    });
  }
  return u32(e.data, at);
}

/**
 * The error for a needed entry (`name`, e.g. SEV_ES_RESET_BLOCK_GUID) that the walk did not find
 * because it stopped at that very entry; undefined when the entry is simply absent.
 */
export function missingEntryError(t: FooterTable, guid: string, name: string, file: string): SnpLaunchError | undefined {
  if (t.stop?.guid !== guid) return undefined;
  return inputError(
    'OVMF_FOOTER_ENTRY',
    `footer table entry ${name} of size ${t.stop.size} runs ${t.stop.overhang} bytes past the start of the table; QEMU stops reading the table there, so the entry is missing`,
    { file, offset: t.stop.offset },
  );
}
