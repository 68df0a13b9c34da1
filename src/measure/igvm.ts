/**
 * IGVM measurement entry point: parses the file (headers only; page data is streamed), prepares the
 * SEV-SNP directives and runs the chosen platform's loader on its UAPI model
 * (specs/platforms.md §5). When the file carries an SNP_ID_BLOCK, the result says whether its
 * launch digest equals the one computed for this platform.
 */
import { bytesEqual, toHex } from '../core/bytes.js';
import { usageError } from '../core/errors.js';
import { initrdGiven, kernelGiven, kernelHashesOf } from './by-hash.js';
import type { KernelHashes } from '../images/ovmf/kernel-hashes.js';
import { parseIgvm } from '../images/igvm/parse.js';
import type { IgvmFile } from '../images/igvm/types.js';
import { prepareIgvm, type IgvmLaunchInput } from '../loaders/igvm/_common.js';
import { cloudHypervisorKernelHashes } from '../loaders/igvm/cloud-hypervisor-kvm.js';
import { IGVM_PLATFORM_INFO, type IgvmPlatformInfo } from '../loaders/igvm/index.js';
import { IGVM_PLATFORM_META, IGVM_PLATFORMS } from '../core/platforms.js';
import type { IgvmMeasureOptions, MeasureResult } from './types.js';

export async function measureIgvm(opts: IgvmMeasureOptions): Promise<MeasureResult> {
  const { info, vcpus } = checkOptions(opts);
  // Only the prepared runs stay alive while pages stream, not the parsed header objects.
  const input = prepareIgvm(await parseIgvm(opts.igvm), opts.igvm);
  return run(info, vcpus, input, opts);
}

/** As measureIgvm, on an already parsed file (portability measures one file on every platform). */
export async function measureParsedIgvm(file: IgvmFile, opts: IgvmMeasureOptions, prepared?: IgvmLaunchInput): Promise<MeasureResult> {
  const { info, vcpus } = checkOptions(opts);
  return run(info, vcpus, prepared ?? prepareIgvm(file, opts.igvm), opts);
}

function checkOptions(opts: IgvmMeasureOptions): { info: IgvmPlatformInfo; vcpus: number } {
  const info = IGVM_PLATFORM_INFO[opts.platform];
  if (!info) throw usageError('BAD_PLATFORM', `unknown IGVM platform '${String(opts.platform)}' (choose from ${IGVM_PLATFORMS.join(', ')})`, '--platform');
  const vcpus = opts.vcpus ?? 1;
  if (!Number.isInteger(vcpus) || vcpus < 1) throw usageError('BAD_VCPUS', `--vcpus must be at least 1 (got ${vcpus})`, '--vcpus');
  if (opts.nativeZero && opts.platform !== 'igvmmeasure') {
    throw usageError('OPTION_CONFLICT', `--native-zero applies to --platform igvmmeasure only, not '${opts.platform}'`, '--native-zero');
  }
  if ((kernelGiven(opts) || initrdGiven(opts) || opts.append !== undefined) && opts.platform !== 'cloud-hypervisor-kvm') {
    throw usageError('OPTION_CONFLICT', `--kernel/--initrd/--append apply to --igvm launches on cloud-hypervisor-kvm only, not '${opts.platform}'`, '--kernel');
  }
  if (!kernelGiven(opts) && (initrdGiven(opts) || opts.append !== undefined)) throw usageError('NEEDS_KERNEL', `--kernel required when using ${initrdGiven(opts) ? '--initrd' : '--append'}`, initrdGiven(opts) ? '--initrd' : '--append');
  return { info, vcpus };
}

async function run(info: IgvmPlatformInfo, vcpus: number, input: IgvmLaunchInput, opts: IgvmMeasureOptions): Promise<MeasureResult> {
  // By hash (by-hash.ts), Cloud Hypervisor's checks of the kernel file itself cannot run.
  const byHash = opts.kernelSha256 !== undefined || opts.initrdSha256 !== undefined;
  const kernelHashes = !kernelGiven(opts) ? undefined : !byHash ? await cloudHypervisorKernelHashes(opts.kernel!, opts.initrd, opts.append) : await cloudHypervisorHashesByHash(opts);
  const out = await info.launch(input, {
    ...(kernelHashes ? { kernelHashes } : {}),
    vcpus,
    ...(opts.vcpuSig !== undefined ? { vcpuSig: opts.vcpuSig } : {}),
    ...(opts.nativeZero ? { nativeZero: true } : {}),
    ...(opts.guestFeatures !== undefined ? { guestFeatures: opts.guestFeatures } : {}),
    ...(opts.log ? { log: true } : {}),
  });
  const r = out.result;
  const warnings = [...input.warnings, ...r.warnings];
  if (vcpus > 1 && !IGVM_PLATFORM_META[opts.platform].takesVcpus) {
    warnings.push(`${opts.platform}: the vCPU count does not change the digest`);
  }
  const res: MeasureResult = { digest: r.digest, algorithm: 'sha384', mode: 'snp', platform: opts.platform, warnings };
  if (r.log) res.log = r.log;
  if (opts.keepVmsas) res.vmsas = out.vmsas;
  if (input.idBlock) {
    const matches = bytesEqual(input.idBlock.ld, r.digest);
    res.idBlock = { present: true, matches, expected: toHex(input.idBlock.ld) };
  }
  return res;
}

/** Cloud Hypervisor's kernel hashes from SHA-256 values: it measures them only with a command line. */
async function cloudHypervisorHashesByHash(opts: IgvmMeasureOptions): Promise<KernelHashes> {
  if (opts.append === undefined) throw usageError('NEEDS_APPEND', 'cloud-hypervisor-kvm: Cloud Hypervisor measures the kernel only when a command line is given too (--cmdline); give --append (--append \'\' for an empty one)', '--append');
  return (await kernelHashesOf(opts))!;
}

