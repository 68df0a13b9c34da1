/**
 * When no file can make the listed targets agree: which targets conflict, why (the rule of
 * specs/platforms.md §5.2 behind it, or the platform's own refusal), and which subsets do agree.
 * A value, not an exception, so the library caller can show it; the CLI prints it as one line and
 * exits 1.
 */
import type { TargetMeasurement } from './measure-targets.js';
import { has, type PortableTarget } from './targets.js';

export interface PortabilityConflict {
  /** The targets that cannot join the largest agreeing subset. */
  conflicting: string[];
  /** One sentence per cause. */
  reasons: string[];
  /** Subsets of the targets that agree on the file as built (each with its digest). */
  subsets: { targets: string[]; digest: string }[];
}

/** Causes no construction rule can remove, known before measuring. */
export function ruleConflicts(targets: readonly PortableTarget[], vcpus: number): string[] {
  const out: string[] = [];
  if (vcpus > 1 && has(targets, 'qemu-kvm') && targets.length > 1) {
    out.push(
      `qemu-kvm with ${vcpus} vCPUs measures ${vcpus - 1} AP reset VMSA${vcpus > 2 ? 's' : ''} at LAUNCH_FINISH that no other platform measures, and QEMU loads exactly one VP context, so no file makes it agree with the others (platforms.md §5.2 rule 3)`,
    );
  }
  if (vcpus > 1 && has(targets, 'cloud-hypervisor-kvm') && targets.length > 1) {
    out.push(`cloud-hypervisor-kvm with ${vcpus} vCPUs measures ${vcpus - 1} KVM-built AP VMSA${vcpus > 2 ? 's' : ''} at LAUNCH_FINISH that no other platform measures alike (docs/platforms.md)`);
  }
  return out;
}

/** The conflict for a measurement that does not agree. */
export function describeConflict(m: TargetMeasurement, known: string[]): PortabilityConflict {
  const subsets = m.groups.map((g) => ({ targets: g.targets, digest: g.digest })).sort((a, b) => b.targets.length - a.targets.length);
  const largest = new Set(subsets[0]?.targets ?? []);
  const reasons = [...known];
  for (const r of m.rows) {
    if (r.error === undefined) continue;
    const platform = r.target.split(' ')[0]!;
    const why = r.error.startsWith(`${platform}: `) ? r.error.slice(platform.length + 2) : r.error;
    reasons.push(`${r.target} cannot launch it: ${why}`);
  }
  if (reasons.length === 0) reasons.push('the platforms measure the file differently (see `snp-launch portability` for the first diverging step)');
  return { conflicting: m.rows.map((r) => r.target).filter((t) => !largest.has(t)), reasons, subsets };
}

/** One line: "A, B conflict with C: why; why — subsets that agree: {C} | {A, B}". */
export function conflictLine(c: PortabilityConflict): string {
  const subsets = c.subsets.length === 0 ? 'none' : c.subsets.map((s) => `{${s.targets.join(', ')}}`).join(' | ');
  return `the listed platforms cannot agree (${c.conflicting.join(', ')} conflicting with the rest): ${c.reasons.join('; ')} — subsets that agree: ${subsets}`;
}
