/**
 * Narrowing a launch space from user text (the `match`/`refvalues` options and the explorer's
 * fields): comma lists of platforms, vCPU counts and ranges, vCPU type names or signatures,
 * SEV_FEATURES values, KVM generations and VMSA GPAs. Axes left out keep the default space's
 * values; an axis given explicitly is multiplied in full (not filtered by the historical rules).
 */
import { usageError } from '../core/errors.js';
import { DIRECT_PLATFORMS, IGVM_PLATFORMS } from '../core/platforms.js';
import { KVM_GENERATIONS, type KvmGeneration } from '../vmsa/profiles/_profile.js';
import { vcpuTypeSignature } from '../vmsa/vcpu-types.js';
import { defaultSpace, parseList, parseVcpuList } from './space.js';
import { OVMF_SPACE_PLATFORMS, type LaunchSpace, type SpaceKind, type SpacePlatform } from './types.js';

export interface NarrowText {
  platform?: string;
  vcpus?: string;
  vcpuType?: string;
  vcpuSig?: string;
  guestFeatures?: string;
  kvm?: string;
  vmsaGpa?: string;
  /** RDX of the EC2/GCE profiles. */
  rdx?: string;
  /** Kernel-hashes gate: "on", "off" or "both" (OVMF with a kernel). */
  kernelHashes?: string;
}

/** Python int(x, 0)-style integer: 0x.., 0o.., 0b.. or decimal. */
export function parseIntText(text: string, option: string): bigint {
  const t = text.trim().replace(/_/g, '');
  if (!/^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0|[1-9][0-9]*)$/.test(t)) throw usageError('BAD_INT', `argument ${option}: invalid int value: '${text.trim()}'`, option);
  return BigInt(t);
}

export function narrowSpace(kind: SpaceKind, hasKernel: boolean, n: NarrowText): LaunchSpace {
  const space: LaunchSpace = { ...defaultSpace(kind, hasKernel) };
  if (n.platform !== undefined) {
    const allowed: readonly string[] = kind === 'ovmf' ? OVMF_SPACE_PLATFORMS : kind === 'krun' ? DIRECT_PLATFORMS : IGVM_PLATFORMS;
    space.platforms = parseList(n.platform, '--platform', (p) => {
      if (!allowed.includes(p)) throw usageError('BAD_CHOICE', `argument --platform: invalid choice for --${kind}: '${p}' (choose from ${allowed.join(', ')})`, '--platform');
      return p as SpacePlatform;
    });
  }
  if (n.vcpus !== undefined) space.vcpus = parseVcpuList(n.vcpus);
  const sigs: number[] = [];
  if (n.vcpuType !== undefined) {
    sigs.push(
      ...parseList(n.vcpuType, '--vcpu-type', (t) => {
        const s = vcpuTypeSignature(t);
        if (s === undefined) throw usageError('BAD_CHOICE', `argument --vcpu-type: unknown vCPU type '${t}' (e.g. EPYC-v4, EPYC-Milan, EPYC-Genoa; or give --vcpu-sig)`, '--vcpu-type');
        return s;
      }),
    );
  }
  if (n.vcpuSig !== undefined) sigs.push(...parseList(n.vcpuSig, '--vcpu-sig', (t) => u32(parseIntText(t, '--vcpu-sig'), '--vcpu-sig')));
  if (sigs.length > 0) space.vcpuSigs = [...new Set(sigs)];
  let explicit = false;
  if (n.guestFeatures !== undefined) {
    explicit = true;
    space.guestFeatures = [...new Set(parseList(n.guestFeatures, '--guest-features', (t) => u64(parseIntText(t, '--guest-features'), '--guest-features')))];
  }
  if (n.kvm !== undefined) {
    explicit = true;
    space.kvm = [
      ...new Set(
        parseList(n.kvm, '--kvm', (k) => {
          if (!(KVM_GENERATIONS as readonly string[]).includes(k)) throw usageError('BAD_CHOICE', `argument --kvm: invalid choice: '${k}' (choose from init2, legacy)`, '--kvm');
          return k as KvmGeneration;
        }),
      ),
    ];
  }
  if (n.vmsaGpa !== undefined) {
    explicit = true;
    space.vmsaGpas = [
      ...new Set(
        parseList(n.vmsaGpa, '--vmsa-gpa', (t) => {
          const g = parseIntText(t, '--vmsa-gpa');
          if (g >= 1n << 64n || g % 4096n !== 0n) throw usageError('BAD_VALUE', `argument --vmsa-gpa: must be a page-aligned 64-bit guest address, got ${t}`, '--vmsa-gpa');
          return Number(g);
        }),
      ),
    ];
  }
  if (n.rdx !== undefined) {
    explicit = true;
    space.cloudRdx = [...new Set(parseList(n.rdx, '--rdx', (t) => u32(parseIntText(t, '--rdx'), '--rdx')))];
  }
  if (n.kernelHashes !== undefined) {
    const k = n.kernelHashes;
    if (!['on', 'off', 'both'].includes(k)) throw usageError('BAD_CHOICE', `argument --kernel-hashes: invalid choice: '${k}' (choose from on, off, both)`, '--kernel-hashes');
    if (!hasKernel && k !== 'off') throw usageError('OPTION_CONFLICT', '--kernel-hashes on needs --kernel', '--kernel-hashes');
    space.kernelHashes = k === 'both' ? [true, false] : [k === 'on'];
  }
  if (explicit) space.historical = false;
  return space;
}

function u32(v: bigint, option: string): number {
  if (v > 0xffffffffn) throw usageError('BAD_VALUE', `argument ${option}: a CPUID signature is 32 bits (0..0xffffffff), got 0x${v.toString(16)}`, option);
  return Number(v);
}

function u64(v: bigint, option: string): bigint {
  if (v >= 1n << 64n) throw usageError('BAD_VALUE', `argument ${option}: SEV_FEATURES is 64 bits, got 0x${v.toString(16)}`, option);
  return v;
}
