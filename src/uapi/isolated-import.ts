/**
 * Isolated page import without KVM: the Hyper-V / MSHV path (OpenVMM, Cloud Hypervisor on MSHV)
 * and the offline tools that model it (the igvm crate, COCONUT igvmmeasure). How it differs from
 * KVM: every firmware page type is accepted, VMSA (0x2) included, at any page-aligned GPA, and is
 * measured as given in call order; nothing is added at FINISH. specs/platforms.md §3.1, §3.2, §3.4.
 */
import { LaunchRejectedError } from '../core/errors.js';
import { PageType } from '../firmware/page-types.js';
import { KvmSessionBase } from './_session.js';
import type { LaunchUpdateParams } from './types.js';

export class IsolatedImportSession extends KvmSessionBase {
  readonly uapi: string = 'isolated-import';

  protected checkUpdate(p: LaunchUpdateParams): void {
    if (p.type === PageType.INVALID || p.type > PageType.CPUID) {
      throw new LaunchRejectedError('EINVAL', `page type ${p.type} is not an SNP page type`);
    }
  }

  protected onVcpuState(vcpu: number, _vmsa: Uint8Array, _origin: string): void {
    this.warnings.push(`vCPU ${vcpu} register state is not measured: isolated import measures only imported VMSA pages`);
  }

  protected async beforeFinish(): Promise<void> {}
}
