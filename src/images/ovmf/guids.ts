/**
 * GUIDs found in OVMF firmware images and the kernel-hashes table, with their on-disk (EFI
 * mixed-endian) bytes. specs/ovmf.md §4.
 */
import { guidFromString } from '../../core/bytes.js';

export const OvmfGuid = {
  /** Marks the GUIDed footer table ("OVMF reset-vector table"). */
  OVMF_TABLE_FOOTER: '96b582de-1fb2-45f7-baea-a366c55a082d',
  /** u32: the AP reset EIP (SEV-ES/SNP reset block). */
  SEV_ES_RESET_BLOCK: '00f771de-1a7e-4fcb-890e-68c77e2fb44e',
  /** u32 GPA, u32 size of the kernel-hashes table area. */
  SEV_HASH_TABLE_RV: '7255371f-3a3b-4b04-927b-1da6efa8d454',
  /** u32: offset of the SEV metadata header from the end of the file. */
  OVMF_SEV_META_DATA: 'dc886566-984a-4798-a75e-5585a7bf67cc',
  /** u32: SVSM entry offset (in the Coconut-SVSM binary's own table). */
  SVSM_INFO: 'a789a612-0597-4c4b-a49f-cbb1fe9d1ddd',
  /** Present in OVMF, not used by the measurement. */
  SEV_SECRET_BLOCK: '4c2eb361-7d9b-4cc3-8081-127c90d3d294',
  /** Present in edk2 builds, not used. */
  TDX_METADATA: 'e47a6535-984a-4798-865e-4685a7bf8ec2',
  /** Kernel-hashes table header and its entries (§6). */
  SEV_HASH_TABLE_HEADER: '9438d606-4f22-4cc9-b479-a793d411fd21',
  SEV_CMDLINE_ENTRY: '97d02dd8-bd20-4c94-aa78-e7714d36ab2a',
  SEV_INITRD_ENTRY: '44baf731-3a2f-4bd7-9af1-41e29169781d',
  SEV_KERNEL_ENTRY: '4de79437-abd2-427f-b835-d5b172d2045b',
} as const;

export type OvmfGuidName = keyof typeof OvmfGuid;

/** Human name of a GUID string, or undefined. */
export function ovmfGuidName(guid: string): OvmfGuidName | undefined {
  for (const [k, v] of Object.entries(OvmfGuid)) if (v === guid) return k as OvmfGuidName;
  return undefined;
}

/** On-disk bytes of a known GUID. */
export function guidBytes(name: OvmfGuidName): Uint8Array {
  return guidFromString(OvmfGuid[name]);
}
