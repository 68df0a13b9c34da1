// Input generators for the benchmark: random files written in 1 MiB pieces, sparse files, and an
// IGVM image with N distinct 4 KiB data pages that is written streaming (the bench never holds the
// page data in memory).
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, truncateSync, writeSync, writeFileSync } from 'node:fs';
import { MiB } from './lib.mjs';

/** Writes `bytes` random bytes to `path` in 1 MiB pieces. */
export function writeRandomFile(path, bytes) {
  const fd = openSync(path, 'w');
  try {
    for (let o = 0; o < bytes; o += MiB) writeSync(fd, randomBytes(Math.min(MiB, bytes - o)));
  } finally {
    closeSync(fd);
  }
}

/** A sparse file of `bytes` zero bytes (no disk blocks; reads cost page-cache copies only). */
export function writeSparseFile(path, bytes) {
  writeFileSync(path, new Uint8Array(0));
  truncateSync(path, bytes);
}

/**
 * An SEV-SNP IGVM image with `pages` distinct NORMAL data pages from GPA 1 MiB plus one VMSA, built
 * with the library's IGVM builder (dist/images/igvm). The builder writes the headers with zero
 * pages (no file data); this function then points every PAGE_DATA at its own 4 KiB of appended
 * random data, fixes total_file_size, re-seals the CRC and streams the data out.
 */
export async function writeBigIgvm(dist, path, pages) {
  const { igvmBuilder } = await import(`${dist}/images/igvm/builder.js`);
  const { FIXED, HEADER_TYPES, PD, TLV_HEADER_SIZE, align8 } = await import(`${dist}/images/igvm/defs.js`);
  const { crc32 } = await import(`${dist}/images/igvm/crc32.js`);
  const vmsa = new Uint8Array(4096);
  new DataView(vmsa.buffer).setBigUint64(0x3b0, 1n, true); // SEV_FEATURES = SNP active
  const b = igvmBuilder().platform('SEV_SNP').policy(0x30000n);
  b.zeroPages(0x100000, pages);
  b.vpContext(0xfffffffff000n, 0, vmsa);
  const head = b.build();
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const vho = dv.getUint32(FIXED.variableHeaderOffset, true);
  const vhs = dv.getUint32(FIXED.variableHeaderSize, true);
  let k = 0;
  for (let p = vho; p < vho + vhs; p = align8(p + TLV_HEADER_SIZE + dv.getUint32(p + 4, true))) {
    if (dv.getUint32(p, true) !== HEADER_TYPES.PAGE_DATA.type) continue;
    dv.setUint32(p + TLV_HEADER_SIZE + PD.fileOffset, head.length + k * 4096, true);
    k++;
  }
  if (k !== pages) throw new Error(`expected ${pages} PAGE_DATA headers, found ${k}`);
  dv.setUint32(FIXED.totalFileSize, head.length + pages * 4096, true);
  const fixed = head.slice(0, vho);
  fixed.fill(0, FIXED.checksum, FIXED.checksum + 4);
  dv.setUint32(FIXED.checksum, crc32(fixed, head.subarray(vho, vho + vhs)), true);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, head);
    for (let o = 0; o < pages * 4096; o += MiB) writeSync(fd, randomBytes(Math.min(MiB, pages * 4096 - o)));
  } finally {
    closeSync(fd);
  }
  return head.length + pages * 4096;
}
