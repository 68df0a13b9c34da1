/**
 * Shared by `igvm build` and `portability --fix`: the vCPU signature options and the printed
 * proof (digest per platform, ID block check).
 */
import { usageError } from '../../core/errors.js';
import type { IgvmProof } from '../../portable/proof.js';
import { vcpuSignature, vcpuTypeSignature } from '../../vmsa/vcpu-types.js';
import { get, type ParsedArgs } from '../args.js';
import { fitLines, shortDigest } from '../output.js';

/** --vcpu-family/model/stepping, --vcpu-sig or --vcpu-type (in that priority), if any. */
export function signature(args: ParsedArgs): number | undefined {
  const f = get.num(args, 'vcpu-family');
  if (f !== undefined) {
    const m = get.num(args, 'vcpu-model');
    const s = get.num(args, 'vcpu-stepping');
    if (m === undefined || s === undefined) throw usageError('INCOMPLETE_FMS', '--vcpu-family needs --vcpu-model and --vcpu-stepping', '--vcpu-family');
    return vcpuSignature(f, m, s);
  }
  const sig = get.big(args, 'vcpu-sig');
  if (sig !== undefined) {
    if (sig < 0n || sig > 0xffffffffn) throw usageError('BAD_VALUE', `argument --vcpu-sig: a CPUID signature is 32 bits, got ${sig}`, '--vcpu-sig');
    return Number(sig);
  }
  const t = get.str(args, 'vcpu-type');
  return t === undefined ? undefined : vcpuTypeSignature(t);
}

/** The proof as terminal text: digests abbreviated in the per-platform rows unless `wide`, the agreed digest in full. */
export function renderProof(p: IgvmProof, n: number, wide = false): string {
  const L = ['launch digest per platform, measured on the written file:'];
  const w = Math.max(...p.measurement.rows.map((r) => r.target.length));
  for (const r of p.measurement.rows) L.push(`  ${r.target.padEnd(w)}  ${r.digest ? shortDigest(r.digest, wide) : `cannot launch: ${r.error}`}`);
  const only = p.measurement.rows[0]?.target;
  if (p.measurement.agree) L.push(n === 1 ? `the launch digest on ${only}:` : `all ${n} platforms agree on the launch digest:`, `  ${p.measurement.groups[0]!.digest}`);
  else L.push(`the platforms do NOT agree (${p.measurement.groups.length} groups)`);
  const b = p.idBlock;
  if (b) {
    L.push('', `SNP_ID_BLOCK launch digest ${b.ld}`);
    L.push(`  matches on ${b.matchesOn.length} of ${n} platform${n === 1 ? '' : 's'}${b.matchesOn.length > 0 && b.matchesOn.length < n ? ` (${b.matchesOn.join(', ')})` : ''}`);
    L.push(`  ID key signature over the ID block: ${b.signatureValid ? 'valid' : 'INVALID'} (ID key digest ${b.idKeyDigest})`);
    if (b.authorSignatureValid !== undefined) L.push(`  author key signature over the ID key: ${b.authorSignatureValid ? 'valid' : 'INVALID'} (author key digest ${b.authorKeyDigest ?? '?'})`);
  }
  return fitLines(L, wide).join('\n') + '\n';
}
