/**
 * Upstream KVM (Linux ≥ 6.11): SNP_LAUNCH_UPDATE accepts NORMAL, ZERO, UNMEASURED, SECRETS and
 * CPUID pages but not VMSA; at SNP_LAUNCH_FINISH KVM builds one VMSA per vCPU from its register
 * state (sev_es_sync_vmsa, which writes sev_features = vmsa_features) and measures each at the
 * made-up GPA 0xFFFFFFFFF000, in vCPU index order, after all pages.
 * specs/kvm-snp-launch.md §1.5, §1.7.
 */
import { u64 } from '../core/bytes.js';
import { LaunchRejectedError } from '../core/errors.js';
import { KVM_VMSA_GPA, PageType } from '../firmware/page-types.js';
import { VMSA } from '../vmsa/layout.js';
import { hex, KvmSessionBase, SNP_ACTIVE } from './_session.js';
import type { LaunchUpdateParams } from './types.js';

/** Page types upstream SNP_LAUNCH_UPDATE accepts (kvm-snp-launch.md §1.5). */
export const UPSTREAM_PAGE_TYPES: readonly PageType[] = [PageType.NORMAL, PageType.ZERO, PageType.UNMEASURED, PageType.SECRETS, PageType.CPUID];

export class UpstreamKvmSession extends KvmSessionBase {
  readonly uapi: string = 'upstream';
  private readonly vmsas = new Map<number, { vmsa: Uint8Array; origin: string }>();

  protected checkUpdate(p: LaunchUpdateParams): void | Promise<void> {
    if (p.type === PageType.VMSA) {
      throw new LaunchRejectedError('EINVAL', 'page type VMSA (0x2) is not accepted by SNP_LAUNCH_UPDATE on upstream KVM; VMSAs are built at LAUNCH_FINISH');
    }
    if (!UPSTREAM_PAGE_TYPES.includes(p.type)) {
      throw new LaunchRejectedError('EINVAL', `page type ${p.type} is not a valid KVM_SEV_SNP_PAGE_TYPE`);
    }
  }

  protected onVcpuState(vcpu: number, vmsa: Uint8Array, origin: string): void {
    this.vmsas.set(vcpu, { vmsa: vmsa.slice(), origin });
  }

  /** Measures the KVM-built VMSA of every vCPU; used by subclasses that fall back to upstream behaviour. */
  protected async measureKvmVmsas(): Promise<void> {
    const n = this.params!.vcpus;
    for (let i = 0; i < n; i++) {
      const s = this.vmsas.get(i);
      if (!s) throw new LaunchRejectedError('EINVAL', `vCPU ${i} has no register state at LAUNCH_FINISH`);
      this.fw.measurePage(PageType.VMSA, this.opts.vmsaGpa ?? KVM_VMSA_GPA, this.syncVmsa(i, s.vmsa), s.origin);
    }
  }

  protected async beforeFinish(): Promise<void> {
    await this.measureKvmVmsas();
  }

  /**
   * sev_es_sync_vmsa: KVM writes vmsa_features into every VMSA it builds. Real KVM has also ORed
   * SNP_ACTIVE into vmsa_features at KVM_SEV_INIT2; the value is used as the VMM gave it, as the
   * reference predictor (sev-snp-measure) does, and a missing SNP_ACTIVE is reported as a warning.
   */
  private syncVmsa(vcpu: number, vmsa: Uint8Array): Uint8Array {
    const have = u64(vmsa, VMSA.SEV_FEATURES);
    const want = this.params!.vmsaFeatures;
    if (vcpu === 0 && (want & SNP_ACTIVE) === 0n) {
      this.warnings.push(`vmsa_features ${hex(want)} lack SNP_ACTIVE (bit 0); real KVM sets it in every VMSA, so the launch digest would differ`);
    }
    if (have === want) return vmsa;
    this.warnings.push(`vCPU ${vcpu}: sev_features ${hex(have)} in the given state is replaced by KVM's vmsa_features ${hex(want)}`);
    const out = vmsa.slice();
    new DataView(out.buffer).setBigUint64(VMSA.SEV_FEATURES, want, true);
    return out;
  }

  /** Whether vCPU state was given for `vcpu` (for subclasses). */
  protected hasVcpuState(vcpu: number): boolean {
    return this.vmsas.has(vcpu);
  }
}
