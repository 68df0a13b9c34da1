/**
 * `openvmm`: Hyper-V / OpenHCL, measured like the igvm crate's generate_snp_measurement
 * (specs/platforms.md §3.1, §5.2 rule 1). The reference the others are compared with:
 * - directives in file order, on an isolated import (no KVM rules);
 * - PAGE_DATA with the shared flag is SKIPPED (host-visible pages are not measured);
 * - PARAMETER_INSERT: every 4 KiB page of the area, UNMEASURED at gpa + i*4096;
 * - every SNP VP_CONTEXT: a VMSA page measured inline at the directive's own gpa;
 * - the vCPU count does not matter; a file without VP_CONTEXT is measured as its pages.
 */
import { PageType } from '../../firmware/page-types.js';
import { IsolatedImportSession } from '../../uapi/isolated-import.js';
import { asPlatform, paramUpdate, updateIf, readVmsa, runUpdate, vmsaOrigin, type IgvmLaunchInput, type IgvmLaunchOptions } from './_common.js';
import { DEFAULT_IGVM_POLICY, type IgvmLaunchOutcome } from './_outcome.js';

export async function launchIgvmOnOpenvmm(input: IgvmLaunchInput, opts: IgvmLaunchOptions): Promise<IgvmLaunchOutcome> {
  const vmsas: Uint8Array[] = [];
  const result = await asPlatform('openvmm', input, async () => {
    const s = new IsolatedImportSession({ log: opts.log, softChecks: true });
    s.start({ policy: input.policy ?? DEFAULT_IGVM_POLICY, vmsaFeatures: 0n, vcpus: 1 });
    for (const it of input.items) {
      if (it.kind === 'pages') {
        if (!it.shared) await s.update(runUpdate(input.src, it));
      } else if (it.kind === 'param') {
        await updateIf(s, paramUpdate(input, it, true));
      } else {
        const vmsa = await readVmsa(input, it);
        vmsas.push(vmsa);
        await s.update({ gpa: it.gpa, length: vmsa.length, type: PageType.VMSA, data: vmsa, origin: vmsaOrigin(it) });
      }
    }
    return s.finish();
  });
  return { result, vmsas };
}
