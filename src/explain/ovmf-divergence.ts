/**
 * Reasons for divergences between OVMF launches on different VMM types (specs/ovmf.md §8.1, §9):
 * EC2 measures the CPUID page after all other metadata pages, GCE measures SNP_SEC_MEM as
 * UNMEASURED instead of ZERO, and each VMM builds the reset-state VMSAs from its own register
 * profile (§7.1). A measurement log holds only the VMSA's contents digest, not its bytes, so the
 * register differences are found by building both VMMs' reset VMSAs with the library's profiles
 * (src/vmsa/profiles) and diffing their fields. Browser-safe.
 */
import { PageType } from '../firmware/page-types.js';
import { diffVmsa, VMSA_FIELDS } from '../vmsa/layout.js';
import { buildOvmfVmsa, OVMF_VMSA_PROFILES } from '../vmsa/profiles/build.js';
import { RESET_EIP, type OvmfVmsaProfile } from '../vmsa/profiles/_profile.js';
import { hexGpa, type LogStep } from './entries.js';

type Vmm = OvmfVmsaProfile['vmm'];

/** Some step comes from an OVMF image (origins written by src/loaders/ovmf). */
export function isOvmfLog(x: readonly LogStep[]): boolean {
  return x.some((s) => s.origin.startsWith('OVMF '));
}

/** The OVMF VMM type a platform id or label names (ec2, gce, qemu-kvm / QEMU), if any. */
export function ovmfVmmOf(name: string | undefined): Vmm | undefined {
  if (name === undefined) return undefined;
  if (/\bec2\b/i.test(name)) return 'ec2';
  if (/\bgce\b/i.test(name)) return 'gce';
  if (/\bqemu\b/i.test(name)) return 'QEMU';
  return undefined;
}

/** x[i] (an OVMF CPUID page) is measured by y at step j > i, the steps in between being the same. */
export function cpuidLastReason(s: LogStep, i: number, j: number, lx: string, ly: string): string | undefined {
  if (s.type !== PageType.CPUID || !s.origin.startsWith('OVMF ')) return undefined;
  return (
    `${ly} measures the CPUID page at ${hexGpa(s.gpa)} after all other OVMF metadata pages (step ${j}), ${lx} in metadata order (step ${i}): ` +
    `EC2 measures every CPUID section after the other metadata sections, QEMU and GCE measure it where the metadata lists it (sev-snp-measure --vmm-type ec2)`
  );
}

/** The same OVMF SNP_SEC_MEM page measured as ZERO by one side and UNMEASURED by the other. */
export function secMemTypeReason(a: readonly LogStep[], b: readonly LogStep[], sa: LogStep, sb: LogStep, la: string, lb: string): string | undefined {
  if (!/SNP_SEC_MEM/.test(sa.origin) || !/SNP_SEC_MEM/.test(sb.origin)) return undefined;
  const zeroA = sa.type === PageType.ZERO && sb.type === PageType.UNMEASURED;
  const zeroB = sb.type === PageType.ZERO && sa.type === PageType.UNMEASURED;
  if (!zeroA && !zeroB) return undefined;
  // Count the SEC_MEM pages the two sides type differently, wherever they are in the logs.
  const typed = (x: readonly LogStep[], t: number) => new Set(x.filter((s) => s.type === t && /SNP_SEC_MEM/.test(s.origin)).map((s) => s.gpa));
  const inB = typed(b, sb.type);
  const n = [...typed(a, sa.type)].filter((g) => inB.has(g)).length;
  const [lz, lu] = zeroA ? [la, lb] : [lb, la];
  return (
    `the OVMF SNP_SEC_MEM pages (${n} page${n === 1 ? '' : 's'}, the first at ${hexGpa(sa.gpa)}) are measured as ZERO by ${lz} but as UNMEASURED by ${lu}: ` +
    `GCE measures SNP_SEC_MEM sections as UNMEASURED pages, QEMU and EC2 as ZERO pages (sev-snp-measure --vmm-type gce)`
  );
}

/** Placeholder start address of an AP (any address but the reset vector: only ec2's CS.attrib depends on it). */
const AP_EIP_PLACEHOLDER = 0x0080b004;
/** Placeholder vCPU signature for QEMU's RDX; printed as "the vCPU signature". */
const SIG_PLACEHOLDER = 0xffffffff;

/**
 * Two VMSAs at the same GPA with different contents from two OVMF VMM types: the register fields
 * their profiles set differently, with both values (specs/ovmf.md §7.1). `laterVmsas`: how many
 * VMSA pairs after this one also differ (the APs).
 */
export function vmsaProfileReason(sa: LogStep, sb: LogStep, la: string, lb: string, vmmA: Vmm | undefined, vmmB: Vmm | undefined, laterVmsas = 0): string | undefined {
  if (sa.type !== PageType.VMSA || sb.type !== PageType.VMSA || !vmmA || !vmmB || vmmA === vmmB) return undefined;
  const ap = /\(AP\)/.test(sa.origin) && /\(AP\)/.test(sb.origin);
  const build = (vmm: Vmm) => buildOvmfVmsa(OVMF_VMSA_PROFILES[vmm], { eip: ap ? AP_EIP_PLACEHOLDER : RESET_EIP, sevFeatures: 1n, vcpuSig: SIG_PLACEHOLDER });
  const va = build(vmmA);
  const vb = build(vmmB);
  const fields = diffVmsa(va, vb);
  if (fields.length === 0) return undefined;
  const value = (v: Uint8Array, vmm: Vmm, name: string) => (name === 'RDX' && OVMF_VMSA_PROFILES[vmm].needsVcpuSig ? 'the vCPU signature' : fieldHex(v, name));
  const list = fields.map((f) => `${f} ${value(va, vmmA, f)} / ${value(vb, vmmB, f)}`).join(', ');
  const role = ap ? 'AP VMSA' : /\(BSP\)/.test(sa.origin) ? 'BSP VMSA' : 'VMSA';
  const more = laterVmsas === 0 ? '' : laterVmsas === 1 ? '; the VMSA after it at the same GPA differs too' : `; the ${laterVmsas} VMSAs after it at the same GPA differ too`;
  return (
    `the ${role} at ${hexGpa(sa.gpa)} has different contents because ${la} and ${lb} build the reset-state VMSA from different ` +
    `register profiles (${vmmA} vs ${vmmB}, specs/ovmf.md §7.1; known from the platforms, as the log holds only VMSA digests), values ${la} / ${lb}: ${list}${more}`
  );
}

/** A field's little-endian value as "0x…" (fields of at most 8 bytes; longer ones as "differs"). */
function fieldHex(v: Uint8Array, name: string): string {
  const f = VMSA_FIELDS.find((x) => x.name === name);
  if (!f || f.size > 8) return 'differs';
  let n = 0n;
  for (let k = f.size - 1; k >= 0; k--) n = (n << 8n) | BigInt(v[f.offset + k]!);
  return '0x' + n.toString(16);
}
