/**
 * Shared part of the OVMF VMM loaders (specs/ovmf.md §8.1, platforms.md §3.6): turns a parsed OVMF
 * image into the launch calls a VMM makes on a KVM-style LaunchSession —
 *   LAUNCH_START (policy 0x30000, vmsa_features = guest features)
 *   → LAUNCH_UPDATE: the firmware (NORMAL), then each SEV metadata section in file order
 *   → the register state of every vCPU (BSP at the reset vector, APs at the OVMF reset block EIP)
 *   → LAUNCH_FINISH (upstream KVM measures the VMSAs there, at 0xFFFFFFFFF000).
 * The VMM files (qemu.ts, ec2.ts, gce.ts) only supply the rules in which they differ.
 *
 * Everything is checked in the reference's order while the plan is built, before any page is
 * hashed; the plan holds no firmware bytes (pages are streamed from the ByteSource when run).
 */
import { inputError } from '../../core/errors.js';
import { PAGE_SIZE, PageType } from '../../firmware/page-types.js';
import { firmwareGpa, hasSection, requireHashTableGpa, requireResetEip, type OvmfImage } from '../../images/ovmf/parse.js';
import { requireSectionType, SectionType, sectionTypeName, type MetadataSection } from '../../images/ovmf/metadata.js';
import { deferredKernelHashesPage, kernelHashesPage } from '../../images/ovmf/kernel-hashes.js';
import { buildOvmfVmsa } from '../../vmsa/profiles/build.js';
import { RESET_EIP, type KvmGeneration, type OvmfVmsaProfile } from '../../vmsa/profiles/_profile.js';
import type { LaunchResult, LaunchSession, LaunchStartParams, LaunchUpdateParams, PageData } from '../../uapi/types.js';

/** Guest policy the reference's launches assume: SMT allowed (bit 16) + RSVD_MBO (bit 17), ABI 0.0. */
export const OVMF_LAUNCH_POLICY = 0x30000n;

/** What a VMM does differently from QEMU for an OVMF SNP launch (ovmf.md §9). */
export interface OvmfVmmRules {
  readonly vmm: 'QEMU' | 'ec2' | 'gce';
  /** Register profile of its reset-state VMSAs. */
  readonly profile: OvmfVmsaProfile;
  /** Page type used for SNP_SEC_MEM sections (ZERO, or UNMEASURED on gce). */
  readonly secMemPageType: PageType;
  /** Measure CPUID pages after every other metadata page (ec2). */
  readonly cpuidLast: boolean;
}

export interface OvmfSnpLaunch {
  ovmf: OvmfImage;
  vcpus: number;
  /** SEV_FEATURES for every VMSA (KVM_SEV_INIT2 vmsa_features). */
  guestFeatures: bigint;
  /** CPUID(1).EAX for QEMU's RDX. */
  vcpuSig?: number;
  /**
   * The 176-byte kernel hashes table when a kernel was given, or a promise of it: the pages in
   * front of its page are then measured while the kernel and initrd are still being hashed.
   */
  kernelHashTable?: Uint8Array | Promise<Uint8Array>;
  /** --snp-ovmf-hash: the firmware pages are already in the session's seed; do not measure them. */
  skipFirmware?: boolean;
  /** Host KVM generation (MXCSR/FCW of KVM-built VMSAs); default 'init2'. */
  kvm?: KvmGeneration;
  /** RDX of an ec2/gce VMSA when not the profile's (EC2 before 2026: 0). */
  rdx?: number;
}

export interface VcpuState {
  vcpu: number;
  vmsa: Uint8Array;
  origin: string;
}

/** The launch calls, in order. */
export interface LaunchPlan {
  start: LaunchStartParams;
  updates: LaunchUpdateParams[];
  vcpuStates: VcpuState[];
}

/** Requires a page-aligned size for an SNP-measured blob (the reference only asserts). */
export function requirePageAligned(img: OvmfImage, what: string): void {
  if (img.size % PAGE_SIZE !== 0) {
    throw inputError('UNALIGNED_IMAGE', `${what} size ${img.size} is not a multiple of 4096, so it cannot be measured as SNP pages`, { file: img.name });
  }
}

/** The firmware as one NORMAL update ending at 4 GiB (ovmf.md §8.1 step 1). */
export function firmwareUpdate(img: OvmfImage, origin: string, gpa = firmwareGpa(img)): LaunchUpdateParams {
  return { gpa, length: img.size, type: PageType.NORMAL, data: { source: img.source, offset: 0, length: img.size }, origin };
}

function sectionRange(img: OvmfImage, s: MetadataSection, type: PageType, length: number, origin: string): LaunchUpdateParams[] {
  if (s.gpa % PAGE_SIZE !== 0 || length % PAGE_SIZE !== 0) {
    throw inputError('OVMF_SECTION_ALIGN', `SEV metadata section #${s.index} (${sectionTypeName(s.type)}) at GPA 0x${s.gpa.toString(16)} size 0x${s.size.toString(16)} is not page aligned`, {
      file: img.name,
      offset: s.offset,
    });
  }
  return length === 0 ? [] : [{ gpa: s.gpa, length, type, origin }];
}

/**
 * The metadata section updates (ovmf.md §8.1 steps 2–3) of `img`; `label` prefixes the origins
 * ("OVMF", or "SVSM" for the SVSM binary's own metadata).
 */
