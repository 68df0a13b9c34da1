/**
 * IGVM platforms (specs/platforms.md §4, §5; docs/platforms.md): one loader per platform, each on a
 * UAPI model — openvmm, igvmmeasure and cloud-hypervisor-mshv on an isolated import, qemu-kvm and
 * cloud-hypervisor-kvm on upstream KVM, kvm-vmsa-page and kvm-direct-vmsa on the proposed KVM UAPIs.
 * The identifiers and their titles live in src/core/platforms.ts.
 */
import { IGVM_PLATFORM_META, type IgvmPlatform, type PlatformUapi } from '../../core/platforms.js';
import type { IgvmLaunchInput, IgvmLaunchOptions } from './_common.js';
import type { IgvmLaunchOutcome } from './_outcome.js';
import { launchIgvmOnOpenvmm } from './openvmm.js';
import { launchIgvmOnIgvmmeasure } from './igvmmeasure.js';
import { launchIgvmOnQemuKvm } from './qemu-kvm.js';
import { launchIgvmOnKvmVmsaPage } from './kvm-vmsa-page.js';
import { launchIgvmOnKvmDirectVmsa } from './kvm-direct-vmsa.js';
import { launchIgvmOnCloudHypervisor } from './cloud-hypervisor-mshv.js';
import { launchIgvmOnCloudHypervisorKvm } from './cloud-hypervisor-kvm.js';

export type IgvmLoader = (input: IgvmLaunchInput, opts: IgvmLaunchOptions) => Promise<IgvmLaunchOutcome>;

export interface IgvmPlatformInfo {
  id: IgvmPlatform;
  /** The UAPI model the loader drives. */
  uapi: PlatformUapi;
  /** One line: what it is. */
  title: string;
  launch: IgvmLoader;
}

const LOADERS: Readonly<Record<IgvmPlatform, IgvmLoader>> = {
  openvmm: launchIgvmOnOpenvmm,
  igvmmeasure: launchIgvmOnIgvmmeasure,
  'qemu-kvm': launchIgvmOnQemuKvm,
  'kvm-vmsa-page': launchIgvmOnKvmVmsaPage,
  'kvm-direct-vmsa': launchIgvmOnKvmDirectVmsa,
  'cloud-hypervisor-mshv': launchIgvmOnCloudHypervisor,
  'cloud-hypervisor-kvm': launchIgvmOnCloudHypervisorKvm,
};

export const IGVM_PLATFORM_INFO: Readonly<Record<IgvmPlatform, IgvmPlatformInfo>> = Object.fromEntries(
  (Object.keys(LOADERS) as IgvmPlatform[]).map((id) => [id, { id, uapi: IGVM_PLATFORM_META[id].uapi, title: IGVM_PLATFORM_META[id].title, launch: LOADERS[id] }]),
) as Record<IgvmPlatform, IgvmPlatformInfo>;

export { prepareIgvm, measuredType, type IgvmLaunchInput, type IgvmLaunchOptions, type IgvmItem, type PageRun, type ParamInsert, type VpItem } from './_common.js';
export type { IgvmLaunchOutcome } from './_outcome.js';
export {
  launchIgvmOnOpenvmm,
  launchIgvmOnIgvmmeasure,
  launchIgvmOnQemuKvm,
  launchIgvmOnKvmVmsaPage,
  launchIgvmOnKvmDirectVmsa,
  launchIgvmOnCloudHypervisor,
  launchIgvmOnCloudHypervisorKvm,
};
