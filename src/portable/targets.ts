/**
 * The platforms an image is built or fixed for (specs/platforms.md §5.2): the six IGVM platforms,
 * plus COCONUT igvmmeasure run with --native-zero as a seventh target, because that switch alone
 * changes how zero pages measure (rule 2).
 */
import { usageError } from '../core/errors.js';
import { IGVM_PLATFORMS, type IgvmPlatform } from '../core/platforms.js';

export interface PortableTarget {
  platform: IgvmPlatform;
  /** igvmmeasure --native-zero. */
  nativeZero: boolean;
  /** "qemu-kvm", or "igvmmeasure --native-zero". */
  label: string;
}

/** The --for spelling of the seventh target. */
export const NATIVE_ZERO_TARGET = 'igvmmeasure-native-zero';

/** Every name --for accepts. */
export const TARGET_NAMES: readonly string[] = [...IGVM_PLATFORMS, NATIVE_ZERO_TARGET];

export function target(platform: IgvmPlatform, nativeZero = false): PortableTarget {
  return { platform, nativeZero, label: nativeZero ? 'igvmmeasure --native-zero' : platform };
}

/**
 * The default targets: every platform that measures the file's VMSA bytes. cloud-hypervisor-kvm is
 * built for only when named: it loads a VP context into vCPU registers and KVM rebuilds the VMSA,
 * so fields it does not load (FPU, PAT, DR6/DR7, XCR0) take KVM's values (docs/platforms.md), and a
 * file whose VMSA sets them otherwise (the SVSM VMSA's FCW 0) can never agree with it.
 */
export const DEFAULT_TARGET_PLATFORMS: readonly IgvmPlatform[] = IGVM_PLATFORMS.filter((p) => p !== 'cloud-hypervisor-kvm');

/**
 * Parses a --for list ("openvmm,qemu-kvm" or repeated options); empty → DEFAULT_TARGET_PLATFORMS.
 * `nativeZero` adds the igvmmeasure --native-zero target (as `portability --native-zero` does).
 */
export function parseTargets(names: readonly string[], nativeZero = false, option = '--for'): PortableTarget[] {
  const words = names.flatMap((n) => n.split(',')).map((w) => w.trim()).filter((w) => w !== '');
  const out: PortableTarget[] = [];
  const add = (t: PortableTarget) => {
    if (!out.some((x) => x.label === t.label)) out.push(t);
  };
  for (const w of words) {
    if (w === NATIVE_ZERO_TARGET) add(target('igvmmeasure', true));
    else if ((IGVM_PLATFORMS as readonly string[]).includes(w)) add(target(w as IgvmPlatform));
    else throw usageError('BAD_CHOICE', `argument ${option}: invalid platform '${w}' (choose from ${TARGET_NAMES.join(', ')})`, option);
  }
  if (out.length === 0) for (const p of DEFAULT_TARGET_PLATFORMS) add(target(p));
  if (nativeZero) add(target('igvmmeasure', true));
  return out;
}

export const has = (ts: readonly PortableTarget[], p: IgvmPlatform, nativeZero = false): boolean => ts.some((t) => t.platform === p && t.nativeZero === nativeZero);
