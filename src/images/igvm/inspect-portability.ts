/**
 * The `igvm inspect` warnings for constructs on which the platforms' measurement rules part ways
 * (specs/platforms.md §5.2, §6) and that inspect.ts does not already name: directive order,
 * parameter-area sizes, data-less pages, the VMSA GPA and several VP contexts. Each warning names
 * the platforms that disagree; `portability --fix` removes the fixable ones.
 */
import { hex64 } from '../../core/bytes.js';
import type { IgvmFile } from './types.js';

export function portabilityWarnings(file: IgvmFile, snpMask: number): string[] {
  const out: string[] = [];
  const dirs = file.directives.filter((d) => 'compatibilityMask' in d && (d.compatibilityMask & snpMask) !== 0);
  const measured = dirs.filter((d) => d.kind === 'PAGE_DATA' || d.kind === 'PARAMETER_INSERT' || d.kind === 'VP_CONTEXT') as { gpa: bigint; index: number; kind: string }[];
  const descents = measured.filter((d, i) => i > 0 && d.gpa < measured[i - 1]!.gpa);
  if (descents.length > 0) {
    out.push(`${descents.length} measured directive(s) below the GPA of the one before (first: header ${descents[0]!.index}, gpa ${hex64(descents[0]!.gpa)}): cloud-hypervisor-mshv measures in ascending GPA order, the other platforms in file order`);
  }
  const sizes = new Map(file.directives.flatMap((d) => (d.kind === 'PARAMETER_AREA' ? [[d.parameterAreaIndex, d.size] as const] : [])));
  for (const d of dirs) {
    if (d.kind !== 'PARAMETER_INSERT') continue;
    const size = sizes.get(d.parameterAreaIndex);
    if (size !== undefined && size !== 4096) {
      out.push(`PARAMETER_INSERT (header ${d.index}) of a ${size}-byte area: igvmmeasure and cloud-hypervisor-mshv measure one UNMEASURED page, the other platforms ${size / 4096} page(s)`);
    }
  }
  const zero = dirs.filter((d) => d.kind === 'PAGE_DATA' && d.fileOffset === 0 && d.dataType === 'NORMAL' && !d.flags.unmeasured).length;
  if (zero > 0) out.push(`${zero} SEV_SNP PAGE_DATA without file data: igvmmeasure --native-zero measures them as ZERO, the other platforms as SHA-384 of zeros`);
  const vps = dirs.filter((d) => d.kind === 'VP_CONTEXT');
  for (const v of vps) {
    if (v.kind === 'VP_CONTEXT' && v.gpa % 0x200000n === 0n) out.push(`VP_CONTEXT (header ${v.index}): gpa ${hex64(v.gpa)} is 2 MiB-aligned; kvm-direct-vmsa rejects it`);
  }
  if (vps.length > 1) out.push(`${vps.length} SEV_SNP VP contexts: cloud-hypervisor-mshv measures vp 0's VMSA at each of their GPAs, the other platforms each one's own`);
  return out;
}
