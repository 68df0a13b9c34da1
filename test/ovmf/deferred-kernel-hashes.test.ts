/**
 * measureOvmf (snp) plans the launch before the kernel and initrd are hashed: the kernel-hashes
 * page is a source whose bytes arrive with the table. Its digest equals the one of the table
 * computed first (src/images/ovmf/kernel-hashes.ts against the engine), a kernel that fails to read
 * is the error of the run, and a plan error with a failing kernel is reported without an
 * unhandled rejection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SnpLaunchError, inputError } from '../../src/core/errors.js';
import { setHashProvider } from '../../src/core/hash.js';
import { bytesSource, type ByteSource } from '../../src/core/source.js';
import { AMDSEV_SECTIONS, buildOvmfImage } from '../../src/images/ovmf/builder.js';
import { SectionType } from '../../src/images/ovmf/metadata.js';
import { buildKernelHashTable, computeKernelHashes, deferredKernelHashesPage, kernelHashesPage } from '../../src/images/ovmf/kernel-hashes.js';
import { parseOvmf } from '../../src/images/ovmf/parse.js';
import { planOvmfSnpLaunch, runLaunchPlan } from '../../src/loaders/ovmf/common.js';
import { QEMU_RULES } from '../../src/loaders/ovmf/qemu.js';
import { measureOvmf } from '../../src/measure/ovmf.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { UpstreamKvmSession } from '../../src/uapi/kvm-upstream.js';

setHashProvider(nodeHashProvider);

const kernel = bytesSource('vmlinuz', randomBytes(3 * 4096 + 17));
const initrd = bytesSource('initrd', randomBytes(5000));

/** A kernel whose second read fails, as a file that became unreadable would. */
function failingKernel(): ByteSource {
  let reads = 0;
  return {
    name: 'vmlinuz',
    size: 2 << 20,
    read: async (offset) => {
      if (++reads > 1) throw inputError('READ_FAILED', 'cannot read (EIO)', { file: 'vmlinuz', offset });
      return new Uint8Array(1 << 20);
    },
  };
}

test('deferred page: the same bytes as kernelHashesPage once the table arrives; the fit is checked up front', async () => {
  const table = buildKernelHashTable(await computeKernelHashes(kernel, initrd, 'console=ttyS0'));
  let resolve!: (t: Uint8Array) => void;
  const src = deferredKernelHashesPage(new Promise((r) => (resolve = r)), 0x800);
  assert.equal(src.size, 4096);
  const pending = src.read(0, 4096);
  resolve(table);
  assert.deepEqual(await pending, kernelHashesPage(table, 0x800));
  assert.deepEqual(await src.read(0x800, 176), table);
  await assert.rejects(src.read(4000, 100), (e) => e instanceof SnpLaunchError && e.code === 'READ_OUT_OF_RANGE');
  assert.throws(() => deferredKernelHashesPage(Promise.resolve(table), 4000), (e) => e instanceof SnpLaunchError && e.code === 'OVMF_HASH_TABLE');
});

test('measureOvmf with a kernel (deferred page) equals the eager plan with the table computed first (the reference rows check the digest itself)', async () => {
  const ovmf = bytesSource('OVMF.fd', buildOvmfImage());
  const got = await measureOvmf({ mode: 'snp', ovmf, vcpus: 2, vcpuSig: 0xa00f11, kernel, initrd, append: 'console=ttyS0' });
  const table = buildKernelHashTable(await computeKernelHashes(kernel, initrd, 'console=ttyS0'));
  const plan = planOvmfSnpLaunch({ ovmf: await parseOvmf(ovmf), vcpus: 2, guestFeatures: 1n, vcpuSig: 0xa00f11, kernelHashTable: table }, QEMU_RULES);
  const want = await runLaunchPlan(new UpstreamKvmSession(), plan);
  assert.equal(Buffer.from(got.digest).toString('hex'), Buffer.from(want.digest).toString('hex'));
});

test('a kernel that fails while the firmware is measured is the error of the run', async () => {
  const ovmf = bytesSource('OVMF.fd', buildOvmfImage());
  await assert.rejects(measureOvmf({ mode: 'snp', ovmf, vcpus: 1, vcpuSig: 0xa00f11, kernel: failingKernel() }), (e) => e instanceof SnpLaunchError && e.code === 'READ_FAILED' && e.location.file === 'vmlinuz');
});

test('a firmware without SNP_KERNEL_HASHES and a failing kernel: the plan error, no unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (r: unknown) => unhandled.push(r);
  process.on('unhandledRejection', onUnhandled);
  try {
    const ovmf = bytesSource('OVMF.fd', buildOvmfImage({ sections: AMDSEV_SECTIONS.filter((s) => s.type !== SectionType.SNP_KERNEL_HASHES) }));
    await assert.rejects(measureOvmf({ mode: 'snp', ovmf, vcpus: 1, vcpuSig: 0xa00f11, kernel: failingKernel() }), (e) => e instanceof SnpLaunchError && e.code === 'OVMF_NO_KERNEL_HASHES');
    await new Promise((r) => setTimeout(r, 20)); // let the kernel's rejection settle
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
