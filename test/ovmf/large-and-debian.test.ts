// Streaming (large firmware and kernels are read in bounded chunks) and the Debian OVMF builds:
// they must measure without error in every mode, and agree with independent node:crypto
// computations where one is simple (SEV = SHA-256 of the file; snp:ovmf-hash = the page chain).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { openFileSource } from '../../src/node/file-source.js';
import { STREAM_CHUNK, type ByteSource } from '../../src/core/source.js';
import { buildOvmfImage } from '../../src/images/ovmf/builder.js';
import { measureOvmf } from '../../src/measure/ovmf.js';
import type { VmmType } from '../../src/measure/types.js';
import { hex, patternSource } from './_helpers.js';

setHashProvider(nodeHashProvider);

/** `prefix` generated pattern bytes followed by a small real tail (footer table + metadata). */
function withTail(prefixSize: number, tail: Uint8Array): ByteSource & { maxRead: number } {
  const head = patternSource('big.fd', prefixSize, 7);
  const s = {
    name: 'big.fd',
    size: prefixSize + tail.length,
    maxRead: 0,
    async read(offset: number, length: number) {
      s.maxRead = Math.max(s.maxRead, length);
      const out = new Uint8Array(length);
      const h = Math.max(0, Math.min(length, prefixSize - offset));
      if (h > 0) out.set(await head.read(offset, h));
      if (h < length) out.set(tail.subarray(offset + h - prefixSize, offset + length - prefixSize), h);
      return out;
    },
  };
  return s;
}

test('a 48 MiB firmware and 24 MiB kernel are streamed in chunks of at most 1 MiB', async () => {
  const tail = buildOvmfImage({ size: 8192 });
  const fw = withTail(48 * 1024 * 1024 - 8192, tail);
  const kernel = patternSource('kernel', 24 * 1024 * 1024 + 123, 6);
  const full = await measureOvmf({ mode: 'snp', ovmf: fw, vcpus: 2, vcpuSig: 0x800f12, kernel });
  assert.ok(fw.maxRead <= STREAM_CHUNK, `firmware read of ${fw.maxRead} bytes`);
  assert.ok(kernel.maxRead <= STREAM_CHUNK, `kernel read of ${kernel.maxRead} bytes`);
  assert.equal(kernel.bytesRead, kernel.size);
  // ovmf.md §8.2: the firmware-only hash fed back as a seed, with only the tail file, is equal.
  const h = await measureOvmf({ mode: 'snp:ovmf-hash', ovmf: fw });
  // The seeded run must not read the firmware pages: give it a source that only has the tail.
  const base = fw.size - tail.length;
  const sparse: ByteSource = {
    name: 'tail.fd',
    size: fw.size,
    async read(offset, length) {
      if (offset < base) throw new Error(`firmware page read at ${offset}`);
      return tail.slice(offset - base, offset - base + length);
    },
  };
  const seeded = await measureOvmf({ mode: 'snp', ovmf: sparse, vcpus: 2, vcpuSig: 0x800f12, kernel: patternSource('kernel', 24 * 1024 * 1024 + 123, 6), snpOvmfHash: h.digest });
  assert.equal(hex(seeded.digest), hex(full.digest));
  // SEV over the same streamed firmware + kernel table.
  const sev = await measureOvmf({ mode: 'sev', ovmf: fw });
  const ref = createHash('sha256');
  for (let o = 0; o < fw.size; o += STREAM_CHUNK) ref.update(await fw.read(o, Math.min(STREAM_CHUNK, fw.size - o)));
  assert.equal(hex(sev.digest), ref.digest('hex'));
});

const DEBIAN = ['/usr/share/ovmf/OVMF.fd', '/usr/share/OVMF/OVMF_CODE_4M.fd'];

for (const path of DEBIAN) {
  const skip = existsSync(path) ? false : `${path} not installed (apt-get install -y ovmf)`;
  test(`Debian ${path}: snp (QEMU, ec2, gce), seves, sev, snp:ovmf-hash`, { skip }, async () => {
    const src = await openFileSource(path);
    try {
      const raw = readFileSync(path);
      const vmms: VmmType[] = ['QEMU', 'ec2', 'gce'];
      const digests = new Set<string>();
      for (const vmm of vmms) {
        const r = await measureOvmf({ mode: 'snp', ovmf: src, vcpus: 4, vcpuSig: 0xa00f11, vmm });
        assert.equal(r.digest.length, 48);
        digests.add(hex(r.digest));
      }
      assert.equal(digests.size, 3, 'the three VMMs give different digests');
      const seves = await measureOvmf({ mode: 'seves', ovmf: src, vcpus: 2, vcpuSig: 0xa00f11 });
      assert.equal(seves.digest.length, 32);
      const sev = await measureOvmf({ mode: 'sev', ovmf: src });
      assert.equal(hex(sev.digest), createHash('sha256').update(raw).digest('hex'));
      const h = await measureOvmf({ mode: 'snp:ovmf-hash', ovmf: src });
      // Independent chain over the file's pages (launch-digest.md §2.3).
      let ld = Buffer.alloc(48);
      const gpa0 = 0x1_0000_0000 - raw.length;
      for (let o = 0; o < raw.length; o += 4096) {
        const info = Buffer.alloc(0x70);
        ld.copy(info);
        createHash('sha384').update(raw.subarray(o, o + 4096)).digest().copy(info, 0x30);
        info.writeUInt16LE(0x70, 0x60);
        info[0x62] = 1;
        info.writeBigUInt64LE(BigInt(gpa0 + o), 0x68);
        ld = createHash('sha384').update(info).digest();
      }
      assert.equal(hex(h.digest), ld.toString('hex'));
      const seeded = await measureOvmf({ mode: 'snp', ovmf: src, vcpus: 4, vcpuSig: 0xa00f11, snpOvmfHash: h.digest });
      const full = await measureOvmf({ mode: 'snp', ovmf: src, vcpus: 4, vcpuSig: 0xa00f11 });
      assert.equal(hex(seeded.digest), hex(full.digest));
    } finally {
      await src.close?.();
    }
  });
}
