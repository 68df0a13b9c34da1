/**
 * Isolated page import without KVM: the Hyper-V / MSHV path (OpenVMM, Cloud Hypervisor on MSHV)
 * and the offline tools that model it (the igvm crate, COCONUT igvmmeasure). How it differs from
 * KVM: every firmware page type is accepted, VMSA (0x2) included, at any page-aligned GPA, and is
 * measured as given in call order; nothing is added at FINISH. specs/platforms.md §3.1, §3.2, §3.4.
 */
import { LaunchRejectedError } from '../core/errors.js';
import { PageType } from '../firmware/page-types.js';
import { KvmSessionBase } from './_session.js';
import { SnpPolicy } from './policy.js';
import type { LaunchStartParams, LaunchUpdateParams } from './types.js';

export class IsolatedImportSession extends KvmSessionBase {
  readonly uapi: string = 'isolated-import';

  /** Only the firmware's own rule: policy bit 17 (RSVD_MBO) must be one. */
  protected override policyRejection(p: LaunchStartParams): string | undefined {
    return (p.policy & SnpPolicy.RSVD_MBO) === 0n ? `policy 0x${p.policy.toString(16)} has reserved bit 17 clear (the firmware requires it)` : undefined;
  }

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
