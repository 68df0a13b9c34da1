/**
 * The kernel / initrd / cmdline hashes table of measured direct boot (specs/ovmf.md §6):
 * SHA-256 of the kernel file, of the initrd (or of nothing) and of the UTF-8 command line plus a
 * NUL, in a 168-byte GUIDed table padded to 176 bytes. SEV/SEV-ES append the table to the digest
 * input; SNP measures a zero page with the table at `hash_table_gpa & 0xFFF`.
 * Files are hashed as streams, never read whole.
 */
import { inputError } from '../../core/errors.js';
import { hashProvider } from '../../core/hash.js';
import { checkRange, hashSource, type ByteSource } from '../../core/source.js';
import { setU16 } from '../../core/bytes.js';
import { PAGE_SIZE } from '../../firmware/page-types.js';
import { guidBytes } from './guids.js';

/** Table layout (ovmf.md §6). Entries: GUID (16) + u16 length (50) + SHA-256 (32). */
export const HASH_TABLE = {
  HEADER_GUID: 0x00,
  LENGTH: 0x10, // u16 = 168, excluding padding
  CMDLINE: 0x12,
  INITRD: 0x44,
  KERNEL: 0x76,
  PADDING: 0xa8,
  ENTRY_SIZE: 50,
  /** Packed length written in the header. */
  USED: 168,
  /** Padded to a multiple of 16. */
  SIZE: 176,
} as const;

export interface KernelHashes {
  kernel: Uint8Array;
  initrd: Uint8Array;
  cmdline: Uint8Array;
}

/** Streams the kernel and initrd through SHA-256 and hashes the command line (+ NUL). */
export async function computeKernelHashes(kernel: ByteSource, initrd?: ByteSource, append?: string): Promise<KernelHashes> {
  const hp = hashProvider();
  // The two streams depend on nothing else: with a provider that can hash a file off-thread, the
  // initrd goes to a worker while this thread hashes the kernel, at once. A lone stream stays here
  // (a worker's start-up would only add to it: bench row 2).
  const inline = (s: ByteSource): Promise<Uint8Array> => hashSource(s, hp.createSha256());
  const [i, k] = await Promise.all([initrd ? (hp.sha256Source?.(initrd) ?? inline(initrd)) : Promise.resolve(hp.sha256(new Uint8Array(0))), inline(kernel)]);
  return { kernel: k, initrd: i, cmdline: cmdlineHash(append) };
}

/** SHA-256 of the UTF-8 command line plus a trailing NUL, as the guest firmware hashes it (§6). */
export function cmdlineHash(append?: string): Uint8Array {
  const text = new TextEncoder().encode(append ?? '');
  const c = new Uint8Array(text.length + 1);
  c.set(text);
  return hashProvider().sha256(c);
}

/** The 176-byte table (order: cmdline, initrd, kernel). */
export function buildKernelHashTable(h: KernelHashes): Uint8Array {
  const t = new Uint8Array(HASH_TABLE.SIZE);
  t.set(guidBytes('SEV_HASH_TABLE_HEADER'), HASH_TABLE.HEADER_GUID);
  setU16(t, HASH_TABLE.LENGTH, HASH_TABLE.USED);
  const put = (off: number, guid: Uint8Array, digest: Uint8Array) => {
    t.set(guid, off);
    setU16(t, off + 16, HASH_TABLE.ENTRY_SIZE);
    t.set(digest, off + 18);
  };
  put(HASH_TABLE.CMDLINE, guidBytes('SEV_CMDLINE_ENTRY'), h.cmdline);
  put(HASH_TABLE.INITRD, guidBytes('SEV_INITRD_ENTRY'), h.initrd);
  put(HASH_TABLE.KERNEL, guidBytes('SEV_KERNEL_ENTRY'), h.kernel);
  return t;
}

/** The SNP kernel-hashes page: zeros with the table at `offsetInPage` (= hash_table_gpa & 0xFFF). */
export function kernelHashesPage(table: Uint8Array, offsetInPage: number, file = 'OVMF'): Uint8Array {
  if (offsetInPage + table.length > PAGE_SIZE) {
    throw inputError('OVMF_HASH_TABLE', `the ${table.length}-byte kernel hashes table at page offset 0x${offsetInPage.toString(16)} does not fit in a 4096-byte page`, {
      file,
      field: 'SEV_HASH_TABLE_RV_GUID GPA',
    });
  }
  const page = new Uint8Array(PAGE_SIZE);
  page.set(table, offsetInPage);
  return page;
}

/**
 * The kernel-hashes page as a source whose bytes arrive when `table` does. A launch plan can then
 * measure the firmware pages in front of it while the kernel and initrd are still being hashed
 * (bench row 9: the OVMF work fits in the wait for the initrd's worker). Whether the table fits
 * at `offsetInPage` is checked now, as kernelHashesPage would; a rejected `table` rejects the read.
 */
export function deferredKernelHashesPage(table: Promise<Uint8Array>, offsetInPage: number, file = 'OVMF'): ByteSource {
  kernelHashesPage(new Uint8Array(HASH_TABLE.SIZE), offsetInPage, file);
  const page = table.then((t) => kernelHashesPage(t, offsetInPage, file));
  page.catch(() => undefined); // reported by the read that awaits it, not as an unhandled rejection
  const name = 'kernel hashes table';
  return {
    name,
    size: PAGE_SIZE,
    async read(offset, length) {
      checkRange(name, PAGE_SIZE, offset, length);
      return (await page).subarray(offset, offset + length);
    },
  };
}
