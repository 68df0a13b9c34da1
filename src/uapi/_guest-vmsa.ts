/**
 * The checks KVM makes on a VMSA page the VMM supplies with KVM_SEV_SNP_PAGE_TYPE_VMSA (the June 2026
 * series and the direct-VMSA design, specs/kvm-snp-launch.md §2.2 and §3.2): one 4 KiB page, VMPL 0,
 * and sev_features equal to the VM's vmsa_features. All rejections are EINVAL.
 */
import { u64 } from '../core/bytes.js';
import { LaunchRejectedError } from '../core/errors.js';
import { PAGE_SIZE } from '../firmware/page-types.js';
import { VMSA } from '../vmsa/layout.js';
import { firstPage, hex } from './_session.js';
import type { LaunchUpdateParams } from './types.js';

/**
 * Reads the VMSA an update carries and checks it; returns the page. With `soft`, a sev_features
 * mismatch is reported through it instead of rejecting (measurement paths that follow the letter
 * of platforms.md, which checks sev_features only against SNP_ACTIVE and --guest-features).
 */
export async function checkGuestVmsa(p: LaunchUpdateParams, vmsaFeatures: bigint, soft?: (why: string) => void): Promise<Uint8Array> {
  if (p.length !== PAGE_SIZE) {
    throw new LaunchRejectedError('EINVAL', `a VMSA update must be exactly one page (len 4096), got len ${p.length}`, { field: p.origin });
  }
  const page = await firstPage(p.data);
  if (!page) throw new LaunchRejectedError('EFAULT', `VMSA update at ${hex(p.gpa)} has no uaddr data`, { field: p.origin });
  const vmpl = page[VMSA.VMPL]!;
  if (vmpl !== 0) {
    throw new LaunchRejectedError('EINVAL', `the VMSA at ${hex(p.gpa)} has vmpl ${vmpl} (offset 0xca); only a VMPL0 VMSA can be launched`, { field: p.origin });
  }
  const feats = u64(page, VMSA.SEV_FEATURES);
  if (feats !== vmsaFeatures) {
    const why = `the VMSA at ${hex(p.gpa)} has sev_features ${hex(feats)} (offset 0x3b0) but the VM's vmsa_features are ${hex(vmsaFeatures)}`;
    if (soft) soft(`KVM would reject this VMSA page with EINVAL: ${why}`);
    else throw new LaunchRejectedError('EINVAL', why, { field: p.origin });
  }
  return page;
}
