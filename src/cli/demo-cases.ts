/**
 * What `snp-launch demo` measures: small OVMF-layout images built in memory by the project's own
 * image builder (src/images/ovmf/builder.ts), and the launches to compare, each with the reason,
 * taken from specs/ovmf.md §7–§9, why its digest differs from its baseline row.
 */
import { AMDSEV_SECTIONS, buildOvmfImage, type BuildSection } from '../images/ovmf/builder.js';
import { SectionType } from '../images/ovmf/metadata.js';
import { toHex } from '../core/bytes.js';
import type { MeasurementLogEntry } from '../firmware/log.js';
import { PAGE_TYPE_NAMES } from '../firmware/page-types.js';
import type { MeasureResult, OvmfMode, VmmType } from '../measure/types.js';
import { SnpLaunchError } from '../core/errors.js';

export interface DemoImage {
  id: string;
  file: string;
  description: string;
  bytes: Uint8Array;
}

export interface DemoCase {
  id: string;
  section: string;
  /** Short name of what this row varies. */
  label: string;
  image: string;
  mode: OvmfMode;
  vmm: VmmType;
  vcpus?: number;
  vcpuType?: string;
  guestFeatures?: bigint;
  /** Measured direct boot with the demo kernel, initrd and command line. */
  kernel?: boolean;
  /** --snp-ovmf-hash: seed with the digest of this case (a snp:ovmf-hash row). */
  seedFrom?: string;
  /** snp:svsm with the demo SVSM binary. */
  svsm?: boolean;
  /** The row this one is compared with. */
  baseline?: string;
  /** Why the digest differs from the baseline (ovmf.md). */
  why: string;
}

export interface DemoSection {
  id: string;
  title: string;
}

/** Size of the demo firmware images: small, but with every structure a real AmdSev build has. */
const IMAGE_SIZE = 64 * 1024;
/** OvmfX64 layout (ovmf.md §5.3): AmdSev's sections without SNP_KERNEL_HASHES. */
const OVMFX64_SECTIONS: readonly BuildSection[] = [...AMDSEV_SECTIONS.slice(0, 5), { gpa: 0x810000, size: 0x10000, type: SectionType.SNP_SEC_MEM }];
/** Coconut-SVSM binary sections (ovmf.md §5.3, svsm.bin). */
const SVSM_SECTIONS: readonly BuildSection[] = [
  { gpa: 0x0, size: 0x9e000, type: SectionType.SNP_SEC_MEM },
  { gpa: 0x9e000, size: 0x1000, type: SectionType.SNP_SECRETS },
  { gpa: 0x9f000, size: 0x1000, type: SectionType.CPUID },
];
/** The OVMF_VARS size of the upstream SVSM test (ovmf.md §8.3). */
export const DEMO_VARS_SIZE = 540672;
export const DEMO_CMDLINE = 'console=ttyS0 root=/dev/vda1';

export function buildDemoImages(): DemoImage[] {
  return [
    {
      id: 'A',
      file: 'amdsev.fd',
      description: `${IMAGE_SIZE / 1024} KiB, AmdSev layout: SEC_MEM, SECRETS, CPUID, SVSM_CAA and SNP_KERNEL_HASHES sections`,
      bytes: buildOvmfImage({ size: IMAGE_SIZE, fillerSeed: 7 }),
    },
    {
      id: 'X',
      file: 'ovmfx64.fd',
      description: `${IMAGE_SIZE / 1024} KiB, OvmfX64 layout: no SNP_KERNEL_HASHES section (no measured direct boot)`,
      bytes: buildOvmfImage({ size: IMAGE_SIZE, fillerSeed: 8, sections: [...OVMFX64_SECTIONS], hashTable: { gpa: 0, size: 0 } }),
    },
    {
      id: 'S',
      file: 'svsm.bin',
      description: '16 KiB Coconut-SVSM-like binary (SVSM_INFO entry, 3 sections), loaded below OVMF X and its vars',
      bytes: buildOvmfImage({ size: 16 * 1024, fillerSeed: 9, resetEip: 0xfffffff0, svsmInfo: 0, hashTable: null, sections: [...SVSM_SECTIONS] }),
    },
  ];
}

/** Deterministic demo kernel and initrd (pattern of sev-snp-measure-cli.md §9, seeds 1 and 3). */
export function demoBlob(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = ((i % 251) + seed) & 0xff;
  return b;
}

