/**
 * `kvm-direct-vmsa`: QEMU on KVM with per-vCPU VMSA GPAs (KVM_CAP_SNP_DIRECT_VMSA style;
 * specs/platforms.md §5.2 rule 5, kvm-snp-launch.md §3.2). How it differs from `kvm-vmsa-page`:
 * - several SNP VP_CONTEXTs are allowed, one per vp_index (a duplicate is an error), and vp_index 0
 *   (the BSP) must be among them; each is measured inline at its gpa and bound to its vCPU;
 * - a VMSA gpa must be page-aligned and NOT 2 MiB-aligned (guest memory is taken to cover it);
 * - every VMSA gets the vmpl / SNP_ACTIVE / sev_features checks.
 * The VM gets max(N, highest vp_index + 1) vCPUs; vCPUs without a VMSA are not measured.
 */
import { PageType } from '../../firmware/page-types.js';
import { DirectVmsaKvmSession } from '../../uapi/kvm-direct-vmsa.js';
import { asPlatform, paramUpdate, updateIf, platformError, readVmsa, runUpdate, vmsaOrigin, type IgvmLaunchInput, type IgvmLaunchOptions } from './_common.js';
import { DEFAULT_IGVM_POLICY, type IgvmLaunchOutcome } from './_outcome.js';
import { checkKvmVmsa, vmsaFeatures } from './_vmsa-rules.js';

const P = 'kvm-direct-vmsa';
const TWO_MIB = 0x20_0000;

export async function launchIgvmOnKvmDirectVmsa(input: IgvmLaunchInput, opts: IgvmLaunchOptions): Promise<IgvmLaunchOutcome> {
  const vps = input.vps;
  if (vps.length === 0) throw platformError(P, "the file has no SNP VP_CONTEXT; the launch needs the BSP's VMSA", input);
  const seen = new Map<number, number>();
  for (const vp of vps) {
    const prev = seen.get(vp.vpIndex);
    if (prev !== undefined) throw platformError(P, `VP_CONTEXT headers ${prev} and ${vp.header} are both for vp_index ${vp.vpIndex}; each vCPU binds one VMSA`, input, vp.header);
    seen.set(vp.vpIndex, vp.header);
    if (vp.gpa % TWO_MIB === 0) {
      throw platformError(P, `the VP context GPA 0x${vp.gpa.toString(16)} (vp_index ${vp.vpIndex}) is 2 MiB-aligned, which the direct-VMSA KVM rejects`, input, vp.header);
    }
  }
  if (!seen.has(0)) throw platformError(P, `no VP_CONTEXT for vp_index 0 (the BSP) among vp_index ${[...seen.keys()].join(', ')}`, input);
  const pages = new Map<number, Uint8Array>();
  for (const vp of vps) {
    const v = await readVmsa(input, vp);
    checkKvmVmsa(P, input, vp, v, opts.guestFeatures);
    pages.set(vp.header, v);
  }
  const bsp = pages.get(seen.get(0)!)!;
  const vcpus = Math.max(opts.vcpus, ...vps.map((v) => v.vpIndex + 1));
  const vmsas: Uint8Array[] = [];
  const result = await asPlatform(P, input, async () => {
    const s = new DirectVmsaKvmSession({ log: opts.log, softChecks: true });
    s.start({ policy: input.policy ?? DEFAULT_IGVM_POLICY, vmsaFeatures: opts.guestFeatures ?? vmsaFeatures(bsp), vcpus });
    for (const it of input.items) {
      if (it.kind === 'pages') await s.update(runUpdate(input.src, it));
      else if (it.kind === 'param') await updateIf(s, paramUpdate(input, it, true));
      else {
        const v = pages.get(it.header)!;
        vmsas.push(v);
        await s.update({ gpa: it.gpa, length: v.length, type: PageType.VMSA, data: v, vcpu: it.vpIndex, origin: vmsaOrigin(it, `, VMSA page bound to vCPU ${it.vpIndex}`) });
      }
    }
    return s.finish();
  });
  return { result, vmsas };
}
