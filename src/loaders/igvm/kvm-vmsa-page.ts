/**
 * `kvm-vmsa-page`: QEMU on KVM with KVM_SEV_SNP_PAGE_TYPE_VMSA at SNP_LAUNCH_UPDATE (Rödel's June 2026
 * series; specs/platforms.md §5.2 rule 4, kvm-snp-launch.md §2). How it differs from `qemu-kvm`:
 * - the VP_CONTEXT is measured INLINE, in directive order, as a VMSA page at its own gpa;
 * - exactly one SNP VP_CONTEXT, for vp_index 0 (the BSP); APs get no VMSA, so N does not matter;
 * - KVM rejects a VMSA with vmpl != 0, without SNP_ACTIVE, or whose sev_features differ from the
 *   VM's vmsa_features (`--guest-features` when given).
 * Pages and parameter areas are as `qemu-kvm` (shared pages measured, whole parameter areas).
 */
import { PageType } from '../../firmware/page-types.js';
import { VmsaPageKvmSession } from '../../uapi/kvm-vmsa-page.js';
import { asPlatform, paramUpdate, updateIf, platformError, readVmsa, runUpdate, vmsaOrigin, type IgvmLaunchInput, type IgvmLaunchOptions } from './_common.js';
import { DEFAULT_IGVM_POLICY, type IgvmLaunchOutcome } from './_outcome.js';
import { checkKvmVmsa, vmsaFeatures } from './_vmsa-rules.js';

const P = 'kvm-vmsa-page';

export async function launchIgvmOnKvmVmsaPage(input: IgvmLaunchInput, opts: IgvmLaunchOptions): Promise<IgvmLaunchOutcome> {
  const vps = input.vps;
  if (vps.length === 0) throw platformError(P, "the file has no SNP VP_CONTEXT; the launch needs the BSP's VMSA", input);
  if (vps.length > 1) {
    throw platformError(P, `the file has ${vps.length} SNP VP_CONTEXTs (headers ${vps.map((v) => v.header).join(', ')}); the VMSA page type accepts only one, for the BSP`, input, vps[1]!.header);
  }
  const vp = vps[0]!;
  if (vp.vpIndex !== 0) throw platformError(P, `the VP context is for vp_index ${vp.vpIndex}; the VMSA page type sets only the BSP's (vp_index 0)`, input, vp.header);
  const vmsa = await readVmsa(input, vp);
  checkKvmVmsa(P, input, vp, vmsa, opts.guestFeatures);
  const result = await asPlatform(P, input, async () => {
    const s = new VmsaPageKvmSession({ log: opts.log, softChecks: true });
    s.start({ policy: input.policy ?? DEFAULT_IGVM_POLICY, vmsaFeatures: opts.guestFeatures ?? vmsaFeatures(vmsa), vcpus: opts.vcpus });
    for (const it of input.items) {
      if (it.kind === 'pages') await s.update(runUpdate(input.src, it));
      else if (it.kind === 'param') await updateIf(s, paramUpdate(input, it, true));
      else await s.update({ gpa: it.gpa, length: vmsa.length, type: PageType.VMSA, data: vmsa, vcpu: 0, origin: vmsaOrigin(it, ', BSP VMSA page') });
    }
    return s.finish();
  });
  return { result, vmsas: [vmsa] };
}
