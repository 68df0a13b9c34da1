/**
 * VMSA rules the KVM-based IGVM platforms share (specs/platforms.md §5.2, rules 3–5): QEMU can load
 * only a VMPL0 VMSA into a vCPU, KVM forces SNP_ACTIVE, and the VMSA-page UAPIs require sev_features
 * to equal the VM's vmsa_features (`--guest-features` when given).
 */
import { u64 } from '../../core/bytes.js';
import type { IgvmPlatform } from '../../core/platforms.js';
import { VMSA } from '../../vmsa/layout.js';
import { platformError, type IgvmLaunchInput, type VpItem } from './_common.js';

const hex = (v: number | bigint) => '0x' + v.toString(16);

export function vmsaFeatures(vmsa: Uint8Array): bigint {
  return u64(vmsa, VMSA.SEV_FEATURES);
}

export function checkKvmVmsa(platform: IgvmPlatform, input: IgvmLaunchInput, vp: VpItem, vmsa: Uint8Array, guestFeatures?: bigint): void {
  const what = `the VMSA of VP_CONTEXT header ${vp.header} (vp_index ${vp.vpIndex})`;
  const vmpl = vmsa[VMSA.VMPL]!;
  if (vmpl !== 0) throw platformError(platform, `${what} has vmpl ${vmpl} (offset 0xca); only a VMPL0 VMSA can be loaded into a KVM vCPU`, input, vp.header);
  const f = vmsaFeatures(vmsa);
  if ((f & 1n) === 0n) throw platformError(platform, `${what} has sev_features ${hex(f)} without SNP_ACTIVE (bit 0), which KVM always sets`, input, vp.header);
  if (guestFeatures !== undefined && f !== guestFeatures) {
    throw platformError(platform, `${what} has sev_features ${hex(f)} but --guest-features is ${hex(guestFeatures)} (KVM requires them to be equal)`, input, vp.header);
  }
}
