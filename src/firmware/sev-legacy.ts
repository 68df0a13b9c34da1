/**
 * The SHA-256 launch digests of SEV and SEV-ES (specs/ovmf.md §8.4, §8.5):
 *   SEV:    SHA-256(firmware ‖ [176-byte kernel hashes table])
 *   SEV-ES: SHA-256(firmware ‖ [kernel hashes table] ‖ VMSA_0 ‖ … ‖ VMSA_{n−1})
 * The firmware is streamed from its ByteSource. These are GCTX.LD values only; the SEV/SEV-ES
 * attestation "measurement" (an HMAC with TIK, MNONCE, policy and API version) is out of scope.
 */
import { hashProvider } from '../core/hash.js';
import { chunks, type ByteSource } from '../core/source.js';

export interface SevLegacyInput {
  /** Firmware image (any size; no page alignment needed). */
  firmware: ByteSource;
  /** The 176-byte kernel hashes table, when a kernel is given. */
  hashTable?: Uint8Array;
}

/** SEV launch digest (32 bytes). */
export async function sevLaunchDigest(p: SevLegacyInput): Promise<Uint8Array> {
  return sevEsLaunchDigest({ ...p, vmsas: [] });
}

/** SEV-ES launch digest (32 bytes); `vmsas` are the 4096-byte pages, BSP first. */
export async function sevEsLaunchDigest(p: SevLegacyInput & { vmsas: readonly Uint8Array[] }): Promise<Uint8Array> {
  const h = hashProvider().createSha256();
  for await (const c of chunks(p.firmware)) h.update(c);
  if (p.hashTable) h.update(p.hashTable);
  for (const v of p.vmsas) h.update(v);
  return h.digest();
}
