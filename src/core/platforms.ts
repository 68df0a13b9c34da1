/**
 * The platform identifiers and what each one is (specs/platforms.md §4; docs/platforms.md). This is
 * the bottom of the layers: loaders, UAPI models, the measurement API, the launch-space layer, the
 * explanations, the CLI and the explorer all take their platform lists from here, so a new platform
 * is one row in this file plus its loader.
 */

/** IGVM measurement platforms (specs/platforms.md §4, docs/platforms.md). */
export type IgvmPlatform =
  | 'openvmm'
  | 'igvmmeasure'
  | 'qemu-kvm'
  | 'kvm-vmsa-page'
  | 'kvm-direct-vmsa'
  | 'cloud-hypervisor-mshv'
  | 'cloud-hypervisor-kvm';

/** OVMF launch platforms (VMM profiles of sev-snp-measure): QEMU/KVM, AWS EC2, Google GCE. */
export type OvmfPlatform = 'qemu-kvm' | 'ec2' | 'gce';

/** Launches without a firmware image: libkrun (qboot + kernel + initrd, docs/platforms.md). */
export type DirectPlatform = 'krun';

/** The kernel interface a platform's loader drives (src/uapi). */
export type PlatformUapi = 'isolated-import' | 'upstream' | 'vmsa-page' | 'direct-vmsa';

export interface PlatformMeta {
  /** One line: what it is. */
  title: string;
  uapi: PlatformUapi;
  /** Whether the launch model takes the vCPU count (otherwise `--vcpus N` > 1 is warned about as unused). */
  takesVcpus: boolean;
}

export const IGVM_PLATFORM_META: Readonly<Record<IgvmPlatform, PlatformMeta>> = {
  openvmm: { title: 'Hyper-V / OpenHCL (igvm crate measurement)', uapi: 'isolated-import', takesVcpus: false },
  igvmmeasure: { title: 'COCONUT-SVSM igvmmeasure', uapi: 'isolated-import', takesVcpus: false },
  'qemu-kvm': { title: 'QEMU + upstream KVM', uapi: 'upstream', takesVcpus: true },
  'kvm-vmsa-page': { title: 'QEMU + KVM with KVM_SEV_SNP_PAGE_TYPE_VMSA', uapi: 'vmsa-page', takesVcpus: true },
  'kvm-direct-vmsa': { title: 'QEMU + KVM with per-vCPU VMSA GPAs', uapi: 'direct-vmsa', takesVcpus: true },
  'cloud-hypervisor-mshv': { title: 'Cloud Hypervisor on MSHV', uapi: 'isolated-import', takesVcpus: false },
  'cloud-hypervisor-kvm': { title: 'Cloud Hypervisor on upstream KVM', uapi: 'upstream', takesVcpus: true },
};

/** Every IGVM platform, in the order tables and the explorer list them. */
export const IGVM_PLATFORMS: readonly IgvmPlatform[] = Object.keys(IGVM_PLATFORM_META) as IgvmPlatform[];

export const OVMF_PLATFORMS: readonly OvmfPlatform[] = ['qemu-kvm', 'ec2', 'gce'];

export const DIRECT_PLATFORMS: readonly DirectPlatform[] = ['krun'];

export const isIgvmPlatform = (p: string): p is IgvmPlatform => Object.prototype.hasOwnProperty.call(IGVM_PLATFORM_META, p);
