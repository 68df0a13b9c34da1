/**
 * `igvmmeasure`: COCONUT-SVSM's tools/igvmmeasure (specs/platforms.md §3.2, §5.2 rule 2). As
 * `openvmm`, except:
 * - the shared flag is ignored: shared pages are measured by the normal rules;
 * - PARAMETER_INSERT measures ONE UNMEASURED page at gpa, whatever the area size;
 * - `--native-zero`: NORMAL pages without file data are measured as ZERO (3), not SHA-384(zeros).
 * It never adds AP VMSAs and never moves the VMSA.
 */
import { PageType } from '../../firmware/page-types.js';
import { IsolatedImportSession } from '../../uapi/isolated-import.js';
import { asPlatform, paramUpdate, updateIf, readVmsa, runUpdate, vmsaOrigin, type IgvmLaunchInput, type IgvmLaunchOptions } from './_common.js';
import { DEFAULT_IGVM_POLICY, type IgvmLaunchOutcome } from './_outcome.js';

export async function launchIgvmOnIgvmmeasure(input: IgvmLaunchInput, opts: IgvmLaunchOptions): Promise<IgvmLaunchOutcome> {
  const vmsas: Uint8Array[] = [];
  const result = await asPlatform('igvmmeasure', input, async () => {
    const s = new IsolatedImportSession({ log: opts.log, softChecks: true });
    s.start({ policy: input.policy ?? DEFAULT_IGVM_POLICY, vmsaFeatures: 0n, vcpus: 1 });
    for (const it of input.items) {
      if (it.kind === 'pages') {
        await s.update(runUpdate(input.src, it, opts.nativeZero === true));
      } else if (it.kind === 'param') {
        await updateIf(s, paramUpdate(input, it, false));
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
