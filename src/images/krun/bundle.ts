/**
 * libkrunfw's bundles as libkrun measures them (containers/libkrunfw e0647fa, bin2cbundle.py):
 * qboot, the initrd and the kernel are C arrays padded with zeros to a multiple of 64 KiB
 * (PAGE_SIZE_DEFAULT on Linux hosts), and that padded size is what krunfw_get_*() returns, what is
 * measured page by page and what boot_params.ramdisk_size says. The kernel is vmlinux flattened:
 * its PT_LOAD segments laid out by physical address with zero gaps, loaded at the first segment's
 * p_vaddr & 0xfffffff. A raw (already flattened) kernel needs its load address from the caller.
 */
import { inputError } from '../../core/errors.js';
import { checkRange, type ByteSource } from '../../core/source.js';

/** bin2cbundle.py PAGE_SIZE_DEFAULT: bundles are padded to a multiple of this. */
export const KRUN_BUNDLE_ALIGN = 0x10000;

/** ELF64 little-endian header and program header fields used (System V gABI). */
const ELF = { MAGIC: 0x464c457f, CLASS: 4, DATA: 5, PHOFF: 0x20, PHENTSIZE: 0x36, PHNUM: 0x38, HEADER: 0x40 } as const;
const PHDR = { TYPE: 0x00, OFFSET: 0x08, VADDR: 0x10, PADDR: 0x18, FILESZ: 0x20, SIZE: 0x38 } as const;
const PT_LOAD = 1;

/** A bundle: its bytes as a source, already padded to 64 KiB. */
export interface KrunBlob {
  source: ByteSource;
  /** Bytes the launch measures (the padded size). */
  size: number;
}

export const roundBundle = (n: number): number => Math.ceil(n / KRUN_BUNDLE_ALIGN) * KRUN_BUNDLE_ALIGN;

interface Piece {
  at: number;
  length: number;
  src?: { source: ByteSource; offset: number };
}

/** A source made of file ranges and zero runs, `size` bytes long (zeros past the last piece). */
function pieced(name: string, size: number, pieces: Piece[]): ByteSource {
  return {
    name,
    size,
    async read(offset, length) {
      checkRange(name, size, offset, length);
      const out = new Uint8Array(length);
      for (const p of pieces) {
        if (!p.src) continue;
        const s = Math.max(offset, p.at);
        const e = Math.min(offset + length, p.at + p.length);
        if (s < e) out.set(await p.src.source.read(p.src.offset + (s - p.at), e - s), s - offset);
      }
      return out;
    },
  };
}

/** qboot or the initrd: the file padded to 64 KiB. */
export function rawBundle(source: ByteSource): KrunBlob {
  const size = roundBundle(source.size);
  return { source: pieced(source.name, size, [{ at: 0, length: source.size, src: { source, offset: 0 } }]), size };
}

export const isElf = async (s: ByteSource): Promise<boolean> => s.size >= ELF.HEADER && new DataView((await s.read(0, 4)).buffer).getUint32(0, true) === ELF.MAGIC;

/** The kernel bundle from a vmlinux ELF (bin2cbundle.py write_elf_cbundle), with its load address. */
export async function elfKernelBundle(elf: ByteSource): Promise<KrunBlob & { loadAddr: number }> {
  const err = (why: string, offset?: number) => inputError('KRUN_KERNEL_ELF', why, { file: elf.name, ...(offset !== undefined ? { offset } : {}) });
  const h = await elf.read(0, ELF.HEADER);
  const hv = new DataView(h.buffer, h.byteOffset);
  if (h[ELF.CLASS] !== 2 || h[ELF.DATA] !== 1) throw err('is not a 64-bit little-endian ELF file (libkrunfw bundles an x86-64 vmlinux)', ELF.CLASS);
  const phoff = Number(hv.getBigUint64(ELF.PHOFF, true));
  const phnum = hv.getUint16(ELF.PHNUM, true);
  if (hv.getUint16(ELF.PHENTSIZE, true) !== PHDR.SIZE || phoff + phnum * PHDR.SIZE > elf.size) throw err('has a program header table outside the file', ELF.PHOFF);
  const table = await elf.read(phoff, phnum * PHDR.SIZE);
  const tv = new DataView(table.buffer, table.byteOffset);
  const pieces: Piece[] = [];
  let loadAddr: number | undefined;
  let total = 0;
  let prevEnd = 0;
  for (let i = 0; i < phnum; i++) {
    const o = i * PHDR.SIZE;
    if (tv.getUint32(o + PHDR.TYPE, true) !== PT_LOAD) continue;
    const offset = Number(tv.getBigUint64(o + PHDR.OFFSET, true));
    const paddr = Number(tv.getBigUint64(o + PHDR.PADDR, true));
    const filesz = Number(tv.getBigUint64(o + PHDR.FILESZ, true));
    if (loadAddr === undefined) loadAddr = Number(tv.getBigUint64(o + PHDR.VADDR, true) & 0xfffffffn);
    else total += paddr - prevEnd; // zero gap between segments
    // bin2cbundle asserts the segments are laid out contiguously by physical address.
    if (paddr - loadAddr !== total || offset + filesz > elf.size) throw err(`PT_LOAD segment ${i} at paddr 0x${paddr.toString(16)} does not follow the previous one, or lies outside the file`, phoff + o);
    pieces.push({ at: total, length: filesz, src: { source: elf, offset } });
    total += filesz;
    prevEnd = paddr + filesz;
  }
  if (loadAddr === undefined) throw err('has no PT_LOAD segment', ELF.PHOFF);
  const size = roundBundle(total);
  return { source: pieced(elf.name, size, pieces), size, loadAddr };
}
