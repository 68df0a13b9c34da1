/**
 * Construction rules: what a file must look like so that every listed target measures it the same
 * way. Each rule follows from one difference in specs/platforms.md §5.2 (see §6 for when two
 * platforms agree); this file decides which apply to a target set and says why, in words. The
 * builder (build.ts) and the fixer (fix.ts) both apply them.
 */
import { KVM_VMSA_GPA } from '../firmware/page-types.js';
import { has, type PortableTarget } from './targets.js';

export interface RuleSet {
  /** Measured directives in ascending GPA order (cloud-hypervisor-mshv sorts, the others do not). */
  sortByGpa: boolean;
  /** Zero pages as zero-filled file data (igvmmeasure --native-zero measures data-less pages as ZERO). */
  zeroAsData: boolean;
  /** No shared PAGE_DATA (openvmm skips them, the others measure them). */
  noShared: boolean;
  /** Parameter areas of exactly one page (two platforms measure one page, the others every page). */
  onePageAreas: boolean;
  /** The VP context after every measured page (qemu-kvm measures the VMSA at LAUNCH_FINISH). */
  vmsaLast: boolean;
  /** A GPA the VMSA must have (qemu-kvm: 0xFFFFFFFFF000), if any. */
  vmsaGpa?: number;
  /** The VMSA GPA must not be 2 MiB-aligned (kvm-direct-vmsa). */
  vmsaNot2MiB: boolean;
  /** The rules that apply, one sentence each. */
  notes: string[];
  /** The same sentences by rule, so a caller can print only those that shaped its output. */
  noteOf: Partial<Record<RuleName, string>>;
}

export type RuleName = 'sortByGpa' | 'zeroAsData' | 'noShared' | 'onePageAreas' | 'vmsaLast' | 'vmsaGpa' | 'vmsaNot2MiB';

const ONE_PAGE_PARAMS = ['igvmmeasure', 'cloud-hypervisor-mshv'];

export function rulesFor(targets: readonly PortableTarget[]): RuleSet {
  const several = targets.length > 1;
  const noteOf: Partial<Record<RuleName, string>> = {};
  const note = (rule: RuleName, text: string) => {
    noteOf[rule] = text;
  };
  const sortByGpa = several && has(targets, 'cloud-hypervisor-mshv');
  if (sortByGpa) note('sortByGpa', 'measured directives in ascending GPA order: cloud-hypervisor-mshv sorts them by GPA, the other platforms measure in file order (platforms.md §5.2 rule 6)');
  const zeroAsData = several && (has(targets, 'igvmmeasure', true) || has(targets, 'cloud-hypervisor-kvm'));
  if (zeroAsData) note('zeroAsData', 'zero pages written as zero-filled file data: igvmmeasure --native-zero and cloud-hypervisor-kvm measure a page without data as ZERO, the other platforms as SHA-384 of zeros (rule 2, docs/platforms.md)');
  const noShared = several && has(targets, 'openvmm');
  if (noShared) note('noShared', 'no shared pages: openvmm skips them, the other platforms measure them (rules 1-3)');
  const whole = targets.some((t) => !ONE_PAGE_PARAMS.includes(t.platform));
  const onePage = targets.some((t) => ONE_PAGE_PARAMS.includes(t.platform));
  const onePageAreas = whole && onePage;
  if (onePageAreas) note('onePageAreas', 'parameter areas of exactly 4 KiB: igvmmeasure and cloud-hypervisor-mshv measure one UNMEASURED page per area, the others every page (rules 1, 2, 6)');
  const kvmBuilt = has(targets, 'qemu-kvm') || has(targets, 'cloud-hypervisor-kvm');
  const vmsaLast = several && kvmBuilt;
  if (vmsaLast) note('vmsaLast', 'the VP context after every page: qemu-kvm and cloud-hypervisor-kvm measure the VMSA at LAUNCH_FINISH, the others where the directive is (rules 3-5)');
  const out: RuleSet = { sortByGpa, zeroAsData, noShared, onePageAreas, vmsaLast, vmsaNot2MiB: has(targets, 'kvm-direct-vmsa'), notes: [], noteOf };
  if (several && kvmBuilt) {
    out.vmsaGpa = KVM_VMSA_GPA;
    note('vmsaGpa', 'the VMSA at 0xfffffffff000: where upstream KVM measures the VMSA it builds, the only GPA QEMU accepts (rule 3)');
  } else if (has(targets, 'qemu-kvm')) {
    out.vmsaGpa = KVM_VMSA_GPA;
    note('vmsaGpa', 'the VMSA at 0xfffffffff000: the only GPA QEMU/KVM accepts (rule 3)');
  }
  if (out.vmsaNot2MiB) note('vmsaNot2MiB', 'the VMSA GPA not 2 MiB-aligned: kvm-direct-vmsa rejects one that is (rule 5)');
  out.notes = Object.values(noteOf);
  return out;
}
