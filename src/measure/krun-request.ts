/**
 * The `measure --vmm-type krun` request (docs/platforms.md "krun"): libkrun's OVMF-less launch from
 * qboot, a kernel and an initrd. Resolved without I/O like the OVMF and IGVM requests
 * (request.ts), so every usage error comes before a file is opened.
 */
import { usageError } from '../core/errors.js';
import type { ByteSource } from '../core/source.js';
import type { KvmGeneration } from '../vmsa/profiles/_profile.js';
import { hexBig, type MeasureJsonOptions } from './json.js';
import type { KrunMeasureOptions } from './krun.js';
import type { MeasureInputs } from './request.js';

/** libkrunfw's measurement tool default (-m). */
export const KRUN_DEFAULT_RAM_MIB = 2048;

export interface KrunRequest {
  kind: 'krun';
  platform: 'krun';
  paths: { qboot: string; kernel: string; initrd?: string };
  vcpus: number;
  ramMiB: number;
  kernelGpa?: number;
  guestFeatures?: bigint;
  kvm?: KvmGeneration;
  warnings: string[];
}

/** Whether the inputs ask for a libkrun launch (--krun, --vmm-type krun or --platform krun). */
export const wantsKrun = (i: MeasureInputs): boolean => i.krun === true || i.vmmType === 'krun' || i.platform === 'krun';

/** Options that mean nothing to libkrun's launch: refused rather than ignored. */
const NOT_KRUN: readonly (keyof MeasureInputs)[] = ['ovmf', 'igvm', 'append', 'snpOvmfHash', 'svsm', 'varsSize', 'varsFile', 'nativeZero', 'vmsaGpa', 'rdx', 'vcpuType', 'vcpuSig', 'vcpuFamily', 'vcpuModel', 'vcpuStepping'];

export function resolveKrun(i: MeasureInputs, optionName: (k: keyof MeasureInputs) => string): KrunRequest {
  for (const k of NOT_KRUN) {
    if (i[k] !== undefined && i[k] !== false) {
      const why = k === 'append' ? ' (libkrun passes its command line outside the measurement)' : k.startsWith('vcpu') ? ' (libkrun writes RDX 0 whatever the CPU model)' : '';
      throw usageError('OPTION_CONFLICT', `${optionName(k)} does not apply to a libkrun launch (--vmm-type krun)${why}`, optionName(k));
    }
  }
  if (i.vmmType !== undefined && i.vmmType !== 'krun') throw usageError('OPTION_CONFLICT', `--vmm-type ${i.vmmType} contradicts --krun/--platform krun`, '--vmm-type');
  if (i.platform !== undefined && i.platform !== 'krun') throw usageError('OPTION_CONFLICT', `--platform ${i.platform} contradicts --vmm-type krun`, '--platform');
  if (i.mode !== undefined && i.mode !== 'snp') throw usageError('OPTION_CONFLICT', `--mode ${i.mode}: snp-launch measures libkrun's SEV-SNP launch only`, '--mode');
  if (i.qboot === undefined || i.kernel === undefined) throw usageError('MISSING_OPTION', 'a libkrun launch needs --qboot BIOS and --kernel VMLINUX (and usually --initrd, --ram, --vcpus)', i.qboot === undefined ? '--qboot' : '--kernel');
  if (i.vcpus !== undefined && (i.vcpus < 1 || i.vcpus > 4096)) throw usageError('BAD_VCPUS', `argument --vcpus: must be 1..4096, got ${i.vcpus}`, '--vcpus');
  const ramMiB = i.ram ?? KRUN_DEFAULT_RAM_MIB;
  if (ramMiB < 1 || ramMiB > 0x100000) throw usageError('BAD_VALUE', `argument --ram: guest RAM in MiB (1..1048576), got ${ramMiB}`, '--ram');
  if (i.kvm !== undefined && i.kvm !== 'init2' && i.kvm !== 'legacy') throw usageError('BAD_CHOICE', `argument --kvm: invalid choice: '${i.kvm}' (choose from 'init2', 'legacy')`, '--kvm');
  const req: KrunRequest = { kind: 'krun', platform: 'krun', paths: { qboot: i.qboot, kernel: i.kernel }, vcpus: i.vcpus ?? 1, ramMiB, warnings: [] };
  if (i.initrd !== undefined) req.paths.initrd = i.initrd;
  if (i.kernelGpa !== undefined) {
    if (i.kernelGpa < 0n || i.kernelGpa >= 1n << 52n) throw usageError('BAD_VALUE', `argument --kernel-gpa: 0x${i.kernelGpa.toString(16)} is not a guest physical address`, '--kernel-gpa');
    req.kernelGpa = Number(i.kernelGpa);
  }
  if (i.guestFeatures !== undefined) {
    if (i.guestFeatures < 0n || i.guestFeatures >= 1n << 64n) throw usageError('BAD_VALUE', `argument --guest-features: SEV_FEATURES is 64 bits, got ${i.guestFeatures}`, '--guest-features');
    req.guestFeatures = i.guestFeatures;
  }
  if (i.kvm !== undefined) req.kvm = i.kvm as KvmGeneration;
  if (i.vcpus === undefined) req.warnings.push('krun: --vcpus not given; measuring 1 vCPU (the count is in boot_params and in the number of VMSAs)');
  return req;
}

export function krunCall(r: KrunRequest, files: { qboot?: ByteSource; kernel?: ByteSource; initrd?: ByteSource }, run: { log?: boolean; keepVmsas?: boolean }): KrunMeasureOptions {
  if (!files.qboot || !files.kernel) throw new Error('krunCall: qboot and kernel must be open');
  const o: KrunMeasureOptions = { qboot: files.qboot, kernel: files.kernel, ramMiB: r.ramMiB, vcpus: r.vcpus };
  if (files.initrd) o.initrd = files.initrd;
  if (r.kernelGpa !== undefined) o.kernelGpa = r.kernelGpa;
  if (r.guestFeatures !== undefined) o.guestFeatures = r.guestFeatures;
  if (r.kvm) o.kvm = r.kvm;
  if (run.log) o.log = true;
  if (run.keepVmsas) o.keepVmsas = true;
  return o;
}

export function krunJsonOptions(r: KrunRequest): MeasureJsonOptions {
  const o: MeasureJsonOptions = { vcpus: r.vcpus, ramMiB: r.ramMiB };
  if (r.kernelGpa !== undefined) o.kernelGpa = '0x' + r.kernelGpa.toString(16);
  if (r.guestFeatures !== undefined) o.guestFeatures = hexBig(r.guestFeatures);
  if (r.kvm) o.kvm = r.kvm;
  return o;
}