export const DEMO_SECTIONS: readonly DemoSection[] = [
  { id: 'snp', title: 'SEV-SNP launch digest (SHA-384) of image A, per platform and vCPU count' },
  { id: 'vary', title: 'One change at a time (SNP, image A, qemu-kvm, 1 vCPU, EPYC-v4, unless the row says otherwise)' },
  { id: 'sev', title: 'SEV and SEV-ES launch digests (SHA-256) of image A' },
  { id: 'svsm', title: 'Coconut-SVSM under QEMU (mode snp:svsm): OVMF X + SVSM binary S' },
];

const VMSA_DIFF = {
  ec2: 'CPUID page last; VMSA: CS/SS/TR attribs, RDX 0x600, MXCSR/FCW 0',
  gce: 'SEC_MEM pages UNMEASURED, not ZERO; VMSA: G_PAT, RDX 0x600, MXCSR/FCW 0',
};

export const DEMO_CASES: readonly DemoCase[] = [
  { id: 'q1', section: 'snp', label: 'A', image: 'A', mode: 'snp', vmm: 'QEMU', vcpus: 1, vcpuType: 'EPYC-v4', why: 'baseline: firmware pages, metadata sections, BSP VMSA (RDX = EPYC-v4 0x00800f12)' },
  { id: 'q4', section: 'snp', label: 'A', image: 'A', mode: 'snp', vmm: 'QEMU', vcpus: 4, vcpuType: 'EPYC-v4', baseline: 'q1', why: '+3 AP VMSAs (CS:IP from the OVMF reset block)' },
  { id: 'e1', section: 'snp', label: 'A', image: 'A', mode: 'snp', vmm: 'ec2', vcpus: 1, baseline: 'q1', why: VMSA_DIFF.ec2 },
  { id: 'e4', section: 'snp', label: 'A', image: 'A', mode: 'snp', vmm: 'ec2', vcpus: 4, baseline: 'e1', why: '+3 AP VMSAs (ec2 register profile)' },
  { id: 'g1', section: 'snp', label: 'A', image: 'A', mode: 'snp', vmm: 'gce', vcpus: 1, baseline: 'q1', why: VMSA_DIFF.gce },
  { id: 'g4', section: 'snp', label: 'A', image: 'A', mode: 'snp', vmm: 'gce', vcpus: 4, baseline: 'g1', why: '+3 AP VMSAs (gce register profile)' },

  { id: 'milan', section: 'vary', label: 'EPYC-Milan', image: 'A', mode: 'snp', vmm: 'QEMU', vcpus: 1, vcpuType: 'EPYC-Milan', baseline: 'q1', why: '--vcpu-type EPYC-Milan: VMSA RDX = 0x00a00f11' },
  { id: 'dbg', section: 'vary', label: 'features 0x21', image: 'A', mode: 'snp', vmm: 'QEMU', vcpus: 1, vcpuType: 'EPYC-v4', guestFeatures: 0x21n, baseline: 'q1', why: '--guest-features 0x21: SNPActive + DebugSwap in the VMSA' },
  { id: 'kern', section: 'vary', label: '+kernel', image: 'A', mode: 'snp', vmm: 'QEMU', vcpus: 1, vcpuType: 'EPYC-v4', kernel: true, baseline: 'q1', why: '--kernel/--initrd/--append: hashes page NORMAL, not ZERO' },
  { id: 'ohash', section: 'vary', label: 'snp:ovmf-hash', image: 'A', mode: 'snp:ovmf-hash', vmm: 'QEMU', why: 'firmware pages only: a seed for --snp-ovmf-hash' },
  { id: 'seeded', section: 'vary', label: 'seeded', image: 'A', mode: 'snp', vmm: 'QEMU', vcpus: 1, vcpuType: 'EPYC-v4', seedFrom: 'ohash', baseline: 'q1', why: '--snp-ovmf-hash <row above>: firmware pages skipped' },
  { id: 'x1', section: 'vary', label: 'X', image: 'X', mode: 'snp', vmm: 'QEMU', vcpus: 1, vcpuType: 'EPYC-v4', baseline: 'q1', why: 'other firmware bytes; SEC_MEM where A has KERNEL_HASHES' },
  { id: 'xk', section: 'vary', label: 'X +kernel', image: 'X', mode: 'snp', vmm: 'QEMU', vcpus: 1, vcpuType: 'EPYC-v4', kernel: true, baseline: 'x1', why: '' },

  { id: 'sev', section: 'sev', label: 'sev', image: 'A', mode: 'sev', vmm: 'QEMU', why: 'SHA-256 of the image alone (= its sha256 above)' },
  { id: 'es1', section: 'sev', label: 'seves', image: 'A', mode: 'seves', vmm: 'QEMU', vcpus: 1, vcpuType: 'EPYC-v4', baseline: 'sev', why: 'SHA-256(image ‖ BSP VMSA), SEV_FEATURES 0' },
  { id: 'es4', section: 'sev', label: 'seves', image: 'A', mode: 'seves', vmm: 'QEMU', vcpus: 4, vcpuType: 'EPYC-v4', baseline: 'es1', why: '+3 AP VMSAs in the hashed stream' },
  { id: 'ese1', section: 'sev', label: 'seves', image: 'A', mode: 'seves', vmm: 'ec2', vcpus: 1, baseline: 'es1', why: 'ec2 VMSA profile' },
  { id: 'ese4', section: 'sev', label: 'seves', image: 'A', mode: 'seves', vmm: 'ec2', vcpus: 4, baseline: 'ese1', why: '+3 AP VMSAs (ec2 profile)' },
  { id: 'esg1', section: 'sev', label: 'seves', image: 'A', mode: 'seves', vmm: 'gce', vcpus: 1, baseline: 'es1', why: 'gce VMSA profile' },
  { id: 'esg4', section: 'sev', label: 'seves', image: 'A', mode: 'seves', vmm: 'gce', vcpus: 4, baseline: 'esg1', why: '+3 AP VMSAs (gce profile)' },

  { id: 'sv1', section: 'svsm', label: 'snp:svsm', image: 'X', mode: 'snp:svsm', vmm: 'QEMU', vcpus: 1, vcpuType: 'EPYC-v4', svsm: true, why: 'OVMF pages, SVSM pages + sections, SVSM VMSA (no OVMF sections)' },
  { id: 'sv4', section: 'svsm', label: 'snp:svsm', image: 'X', mode: 'snp:svsm', vmm: 'QEMU', vcpus: 4, vcpuType: 'EPYC-v4', svsm: true, baseline: 'sv1', why: '+3 identical SVSM VMSAs (no BSP/AP split)' },
  { id: 'sve1', section: 'svsm', label: 'snp:svsm', image: 'X', mode: 'snp:svsm', vmm: 'ec2', vcpus: 1, svsm: true, why: '' },
];

