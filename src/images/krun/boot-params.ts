/**
 * The Linux boot_params ("zero page") libkrun measures at 0x7000 (containers/libkrunfw e0647fa,
 * utils/krunfw_measurement.c setup_bootp; offsets from Linux Documentation/arch/x86/zero-page.rst
 * and boot.rst). Only the fields libkrun writes are set; everything else is zero. Quirks kept on
 * purpose, since they are measured: the vCPU count goes into hdr.syssize, and the RAM entries of the
 * e820 table are one byte longer than the RAM (`size = end - start + 1`).
 */
import { usageError } from '../../core/errors.js';
import { setU16, setU32, setU64 } from '../../core/bytes.js';

export const BOOT_PARAMS_SIZE = 4096;

/** Offsets in struct boot_params (zero-page.rst; setup_header from 0x1f1). */
export const BOOT_PARAMS = {
  E820_ENTRIES: 0x1e8, // u8
  SYSSIZE: 0x1f4, // u32 (hdr.syssize)
  BOOT_FLAG: 0x1fe, // u16
  HEADER: 0x202, // u32 "HdrS"
  TYPE_OF_LOADER: 0x210, // u8
  RAMDISK_IMAGE: 0x218, // u32
  RAMDISK_SIZE: 0x21c, // u32
  CMD_LINE_PTR: 0x228, // u32
  KERNEL_ALIGNMENT: 0x230, // u32
  CMDLINE_SIZE: 0x238, // u32
  E820_TABLE: 0x2d0, // 20-byte entries: addr u64, size u64, type u32
  E820_ENTRY: 20,
} as const;

/** krunfw_measurement.c constants. */
export const KRUN_LAYOUT = {
  EBDA_START: 0x9fc00,
  HIMEM_START: 0x100000,
  MMIO_MEM_START: 0xd0000000,
  FIRST_ADDR_PAST_32BITS: 0x100000000,
  CMDLINE_ADDR: 0x20000,
  CMDLINE_SIZE: 0x200,
  RAMDISK_ADDR: 0xa00000,
  KERNEL_MIN_ALIGNMENT: 0x01000000,
} as const;

/** The measured boot_params page for `vcpus` vCPUs, `ramMiB` MiB of RAM and an initrd bundle of `ramdiskSize` bytes. */
export function krunBootParams(vcpus: number, ramMiB: number, ramdiskSize: number): Uint8Array {
  if (!Number.isSafeInteger(ramMiB) || ramMiB < 1 || ramMiB > 0x100000) throw usageError('BAD_VALUE', `argument --ram: guest RAM in MiB (1..1048576), got ${ramMiB}`, '--ram');
  const b = new Uint8Array(BOOT_PARAMS_SIZE);
  const L = KRUN_LAYOUT;
  b[BOOT_PARAMS.TYPE_OF_LOADER] = 0xff; // KERNEL_LOADER_OTHER
  setU16(b, BOOT_PARAMS.BOOT_FLAG, 0xaa55);
  setU32(b, BOOT_PARAMS.HEADER, 0x53726448);
  setU32(b, BOOT_PARAMS.KERNEL_ALIGNMENT, L.KERNEL_MIN_ALIGNMENT);
  setU32(b, BOOT_PARAMS.CMD_LINE_PTR, L.CMDLINE_ADDR);
  setU32(b, BOOT_PARAMS.CMDLINE_SIZE, L.CMDLINE_SIZE);
  setU32(b, BOOT_PARAMS.RAMDISK_IMAGE, L.RAMDISK_ADDR);
  setU32(b, BOOT_PARAMS.RAMDISK_SIZE, ramdiskSize);
  setU32(b, BOOT_PARAMS.SYSSIZE, vcpus);
  const mem = ramMiB * 1024 * 1024;
  const e820: [number, number][] = [[0, L.EBDA_START]];
  if (mem <= L.MMIO_MEM_START) e820.push([L.HIMEM_START, mem - L.HIMEM_START + 1]);
  else e820.push([L.HIMEM_START, L.MMIO_MEM_START - L.HIMEM_START], [L.FIRST_ADDR_PAST_32BITS, mem - L.MMIO_MEM_START + 1]);
  e820.forEach(([addr, size], i) => {
    const o = BOOT_PARAMS.E820_TABLE + i * BOOT_PARAMS.E820_ENTRY;
    setU64(b, o, addr);
    setU64(b, o + 8, BigInt.asUintN(64, BigInt(size))); // C unsigned arithmetic (1 MiB of RAM gives size 1)
    setU32(b, o + 16, 1); // E820_RAM
  });
  b[BOOT_PARAMS.E820_ENTRIES] = e820.length;
  return b;
}
