/**
 * A configuration as the command that reproduces it: `snp-launch measure ...`, and the equivalent
 * sev-snp-measure 0.0.13 command when that tool can express it (QEMU/EC2/GCE profiles with
 * KVM_SEV_INIT2 FPU state, the 48-bit VMSA GPA and the current EC2 RDX).
 */
import { KVM_VMSA_GPA } from '../firmware/page-types.js';
import { SEV_SNP_MEASURE_VCPU_TYPES, VCPU_TYPES, vcpuSignature } from '../vmsa/vcpu-types.js';
import { KVM_DEFAULT_RDX } from './signatures.js';
import type { LaunchCell } from './types.js';

/** The image's file names as the user gave them (paths for the CLI). */
export type ImagePaths =
  | {
      kind: 'ovmf';
      ovmf: string;
      kernel?: string;
      initrd?: string;
      append?: string;
      /** Inputs by hash (hex), and `ovmf` naming an `ovmf metadata` document (src/measure/by-hash.ts). */
      kernelSha256?: string;
      initrdSha256?: string;
      snpOvmfHash?: string;
      ovmfMetadata?: boolean;
    }
  | {
      kind: 'igvm';
      igvm: string;
      /** cloud-hypervisor-kvm measured direct boot: files (or SHA-256 hex) and the command line. */
      kernel?: string;
      initrd?: string;
      append?: string;
      kernelSha256?: string;
      initrdSha256?: string;
    }
  | { kind: 'krun'; qboot: string; kernel: string; initrd?: string; kernelGpa?: number; ramMiB: number };

const VMM: Record<string, string> = { 'qemu-kvm': 'QEMU', ec2: 'ec2', gce: 'gce' };

/** POSIX shell quoting: bare when safe, else single quotes. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const hex = (v: number | bigint): string => '0x' + v.toString(16);

/** The first --vcpu-type name (in `names`) with this signature. */
function typeName(sig: number, names: Readonly<Record<string, { family: number; model: number; stepping: number }>>): string | undefined {
  return Object.entries(names).find(([, t]) => vcpuSignature(t.family, t.model, t.stepping) === sig)?.[0];
}

/** --kernel/--initrd/--append (or their hashes) of a measured direct boot. */
function bootArgs(p: { kernel?: string; initrd?: string; append?: string; kernelSha256?: string; initrdSha256?: string }): string[] {
  const a: string[] = [];
  if (p.kernel === undefined && p.kernelSha256 === undefined) return a;
  if (p.kernel !== undefined) a.push('--kernel', shellQuote(p.kernel));
  else a.push('--kernel-sha256', p.kernelSha256!);
  if (p.initrd !== undefined) a.push('--initrd', shellQuote(p.initrd));
  else if (p.initrdSha256 !== undefined) a.push('--initrd-sha256', p.initrdSha256);
  if (p.append !== undefined) a.push('--append', shellQuote(p.append));
  return a;
}

function imageArgs(p: ImagePaths, kernelHashes: boolean): string[] {
  if (p.kind === 'igvm') return ['--igvm', shellQuote(p.igvm), ...(kernelHashes ? bootArgs(p) : [])];
  if (p.kind === 'krun') {
    const a = ['--vmm-type', 'krun', '--qboot', shellQuote(p.qboot), '--kernel', shellQuote(p.kernel)];
    if (p.kernelGpa !== undefined) a.push('--kernel-gpa', '0x' + p.kernelGpa.toString(16));
    if (p.initrd !== undefined) a.push('--initrd', shellQuote(p.initrd));
    return [...a, '--ram', String(p.ramMiB)];
  }
  const a = [p.ovmfMetadata ? '--ovmf-metadata' : '--ovmf', shellQuote(p.ovmf)];
  if (p.snpOvmfHash !== undefined) a.push('--snp-ovmf-hash', p.snpOvmfHash);
  // The kernel-hashes gate off digests exactly like a launch without a kernel.
  if (kernelHashes) a.push(...bootArgs(p));
  return a;
}

/** `snp-launch measure ...` reproducing `cell` (one vCPU count). */
export function measureCommand(cell: LaunchCell, paths: ImagePaths): string {
  const a = ['snp-launch', 'measure'];
  if (paths.kind === 'krun') return [...a, ...imageArgs(paths, false), '--vcpus', String(cell.vcpus), ...(cell.kvm !== 'legacy' ? ['--kvm', cell.kvm] : [])].join(' ');
  if (paths.kind === 'igvm') {
    a.push(...imageArgs(paths, cell.kernelHashes), '--platform', cell.platform, '--vcpus', String(cell.vcpus));
    if (cell.platform === 'qemu-kvm' && cell.vcpus > 1) a.push(...sigArgs(cell.vcpuSig, VCPU_TYPES));
    return a.join(' ');
  }
  a.push('--mode', 'snp', '--vcpus', String(cell.vcpus));
  if (cell.platform === 'qemu-kvm') a.push(...sigArgs(cell.vcpuSig, VCPU_TYPES));
  else a.push('--vmm-type', VMM[cell.platform]!);
  if (cell.platform !== 'qemu-kvm' && cell.vcpuSig !== KVM_DEFAULT_RDX) a.push('--rdx', hex(cell.vcpuSig));
  a.push(...imageArgs(paths, cell.kernelHashes));
  if (cell.guestFeatures !== 0x1n) a.push('--guest-features', hex(cell.guestFeatures));
  if (cell.kvm !== 'init2' && cell.platform === 'qemu-kvm') a.push('--kvm', cell.kvm);
  if (cell.vmsaGpa !== KVM_VMSA_GPA) a.push('--vmsa-gpa', hex(cell.vmsaGpa));
  return a.join(' ');
}

function sigArgs(sig: number, names: Parameters<typeof typeName>[1]): string[] {
  const name = typeName(sig, names);
  return name ? ['--vcpu-type', name] : ['--vcpu-sig', hex(sig)];
}

/** The sev-snp-measure 0.0.13 command for `cell`, or undefined when that tool cannot express it. */
export function referenceCommand(cell: LaunchCell, paths: ImagePaths): string | undefined {
  if (paths.kind !== 'ovmf' || cell.vmsaGpa !== KVM_VMSA_GPA) return undefined;
  // sev-snp-measure reads the firmware, kernel and initrd files; it takes no hashes of them.
  if (paths.ovmfMetadata || (cell.kernelHashes && (paths.kernelSha256 !== undefined || paths.initrdSha256 !== undefined))) return undefined;
  if (cell.platform === 'qemu-kvm' && cell.kvm !== 'init2') return undefined;
  if (cell.platform !== 'qemu-kvm' && cell.vcpuSig !== KVM_DEFAULT_RDX) return undefined;
  const a = ['sev-snp-measure', '--mode', 'snp', '--vcpus', String(cell.vcpus)];
  if (cell.platform === 'qemu-kvm') a.push(...sigArgs(cell.vcpuSig, SEV_SNP_MEASURE_VCPU_TYPES));
  else a.push('--vmm-type', VMM[cell.platform]!);
  a.push(...imageArgs(paths, cell.kernelHashes));
  if (cell.guestFeatures !== 0x1n) a.push('--guest-features', hex(cell.guestFeatures));
  return a.join(' ');
}
