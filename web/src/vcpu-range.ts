/**
 * Worker side of the vCPU table: one digest per vCPU count and platform for the chosen image, in one
 * pass (the launch-space engine, src/launch-space; the same digests as `measure --vcpus 1-64,96`).
 * OVMF: qemu-kvm (the form's CPU type, default EPYC-v4), ec2 and gce with the form's SEV_FEATURES;
 * IGVM: every IGVM platform (the vCPU count matters to qemu-kvm and cloud-hypervisor-kvm).
 */
import { blobSource } from '../../src/core/source.js';
import { KVM_VMSA_GPA } from '../../src/firmware/page-types.js';
import { forEachDigest, parseVcpuList, type IgvmLaunchOptions, type LaunchSpace, type SpaceImage } from '../../src/launch-space/index.js';
import { IGVM_PLATFORMS } from '../../src/core/platforms.js';
import { vcpuTypeSignature } from '../../src/vmsa/vcpu-types.js';
import { toHex } from '../../src/core/bytes.js';
import { detectKind, parseGuestFeatures } from './engine.js';
import type { FormValues, RangeData } from './protocol.js';

/** The explorer's table stays readable and quick: at most this many counts. */
const MAX_ROWS = 512;

export async function vcpuTable(form: FormValues, rangeText: string): Promise<RangeData> {
  const counts = parseVcpuList(rangeText, 'vCPU range');
  if (counts.length > MAX_ROWS) throw new Error(`vCPU range: ${counts.length} counts; the table shows at most ${MAX_ROWS}`);
  const src = blobSource(form.image.name, form.image);
  const kind = await detectKind(src);
  const typeName = form.vcpuType || 'EPYC-v4';
  const sig = vcpuTypeSignature(typeName) ?? 0x800f12;
  let image: SpaceImage;
  let space: LaunchSpace;
  const early: { platform: string; reason: string }[] = [];
  const base = { vcpus: counts, vcpuSigs: [sig], kvm: ['init2'] as const, vmsaGpas: [KVM_VMSA_GPA], cloudRdx: [0x600] };
  if (kind === 'igvm') {
    // As the rows: the guest features go to every launch, the kernel to cloud-hypervisor-kvm's.
    const launch: IgvmLaunchOptions = {};
    const gf = parseGuestFeatures(form.guestFeatures);
    if (gf !== undefined) launch.guestFeatures = gf;
    if (form.kernel) launch.kernel = blobSource(form.kernel.name, form.kernel);
    if (form.initrd) launch.initrd = blobSource(form.initrd.name, form.initrd);
    if (form.append !== undefined) launch.append = form.append;
    image = { kind: 'igvm', igvm: src, launch };
    space = { ...base, kvm: ['init2'], platforms: IGVM_PLATFORMS, guestFeatures: [1n], kernelHashes: [form.kernel !== undefined] };
    // Cloud Hypervisor measures a kernel only with a command line: that column says so, as its row does.
    if (form.kernel && form.append === undefined) {
      space.platforms = IGVM_PLATFORMS.filter((p) => p !== 'cloud-hypervisor-kvm');
      early.push({ platform: 'cloud-hypervisor-kvm', reason: 'it measures a kernel only with a command line (give one)' });
    }
  } else {
    image = { kind: 'ovmf', ovmf: src };
    if (form.kernel) image.kernel = blobSource(form.kernel.name, form.kernel);
    if (form.initrd) image.initrd = blobSource(form.initrd.name, form.initrd);
    if (form.append) image.append = form.append;
    space = { ...base, kvm: ['init2'], platforms: ['qemu-kvm', 'ec2', 'gce'], guestFeatures: [parseGuestFeatures(form.guestFeatures) ?? 1n], kernelHashes: [form.kernel !== undefined] };
  }
  const t0 = performance.now();
  const byCount = new Map<number, Map<string, string>>(counts.map((n) => [n, new Map()]));
  const s = await forEachDigest(image, space, (cell, d) => void byCount.get(cell.vcpus)!.set(cell.platform, toHex(d)));
  const platforms = space.platforms.filter((p) => !s.skipped.some((k) => k.platform === p));
  return {
    platforms: platforms.map((p) => (p === 'qemu-kvm' ? `qemu-kvm (${typeName})` : p)),
    rows: counts.map((n) => ({ vcpus: n, digests: platforms.map((p) => byCount.get(n)!.get(p) ?? null) })),
    skipped: [...early, ...s.skipped],
    configurations: s.configurations,
    ms: performance.now() - t0,
  };
}
