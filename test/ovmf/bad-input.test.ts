// Bad and hostile inputs: every failure is an SnpLaunchError naming the file (and offset where
// there is one) with a reason — never a TypeError/RangeError, a hang or a partial result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SnpLaunchError } from '../../src/core/errors.js';
import { bytesSource } from '../../src/core/source.js';
import { buildOvmfImage, buildOvmfImageLayout } from '../../src/images/ovmf/builder.js';
import { measureOvmf } from '../../src/measure/ovmf.js';
import type { OvmfMeasureOptions, OvmfMode } from '../../src/measure/types.js';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { needsShared } from '../_shared.js';

setHashProvider(nodeHashProvider);
import { empty, fixture } from './_helpers.js';

const MODES: OvmfMode[] = ['snp', 'seves', 'sev', 'snp:ovmf-hash'];

function opts(mode: OvmfMode, bytes: Uint8Array, extra: Partial<OvmfMeasureOptions> = {}): OvmfMeasureOptions {
  return { mode, ovmf: bytesSource('bad.fd', bytes), vcpus: 2, vcpuSig: 0x800f12, ...extra };
}

/** Expects an input error about bad.fd whose reason matches `re`; `offset` true requires an offset. */
async function rejects(o: OvmfMeasureOptions, re: RegExp, offset = false): Promise<void> {
  await assert.rejects(measureOvmf(o), (e: unknown) => {
    assert.ok(e instanceof SnpLaunchError, `not an SnpLaunchError: ${String(e)}`);
    assert.equal(e.kind, 'input');
    assert.match(e.reason, re);
    assert.equal(e.location.file, 'bad.fd');
    if (offset) assert.equal(typeof e.location.offset, 'number', e.message);
    return true;
  });
}

