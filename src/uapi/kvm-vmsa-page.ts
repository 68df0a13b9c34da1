/**
 * KVM with KVM_SEV_SNP_PAGE_TYPE_VMSA at SNP_LAUNCH_UPDATE (Rödel's June 2026 series, patches 3/4
 * and 4/4; specs/kvm-snp-launch.md §2.2): how it differs from upstream —
 * - page type 0x2 is accepted once, for the BSP, at the GPA the VMM chooses (gfn_start), and is
 *   measured inline, in update order, like any other page;
 * - the VMSA must be one page, VMPL 0, with sev_features equal to the VM's vmsa_features;
 * - once a guest VMSA is given, KVM allocates no VMSAs: nothing is measured at FINISH and APs get
 *   none (the guest creates them);
 * - a VMM that never uses the new page type gets upstream behaviour (the series is compatible).
 */
import { LaunchRejectedError } from '../core/errors.js';
import { PageType } from '../firmware/page-types.js';
import { checkGuestVmsa } from './_guest-vmsa.js';
import { hex } from './_session.js';
import { UpstreamKvmSession } from './kvm-upstream.js';
import type { LaunchUpdateParams } from './types.js';

export class VmsaPageKvmSession extends UpstreamKvmSession {
  override readonly uapi: string = 'vmsa-page';
  /** sev->initial_vmsa_gpa; undefined = INVALID_PAGE. */
  private initialVmsaGpa: number | undefined;

  protected override async checkUpdate(p: LaunchUpdateParams): Promise<void> {
    if (p.type !== PageType.VMSA) return super.checkUpdate(p);
    if (this.initialVmsaGpa !== undefined) {
      throw new LaunchRejectedError('EINVAL', `a guest VMSA was already given at ${hex(this.initialVmsaGpa)}; only one initial VMSA (the BSP's) is supported`, { field: p.origin });
    }
    if (p.vcpu !== undefined && p.vcpu !== 0) {
      throw new LaunchRejectedError('EINVAL', `the VMSA page type sets the BSP's VMSA only; vCPU ${p.vcpu} cannot get one`, { field: p.origin });
    }
    await checkGuestVmsa(p, this.vmsaFeatures, this.opts.softChecks ? (w) => this.warnings.push(w) : undefined);
    this.initialVmsaGpa = p.gpa;
  }

  protected override async beforeFinish(): Promise<void> {
    if (this.initialVmsaGpa === undefined) return this.measureKvmVmsas();
    if (this.hasVcpuState(0)) this.warnings.push('vCPU 0 register state is not measured: the BSP runs from the guest VMSA');
    const aps = this.params!.vcpus - 1;
    if (aps > 0) this.warnings.push(`${aps === 1 ? '1 AP gets' : `${aps} APs get`} no VMSA from KVM; the guest must create ${aps === 1 ? 'it' : 'them'} (AP Create)`);
  }

  /** The GPA of the guest-provided BSP VMSA, if any. */
  get guestVmsaGpa(): number | undefined {
    return this.initialVmsaGpa;
  }
}
