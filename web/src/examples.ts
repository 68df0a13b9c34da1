/**
 * The "example" buttons: images the project builds itself (src/images), so the page can be tried
 * without any firmware at hand.
 *  - OVMF: the AmdSev metadata layout of specs/ovmf.md §5.3 in a 1 MiB image (ovmf builder).
 *  - IGVM: a small file with one feature per rule on which the platforms of specs/platforms.md §5.2
 *    disagree: a shared page, an 8 KiB parameter area, SECRETS and CPUID pages, the BSP VMSA at
 *    KVM's VMSA GPA, and a page listed after the VMSA below all the others (GPA order ≠ file order).
 */
import { KVM_VMSA_GPA } from '../../src/firmware/page-types.js';
import { igvmBuilder } from '../../src/images/igvm/builder.js';
import { buildOvmfImage } from '../../src/images/ovmf/builder.js';
import { buildQemuResetVmsa } from '../../src/vmsa/profiles/build.js';
import type { ImageKind } from './protocol.js';

export interface Example {
  name: string;
  bytes: Uint8Array;
  /** A vCPU type to preselect (QEMU rows need one). */
  vcpuType?: string;
}

const OVMF_EXAMPLE_SIZE = 1 << 20;
/** Guest policy: SMT allowed (bit 16) + the must-be-one bit 17 (attestation.md §1.4). */
const POLICY = 0x30000n;
/** SEV_FEATURES of the example VMSA: SNP active (bit 0), as KVM requires. */
const SNP_ACTIVE = 0x1n;

/** Deterministic filler: byte i = ((i mod 251) + seed) & 0xFF (the vectors' pattern). */
function pattern(length: number, seed: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = ((i % 251) + seed) & 0xff;
  return b;
}

export function buildIgvmExample(): Uint8Array {
  return igvmBuilder()
    .platform('SEV_SNP')
    .policy(POLICY)
    .pages(0xffff0000, pattern(16 * 4096, 21)) // 64 KiB of "firmware" below 4 GiB
    .zeroPages(0x100000, 4)
    .pageData(0x9f000, pattern(4096, 22), { shared: true })
    .parameterArea(0, 8192)
    .parameter('VP_COUNT_PARAMETER', 0)
    .parameterInsert(0x80000, 0)
    .pageData(0x8a000, null, { type: 'SECRETS' })
    .pageData(0x8b000, pattern(4096, 23), { type: 'CPUID_DATA' })
    .vpContext(KVM_VMSA_GPA, 0, buildQemuResetVmsa(SNP_ACTIVE, 0))
    .pageData(0x1000, pattern(4096, 24))
    .build();
}

export async function buildExample(which: ImageKind): Promise<Example> {
  if (which === 'ovmf') return { name: 'example-ovmf.fd', bytes: buildOvmfImage({ size: OVMF_EXAMPLE_SIZE }), vcpuType: 'EPYC-v4' };
  return { name: 'example.igvm', bytes: buildIgvmExample(), vcpuType: 'EPYC-v4' };
}
