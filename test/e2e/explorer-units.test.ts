/**
 * The explorer's DOM-free parts, in Node: the hash provider's WebCrypto page digests and SHA-256
 * prefix cache (against node:crypto), the memory-map layout (ranges, breaks, VMSA lanes), the log
 * alignment, and the engine's CLI/JSON option rules.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { bytesSource } from '../../src/core/source.js';
import { PageType } from '../../src/firmware/page-types.js';
import { explorerHashProvider, hashCacheStats, resetHashCache } from '../../web/src/hash-provider.js';
import { buildRanges, buildSegments, formatSize } from '../../web/src/memmap-layout.js';
import { alignLogs } from '../../web/src/align.js';
import { buildExample } from '../../web/src/examples.js';
import { vcpuTable } from '../../web/src/vcpu-range.js';
import { cliArgs, detectKind, jsonOptions, measureRow, parseGuestFeatures, rowFiles, rowsFor, shellJoin, type Launch } from '../../web/src/engine.js';
import type { LogEntryData } from '../../web/src/protocol.js';
import { parseArgs } from '../../src/cli/args.js';
import { MEASURE_SPEC } from '../../src/cli/commands/measure.js';
import { resolveMeasureRequest } from '../../src/cli/measure-options.js';
import { requestJsonOptions } from '../../src/cli/measure-run.js';

const MiB = 1 << 20;

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = ((i % 251) + seed) & 0xff;
  return b;
}

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('explorer hash provider', () => {
  it('hashes 4 KiB pages with WebCrypto exactly as node:crypto SHA-384 does', async () => {
    const pages = pattern(300 * 4096, 3); // more than one WebCrypto batch
    const got = await explorerHashProvider.sha384Pages!(pages);
    assert.equal(got.length, 300 * 48);
    for (const i of [0, 1, 255, 256, 299]) {
      assert.equal(hex(got.subarray(i * 48, (i + 1) * 48)), createHash('sha384').update(pages.subarray(i * 4096, (i + 1) * 4096)).digest('hex'), `page ${i}`);
    }
  });

  it('reuses a SHA-256 prefix only for byte-identical chunks', () => {
    resetHashCache();
    const fw = pattern(4 * MiB, 7);
    const chunks = [0, 1, 2, 3].map((i) => fw.subarray(i * MiB, (i + 1) * MiB));
    const tail = pattern(4096, 9);
    const run = (parts: Uint8Array[]) => {
      const h = explorerHashProvider.createSha256();
      for (const p of parts) h.update(p);
      return hex(h.digest());
    };
    // First run records, the next ones follow the cache for a while and then diverge.
    assert.equal(run([...chunks, tail]), sha256(fw, tail));
    assert.equal(run([...chunks]), sha256(fw));
    assert.equal(run([...chunks, tail, tail]), sha256(fw, tail, tail));
    assert.equal(run(chunks.slice(0, 2)), sha256(fw.subarray(0, 2 * MiB)));
    const changed = fw.slice(2 * MiB, 3 * MiB);
    changed[12345] = changed[12345]! ^ 1; // one bit in the third chunk
    assert.equal(run([chunks[0]!, chunks[1]!, changed, chunks[3]!]), sha256(chunks[0]!, chunks[1]!, changed, chunks[3]!));
    assert.equal(run([tail, ...chunks]), sha256(tail, fw));
    assert.equal(run([]), sha256());
    assert.deepEqual(hashCacheStats(), { chains: 1, chunks: 4, bytes: 4 * MiB });
    // A second stream (a kernel) gets its own chain; both are then followed.
    const kernel = pattern(MiB + 100_000, 5);
    const kchunks = [kernel.subarray(0, MiB), kernel.subarray(MiB)];
    assert.equal(run(kchunks), sha256(kernel));
    assert.deepEqual(hashCacheStats(), { chains: 2, chunks: 6, bytes: 4 * MiB + kernel.length });
    assert.equal(run(kchunks), sha256(kernel));
    assert.equal(run([...chunks, tail]), sha256(fw, tail));
    assert.equal(hashCacheStats().chains, 2);
    // A different image after a reset.
    resetHashCache();
    const other = pattern(2 * MiB, 1);
    assert.equal(run([other.subarray(0, MiB), other.subarray(MiB)]), sha256(other));
    assert.equal(run([other.subarray(0, MiB), other.subarray(MiB)]), sha256(other));
    // Unaligned views compare correctly too.
    const shifted = new Uint8Array(MiB + 1);
    shifted.set(other.subarray(0, MiB), 1);
    assert.equal(run([shifted.subarray(1), other.subarray(MiB)]), sha256(other));
  });
});

const entry = (index: number, gpa: number, pageType: number, origin: string, fill = 0): LogEntryData => ({
  index,
  gpa,
  pageType,
  contents: new Uint8Array(48).fill(fill),
  digest: new Uint8Array(48),
  origin,
});

describe('explorer memory-map layout', () => {
  const KVM_VMSA = 0xfffffffff000;
  const log: LogEntryData[] = [];
  for (let i = 0; i < 16; i++) log.push(entry(log.length, 0xfff00000 + i * 4096, PageType.NORMAL, 'OVMF firmware page ' + i));
  log.push(entry(log.length, 0x800000, PageType.ZERO, 'SNP_SEC_MEM section #1'));
  log.push(entry(log.length, 0x801000, PageType.ZERO, 'SNP_SEC_MEM section #1'));
  log.push(entry(log.length, 0x802000, PageType.SECRETS, 'secrets'));
  log.push(entry(log.length, 0x803000, PageType.CPUID, 'cpuid'));
  for (let v = 0; v < 4; v++) log.push(entry(log.length, KVM_VMSA, PageType.VMSA, `VMSA vCPU ${v}`, v));

  it('merges contiguous pages of one type and origin family, never VMSAs', () => {
    const r = buildRanges(log);
    assert.deepEqual(
      r.map((x) => [x.start, x.end, x.pageType, x.first, x.last]),
      [
        [0xfff00000, 0xfff10000, PageType.NORMAL, 0, 15],
        [0x800000, 0x802000, PageType.ZERO, 16, 17],
        [0x802000, 0x803000, PageType.SECRETS, 18, 18],
        [0x803000, 0x804000, PageType.CPUID, 19, 19],
        [KVM_VMSA, KVM_VMSA + 4096, PageType.VMSA, 20, 20],
        [KVM_VMSA, KVM_VMSA + 4096, PageType.VMSA, 21, 21],
        [KVM_VMSA, KVM_VMSA + 4096, PageType.VMSA, 22, 22],
        [KVM_VMSA, KVM_VMSA + 4096, PageType.VMSA, 23, 23],
      ],
    );
  });

  it('breaks the axis between far-apart ranges and stacks overlapping VMSAs in lanes', () => {
    const segs = buildSegments(buildRanges(log));
    assert.deepEqual(segs.map((s) => [s.start, s.end, s.lanes, s.ranges.length]), [
      [0x800000, 0x804000, 1, 3],
      [0xfff00000, 0xfff10000, 1, 1],
      [KVM_VMSA, KVM_VMSA + 4096, 4, 4],
    ]);
    assert.deepEqual(segs[2]!.ranges.map((r) => r.lane), [0, 1, 2, 3]);
    assert.deepEqual(segs.map((s) => s.gapBefore), [0, 0xfff00000 - 0x804000, KVM_VMSA - 0xfff10000]);
  });

  it('keeps nearby ranges in one segment', () => {
    const near = [entry(0, 0x1000, PageType.NORMAL, 'a'), entry(1, 0x3000, PageType.NORMAL, 'b'), entry(2, 0x10000, PageType.ZERO, 'c')];
    assert.equal(buildSegments(buildRanges(near)).length, 1);
    const far = [entry(0, 0x1000, PageType.NORMAL, 'a'), entry(1, 0x100000, PageType.NORMAL, 'b')];
    assert.equal(buildSegments(buildRanges(far)).length, 2);
  });

  it('formats sizes', () => {
    assert.equal(formatSize(4096), '4 KiB');
    assert.equal(formatSize(4 * MiB), '4 MiB');
    assert.equal(formatSize(1.5 * MiB), '1.50 MiB');
  });
});

describe('explorer log alignment', () => {
  const p = (i: number, gpa: number, t: number = PageType.NORMAL) => entry(i, gpa, t, 'x');
  it('pairs equal steps and leaves moved or extra steps one-sided', () => {
    const a = [p(0, 0x1000), p(1, 0x2000), p(2, 0x5000), p(3, 0xf000, PageType.VMSA)];
    const b = [p(0, 0x1000), p(1, 0x2000), p(2, 0xf000, PageType.VMSA), p(3, 0x5000)];
    const pairs = alignLogs(a, b);
    assert.deepEqual(
      pairs.map((x) => [x.a?.index ?? null, x.b?.index ?? null, x.same]),
      [
        [0, 0, true],
        [1, 1, true],
        [2, null, false],
        [3, 2, true],
        [null, 3, false],
      ],
    );
    const extra = alignLogs(a, [...a, p(4, 0xf000, PageType.VMSA)]);
    assert.deepEqual(extra.map((x) => x.same), [true, true, true, true, false]);
    const changed = alignLogs([p(0, 0x1000)], [entry(0, 0x1000, PageType.NORMAL, 'x', 9)]);
    assert.deepEqual(changed.map((x) => [x.a?.index, x.b?.index, x.same]), [[0, 0, false]]);
  });
});

describe('explorer engine', () => {
  const launch = (over: Partial<Launch> = {}): Launch => ({ image: bytesSource('fw.fd', new Uint8Array(8192)), vcpus: 2, vcpuType: 'EPYC-Milan', ...over });

  it('detects IGVM by its magic', async () => {
    assert.equal(await detectKind(bytesSource('x', new TextEncoder().encode('IGVM\x01\x00'))), 'igvm');
    assert.equal(await detectKind(bytesSource('x', new Uint8Array(16))), 'ovmf');
    assert.equal(await detectKind(bytesSource('x', new Uint8Array(2))), 'ovmf');
  });

  it('has a row per OVMF VMM and mode and per IGVM platform', () => {
    assert.deepEqual(rowsFor('ovmf').map((r) => r.id), ['qemu-kvm/snp', 'ec2/snp', 'gce/snp', 'qemu-kvm/seves', 'ec2/seves', 'gce/seves', 'qemu-kvm/sev', 'qemu-kvm/snp:ovmf-hash', 'qemu-kvm/snp:svsm']);
    assert.deepEqual(rowsFor('igvm').map((r) => r.id), ['openvmm', 'igvmmeasure', 'qemu-kvm', 'kvm-vmsa-page', 'kvm-direct-vmsa', 'cloud-hypervisor-mshv', 'cloud-hypervisor-kvm']);
  });

  it('parses guest features like the CLI (Python int(x, 0), 64 bits)', () => {
    assert.equal(parseGuestFeatures(undefined), undefined);
    assert.equal(parseGuestFeatures(' '), undefined);
    assert.equal(parseGuestFeatures('0x21'), 0x21n);
    assert.equal(parseGuestFeatures('33'), 33n);
    assert.equal(parseGuestFeatures('0b101'), 5n);
    assert.equal(parseGuestFeatures('0o17'), 15n);
    assert.equal(parseGuestFeatures('0xffff_ffff_ffff_ffff'), 0xffffffffffffffffn);
    for (const bad of ['012', 'x1', '0x1g', '-1', '0x10000000000000000']) assert.throws(() => parseGuestFeatures(bad), /guest features/, bad);
    // Accepts exactly what `measure --guest-features` accepts, with the same value.
    const cli = (t: string) => {
      try {
        const r = resolveMeasureRequest(parseArgs(MEASURE_SPEC, ['--mode', 'sev', '--ovmf', 'a', `--guest-features=${t}`]));
        return r!.guestFeatures;
      } catch {
        return 'rejected';
      }
    };
    const page = (t: string) => {
      try {
        return parseGuestFeatures(t);
      } catch {
        return 'rejected';
      }
    };
    for (const t of ['0x21', '+5', '0x_2_1', '1_000', '0x__1', '1__0', '_1', '0b2', '00', '-0', '0xffffffffffffffff', '-1']) assert.equal(page(t), cli(t), t);
  });

  it('gives each row the CLI arguments and --json options of the same request', () => {
    const [snp, , gce, seves, , , sev, hash] = rowsFor('ovmf');
    const l = launch({ kernel: bytesSource('vmlinuz', new Uint8Array(1)), append: 'console=ttyS0 quiet' });
    assert.equal(shellJoin(cliArgs(snp!, l)), "--mode snp --platform qemu-kvm --ovmf fw.fd --vcpus 2 --vcpu-type EPYC-Milan --kernel vmlinuz --append 'console=ttyS0 quiet'");
    assert.deepEqual(jsonOptions(snp!, l), { vcpus: 2, vcpuType: 'EPYC-Milan', vcpuSig: '0x00a00f11', guestFeatures: '0x1', append: 'console=ttyS0 quiet' });
    // ec2/gce write RDX 0x600 themselves: the form's CPU type is not passed (the CLI would warn that it is ignored).
    assert.deepEqual(jsonOptions(gce!, launch()), { vcpus: 2, guestFeatures: '0x1' });
    assert.deepEqual(jsonOptions(seves!, launch()), { vcpus: 2, vcpuType: 'EPYC-Milan', vcpuSig: '0x00a00f11' });
    // SEV and SEV-ES measure no SEV_FEATURES: the form's value is not passed to them.
    assert.deepEqual(jsonOptions(seves!, launch({ guestFeatures: 0x5n })), { vcpus: 2, vcpuType: 'EPYC-Milan', vcpuSig: '0x00a00f11' });
    assert.deepEqual(jsonOptions(sev!, launch({ guestFeatures: 0x5n })), { vcpus: 2 });
    assert.deepEqual(jsonOptions(hash!, l), {});
    assert.deepEqual(cliArgs(hash!, l), ['--mode', 'snp:ovmf-hash', '--ovmf', 'fw.fd']);
    const igvm = rowsFor('igvm')[2]!;
    assert.deepEqual(cliArgs(igvm, launch({ image: bytesSource('a b.igvm', new Uint8Array(0)), guestFeatures: 0x21n })), ['--igvm', 'a b.igvm', '--platform', 'qemu-kvm', '--vcpus', '2', '--vcpu-type', 'EPYC-Milan', '--guest-features', '0x21']);
    assert.equal(shellJoin(["it's"]), `'it'\\''s'`);
  });

  it('resolves each row through the CLI: its --json options and files are those of measure on its cliArgs', () => {
    const k = bytesSource('vmlinuz', new Uint8Array(1));
    const i = bytesSource('initrd.img', new Uint8Array(1));
    const launches = [launch(), launch({ kernel: k, initrd: i, append: 'a b', guestFeatures: 0x21n }), launch({ vcpuType: 'EPYC-v4', vcpus: 7, guestFeatures: 0n }), launch({ vcpuType: undefined })];
    let compared = 0;
    for (const spec of [...rowsFor('ovmf'), ...rowsFor('igvm')]) {
      if (spec.mode === 'snp:svsm') continue; // not offered by the page
      for (const each of launches) {
        // The page offers kernel, initrd and command line for OVMF images only.
        const l: Launch = spec.image === 'igvm' ? { ...each, kernel: undefined, initrd: undefined, append: undefined } : each;
        const argv = cliArgs(spec, l);
        let req;
        try {
          req = resolveMeasureRequest(parseArgs(MEASURE_SPEC, argv))!;
        } catch (e) {
          // The CLI refuses this line (QEMU without a vCPU type): so does the page, with a reason.
          assert.match(String(e), /missing --vcpu-type/, argv.join(' '));
          assert.throws(() => jsonOptions(spec, l), /missing --vcpu-type/);
          continue;
        }
        assert.deepEqual(jsonOptions(spec, l), requestJsonOptions(req), argv.join(' '));
        assert.deepEqual(Object.keys(rowFiles(spec, l)), Object.keys(req.paths), argv.join(' '));
        compared++;
      }
    }
    assert.ok(compared >= 40, `compared ${compared} rows`);
  });

  it('warns only about what the user chose, never about options the page picked for a row (issue 17 item 5)', async () => {
    const { buildExample } = await import('../../web/src/examples.js');
    const ex = await buildExample('ovmf');
    const img = bytesSource('fw.fd', ex.bytes);
    let rows = 0;
    for (const l of [launch({ image: img }), launch({ image: img, guestFeatures: 0x21n, vcpus: 4 })]) {
      for (const spec of rowsFor('ovmf')) {
        const r = await measureRow(spec, l, false);
        if (!r.result) continue;
        rows++;
        assert.deepEqual(r.result.warnings, [], `${spec.id}: ${r.result.warnings.join('; ')}`);
      }
    }
    assert.ok(rows >= 16, `${rows} rows measured`);
    // A value the user typed that the library flags still shows (reserved SEV_FEATURES bits).
    const odd = await measureRow(rowsFor('ovmf')[0]!, launch({ image: img, guestFeatures: 0x8000000000000001n }), false);
    assert.ok(odd.result?.warnings.some((w) => /reserved SEV_FEATURES/.test(w)), String(odd.result?.warnings));
  });

  it('gives a reason instead of a digest where the CLI refuses the row', async () => {
    const [snp, , , , , , , , svsm] = rowsFor('ovmf');
    assert.match((await measureRow(snp!, launch({ vcpuType: undefined }), false)).reason ?? '', /choose a vCPU type/);
    assert.match((await measureRow(svsm!, launch(), false)).reason ?? '', /not offered by the page/);
  });
});

// The page once measured the cloud-hypervisor-kvm row, the vCPU table and the launch search of an
// IGVM file without the kernel given beside it. The row must take the kernel (as `measure --igvm
// --platform cloud-hypervisor-kvm --kernel ... --append ...`), the table's column must equal the
// row at each count, and the platforms that boot no kernel must not change.
describe('explorer: an IGVM file with a kernel (cloud-hypervisor-kvm measured boot)', () => {
  it('the row, the vCPU table and the platforms without a kernel agree', async () => {
    const ex = await buildExample('igvm');
    const kernel = pattern(3 * 4096 + 100, 9);
    kernel[0x1f1] = 3; // setup_sects: a 2048-byte setup, as Cloud Hypervisor's hash block needs
    const imageFile = new File([new Uint8Array(ex.bytes)], ex.name);
    const kernelFile = new File([new Uint8Array(kernel)], 'vmlinuz');
    const base = { image: bytesSource(ex.name, ex.bytes), vcpus: 3, vcpuType: 'EPYC-v4' } as Launch;
    const ch = rowsFor('igvm').find((r) => r.platform === 'cloud-hypervisor-kvm')!;
    const openvmm = rowsFor('igvm').find((r) => r.platform === 'openvmm')!;
    const booted = await measureRow(ch, { ...base, kernel: bytesSource('vmlinuz', kernel), append: 'console=ttyS0' }, false);
    const plain = await measureRow(ch, base, false);
    assert.ok(booted.result && plain.result, booted.reason ?? plain.reason);
    assert.notEqual(toHexStr(booted.result.digest), toHexStr(plain.result.digest), 'the kernel-hashes block is measured');
    // Without a command line Cloud Hypervisor measures no block: the row says why instead.
    assert.match((await measureRow(ch, { ...base, kernel: bytesSource('vmlinuz', kernel) }, false)).reason ?? '', /--append/);

    const table = await vcpuTable({ image: imageFile, kernel: kernelFile, append: 'console=ttyS0', vcpus: 3, vcpuType: 'EPYC-v4' }, '1-3');
    const col = (p: string) => table.rows.map((r) => r.digests[table.platforms.indexOf(p)]);
    assert.equal(col('cloud-hypervisor-kvm')[2], toHexStr(booted.result.digest));
    const ov = (await measureRow(openvmm, base, false)).result!;
    assert.deepEqual(col('openvmm'), [1, 2, 3].map(() => toHexStr(ov.digest)));
    // No command line: the column says why (as the row does) and the others still show.
    const noCmd = await vcpuTable({ image: imageFile, kernel: kernelFile, vcpus: 3, vcpuType: 'EPYC-v4' }, '1-3');
    assert.ok(!noCmd.platforms.includes('cloud-hypervisor-kvm') && noCmd.platforms.includes('openvmm'));
    assert.match(noCmd.skipped.find((k) => k.platform === 'cloud-hypervisor-kvm')?.reason ?? '', /command line/);
  });
});

const toHexStr = (b: Uint8Array) => Buffer.from(b).toString('hex');
