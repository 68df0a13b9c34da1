/**
 * KVM with per-vCPU VMSA GPAs (KVM_CAP_SNP_DIRECT_VMSA + KVM_SEV_SNP_SET_VCPU_STATE, the downstream
 * coconut-svsm/linux design; specs/kvm-snp-launch.md §3.2): how it differs from upstream —
 * - VMSA pages are loaded with SNP_LAUNCH_UPDATE type 0x2 and measured inline at their GPA; several
 *   are allowed, and each vCPU uses the one bound to it by SET_VCPU_STATE (rebinding allowed);
 * - a VMSA GPA must be page-aligned, NOT 2 MiB-aligned, and inside guest memory (when its size is
 *   known); the page must be len 4096, VMPL 0, with sev_features equal to the VM's vmsa_features;
 * - KVM builds no VMSAs: register state is not measured and vCPUs without a VMSA stay uninitialised.
 */
import { LaunchRejectedError } from '../core/errors.js';
import { PAGE_SIZE, PageType } from '../firmware/page-types.js';
import { checkGuestVmsa } from './_guest-vmsa.js';
import { hex, KvmSessionBase } from './_session.js';
import { UPSTREAM_PAGE_TYPES } from './kvm-upstream.js';
import type { LaunchUpdateParams } from './types.js';

const TWO_MIB = 2 * 1024 * 1024;
/** kvm_sev_snp_vcpu_state.valid_fields bits (§3.2); bit 2 and above give EINVAL. */
export const VCPU_STATE_VMSA_VALID = 1;
export const VCPU_STATE_GHCB_VALID = 2;

/** KVM_SEV_SNP_SET_VCPU_STATE arguments. */
export interface VcpuStateParams {
  vcpu: number;
  vmsaGpa?: number;
  ghcbGpa?: number;
  /** Default: VMSA_VALID when vmsaGpa is given, plus GHCB_VALID when ghcbGpa is given. */
  validFields?: number;
  /** Whether any pad byte is non-zero (EINVAL). */
  padNonZero?: boolean;
}

export class DirectVmsaKvmSession extends KvmSessionBase {
  readonly uapi: string = 'direct-vmsa';
  /** GPAs launched as VMSA pages. */
  private readonly vmsaPages = new Set<number>();
  /** vCPU → bound VMSA GPA. */
  private readonly bound = new Map<number, number>();

  /** KVM_SEV_SNP_SET_VCPU_STATE: bind a VMSA GPA (and/or GHCB GPA) to a vCPU. */
  setVcpuStateIoctl(p: VcpuStateParams): void {
    this.requireStarted('SNP_SET_VCPU_STATE');
    this.checkVcpu(p.vcpu);
    const valid = p.validFields ?? (p.vmsaGpa !== undefined ? VCPU_STATE_VMSA_VALID : 0) | (p.ghcbGpa !== undefined ? VCPU_STATE_GHCB_VALID : 0);
    if ((valid & ~(VCPU_STATE_VMSA_VALID | VCPU_STATE_GHCB_VALID)) !== 0) {
      throw new LaunchRejectedError('EINVAL', `valid_fields ${hex(valid)} has unknown bits (only VMSA_VALID 0x1 and GHCB_VALID 0x2 exist)`);
    }
    if (p.padNonZero) throw new LaunchRejectedError('EINVAL', 'kvm_sev_snp_vcpu_state pad must be zero');
    if (valid & VCPU_STATE_VMSA_VALID) {
      if (p.vmsaGpa === undefined) throw new LaunchRejectedError('EINVAL', 'VMSA_VALID is set but no vmsa_gpa was given');
      this.checkVmsaGpa(p.vmsaGpa, `vCPU ${p.vcpu}`);
      this.bound.set(p.vcpu, p.vmsaGpa);
    }
    if (valid & VCPU_STATE_GHCB_VALID) {
      if (p.ghcbGpa === undefined || p.ghcbGpa % PAGE_SIZE !== 0) throw new LaunchRejectedError('EINVAL', `ghcb_gpa ${p.ghcbGpa === undefined ? '(none)' : hex(p.ghcbGpa)} is not page-aligned`);
    }
  }

  protected async checkUpdate(p: LaunchUpdateParams): Promise<void> {
    if (p.type !== PageType.VMSA) {
      if (!UPSTREAM_PAGE_TYPES.includes(p.type)) throw new LaunchRejectedError('EINVAL', `page type ${p.type} is not a valid KVM_SEV_SNP_PAGE_TYPE`);
      return;
    }
    this.checkVmsaGpa(p.gpa, p.origin);
    if (p.vcpu !== undefined) this.checkVcpu(p.vcpu);
    await checkGuestVmsa(p, this.vmsaFeatures, this.opts.softChecks ? (w) => this.warnings.push(w) : undefined);
    this.vmsaPages.add(p.gpa);
    if (p.vcpu !== undefined) this.bound.set(p.vcpu, p.gpa);
  }

  protected onVcpuState(vcpu: number, _vmsa: Uint8Array, _origin: string): void {
    this.warnings.push(`vCPU ${vcpu} register state is not measured: with direct VMSAs KVM builds no VMSA`);
  }

  protected async beforeFinish(): Promise<void> {
    for (const [vcpu, gpa] of this.bound) {
      if (!this.vmsaPages.has(gpa)) {
        throw new LaunchRejectedError('EINVAL', `vCPU ${vcpu} is bound to VMSA GPA ${hex(gpa)} but no VMSA page was launched there`);
      }
    }
    if (!this.bound.has(0)) this.warnings.push('the BSP (vCPU 0) has no VMSA bound; it cannot run');
    const idle = this.params!.vcpus - this.bound.size;
    if (idle > 0) this.warnings.push(`${idle === 1 ? '1 vCPU has' : `${idle} vCPUs have`} no VMSA and ${idle === 1 ? 'stays' : 'stay'} uninitialised until the guest creates one`);
  }

  /** The VMSA GPA bound to each vCPU. */
  get bindings(): ReadonlyMap<number, number> {
    return this.bound;
  }

  private checkVmsaGpa(gpa: number, what: string): void {
    if (!Number.isInteger(gpa) || gpa < 0 || gpa % PAGE_SIZE !== 0) throw new LaunchRejectedError('EINVAL', `${what}: VMSA GPA ${hex(gpa)} is not page-aligned`);
    if (gpa % TWO_MIB === 0) {
      throw new LaunchRejectedError('EINVAL', `${what}: VMSA GPA ${hex(gpa)} is 2 MiB-aligned, which the direct-VMSA KVM rejects (the SNP erratum where a large-page RMP entry collides with a VMSA)`);
    }
    const mem = this.params!.guestMemory;
    if (mem !== undefined && gpa + PAGE_SIZE > mem) {
      throw new LaunchRejectedError('EINVAL', `${what}: VMSA GPA ${hex(gpa)} is outside guest memory (${hex(mem)} bytes)`);
    }
  }
}
