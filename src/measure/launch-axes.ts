/**
 * The launch axes `measure` added for the launch-space search (docs/launch-space.md): --kvm,
 * --vmsa-gpa and --rdx, which sev-snp-measure cannot express. Each is refused where it would change
 * nothing, so a mistyped command never looks confirmed.
 */
import { usageError } from '../core/errors.js';
import type { KvmGeneration } from '../vmsa/profiles/_profile.js';
import type { MeasureInputs } from './request.js';
import type { OvmfMode, VmmType } from './types.js';

const KVM_CHOICES: readonly KvmGeneration[] = ['init2', 'legacy'];

/**
 * --kvm, --vmsa-gpa and --rdx (docs/launch-space.md): launch axes sev-snp-measure cannot express.
 * Each is refused where it would change nothing, so a mistyped command never looks confirmed.
 */
export function launchAxes(i: MeasureInputs, mode: OvmfMode, vmm: VmmType): { kvm?: KvmGeneration; vmsaGpa?: number; rdx?: number } {
  const out: { kvm?: KvmGeneration; vmsaGpa?: number; rdx?: number } = {};
  if (i.kvm !== undefined) {
    if (!(KVM_CHOICES as readonly string[]).includes(i.kvm)) throw usageError('BAD_CHOICE', `argument --kvm: invalid choice: '${i.kvm}' (choose from 'init2', 'legacy')`, '--kvm');
    if (mode !== 'snp' && mode !== 'seves') throw usageError('OPTION_CONFLICT', `--kvm applies to modes snp and seves (KVM-built VMSAs), not '${mode}'`, '--kvm');
    out.kvm = i.kvm as KvmGeneration;
  }
  if (i.vmsaGpa !== undefined) {
    const g = i.vmsaGpa;
    if (mode !== 'snp') throw usageError('OPTION_CONFLICT', `--vmsa-gpa applies to mode snp, not '${mode}'`, '--vmsa-gpa');
    if (g < 0n || g >= 1n << 64n || g % 4096n !== 0n) throw usageError('BAD_VALUE', `argument --vmsa-gpa: must be a page-aligned 64-bit guest address, got 0x${g.toString(16)}`, '--vmsa-gpa');
    out.vmsaGpa = Number(g); // page aligned: at most 52 significant bits, exact as a double
  }
  if (i.rdx !== undefined) {
    if (vmm === 'QEMU') throw usageError('OPTION_CONFLICT', '--rdx applies to --vmm-type ec2/gce; with QEMU, RDX is the vCPU signature (--vcpu-type/--vcpu-sig)', '--rdx');
    if (mode !== 'snp' && mode !== 'seves') throw usageError('OPTION_CONFLICT', `--rdx applies to modes snp and seves, not '${mode}'`, '--rdx');
    if (i.rdx < 0n || i.rdx > 0xffffffffn) throw usageError('BAD_VALUE', `argument --rdx: RDX at reset is a CPUID signature (0..0xffffffff), got ${i.rdx}`, '--rdx');
    out.rdx = Number(i.rdx);
  }
  return out;
}

