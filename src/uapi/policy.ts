/**
 * KVM_SEV_SNP_LAUNCH_START policy checks (specs/kvm-snp-launch.md §1.4; policy layout in
 * specs/attestation.md §1.4). Two generations of sev.c:
 * - the fixed rules of the version the spec describes (≈ v6.11–6.13): only API minor 7:0, API major
 *   15:8, SMT 16, RSVD_MBO 17, DEBUG 19 and SINGLE_SOCKET 20 may be set; RSVD_MBO and SMT must be set;
 *   SINGLE_SOCKET is rejected;
 * - newer kernels: the bits reported by the KVM_X86_SNP_POLICY_BITS attribute, plus RSVD_MBO.
 * Every rejection is EINVAL, as in sev.c.
 */
import { LaunchRejectedError } from '../core/errors.js';

/** SNP guest policy bits (attestation.md §1.4). */
export const SnpPolicy = {
  ABI_MINOR: 0xffn,
  ABI_MAJOR: 0xff00n,
  SMT: 1n << 16n,
  RSVD_MBO: 1n << 17n,
  MIGRATE_MA: 1n << 18n,
  DEBUG: 1n << 19n,
  SINGLE_SOCKET: 1n << 20n,
} as const;

/** Bits the fixed-rules sev.c accepts (kvm-snp-launch.md §1.4). */
export const LEGACY_ALLOWED_POLICY_BITS =
  SnpPolicy.ABI_MINOR | SnpPolicy.ABI_MAJOR | SnpPolicy.SMT | SnpPolicy.RSVD_MBO | SnpPolicy.DEBUG | SnpPolicy.SINGLE_SOCKET;

const hex = (v: bigint) => '0x' + v.toString(16);

/** The reason KVM would reject `policy` at SNP_LAUNCH_START, or undefined when it is accepted. */
export function policyRejection(policy: bigint, supportedPolicyBits?: bigint): string | undefined {
  if (policy < 0n || policy >= 1n << 64n) return `policy ${hex(policy)} is not a u64`;
  if ((policy & SnpPolicy.RSVD_MBO) === 0n) return `policy ${hex(policy)} has reserved bit 17 clear (it must be one)`;
  if (supportedPolicyBits !== undefined) {
    const extra = policy & ~supportedPolicyBits;
    if (extra !== 0n) return `policy ${hex(policy)} sets bits ${hex(extra)} that KVM_X86_SNP_POLICY_BITS (${hex(supportedPolicyBits)}) does not allow`;
    return undefined;
  }
  const extra = policy & ~LEGACY_ALLOWED_POLICY_BITS;
  if (extra !== 0n) return `policy ${hex(policy)} sets bits ${hex(extra)} that this KVM does not allow (only ABI 15:0, SMT, RSVD_MBO, DEBUG, SINGLE_SOCKET)`;
  if ((policy & SnpPolicy.SMT) === 0n) return `policy ${hex(policy)} has SMT (bit 16) clear, which this KVM rejects`;
  if ((policy & SnpPolicy.SINGLE_SOCKET) !== 0n) return `policy ${hex(policy)} sets SINGLE_SOCKET (bit 20), which this KVM rejects`;
  return undefined;
}

export function checkPolicy(policy: bigint, supportedPolicyBits?: bigint): void {
  const why = policyRejection(policy, supportedPolicyBits);
  if (why) throw new LaunchRejectedError('EINVAL', why, { field: 'policy' });
}