const u16at = (b: Uint8Array, o: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint16(o, v, true);
const u32at = (b: Uint8Array, o: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(o, v, true);

test('empty firmware file: every mode', async () => {
  for (const m of MODES) await rejects(opts(m, new Uint8Array(0)), /empty/);
});

test('footer-less image: SNP and SEV-ES need the reset block; SEV hashes it', async () => {
  const b = buildOvmfImage({ footer: false });
  await rejects(opts('snp', b), /^Can't find SEV_ES_RESET_BLOCK_GUID entry in OVMF table$/);
  await rejects(opts('seves', b), /^Can't find SEV_ES_RESET_BLOCK_GUID entry in OVMF table$/);
  const r = await measureOvmf(opts('sev', b));
  assert.equal(r.digest.length, 32);
  assert.ok(r.warnings.some((w) => /no OVMF footer table/.test(w)));
});

test('truncated image (tail kept, metadata pointer now outside the file)', { skip: needsShared }, async () => {
  const full = await fixture('ovmf_AmdSev_suffix.bin');
  const tail = await full.read(4096 - 1000, 1000);
  for (const m of MODES) await rejects(opts(m, tail), /SEV metadata offset 1364 .* outside the file/, true);
});

test('corrupted SEV metadata: signature, version, size, descriptors past the end, offset', async () => {
  const l = buildOvmfImageLayout({ size: 8192 });
  const m = l.metadataOffset;
  const mutate = (f: (b: Uint8Array) => void) => {
    const b = l.bytes.slice();
    f(b);
    return b;
  };
  for (const mode of MODES) {
    await rejects(opts(mode, mutate((b) => (b[m] = 0x42))), /^Wrong SEV metadata signature$/, true);
    await rejects(opts(mode, mutate((b) => u32at(b, m + 8, 2))), /^Wrong SEV metadata version/, true);
    await rejects(opts(mode, mutate((b) => u32at(b, m + 12, 0xffffffff))), /too small for 4294967295 descriptors/, true);
    await rejects(
      opts(mode, mutate((b) => (u32at(b, m + 12, 1000), u32at(b, m + 4, 16 + 12000)))),
      /extends past the end of the file/,
      true,
    );
    await rejects(opts(mode, mutate((b) => u32at(b, l.entries.OVMF_SEV_META_DATA!, 0x7fffffff))), /outside the file/, true);
    await rejects(opts(mode, mutate((b) => u32at(b, l.entries.OVMF_SEV_META_DATA!, 4))), /too small for the header/, true);
  }
});

test('corrupted footer table: entry size < 18, entry or table larger than the file', async () => {
  const l = buildOvmfImageLayout({ size: 8192 });
  const resetHdr = l.entries.SEV_ES_RESET_BLOCK! + 4; // the reset block's 18-byte header
  for (const mode of MODES) {
    const small = l.bytes.slice();
    u16at(small, resetHdr, 17);
    await rejects(opts(mode, small), /^Invalid entry size/, true);
    // An entry running past the table start ends the walk, as in QEMU: an error only where it is needed.
    const big = l.bytes.slice();
    u16at(big, resetHdr, 0xfff0);
    if (mode === 'snp' || mode === 'seves') await rejects(opts(mode, big), /SEV_ES_RESET_BLOCK_GUID of size 65520 runs .* bytes past the start of the table/, true);
    else assert.ok((await measureOvmf(opts(mode, big))).digest.length > 0);
    const tiny = buildOvmfImageLayout({ size: 4096, sections: null });
    const huge = tiny.bytes.slice();
    u16at(huge, tiny.footerOffset, 0xffff);
    await rejects(opts(mode, huge), /footer table size 65535 is larger/, true);
  }
});

test('section problems: unknown type, unaligned GPA, kernel-hashes page of the wrong size', async () => {
  const bad = buildOvmfImage({ sections: [{ gpa: 0x800000, size: 0x1000, type: 1 }, { gpa: 0x801000, size: 0x1000, type: 5 }] });
  await rejects(opts('snp', bad), /^5 is not a valid SectionType \(SEV metadata descriptor #1\)$/, true);
  await rejects(opts('snp', bad, { vmm: 'ec2' }), /5 is not a valid SectionType/, true);
  // sev/seves do not measure the metadata, as in the reference.
  assert.equal((await measureOvmf(opts('seves', bad))).digest.length, 32);
  const unaligned = buildOvmfImage({ sections: [{ gpa: 0x800010, size: 0x1000, type: 1 }] });
  await rejects(opts('snp', unaligned), /not page aligned/, true);
  const wrongSize = buildOvmfImage({ sections: [{ gpa: 0x810000, size: 0x2000, type: 0x10 }] });
  await rejects(opts('snp', wrongSize, { kernel: empty('kernel') }), /must be exactly 4096 bytes/, true);
  const noHashEntry = buildOvmfImage({ hashTable: null });
  await rejects(opts('snp', noHashEntry, { kernel: empty('kernel') }), /^Can't find SEV_HASH_TABLE_RV_GUID entry in OVMF table$/);
  const farTable = buildOvmfImage({ hashTable: { gpa: 0x810fa0, size: 0x400 } });
  await rejects(opts('snp', farTable, { kernel: empty('kernel') }), /does not fit in a 4096-byte page/);
});

test('non-page-aligned image: SNP modes reject it, SEV/SEV-ES hash it', async () => {
  const b = buildOvmfImage({ size: 3 * 4096 + 100 });
  await rejects(opts('snp', b), /size 12388 is not a multiple of 4096/);
  await rejects(opts('snp:ovmf-hash', b), /size 12388 is not a multiple of 4096/);
  assert.equal((await measureOvmf(opts('seves', b))).digest.length, 32);
  assert.equal((await measureOvmf(opts('sev', b))).digest.length, 32);
  // With --snp-ovmf-hash the firmware pages are not measured, so the size does not matter.
  assert.equal((await measureOvmf(opts('snp', b, { snpOvmfHash: new Uint8Array(48) }))).digest.length, 48);
});

test('random bytes and random corruption of the table area never escape as other errors', async () => {
  const base = buildOvmfImageLayout({ size: 8192 });
  for (let i = 0; i < 160; i++) {
    let b: Uint8Array;
    if (i < 20) b = randomBytes(i * 613 + 1);
    else {
      b = base.bytes.slice();
      const n = 1 + (i % 8);
      for (let k = 0; k < n; k++) {
        const at = base.metadataOffset - 16 + ((randomBytes(2).readUInt16LE(0) % (8192 - base.metadataOffset + 16)) | 0);
        b[Math.min(at, 8191)] = randomBytes(1)[0]!;
      }
    }
    for (const mode of MODES) {
      try {
        await measureOvmf(opts(mode, b, { kernel: i % 2 ? empty('kernel') : undefined }));
      } catch (e) {
        assert.ok(e instanceof SnpLaunchError, `case ${i} ${mode}: ${(e as Error).stack}`);
        assert.equal(e.location.file ?? 'bad.fd', 'bad.fd');
      }
    }
  }
});

test('option errors: usage vs input, as sev-snp-measure-cli.md §3 and §6.3', async () => {
  const b = buildOvmfImage();
  const usage = async (o: Partial<OvmfMeasureOptions>, re: RegExp) =>
    assert.rejects(measureOvmf({ ...opts('snp', b), ...o } as OvmfMeasureOptions), (e: unknown) => e instanceof SnpLaunchError && e.kind === 'usage' && re.test(e.reason));
  const input = async (o: Partial<OvmfMeasureOptions>, re: RegExp) =>
    assert.rejects(measureOvmf({ ...opts('snp', b), ...o } as OvmfMeasureOptions), (e: unknown) => e instanceof SnpLaunchError && e.kind === 'input' && re.test(e.reason));
  await usage({ vcpus: 0 }, /positive/);
  await usage({ vcpus: -3, mode: 'sev' }, /positive/);
  await usage({ vcpus: 1e9 }, /maximum of 4096/);
  await usage({ guestFeatures: -1n }, /outside 0..2\^64-1/);
  await usage({ guestFeatures: 1n << 64n }, /outside/);
  await usage({ vcpus: undefined }, /^missing --vcpus N in guest mode 'snp'$/);
  await usage({ vcpuSig: undefined }, /^missing --vcpu-type or --vcpu-sig or --vcpu-family in guest mode 'snp'$/);
  await usage({ vmm: 'EC2' as never }, /^unknown VMM type 'EC2'$/);
  await usage({ initrd: empty() }, /^--kernel required when using --initrd$/);
  await usage({ append: 'x' }, /^--kernel required when using --append$/);
  await usage({ mode: 'snp:svsm', svsm: empty() }, /^snp:svsm mode requires --vars-size or --vars-file$/);
  await usage({ mode: 'snp:svsm', varsSize: 4096 }, /requires --svsm/);
  await usage({ mode: 'SNP' as never }, /invalid mode/);
  await input({ snpOvmfHash: new Uint8Array(47) }, /48 bytes/);
  await input({ mode: 'seves', snpOvmfHash: new Uint8Array(48) }, /^SNP OVMF hash only works with SNP$/);
  await input({ mode: 'snp:svsm', svsm: bytesSource('svsm', buildOvmfImage()), varsSize: 4096, vmm: 'gce' }, /^SVSM mode is only implemented for Qemu\.$/);
  // ec2/gce do not need a signature; sev needs neither vCPUs nor a signature.
  assert.equal((await measureOvmf({ ...opts('snp', b), vcpuSig: undefined, vmm: 'gce' })).digest.length, 48);
  assert.equal((await measureOvmf({ mode: 'sev', ovmf: bytesSource('x', b) })).digest.length, 32);
  // snp:ovmf-hash ignores the other options (even a missing --vcpus).
  assert.equal((await measureOvmf({ mode: 'snp:ovmf-hash', ovmf: bytesSource('x', b), initrd: empty() })).digest.length, 48);
});

test('snp:svsm problems: missing SVSM_INFO, unaligned SVSM image, vars size that misaligns the SVSM', async () => {
  const ovmf = bytesSource('ovmf', buildOvmfImage());
  const base = { mode: 'snp:svsm' as const, ovmf, vcpus: 1, vcpuSig: 1, varsSize: 4096 };
  await assert.rejects(measureOvmf({ ...base, svsm: bytesSource('svsm.bin', buildOvmfImage({ resetEip: 0xfffffff0 })) }), /Can't find SVSM_INFO_GUID entry in SVSM table/);
  await assert.rejects(measureOvmf({ ...base, svsm: bytesSource('svsm.bin', buildOvmfImage({ size: 5000, svsmInfo: 0 })) }), /SVSM image size 5000 is not a multiple of 4096/);
  await assert.rejects(measureOvmf({ ...base, varsSize: 100, svsm: bytesSource('svsm.bin', buildOvmfImage({ svsmInfo: 0 })) }), (e: unknown) => e instanceof SnpLaunchError && /not page aligned/.test(e.reason));
});
