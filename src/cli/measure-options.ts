/**
 * The image and launch options that `snp-launch measure` and `snp-launch report verify` share:
 * the sev-snp-measure 0.0.13 options (specs/sev-snp-measure-cli.md §2) plus --igvm, --platform and
 * --native-zero, as command-line option specs. Their validation and the request they describe are
 * browser-safe and live in src/measure/request.ts (shared with the explorer); this module reads
 * the parsed values into it, and measure-run.ts opens the named files.
 *
 * Validation (resolveMeasureRequest) does no I/O, so every usage error is reported before a file
 * is opened, as in the reference.
 */
import { IGVM_PLATFORMS } from '../core/platforms.js';
import type { MeasureResult } from '../measure/types.js';
import {
  MEASURE_INPUT_OPTIONS,
  OVMF_MODES,
  OVMF_PLATFORMS,
  VCPU_TYPES,
  resolveMeasureInputs,
  type MeasureInputs,
  type MeasureRequest,
  type ResolveOptions,
} from '../measure/request.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import { BY_HASH_OPTIONS } from './by-hash-options.js';

export { OVMF_MODES, OVMF_PLATFORMS, VMM_TO_PLATFORM } from '../measure/request.js';
export type { IgvmRequest, MeasureRequest, OvmfRequest, ResolveOptions } from '../measure/request.js';

/** The image/launch options, in sev-snp-measure's order, then snp-launch's additions (the order of MEASURE_INPUT_OPTIONS). */
export const MEASURE_OPTIONS: OptionSpec[] = [
  { name: 'mode', type: 'choice', choices: OVMF_MODES, help: 'OVMF measurement mode (required with --ovmf)' },
  { name: 'vcpus', type: 'decimal', metavar: 'N', help: 'number of vCPUs (VMSAs); required except for sev and snp:ovmf-hash' },
  { name: 'vcpu-type', type: 'choice', choices: VCPU_TYPES, metavar: 'TYPE', help: 'guest CPU model (QEMU -cpu name), e.g. EPYC-v4, EPYC-Milan, EPYC-Genoa' },
  { name: 'vcpu-sig', type: 'auto', metavar: 'VALUE', help: 'raw CPUID(1).EAX signature (0x..., decimal)' },
  { name: 'vcpu-family', type: 'decimal', metavar: 'FAMILY', help: 'CPU family (decimal); needs --vcpu-model and --vcpu-stepping' },
  { name: 'vcpu-model', type: 'decimal', metavar: 'MODEL', help: 'CPU model (decimal)' },
  { name: 'vcpu-stepping', type: 'decimal', metavar: 'STEPPING', help: 'CPU stepping (decimal)' },
  { name: 'vmm-type', type: 'string', metavar: 'TYPE', help: 'VMM type: QEMU (default), ec2 or gce' },
  { name: 'ovmf', type: 'string', metavar: 'PATH', help: 'OVMF firmware image' },
  { name: 'kernel', type: 'string', metavar: 'PATH', help: 'kernel for measured direct boot' },
  { name: 'initrd', type: 'string', metavar: 'PATH', help: 'initrd (needs --kernel)' },
  { name: 'append', type: 'string', metavar: 'CMDLINE', help: 'kernel command line (needs --kernel)' },
  { name: 'guest-features', type: 'auto', metavar: 'VALUE', help: 'SEV_FEATURES for mode snp (default 0x1); with --igvm, the expected value' },
  { name: 'snp-ovmf-hash', type: 'string', metavar: 'HEX', help: 'precomputed OVMF hash (from --mode snp:ovmf-hash) replacing the firmware pages; mode snp only' },
  { name: 'svsm', type: 'string', metavar: 'PATH', help: 'Coconut-SVSM binary (mode snp:svsm)' },
  { name: 'vars-size', type: 'decimal', metavar: 'BYTES', help: 'OVMF_VARS size in bytes (mode snp:svsm)' },
  { name: 'vars-file', type: 'string', metavar: 'PATH', help: 'OVMF_VARS file; only its size is used (mode snp:svsm)' },
  { name: 'igvm', type: 'string', metavar: 'FILE', extension: true, help: 'IGVM image (instead of --ovmf); needs --platform' },
  {
    name: 'platform',
    type: 'string',
    metavar: 'PLATFORM',
    extension: true,
    help: `with --ovmf: ${OVMF_PLATFORMS.join(', ')} (same as --vmm-type QEMU, ec2, gce); with --igvm: ${IGVM_PLATFORMS.join(', ')}`,
  },
  { name: 'native-zero', type: 'flag', extension: true, help: 'with --igvm --platform igvmmeasure: NORMAL pages without data are measured as ZERO' },
  { name: 'kvm', type: 'string', metavar: 'GEN', extension: true, help: 'host KVM generation: init2 (Linux >= 6.10, default; MXCSR/FCW 0x1F80/0x037F) or legacy (0/0)' },
  { name: 'vmsa-gpa', type: 'auto', metavar: 'GPA', extension: true, help: 'GPA at which KVM measures the VMSAs (default 0xfffffffff000; 0xffffffffff000 on pre-v9 SNP KVM on 52-bit hosts and GCE Genoa)' },
  { name: 'rdx', type: 'auto', metavar: 'VALUE', extension: true, help: 'RDX of ec2/gce VMSAs instead of 0x600 (EC2 wrote 0 before 2026)' },
  ...BY_HASH_OPTIONS,
  { name: 'krun', type: 'flag', extension: true, help: "libkrun's OVMF-less launch (same as --vmm-type krun): needs --qboot and --kernel" },
  { name: 'qboot', type: 'string', metavar: 'PATH', extension: true, help: "krun: qboot's bios.bin, measured at 0xffff0000" },
  { name: 'ram', type: 'decimal', metavar: 'MIB', extension: true, help: 'krun: guest RAM in MiB, for the boot_params e820 table (default 2048)' },
  { name: 'kernel-gpa', type: 'auto', metavar: 'GPA', extension: true, help: 'krun: load address of a kernel that is not a vmlinux ELF (libkrunfw x86-64: 0x1000000)' },
];

/** The parsed image/launch option values (typed by the option specs above), by input key. */
export function measureInputs(args: ParsedArgs): MeasureInputs {
  const inputs: Record<string, unknown> = {};
  for (const [name, key] of MEASURE_INPUT_OPTIONS) {
    if (args.values.has(name)) inputs[key] = args.values.get(name);
  }
  return inputs as MeasureInputs;
}

/**
 * Checks the options without touching any file. Returns undefined when neither --ovmf nor --igvm
 * is given and no other image option either (a command where measuring is optional).
 */
export function resolveMeasureRequest(args: ParsedArgs, opts: ResolveOptions = {}): MeasureRequest | undefined {
  return resolveMeasureInputs(measureInputs(args), opts);
}

/**
 * The launch digest the image options describe, or undefined when no image option was given.
 * Used by `report verify` to compare a report against a predicted measurement.
 */
export async function predictFromArgs(args: ParsedArgs, opts: ResolveOptions = {}): Promise<MeasureResult | undefined> {
  const req = resolveMeasureRequest(args, opts);
  if (req === undefined) return undefined;
  const { runMeasureRequest } = await import('./measure-run.js');
  return (await runMeasureRequest(req)).result;
}
