/**
 * `qemu-kvm`: QEMU's IGVM loader on upstream KVM today (specs/platforms.md §3.3, §5.2 rule 3;
 * kvm-snp-launch.md §1.7, §1.8). How it differs from `openvmm`:
 * - pages in directive order, but the shared flag is not consulted (shared pages are measured);
 * - the VP_CONTEXT is NOT page-measured: QEMU loads it into vCPU 0's registers, so exactly one SNP
 *   VP_CONTEXT, for vp_index 0, at gpa 0xFFFFFFFFF000, VMPL 0, with SNP_ACTIVE, is required;
 * - KVM measures the VMSAs at LAUNCH_FINISH, after all pages, at 0xFFFFFFFFF000: vCPU 0 = the IGVM
 *   VMSA, then vCPUs 1..N−1 = AP reset VMSAs (QEMU register profile, eip 0xFFFFFFF0, the IGVM
 *   VMSA's sev_features, RDX = the vCPU signature), so the digest depends on N.
 */
import { usageError } from '../../core/errors.js';
import { KVM_VMSA_GPA } from '../../firmware/page-types.js';
import { UpstreamKvmSession } from '../../uapi/kvm-upstream.js';
import { buildQemuResetVmsa } from '../../vmsa/profiles/build.js';
import { asPlatform, paramUpdate, updateIf, platformError, readVmsa, runUpdate, vmsaOrigin, type IgvmLaunchInput, type IgvmLaunchOptions } from './_common.js';
import { DEFAULT_IGVM_POLICY, type IgvmLaunchOutcome } from './_outcome.js';
import { checkKvmVmsa, vmsaFeatures } from './_vmsa-rules.js';

const P = 'qemu-kvm';

export async function launchIgvmOnQemuKvm(input: IgvmLaunchInput, opts: IgvmLaunchOptions): Promise<IgvmLaunchOutcome> {
  const vps = input.vps;
  if (vps.length === 0) throw platformError(P, 'the file has no SNP VP_CONTEXT; QEMU needs the BSP VMSA to set vCPU 0 up', input);
  if (vps.length > 1) {
    throw platformError(P, `the file has ${vps.length} SNP VP_CONTEXTs (headers ${vps.map((v) => v.header).join(', ')}); QEMU/KVM loads exactly one, for vp_index 0`, input, vps[1]!.header);
  }
  const vp = vps[0]!;
  if (vp.vpIndex !== 0) throw platformError(P, `the VP context is for vp_index ${vp.vpIndex}; QEMU/KVM loads only the BSP's (vp_index 0)`, input, vp.header);
  if (vp.gpa !== KVM_VMSA_GPA) {
    throw platformError(P, `the VP context GPA is 0x${vp.gpa.toString(16)} but KVM measures the VMSA at 0xfffffffff000 (QEMU requires it)`, input, vp.header);
  }
  const bsp = await readVmsa(input, vp);
  checkKvmVmsa(P, input, vp, bsp);
  const features = vmsaFeatures(bsp);
  const n = opts.vcpus;
  if (n > 1 && opts.vcpuSig === undefined) {
    throw usageError('MISSING_VCPU_SIG', `${P}: --vcpus ${n} needs the vCPU signature for the AP VMSAs (--vcpu-type, --vcpu-sig or --vcpu-family/--vcpu-model/--vcpu-stepping)`, '--vcpu-type');
  }
  const warnings: string[] = [];
  if (opts.guestFeatures !== undefined && opts.guestFeatures !== features) {
    warnings.push(`${P}: --guest-features 0x${opts.guestFeatures.toString(16)} is not used; QEMU passes the IGVM VMSA's sev_features 0x${features.toString(16)} to KVM_SEV_INIT2`);
  }
  const vmsas = [bsp];
  const result = await asPlatform(P, input, async () => {
    const s = new UpstreamKvmSession({ log: opts.log, softChecks: true });
    s.start({ policy: input.policy ?? DEFAULT_IGVM_POLICY, vmsaFeatures: features, vcpus: n });
    for (const it of input.items) {
      if (it.kind === 'pages') await s.update(runUpdate(input.src, it));
      else if (it.kind === 'param') await updateIf(s, paramUpdate(input, it, true));
    }
    s.setVcpuState(0, bsp, vmsaOrigin(vp, ', vCPU 0 BSP state, measured by KVM at LAUNCH_FINISH at 0xfffffffff000'));
    for (let i = 1; i < n; i++) {
      const ap = buildQemuResetVmsa(features, opts.vcpuSig!);
      vmsas.push(ap);
      s.setVcpuState(i, ap, `KVM AP reset VMSA, vCPU ${i} (QEMU profile, eip 0xfffffff0), measured at LAUNCH_FINISH`);
    }
    return s.finish();
  });
  result.warnings.unshift(...warnings);
  return { result, vmsas };
}
