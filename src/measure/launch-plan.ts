/**
 * The launch calls snp-launch predicts for an image on QEMU/KVM, with their page data, for replaying
 * a QEMU trace against them (src/uapi/qemu-replay.ts, `replay --qemu-trace`):
 *   OVMF: the OVMF loader's plan (QEMU, ec2 or gce rules; mode snp, kernel hashes as measure);
 *   IGVM: QEMU's IGVM loader (src/loaders/igvm/qemu-kvm.ts): the page runs and parameter areas in
 *     directive order, vCPU 0 = the file's VMSA, the APs KVM's reset VMSAs. measureIgvm checks the
 *     file against that loader's rules first and gives the VMSAs.
 * Browser-safe.
 */
import { u64 } from '../core/bytes.js';
import type { ByteSource } from '../core/source.js';
import { buildKernelHashTable } from '../images/ovmf/kernel-hashes.js';
import { parseIgvm } from '../images/igvm/parse.js';
import { parseOvmf } from '../images/ovmf/parse.js';
import { paramUpdate, prepareIgvm, runUpdate } from '../loaders/igvm/_common.js';
import { DEFAULT_IGVM_POLICY } from '../loaders/igvm/_outcome.js';
import { planOvmfSnpLaunch, type LaunchPlan } from '../loaders/ovmf/common.js';
import { EC2_RULES } from '../loaders/ovmf/ec2.js';
import { GCE_RULES } from '../loaders/ovmf/gce.js';
import { QEMU_RULES } from '../loaders/ovmf/qemu.js';
import type { LaunchUpdateParams } from '../uapi/types.js';
import { VMSA } from '../vmsa/layout.js';
import { kernelHashesOf, type KernelInputs } from './by-hash.js';
import { measureIgvm } from './igvm.js';
import type { OvmfMeasureOptions, VmmType } from './types.js';

const RULES = { QEMU: QEMU_RULES, ec2: EC2_RULES, gce: GCE_RULES } as const;

/** The OVMF launch of mode snp (options as measureOvmf's; the firmware file is needed: the trace has its pages). */
export async function ovmfLaunchPlan(o: Pick<OvmfMeasureOptions, 'ovmf' | 'vcpus' | 'vcpuSig' | 'guestFeatures' | 'kvm' | 'rdx'> & KernelInputs & { vmm?: VmmType }): Promise<LaunchPlan> {
  const ovmf = await parseOvmf(o.ovmf);
  const hashes = await kernelHashesOf(o);
  return planOvmfSnpLaunch(
    {
      ovmf,
      vcpus: o.vcpus ?? 1,
      guestFeatures: o.guestFeatures ?? 1n,
      ...(o.vcpuSig !== undefined ? { vcpuSig: o.vcpuSig } : {}),
      ...(hashes ? { kernelHashTable: buildKernelHashTable(hashes) } : {}),
      ...(o.kvm ? { kvm: o.kvm } : {}),
      ...(o.rdx !== undefined ? { rdx: o.rdx } : {}),
    },
    RULES[o.vmm ?? 'QEMU'],
  );
}

/** QEMU's IGVM launch on upstream KVM (platform qemu-kvm) of `vcpus` vCPUs. */
export async function igvmQemuLaunchPlan(igvm: ByteSource, vcpus: number, vcpuSig?: number): Promise<LaunchPlan> {
  const checked = await measureIgvm({ igvm, platform: 'qemu-kvm', vcpus, ...(vcpuSig !== undefined ? { vcpuSig } : {}), keepVmsas: true });
  const vmsas = checked.vmsas!;
  const input = prepareIgvm(await parseIgvm(igvm), igvm);
  const updates: LaunchUpdateParams[] = [];
  for (const it of input.items) {
    if (it.kind === 'pages') updates.push(runUpdate(input.src, it));
    else if (it.kind === 'param') {
      const u = paramUpdate(input, it, true);
      if (u) updates.push(u);
    }
  }
  return {
    start: { policy: input.policy ?? DEFAULT_IGVM_POLICY, vmsaFeatures: u64(vmsas[0]!, VMSA.SEV_FEATURES), vcpus },
    updates,
    vcpuStates: vmsas.map((vmsa, vcpu) => ({ vcpu, vmsa, origin: vcpu === 0 ? 'IGVM VMSA, vCPU 0 (BSP)' : `KVM AP reset VMSA, vCPU ${vcpu}` })),
  };
}
