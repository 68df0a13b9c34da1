/**
 * Launch inputs by hash (issue 18 item 4): verifiers hold the SHA-256 of the kernel and initrd, not
 * the 60 MiB files. The kernel-hashes table of measured direct boot (specs/ovmf.md §6) needs only
 * those hashes and the command line, so a kernel or initrd may be given either as a file (hashed as
 * a stream) or as its SHA-256. Browser-safe.
 */
import { fromHex, toHex } from '../core/bytes.js';
import { usageError } from '../core/errors.js';
import { hashProvider } from '../core/hash.js';
import { hashSource, type ByteSource } from '../core/source.js';
import { SnpFirmware } from '../firmware/launch-digest.js';
import { PAGE_SIZE, PageType } from '../firmware/page-types.js';
import { cmdlineHash, computeKernelHashes, type KernelHashes } from '../images/ovmf/kernel-hashes.js';
import { ovmfMetadataDoc, type OvmfMetadataDoc } from '../images/ovmf/metadata-doc.js';
import { firmwareGpa, parseOvmf, requireResetEip } from '../images/ovmf/parse.js';

/** A kernel, initrd and command line, each file optionally replaced by its SHA-256 (32 bytes). */
export interface KernelInputs {
  kernel?: ByteSource | undefined;
  initrd?: ByteSource | undefined;
  append?: string | undefined;
  /** SHA-256 of the kernel file, instead of `kernel`. */
  kernelSha256?: Uint8Array | undefined;
  /** SHA-256 of the initrd file, instead of `initrd`. */
  initrdSha256?: Uint8Array | undefined;
}

/** Whether a kernel is given (as a file or as its hash): measured direct boot is on. */
export function kernelGiven(k: KernelInputs): boolean {
  return k.kernel !== undefined || k.kernelSha256 !== undefined;
}

/** Whether an initrd is given (as a file or as its hash). */
export function initrdGiven(k: KernelInputs): boolean {
  return k.initrd !== undefined || k.initrdSha256 !== undefined;
}

/**
 * The three SHA-256 values of the kernel-hashes table, or undefined without a kernel. Files are
 * streamed (kernel and initrd at once when the provider can); given hashes are used as they are.
 */
export async function kernelHashesOf(k: KernelInputs): Promise<KernelHashes | undefined> {
  if (!kernelGiven(k)) return undefined;
  checkHashLength(k.kernelSha256, '--kernel-sha256');
  checkHashLength(k.initrdSha256, '--initrd-sha256');
  if (k.kernel !== undefined && k.kernelSha256 === undefined && k.initrdSha256 === undefined) return computeKernelHashes(k.kernel, k.initrd, k.append);
  const hp = hashProvider();
  const kernel = k.kernelSha256 ?? (await hashSource(k.kernel!, hp.createSha256()));
  const initrd = k.initrdSha256 ?? (k.initrd ? await hashSource(k.initrd, hp.createSha256()) : hp.sha256(new Uint8Array(0)));
  return { kernel: kernel.slice(), initrd: initrd.slice(), cmdline: cmdlineHash(k.append) };
}

function checkHashLength(h: Uint8Array | undefined, option: string): void {
  if (h !== undefined && h.length !== 32) throw usageError('BAD_SHA256', `argument ${option}: a SHA-256 is 32 bytes, got ${h.length}`, option);
}

/** A SHA-256 given as 64 hex digits (optional 0x, surrounding whitespace ignored); `option` names the flag in errors. */
export function parseSha256Hex(text: string, option: string): Uint8Array {
  const t = text.trim().replace(/^0x/i, '');
  const b = /^[0-9a-fA-F]*$/.test(t) ? fromHex(t) : undefined;
  if (b === undefined || b.length !== 32) {
    throw usageError('BAD_SHA256', `argument ${option}: must be a SHA-256 as 64 hex digits, got '${text.length > 80 ? text.slice(0, 77) + '...' : text}'`, option);
  }
  return b;
}

/**
 * Usage checks shared by every command that takes a kernel: a file and its hash are alternatives,
 * and the initrd and command line need a kernel (specs/sev-snp-measure-cli.md §3 step 2).
 * Arguments are "given" flags by option.
 */
export function checkKernelOptions(o: { kernel: boolean; kernelSha256: boolean; initrd: boolean; initrdSha256: boolean; append: boolean }): void {
  if (o.kernel && o.kernelSha256) throw usageError('OPTION_CONFLICT', 'argument --kernel-sha256: not allowed with argument --kernel (give the file or its hash)', '--kernel-sha256');
  if (o.initrd && o.initrdSha256) throw usageError('OPTION_CONFLICT', 'argument --initrd-sha256: not allowed with argument --initrd (give the file or its hash)', '--initrd-sha256');
  const kernel = o.kernel || o.kernelSha256;
  if (!kernel && o.initrdSha256) throw usageError('NEEDS_KERNEL', '--kernel or --kernel-sha256 required when using --initrd-sha256', '--initrd-sha256');
}

/**
 * `snp-launch ovmf metadata F`: the facts of an OVMF image a launch needs (metadata-doc.ts), with
 * the SHA-256 of the file and the SNP_OVMF hash (the firmware pages' digest from zero, ovmf.md §8.2;
 * absent when the size is not a multiple of 4096). Streams the file twice, never holds it.
 */
export async function ovmfMetadataOf(src: ByteSource): Promise<OvmfMetadataDoc> {
  const img = await parseOvmf(src);
  // The document stands for the firmware in an SNP launch, which needs the AP reset address:
  // refuse what `measure --mode snp` refuses (the reference's error) instead of writing nulls.
  requireResetEip(img);
  const sha256 = toHex(await hashSource(src, hashProvider().createSha256()));
  if (img.size % PAGE_SIZE !== 0) return ovmfMetadataDoc(img, { sha256 });
  const fw = new SnpFirmware();
  await fw.measureSource(PageType.NORMAL, firmwareGpa(img), src, 0, img.size, 'OVMF firmware');
  return ovmfMetadataDoc(img, { sha256, snpOvmfHash: fw.digest });
}
