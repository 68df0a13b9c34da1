/**
 * OVMF target: the footer GUID table, the SEV metadata (header + descriptors), the SEV-ES reset
 * block and the kernel-hashes table area, on small images (the builder's and the 4 KiB tails of
 * real builds in ../shared/fixtures). Mutations aim at the last 512 bytes (the table) and at the
 * metadata, or change the file size at the front (every offset is relative to the end).
 * An accepted image must re-validate: entries and descriptors lie inside the file and agree
 * with the bytes, inspection succeeds and the kernel-hashes page is built or rejected with a
 * located error.
 */
import { readFileSync } from 'node:fs';
import { bytesSource } from '../../../src/core/source.js';
import {
  buildKernelHashTable, buildOvmfImage, firmwareGpa, hashTableArea, inspectOvmf, kernelHashesPage, parseOvmf, resetEip, requireSvsmEntryOffset,
  SEV_METADATA_SIGNATURE, sevHashesSupported,
} from '../../../src/images/ovmf/index.js';
import { HAVE_SHARED, shared } from '../../_shared.js';
import { concat, int, INTERESTING_U32, mutateBytes, pick, type Rnd } from '../mutators.js';
import { type FuzzTarget, bytesCodec, invariant, isLocated } from '../target.js';

const TABLE = buildKernelHashTable({ kernel: new Uint8Array(32).fill(1), initrd: new Uint8Array(32).fill(2), cmdline: new Uint8Array(32).fill(3) });

export function ovmfSeeds(): Uint8Array[] {
  const built = [
    buildOvmfImage(),
    buildOvmfImage({ size: 8192, svsmInfo: 0x1000, secretBlock: { gpa: 0x80d000, size: 0x1000 } }),
    buildOvmfImage({ resetEip: null, hashTable: null }),
    buildOvmfImage({ sections: [{ gpa: 0, size: 0x1000, type: 0x10 }], hashTable: { gpa: 0x810ff0, size: 0x10 } }),
  ];
  if (!HAVE_SHARED) return built;
  const fx = shared('fixtures', 'sev-snp-measure');
  return [...built, ...['ovmf_AmdSev_suffix.bin', 'ovmf_OvmfX64_suffix.bin'].map((f) => new Uint8Array(readFileSync(`${fx}/${f}`)))];
}

function metadataAt(b: Uint8Array): number {
  for (let i = b.length - 16; i >= 0; i--) {
    if (b[i] === 0x41 && b[i + 1] === 0x53 && b[i + 2] === 0x45 && b[i + 3] === 0x56) return i; // "ASEV"
  }
  return -1;
}

function mutateOvmf(b: Uint8Array, rnd: Rnd, seeds: readonly Uint8Array[]): Uint8Array {
  const r = rnd();
  const n = b.length;
  if (r < 0.45 && n > 64) { // a byte or u32 in the footer table
    const out = b.slice();
    const at = n - 32 - 1 - int(rnd, Math.min(n - 32, 512));
    if (rnd() < 0.5) out[at] = pick(rnd, [0, 1, 0x12, 0x13, 0x32, 0x80, 0xff, int(rnd, 256)]);
    else new DataView(out.buffer).setUint32(Math.max(0, Math.min(n - 4, at)), pick(rnd, INTERESTING_U32), true);
    return out;
  }
  if (r < 0.7) { // a u32 of the metadata header or a descriptor
    const m = metadataAt(b);
    if (m >= 0) {
      const out = b.slice();
      const at = m + 4 * int(rnd, 4 + 3 * 10);
      if (at + 4 <= n) new DataView(out.buffer).setUint32(at, rnd() < 0.2 ? SEV_METADATA_SIGNATURE : pick(rnd, INTERESTING_U32), true);
      return out;
    }
  }
  if (r < 0.8) { // change the size at the front: offsets from the end stay valid
    return rnd() < 0.5 ? b.slice(int(rnd, n + 1)) : concat(new Uint8Array(pick(rnd, [1, 16, 4096, 65536])), b);
  }
  return mutateBytes(b, rnd, seeds, 1 << 20);
}

export const ovmfTarget: FuzzTarget<Uint8Array> = {
  name: 'ovmf',
  about: 'OVMF footer table, SEV metadata, reset block, kernel-hashes area (src/images/ovmf)',
  ext: 'fd',
  seeds: async () => ovmfSeeds(),
  mutate: mutateOvmf,
  async check(b) {
    const img = await parseOvmf(bytesSource('fuzz.fd', b));
    for (const e of img.footer.entries) {
      invariant(e.offset >= 0 && e.offset + e.data.length <= b.length && e.data.length === e.size - 18, 'footer entry outside the file or size mismatch');
      invariant(e.data.every((v, i) => v === b[e.offset + i]), 'footer entry data differs from the file');
    }
    for (const s of img.metadata?.sections ?? []) {
      invariant(s.offset + 12 <= b.length && new DataView(b.buffer, b.byteOffset).getUint32(s.offset, true) === s.gpa, 'descriptor outside the file or GPA mismatch');
    }
    const summary = inspectOvmf(img);
    invariant(summary.sections.length === (img.metadata?.sections.length ?? 0), 'inspect lost sections');
    const eip = resetEip(img);
    invariant(eip === undefined || (eip >= 0 && eip <= 0xffff_ffff), 'reset EIP is not a u32');
    if (b.length <= 0x1_0000_0000) invariant(firmwareGpa(img) === 0x1_0000_0000 - b.length, 'firmware GPA');
    sevHashesSupported(img);
    const ht = hashTableArea(img);
    if (ht) {
      try {
        invariant(kernelHashesPage(TABLE, ht.gpa & 0xfff, 'fuzz.fd').length === 4096, 'kernel-hashes page size');
      } catch (e) {
        if (!isLocated(e)) throw e;
      }
    }
    try {
      requireSvsmEntryOffset(img);
    } catch (e) {
      if (!isLocated(e)) throw e;
    }
  },
  ...bytesCodec,
};
