/**
 * The libkrun image options of `match` and `refvalues` (--krun with --qboot, --kernel, --initrd,
 * --ram, --kernel-gpa; docs/platforms.md "krun"), opened as a launch-space image.
 */
import { usageError } from '../core/errors.js';
import type { ByteSource } from '../core/source.js';
import type { SpaceImage } from '../launch-space/types.js';
import type { ImagePaths } from '../launch-space/command.js';
import { KRUN_DEFAULT_RAM_MIB } from '../measure/krun-request.js';
import { get, type OptionSpec, type ParsedArgs } from './args.js';

export const KRUN_IMAGE_OPTIONS: OptionSpec[] = [
  { name: 'krun', type: 'flag', help: "libkrun's OVMF-less launch: --qboot BIOS --kernel VMLINUX [--initrd F] [--ram MIB]" },
  { name: 'qboot', type: 'string', metavar: 'PATH', help: "krun: qboot's bios.bin" },
  { name: 'ram', type: 'decimal', metavar: 'MIB', help: `krun: guest RAM in MiB (default ${KRUN_DEFAULT_RAM_MIB})` },
  { name: 'kernel-gpa', type: 'auto', metavar: 'GPA', help: 'krun: load address of a kernel that is not a vmlinux ELF' },
];

export const krunArgs = (args: ParsedArgs): boolean => get.flag(args, 'krun') || args.values.has('qboot');

/** The krun image paths of a match command (checked like openKrunImage, files not opened). */
export function krunPaths(args: ParsedArgs): Extract<ImagePaths, { kind: 'krun' }> {
  const qboot = get.str(args, 'qboot');
  const kernel = get.str(args, 'kernel');
  if (qboot === undefined || kernel === undefined) throw usageError('MISSING_OPTION', 'a libkrun launch needs --qboot BIOS and --kernel VMLINUX', qboot === undefined ? '--qboot' : '--kernel');
  for (const o of ['ovmf', 'igvm', 'append', 'kernel-hashes', 'rdx']) if (args.values.has(o)) throw usageError('OPTION_CONFLICT', `--${o} does not apply to a libkrun launch (--krun)`, `--${o}`);
  const p: Extract<ImagePaths, { kind: 'krun' }> = { kind: 'krun', qboot, kernel, ramMiB: ramOf(args) };
  const initrd = get.str(args, 'initrd');
  if (initrd !== undefined) p.initrd = initrd;
  const gpa = args.values.get('kernel-gpa') as bigint | undefined;
  if (gpa !== undefined) p.kernelGpa = Number(gpa);
  return p;
}

function ramOf(args: ParsedArgs): number {
  const ramMiB = (args.values.get('ram') as number | undefined) ?? KRUN_DEFAULT_RAM_MIB;
  if (ramMiB < 1 || ramMiB > 0x100000) throw usageError('BAD_VALUE', `argument --ram: guest RAM in MiB (1..1048576), got ${ramMiB}`, '--ram');
  return ramMiB;
}

/** The krun image when --krun/--qboot is given, else undefined. */
export async function openKrunImage(args: ParsedArgs, open: (path: string) => Promise<ByteSource>): Promise<Extract<SpaceImage, { kind: 'krun' }> | undefined> {
  if (!krunArgs(args)) return undefined;
  const p = krunPaths(args);
  const image: Extract<SpaceImage, { kind: 'krun' }> = { kind: 'krun', qboot: await open(p.qboot), kernel: await open(p.kernel), ramMiB: p.ramMiB };
  if (p.initrd !== undefined) image.initrd = await open(p.initrd);
  if (p.kernelGpa !== undefined) image.kernelGpa = p.kernelGpa;
  return image;
}
