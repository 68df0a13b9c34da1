/**
 * Words for a search result: a matching configuration in one sentence, and — when nothing matches —
 * what was searched and which part of the launch must therefore differ (docs/launch-space.md
 * "When nothing matches").
 */
import { describeSignature } from './signatures.js';
import { KVM_VMSA_GPA_52 } from './space.js';
import type { SearchResult } from './search.js';
import type { LaunchCell, LaunchSpace, SpaceImage } from './types.js';
import { kernelGiven } from '../measure/by-hash.js';
import type { OvmfFacts } from './ovmf-facts.js';

const hex = (v: number | bigint): string => '0x' + v.toString(16);

const FEATURE_NAMES: readonly [bigint, string][] = [
  [0x1n, 'SNPActive'],
  [0x20n, 'DebugSwap'],
  [0x200n, 'SecureTSC'],
  [0x10000n, 'SecureAVIC'],
  [0x200000n, 'IBPBOnEntry'],
];

export function featureWords(f: bigint): string {
  const named = FEATURE_NAMES.filter(([bit]) => (f & bit) !== 0n).map(([, n]) => n);
  const rest = FEATURE_NAMES.reduce((acc, [bit]) => acc & ~bit, f);
  return [...named, ...(rest !== 0n ? [hex(rest)] : [])].join('+') || '0';
}

/** One configuration in words, e.g. "qemu-kvm, 8 vCPUs, EPYC-Milan (0xa00f11), SEV_FEATURES 0x21 (SNPActive+DebugSwap), KVM_SEV_INIT2". */
export function describeCell(c: LaunchCell): string {
  const parts = [c.platform, `${c.vcpus} vCPU${c.vcpus === 1 ? '' : 's'}`];
  if (c.platform === 'qemu-kvm' || c.platform === 'ec2' || c.platform === 'gce') {
    const sig = c.platform === 'qemu-kvm' ? `${describeSignature(c.vcpuSig).label.replace(/^QEMU -cpu /, '')} (${hex(c.vcpuSig)})` : `RDX ${hex(c.vcpuSig)}`;
    parts.push(sig);
  } else if (c.vcpuSig !== 0) {
    parts.push(`AP signature ${hex(c.vcpuSig)}`);
  }
  parts.push(`SEV_FEATURES ${hex(c.guestFeatures)} (${featureWords(c.guestFeatures)})`);
  if (c.platform === 'qemu-kvm') parts.push(c.kvm === 'init2' ? 'KVM_SEV_INIT2 (Linux >= 6.10)' : 'legacy KVM init (MXCSR/FCW 0)');
  if (c.vmsaGpa === KVM_VMSA_GPA_52) parts.push('VMSA GPA 0xffffffffff000 (pre-v9 SNP KVM on a 52-bit host / GCE Genoa)');
  if (c.kernelHashes) parts.push('kernel hashes measured');
  return parts.join(', ');
}

/**
 * Lines explaining that nothing in the space gives the measurement, and what must differ. With the
 * OVMF image's `facts`, the advice suggests only what the firmware supports and names a qemu-kvm
 * launch QEMU refuses.
 */
export function explainNoMatch(r: SearchResult, space: LaunchSpace, image: SpaceImage, facts?: OvmfFacts): string[] {
  const lines = [
    `no configuration of the ${r.configurations.toLocaleString('en-US')} searched produces ${bytesHex(r.measurement)}`,
    image.kind === 'ovmf'
      ? `searched: platforms ${space.platforms.join(', ')}; vCPUs ${vcpuText(space.vcpus)}; ${space.vcpuSigs.length} vCPU signatures; SEV_FEATURES ${space.guestFeatures.map(hex).join(', ')}; KVM ${space.kvm.join(', ')}; VMSA GPAs ${space.vmsaGpas.map(hex).join(', ')}` +
        (kernelGiven(image) ? '; kernel hashes on and off' : '')
      : image.kind === 'krun'
        ? `searched: krun; vCPUs ${vcpuText(space.vcpus)}; ${image.ramMiB} MiB RAM; KVM ${space.kvm.join(', ')}`
        : `searched: platforms ${space.platforms.join(', ')}; vCPUs ${vcpuText(space.vcpus)}; ${space.platforms.includes('qemu-kvm') ? `${space.vcpuSigs.length} AP signatures (qemu-kvm); ` : ''}the file's own VMSAs and SEV_FEATURES` +
          (image.launch && kernelGiven(image.launch) ? `; Cloud Hypervisor's kernel hashes ${space.kernelHashes.length > 1 ? 'on and off' : space.kernelHashes[0] ? 'on' : 'off'}` : ''),
  ];
  for (const s of r.skipped) lines.push(`not launchable on ${s.platform}: ${s.reason}`);
  const refused = facts && space.platforms.includes('qemu-kvm') ? facts.qemuRefusals(space.vcpus[space.vcpus.length - 1] ?? 1) : [];
  if (refused.length > 0) lines.push(`QEMU refuses SNP launches of this firmware, so no qemu-kvm report carries these digests: ${refused.join('; ')}`);
  lines.push('so at least one of these differs from the launch that produced the report:');
  if (image.kind === 'ovmf') {
    lines.push('  - the firmware bytes (another OVMF build, or a different file than the one the VMM loaded);');
    if (kernelGiven(image)) lines.push('  - the kernel, initrd or command line bytes (the cmdline is hashed with its NUL; a trailing newline or space changes it);');
    else if (facts?.kernelHashes !== false) lines.push('  - direct boot: the VMM measured a kernel-hashes table (pass --kernel/--initrd/--append as the VMM got them);');
  } else if (image.kind === 'krun') {
    lines.push('  - the qboot, kernel or initrd bytes, the kernel load address, or the RAM size (it is in boot_params);');
  } else {
    lines.push('  - the IGVM file (another build, or the VMM rewrote it);');
    if (image.launch && kernelGiven(image.launch)) lines.push('  - the kernel, initrd or command line bytes Cloud Hypervisor hashed (--kernel, --initrd, --cmdline as the VMM got them);');
  }
  lines.push(`  - a launch axis outside the space: more than ${space.vcpus[space.vcpus.length - 1]} vCPUs, another CPU signature (-cpu host on a CPU not listed: --vcpu-sig), other SEV_FEATURES (Secure AVIC, IBPB-on-entry), or another VMM.`);
  return lines;
}

function vcpuText(v: readonly number[]): string {
  if (v.length === 0) return 'none';
  const contiguous = v[v.length - 1]! - v[0]! + 1 === v.length;
  return contiguous ? (v.length === 1 ? String(v[0]) : `${v[0]}-${v[v.length - 1]}`) : `${v.length} counts`;
}

function bytesHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