export function metadataUpdates(img: OvmfImage, rules: OvmfVmmRules, kernelHashTable: Uint8Array | Promise<Uint8Array> | undefined, label: string): LaunchUpdateParams[] {
  const out: LaunchUpdateParams[] = [];
  const cpuid: LaunchUpdateParams[] = [];
  for (const s of img.metadata?.sections ?? []) {
    const t = requireSectionType(s, img.name);
    switch (t) {
      case SectionType.SNP_SEC_MEM:
        out.push(...sectionRange(img, s, rules.secMemPageType, s.size, `${label} SNP_SEC_MEM section #${s.index}`));
        break;
      case SectionType.SNP_SECRETS: // one page whatever the declared size
        out.push(...sectionRange(img, s, PageType.SECRETS, PAGE_SIZE, `${label} SNP_SECRETS section`));
        break;
      case SectionType.CPUID: {
        const u = sectionRange(img, s, PageType.CPUID, PAGE_SIZE, `${label} CPUID section`);
        (rules.cpuidLast ? cpuid : out).push(...u);
        break;
      }
      case SectionType.SVSM_CAA:
        out.push(...sectionRange(img, s, PageType.ZERO, s.size, `${label} SVSM_CAA section`));
        break;
      case SectionType.SNP_KERNEL_HASHES:
        if (kernelHashTable) {
          // Page GPA from the section, table offset inside it from the footer table's GPA (§6).
          const offsetInPage = requireHashTableGpa(img) & 0xfff;
          if (s.size !== PAGE_SIZE) {
            throw inputError('OVMF_SECTION_SIZE', `SNP_KERNEL_HASHES section #${s.index} has size 0x${s.size.toString(16)}; a kernel hashes page must be exactly 4096 bytes`, {
              file: img.name,
              offset: s.offset,
            });
          }
          const data: PageData =
            kernelHashTable instanceof Uint8Array
              ? kernelHashesPage(kernelHashTable, offsetInPage, img.name)
              : { source: deferredKernelHashesPage(kernelHashTable, offsetInPage, img.name), offset: 0, length: PAGE_SIZE };
          out.push(...sectionRange(img, s, PageType.NORMAL, PAGE_SIZE, 'kernel hashes table (kernel, initrd, cmdline)').map((u) => ({ ...u, data })));
        } else {
          out.push(...sectionRange(img, s, PageType.ZERO, s.size, `${label} SNP_KERNEL_HASHES section (no kernel: zero)`));
        }
        break;
    }
  }
  return out.concat(cpuid);
}

/** Plans an OVMF SNP launch (ovmf.md §8.1) for one VMM. */
export function planOvmfSnpLaunch(l: OvmfSnpLaunch, rules: OvmfVmmRules): LaunchPlan {
  const img = l.ovmf;
  const updates: LaunchUpdateParams[] = [];
  if (!l.skipFirmware) {
    requirePageAligned(img, 'firmware');
    updates.push(firmwareUpdate(img, 'OVMF firmware'));
  }
  updates.push(...metadataUpdates(img, rules, l.kernelHashTable, 'OVMF'));
  if (l.kernelHashTable && !hasSection(img, SectionType.SNP_KERNEL_HASHES)) {
    throw inputError('OVMF_NO_KERNEL_HASHES', "Kernel specified but OVMF metadata doesn't include SNP_KERNEL_HASHES section", { file: img.name });
  }
  const apEip = requireResetEip(img);
  const vcpuStates = ovmfVcpuStates(rules.profile, l.vcpus, apEip, l.guestFeatures, l.vcpuSig, { kvm: l.kvm, rdx: l.rdx });
  return { start: { policy: OVMF_LAUNCH_POLICY, vmsaFeatures: l.guestFeatures, vcpus: l.vcpus }, updates, vcpuStates };
}

/** BSP at the reset vector, every AP at the OVMF reset-block EIP (one shared AP page). */
/** VMSA details beyond the profile: the host KVM generation and an RDX override (ec2/gce). */
export interface VmsaVariantOptions {
  kvm?: KvmGeneration | undefined;
  rdx?: number | undefined;
}

export function ovmfVcpuStates(profile: OvmfVmsaProfile, vcpus: number, apEip: number, sevFeatures: bigint, vcpuSig?: number, v: VmsaVariantOptions = {}): VcpuState[] {
  const k = { ...(v.kvm ? { kvm: v.kvm } : {}), ...(v.rdx !== undefined ? { rdx: v.rdx } : {}) };
  const bsp = buildOvmfVmsa(profile, { eip: RESET_EIP, sevFeatures, vcpuSig, ...k });
  const ap = vcpus > 1 ? buildOvmfVmsa(profile, { eip: apEip, sevFeatures, vcpuSig, ...k }) : bsp;
  const out: VcpuState[] = [];
  for (let i = 0; i < vcpus; i++) out.push({ vcpu: i, vmsa: i === 0 ? bsp : ap, origin: i === 0 ? 'VMSA vCPU 0 (BSP)' : `VMSA vCPU ${i} (AP)` });
  return out;
}

/** Issues the planned calls on a session and finishes the launch. */
export async function runLaunchPlan(session: LaunchSession, plan: LaunchPlan): Promise<LaunchResult> {
  session.start(plan.start);
  for (const u of plan.updates) await session.update(u);
  for (const s of plan.vcpuStates) session.setVcpuState(s.vcpu, s.vmsa, s.origin);
  return session.finish();
}
