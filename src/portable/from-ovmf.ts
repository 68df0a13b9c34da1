/**
 * What an OVMF launch puts into guest memory, as IGVM content (specs/ovmf.md §8.1, §8.3). It does
 * not re-implement the launch: it runs the existing VMM loader's plan (src/loaders/ovmf) — the
 * firmware pages, every SEV metadata section in the VMM's order with its page type, the kernel
 * hashes page exactly as QEMU fills it, the BSP VMSA from the VMM's register profile — and maps
 * each planned LAUNCH_UPDATE onto PAGE_DATA:
 *
 *   NORMAL with data → PAGE_DATA with file data (firmware pages stay references into the OVMF file)
 *   ZERO             → PAGE_DATA without file data (a page of zeros)
 *   UNMEASURED       → PAGE_DATA without data, flag unmeasured (gce's SNP_SEC_MEM)
 *   SECRETS / CPUID  → PAGE_DATA data_type SECRETS / CPUID_DATA
 *
 * and the BSP's VMSA onto the SNP VP context. With `--svsm`, the plan of mode snp:svsm.
 */
import { inputError } from '../core/errors.js';
import type { ByteSource } from '../core/source.js';
import { PAGE_SIZE, PageType } from '../firmware/page-types.js';
import type { PageDataType } from '../images/igvm/types.js';
import type { IgvmSourcePage } from '../images/igvm/stream-write.js';
import { buildKernelHashTable } from '../images/ovmf/kernel-hashes.js';
import { kernelGiven, kernelHashesOf, type KernelInputs } from '../measure/by-hash.js';
import { parseOvmf } from '../images/ovmf/parse.js';
import { planOvmfSnpLaunch, type LaunchPlan, type OvmfVmmRules } from '../loaders/ovmf/common.js';
import { EC2_RULES } from '../loaders/ovmf/ec2.js';
import { GCE_RULES } from '../loaders/ovmf/gce.js';
import { QEMU_RULES } from '../loaders/ovmf/qemu.js';
import { planSvsmLaunch } from '../loaders/ovmf/svsm.js';
import type { LaunchUpdateParams } from '../uapi/types.js';
import type { KvmGeneration } from '../vmsa/profiles/_profile.js';

export type VmmProfile = 'QEMU' | 'ec2' | 'gce';
const RULES: Record<VmmProfile, OvmfVmmRules> = { QEMU: QEMU_RULES, ec2: EC2_RULES, gce: GCE_RULES };

/** The kernel, initrd and command line as files or SHA-256 values (src/measure/by-hash.ts). */
export interface OvmfContentOptions extends KernelInputs {
  ovmf: ByteSource;
  /** Coconut-SVSM binary (mode snp:svsm) and the OVMF_VARS size. */
  svsm?: ByteSource;
  varsSize?: number;
  /** Register profile and metadata rules of this VMM; default QEMU. */
  vmm?: VmmProfile;
  vcpuSig?: number;
  /** SEV_FEATURES of the BSP VMSA; default 0x1 (SNP active). */
  guestFeatures?: bigint;
  kvm?: KvmGeneration;
}

/** One guest page as the launch plan has it. */
export interface ContentPage {
  gpa: number;
  dataType: PageDataType;
  unmeasured: boolean;
  /** null: a page of zeros (ZERO, or a type that carries no contents). */
  data: Uint8Array | IgvmSourcePage | null;
  /** The plan's origin (for the rules' notes and errors). */
  origin: string;
}

export interface OvmfContent {
  pages: ContentPage[];
  /** The BSP VMSA (4096 bytes). */
  vmsa: Uint8Array;
}

function pagesOf(u: LaunchUpdateParams): ContentPage[] {
  const out: ContentPage[] = [];
  const n = u.length / PAGE_SIZE;
  for (let i = 0; i < n; i++) {
    const gpa = u.gpa + i * PAGE_SIZE;
    const base = { gpa, origin: u.origin };
    switch (u.type) {
      case PageType.NORMAL: {
        const d = u.data;
        if (d === undefined) out.push({ ...base, dataType: 'NORMAL', unmeasured: false, data: new Uint8Array(PAGE_SIZE) });
        else if (d instanceof Uint8Array) out.push({ ...base, dataType: 'NORMAL', unmeasured: false, data: d.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE) });
        else out.push({ ...base, dataType: 'NORMAL', unmeasured: false, data: { source: d.source, offset: d.offset + i * PAGE_SIZE } });
        break;
      }
      case PageType.ZERO:
        out.push({ ...base, dataType: 'NORMAL', unmeasured: false, data: null });
        break;
      case PageType.UNMEASURED:
        out.push({ ...base, dataType: 'NORMAL', unmeasured: true, data: null });
        break;
      case PageType.SECRETS:
        out.push({ ...base, dataType: 'SECRETS', unmeasured: false, data: null });
        break;
      case PageType.CPUID:
        out.push({ ...base, dataType: 'CPUID_DATA', unmeasured: false, data: null });
        break;
      default:
        throw inputError('IGVM_BUILD_PAGE', `the launch plan has a page of type ${u.type} at 0x${gpa.toString(16)} that IGVM PAGE_DATA cannot express`, { field: u.origin });
    }
  }
  return out;
}

/** Runs the VMM loader's plan for one vCPU and maps it to IGVM content. */
export async function ovmfContent(o: OvmfContentOptions): Promise<OvmfContent> {
  const ovmf = await parseOvmf(o.ovmf);
  let plan: LaunchPlan;
  if (o.svsm) {
    if (kernelGiven(o)) throw inputError('IGVM_BUILD_SVSM_KERNEL', 'mode snp:svsm measures the SVSM metadata, which has no kernel hashes page: --kernel cannot be combined with --svsm', { field: '--kernel' });
    plan = planSvsmLaunch({ ovmf, svsm: await parseOvmf(o.svsm), varsSize: o.varsSize ?? 0, vcpus: 1, vcpuSig: o.vcpuSig ?? 0 });
  } else {
    const hashes = await kernelHashesOf(o);
    const kernelHashTable = hashes && buildKernelHashTable(hashes);
    plan = planOvmfSnpLaunch(
      { ovmf, vcpus: 1, guestFeatures: o.guestFeatures ?? 0x1n, ...(o.vcpuSig !== undefined ? { vcpuSig: o.vcpuSig } : {}), ...(kernelHashTable ? { kernelHashTable } : {}), ...(o.kvm ? { kvm: o.kvm } : {}) },
      RULES[o.vmm ?? 'QEMU'],
    );
  }
  return { pages: plan.updates.flatMap(pagesOf), vmsa: plan.vcpuStates[0]!.vmsa };
}
