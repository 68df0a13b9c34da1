/**
 * Launch spaces: the default space of docs/launch-space.md (every historically real combination of
 * RDX, SEV_FEATURES, KVM generation, VMSA GPA and cloud profile), `--vcpus` list/range parsing,
 * the VMSA variants each platform contributes, and the size of a space.
 */
import { usageError } from '../core/errors.js';
import { KVM_VMSA_GPA } from '../firmware/page-types.js';
import type { KvmGeneration } from '../vmsa/profiles/_profile.js';
import { vcpuSignature } from '../vmsa/vcpu-types.js';
import { defaultSignatures, KVM_DEFAULT_RDX } from './signatures.js';
import { OVMF_SPACE_PLATFORMS, type LaunchSpace, type OvmfPlatform, type SpaceKind, type SpacePlatform } from './types.js';
import { IGVM_PLATFORMS } from '../core/platforms.js';

/** KVM's largest vCPU count on x86 (KVM_MAX_VCPUS); also the bound of `measure --vcpus`. */
export const MAX_SPACE_VCPUS = 4096;
/** A space larger than this is refused with a hint to narrow it (issue 8: "say 10 million"). */
export const MAX_SPACE_CONFIGURATIONS = 10_000_000;
/** VMSA GPA of pre-v9 SNP host patches on 52-bit hosts and of GCE on Genoa: -1 truncated to MAXPHYADDR 52. */
export const KVM_VMSA_GPA_52 = 0xfffffffff000 * 16 + 0xf000; // 0xFFFFFFFFFF000
/** Default vCPU range of a search (issue 8). */
export const DEFAULT_MAX_VCPUS = 512;

/** SEV_FEATURES seen per KVM generation (SNPActive, DebugSwap, SecureTSC; docs/launch-space.md). */
const LEGACY_FEATURES: readonly bigint[] = [0x1n, 0x21n];
const INIT2_FEATURES: readonly bigint[] = [0x1n, 0x21n, 0x201n, 0x221n];
const EC2_FEATURES: readonly bigint[] = [0x1n, 0x21n];
/** Signatures a pre-v9 (≤ mid-2023) SNP host could have run with a 52-bit VMSA GPA: Genoa hosts, pre-Turin QEMU models. */
const PRE_V9_SIGS: readonly number[] = [
  vcpuSignature(23, 1, 2),
  vcpuSignature(23, 49, 0),
  vcpuSignature(25, 1, 1),
  vcpuSignature(25, 17, 0),
  vcpuSignature(25, 17, 1),
  vcpuSignature(25, 17, 2),
];