/** One measured launch and how it relates to its baseline. */
export interface DemoRow {
  section: string;
  id: string;
  label: string;
  image: string;
  mode: string;
  platform: string;
  vcpus: number | null;
  algorithm: 'sha384' | 'sha256' | null;
  digest: string | null;
  /** PAGE_INFO steps (SNP modes). */
  steps: number | null;
  baseline: string | null;
  sameAsBaseline: boolean | null;
  /** First step whose digest differs from the baseline's log, when both have logs. */
  firstDifference: { step: number; type: string; origin: string } | null;
  why: string;
  error: string | null;
}

/** The first step at which two logs' running digests part (the chain never rejoins). */
/**
 * Runs one demo measurement and fills the row: digest, step count, and how it compares with its
 * baseline row; a launch the platform rejects becomes the row's error text.
 */
export async function fillRow(row: DemoRow, results: Map<string, MeasureResult>, id: string, run: () => Promise<MeasureResult>): Promise<void> {
  try {
    const r = await run();
    results.set(id, r);
    row.algorithm = r.algorithm;
    row.digest = toHex(r.digest);
    row.steps = r.log ? r.log.length : null;
    const base = row.baseline ? results.get(row.baseline) : undefined;
    if (base) {
      row.sameAsBaseline = toHex(base.digest) === row.digest;
      if (!row.sameAsBaseline && r.log && base.log) row.firstDifference = firstDifference(r.log, base.log);
    }
  } catch (e) {
    row.error = e instanceof SnpLaunchError ? e.reason : `internal error: ${(e as Error).message}`;
  }
}

export function firstDifference(log: readonly MeasurementLogEntry[], base: readonly MeasurementLogEntry[]): DemoRow['firstDifference'] {
  for (let i = 0; i < log.length; i++) {
    const b = base[i];
    if (!b || toHex(b.digest) !== toHex(log[i]!.digest)) return { step: i, type: PAGE_TYPE_NAMES[log[i]!.pageType], origin: log[i]!.origin };
  }
  return null;
}


/** A titled group of rows, with any images it built (listed with the others). */
export interface DemoSectionRows {
  id: string;
  title: string;
  rows: DemoRow[];
  images?: DemoImage[];
}
