/**
 * Upstream KVM (Linux ≥ 6.11): SNP_LAUNCH_UPDATE accepts NORMAL, ZERO, UNMEASURED, SECRETS and
 * CPUID pages but not VMSA; at SNP_LAUNCH_FINISH KVM builds one VMSA per vCPU from its register
 * state and measures each at the made-up GPA 0xFFFFFFFFF000, in vCPU index order, after all pages.
 * specs/kvm-snp-launch.md §1.5, §1.7.
 */
import { LaunchRejectedError } from '../core/errors.js';
import { KVM_VMSA_GPA, PageType } from '../firmware/page-types.js';
import { KvmSessionBase } from './_session.js';
import type { LaunchUpdateParams } from './types.js';

export class UpstreamKvmSession extends KvmSessionBase {
  readonly uapi = 'upstream';
  private readonly vmsas = new Map<number, { vmsa: Uint8Array; origin: string }>();

  protected checkUpdate(p: LaunchUpdateParams): void {
    if (p.type === PageType.VMSA) {
      throw new LaunchRejectedError('EINVAL', 'page type VMSA (0x2) is not accepted by SNP_LAUNCH_UPDATE on upstream KVM; VMSAs are built at LAUNCH_FINISH');
    }
    if (p.type === PageType.INVALID || p.type > PageType.CPUID) {
      throw new LaunchRejectedError('EINVAL', `page type ${p.type} is not a valid KVM_SEV_SNP_PAGE_TYPE`);
    }
  }

  protected onVcpuState(vcpu: number, vmsa: Uint8Array, origin: string): void {
    this.vmsas.set(vcpu, { vmsa: vmsa.slice(), origin });
  }

  protected async beforeFinish(): Promise<void> {
    const n = this.params!.vcpus;
    for (let i = 0; i < n; i++) {
      const s = this.vmsas.get(i);
      if (!s) throw new LaunchRejectedError('EINVAL', `vCPU ${i} has no register state at LAUNCH_FINISH`);
      this.fw.measurePage(PageType.VMSA, KVM_VMSA_GPA, s.vmsa, s.origin);
    }
  }
}
