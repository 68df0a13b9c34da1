/**
 * IGVM platforms (specs/platforms.md §4, §5): one loader per platform, each on a UAPI model —
 * openvmm, igvmmeasure and cloud-hypervisor-mshv on an isolated import, qemu-kvm on upstream KVM,
 * kvm-vmsa-page and kvm-direct-vmsa on the proposed KVM UAPIs.
 */
import type { IgvmPlatform } from '../../measure/types.js';
import type { IgvmLaunchInput, IgvmLaunchOptions } from './_common.js';
import type { IgvmLaunchOutcome } from './_outcome.js';
import { launchIgvmOnOpenvmm } from './openvmm.js';
import { launchIgvmOnIgvmmeasure } from './igvmmeasure.js';
import { launchIgvmOnQemuKvm } from './qemu-kvm.js';
import { launchIgvmOnKvmVmsaPage } from './kvm-vmsa-page.js';
import { launchIgvmOnKvmDirectVmsa } from './kvm-direct-vmsa.js';
import { launchIgvmOnCloudHypervisor } from './cloud-hypervisor-mshv.js';

export type IgvmLoader = (input: IgvmLaunchInput, opts: IgvmLaunchOptions) => Promise<IgvmLaunchOutcome>;

export interface IgvmPlatformInfo {
  id: IgvmPlatform;
  /** The UAPI model the loader drives. */
  uapi: 'isolated-import' | 'upstream' | 'vmsa-page' | 'direct-vmsa';
  /** One line: what it is. */
  title: string;
  launch: IgvmLoader;
}

export const IGVM_PLATFORM_INFO: Readonly<Record<IgvmPlatform, IgvmPlatformInfo>> = {
  openvmm: { id: 'openvmm', uapi: 'isolated-import', title: 'Hyper-V / OpenHCL (igvm crate measurement)', launch: launchIgvmOnOpenvmm },
  igvmmeasure: { id: 'igvmmeasure', uapi: 'isolated-import', title: 'COCONUT-SVSM igvmmeasure', launch: launchIgvmOnIgvmmeasure },
  'qemu-kvm': { id: 'qemu-kvm', uapi: 'upstream', title: 'QEMU + upstream KVM', launch: launchIgvmOnQemuKvm },
  'kvm-vmsa-page': { id: 'kvm-vmsa-page', uapi: 'vmsa-page', title: 'QEMU + KVM with KVM_SEV_SNP_PAGE_TYPE_VMSA', launch: launchIgvmOnKvmVmsaPage },
  'kvm-direct-vmsa': { id: 'kvm-direct-vmsa', uapi: 'direct-vmsa', title: 'QEMU + KVM with per-vCPU VMSA GPAs', launch: launchIgvmOnKvmDirectVmsa },
  'cloud-hypervisor-mshv': { id: 'cloud-hypervisor-mshv', uapi: 'isolated-import', title: 'Cloud Hypervisor on MSHV', launch: launchIgvmOnCloudHypervisor },
};

export { prepareIgvm, measuredType, type IgvmLaunchInput, type IgvmLaunchOptions, type IgvmItem, type PageRun, type ParamInsert, type VpItem } from './_common.js';
export type { IgvmLaunchOutcome } from './_outcome.js';
export {
  launchIgvmOnOpenvmm,
  launchIgvmOnIgvmmeasure,
  launchIgvmOnQemuKvm,
  launchIgvmOnKvmVmsaPage,
  launchIgvmOnKvmDirectVmsa,
  launchIgvmOnCloudHypervisor,
};