/** The default space for an image: launch-space.md §5 (OVMF) or every IGVM platform. */
export function defaultSpace(kind: SpaceKind, hasKernel = false, platforms?: readonly SpacePlatform[]): LaunchSpace {
  return {
    platforms: platforms ?? (kind === 'ovmf' ? OVMF_SPACE_PLATFORMS : kind === 'krun' ? ['krun'] : IGVM_PLATFORMS),
    vcpus: range(1, DEFAULT_MAX_VCPUS),
    vcpuSigs: defaultSignatures().map((c) => c.sig),
    guestFeatures: INIT2_FEATURES,
    kvm: ['init2', 'legacy'],
    vmsaGpas: [KVM_VMSA_GPA, KVM_VMSA_GPA_52],
    kernelHashes: hasKernel ? [true, false] : [false],
    cloudRdx: [KVM_DEFAULT_RDX, 0],
    historical: true,
  };
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** One VMSA configuration of a platform (everything but the vCPU count and the prefix). */
export interface VmsaVariant {
  rdx: number;
  guestFeatures: bigint;
  kvm: KvmGeneration;
  vmsaGpa: number;
}

/**
 * The VMSA variants `platform` contributes to `space`. In the default (historical) space only the
 * combinations that occurred are kept: legacy KVM never set Secure TSC; the 52-bit GPA belongs to
 * legacy pre-v9 hosts with features 0x1, and to GCE; EC2 and GCE have fixed FPU state, GCE a fixed
 * RDX and features 0x1 (plus 0x21, which sev-snp-measure's gce profile accepts). An explicit space multiplies every listed value.
 */
export function variantsFor(space: LaunchSpace, platform: OvmfPlatform): VmsaVariant[] {
  const out: VmsaVariant[] = [];
  const kvm0 = space.kvm[0] ?? 'init2';
  if (platform === 'qemu-kvm') {
    for (const rdx of space.vcpuSigs) {
      for (const kvm of space.kvm) {
        for (const guestFeatures of space.guestFeatures) {
          for (const vmsaGpa of space.vmsaGpas) {
            if (space.historical && !historicalQemu(rdx, kvm, guestFeatures, vmsaGpa)) continue;
            out.push({ rdx, guestFeatures, kvm, vmsaGpa });
          }
        }
      }
    }
  } else if (platform === 'ec2') {
    // EC2's VMSA has MXCSR/FCW 0 whatever the KVM generation: one kvm value stands for all.
    for (const rdx of space.cloudRdx) {
      for (const guestFeatures of space.guestFeatures) {
        if (space.historical && !EC2_FEATURES.includes(guestFeatures)) continue;
        for (const vmsaGpa of space.vmsaGpas) {
          if (space.historical && vmsaGpa !== KVM_VMSA_GPA) continue;
          out.push({ rdx, guestFeatures, kvm: kvm0, vmsaGpa });
        }
      }
    }
  } else {
    const rdxs = space.historical ? [KVM_DEFAULT_RDX] : space.cloudRdx;
    for (const rdx of rdxs) {
      for (const guestFeatures of space.guestFeatures) {
        // GCE launches with 0x1; 0x21 is kept because sev-snp-measure --vmm-type gce accepts it.
        if (space.historical && !EC2_FEATURES.includes(guestFeatures)) continue;
        for (const vmsaGpa of space.vmsaGpas) out.push({ rdx, guestFeatures, kvm: kvm0, vmsaGpa });
      }
    }
  }
  return out;
}

function historicalQemu(rdx: number, kvm: KvmGeneration, features: bigint, gpa: number): boolean {
  if (gpa === KVM_VMSA_GPA) return (kvm === 'legacy' ? LEGACY_FEATURES : INIT2_FEATURES).includes(features);
  return gpa === KVM_VMSA_GPA_52 && kvm === 'legacy' && features === 0x1n && PRE_V9_SIGS.includes(rdx);
}

/** Number of configurations of `space` (vCPU counts × prefixes × VMSA variants, per platform). */
export function spaceSize(space: LaunchSpace, kind: SpaceKind): number {
  let n = 0;
  for (const p of space.platforms) {
    if (kind === 'ovmf') n += variantsFor(space, p as OvmfPlatform).length * space.kernelHashes.length;
    else if (kind === 'krun') n += space.kvm.length;
    else n += p === 'qemu-kvm' ? space.vcpuSigs.length : p === 'cloud-hypervisor-kvm' ? space.kernelHashes.length : 1;
  }
  return n * space.vcpus.length;
}

/** Refuses a space over MAX_SPACE_CONFIGURATIONS, saying how to narrow it. */
export function checkSpaceSize(space: LaunchSpace, kind: SpaceKind): number {
  const n = spaceSize(space, kind);
  if (n > MAX_SPACE_CONFIGURATIONS) {
    throw usageError(
      'SPACE_TOO_LARGE',
      `the launch space has ${n.toLocaleString('en-US')} configurations, more than the ${MAX_SPACE_CONFIGURATIONS.toLocaleString('en-US')} searched at once; narrow it with --vcpus, --platform, --vcpu-type/--vcpu-sig, --guest-features or --kvm`,
      '--vcpus',
    );
  }
  if (n === 0) throw usageError('EMPTY_SPACE', 'the launch space is empty: no platform, vCPU count or VMSA variant is left after narrowing', '--platform');
  return n;
}

/**
 * Parses a vCPU list: "4", "1-64", "1-64,96,128" → ascending unique counts, each 1..4096.
 * `option` names the flag in errors.
 */
export function parseVcpuList(text: string, option = '--vcpus'): number[] {
  const t = text.trim();
  if (t === '') throw usageError('BAD_VCPUS', `argument ${option}: empty vCPU list`, option);
  const set = new Set<number>();
  for (const part of t.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw usageError('BAD_VCPUS', `argument ${option}: '${part}' is not a vCPU count or range (use N, A-B or a comma list such as 1-64,96,128)`, option);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (const v of [a, b]) {
      if (v < 1) throw usageError('BAD_VCPUS', `argument ${option}: vCPU counts start at 1, got ${v} in '${part.trim()}'`, option);
      if (v > MAX_SPACE_VCPUS) throw usageError('BAD_VCPUS', `argument ${option}: ${v} in '${part.trim()}' is more than KVM's maximum of ${MAX_SPACE_VCPUS} vCPUs`, option);
    }
    if (b < a) throw usageError('BAD_VCPUS', `argument ${option}: range '${part.trim()}' ends before it starts`, option);
    for (let v = a; v <= b; v++) set.add(v);
  }
  return [...set].sort((x, y) => x - y);
}

/** Parses a comma list with `one` per item (names the option in errors). */
export function parseList<T>(text: string, option: string, one: (item: string) => T): T[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw usageError('BAD_LIST', `argument ${option}: empty item in '${text}'`, option);
  return items.map(one);
}
