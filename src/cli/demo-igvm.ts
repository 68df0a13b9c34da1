/**
 * The IGVM section of `snp-launch demo`: one small IGVM file, built in memory with the project's
 * IGVM builder, measured on every platform of specs/platforms.md §4 with 1 and 4 vCPUs. The file
 * holds exactly the features the platforms treat differently (§5.2): a shared page, an 8 KiB
 * parameter area, a page listed after the VMSA and pages out of GPA order.
 * Left out (undefined) when the IGVM measurement is not available in this build.
 */
import { bytesSource } from '../core/source.js';
import { KVM_VMSA_GPA } from '../firmware/page-types.js';
import { igvmBuilder } from '../images/igvm/builder.js';
import { IGVM_PLATFORMS, type IgvmPlatform } from '../core/platforms.js';
import type { IgvmMeasureOptions, MeasureResult } from '../measure/types.js';
import { buildQemuResetVmsa } from '../vmsa/profiles/build.js';
import { vcpuTypeSignature } from '../vmsa/vcpu-types.js';
import { demoBlob, fillRow, type DemoImage, type DemoRow, type DemoSectionRows } from './demo-cases.js';

/** Guest policy: SMT allowed + the must-be-one bit 17 (SNP ABI), as the OVMF launches use. */
const POLICY = 0x30000n;
const EPYC_V4 = vcpuTypeSignature('EPYC-v4')!;

/** Why each platform's digest differs from openvmm's (platforms.md §5.2). */
const WHY: Record<IgvmPlatform, string> = {
  openvmm: 'baseline: file order; shared page skipped; every parameter page UNMEASURED',
  igvmmeasure: 'shared page measured; ONE UNMEASURED page per parameter area',
  'qemu-kvm': 'shared page measured; VMSA measured after all pages',
  'kvm-vmsa-page': 'shared page measured; VMSA inline, at its own GPA',
  'kvm-direct-vmsa': 'one VMSA per VP_CONTEXT, inline; this file has only the BSP\'s',
  'cloud-hypervisor-mshv': 'all pages sorted by GPA; ONE page per parameter area',
  'cloud-hypervisor-kvm': 'shared page measured; zero pages as ZERO; VMSA rebuilt by KVM from the registers, after all pages',
};

export function buildDemoIgvm(): DemoImage {
  const bytes = igvmBuilder()
    .platform('SEV_SNP')
    .policy(POLICY)
    .pages(0xfffc0000, demoBlob(4 * 4096, 11)) // firmware-like code at the top of 4 GiB
    .zeroPages(0x100000, 2) // PAGE_DATA without file data: pages of zeros
    .pageData(0x9f000, demoBlob(4096, 12), { shared: true })
    .parameterArea(0, 8192)
    .parameter('VP_COUNT_PARAMETER', 0)
    .parameterInsert(0x80000, 0)
    .pageData(0x8a000, null, { type: 'SECRETS' })
    .vpContext(KVM_VMSA_GPA, 0, buildQemuResetVmsa(0x1n, 0))
    .pageData(0x1000, demoBlob(4096, 13)) // after the VMSA and below everything else
    .build();
  return { id: 'I', file: 'demo.igvm', description: 'IGVM: 4 code pages, 2 zero pages, a shared page, 8 KiB parameter area, secrets page, BSP VMSA, one late page', bytes };
}

async function measure(m: typeof import('../measure/igvm.js'), img: DemoImage, platform: IgvmPlatform, vcpus: number): Promise<MeasureResult> {
  const o: IgvmMeasureOptions = { igvm: bytesSource(img.file, img.bytes), platform, vcpus, vcpuSig: EPYC_V4, log: true };
  return m.measureIgvm(o);
}

export async function igvmDemoSection(): Promise<DemoSectionRows | undefined> {
  const m = await import('../measure/igvm.js');
  const img = buildDemoIgvm();
  const rows: DemoRow[] = [];
  const results = new Map<string, MeasureResult>();
  for (const platform of IGVM_PLATFORMS) {
    for (const vcpus of [1, 4]) {
      const id = `igvm-${platform}-${vcpus}`;
      const baseline = vcpus === 4 ? `igvm-${platform}-1` : platform === 'openvmm' ? null : platform === 'kvm-direct-vmsa' ? 'igvm-kvm-vmsa-page-1' : 'igvm-openvmm-1';
      const row: DemoRow = {
        section: 'igvm',
        id,
        label: 'I',
        image: img.id,
        mode: 'snp',
        platform,
        vcpus,
        algorithm: null,
        digest: null,
        steps: null,
        baseline,
        sameAsBaseline: null,
        firstDifference: null,
        why: vcpus === 1 ? WHY[platform] : platform === 'qemu-kvm' ? '+3 AP reset VMSAs (QEMU profile, RDX = EPYC-v4)' : platform === 'cloud-hypervisor-kvm' ? '+3 AP VMSAs at KVM reset state (RDX 0x600)' : 'the vCPU count does not matter here',
        error: null,
      };
      await fillRow(row, results, id, () => measure(m, img, platform, vcpus));
      rows.push(row);
    }
  }
  return { id: 'igvm', title: 'One IGVM image (I) on every platform (snp-launch measure --igvm FILE --platform P)', rows, images: [img] };
}
