/**
 * Opening the files of an image for the launch-space layer (match, measure --vcpus lists, the
 * report verify hint): every file as a streamed ByteSource, closed again by `close`.
 */
import type { ByteSource } from '../core/source.js';
import type { IgvmLaunchOptions, ImagePaths, SpaceImage } from '../launch-space/index.js';
import type { MeasureRequest } from '../measure/request.js';
import { openFileSource } from '../node/file-source.js';
import { fromHex, toHex } from '../core/bytes.js';
import { inputError } from '../core/errors.js';
import { isOvmfMetadataSource } from '../images/ovmf/metadata-doc.js';
import { openOvmfMetadataFile } from './ovmf-metadata-file.js';

/** The image paths of a measure request (OVMF with its kernel, initrd and command line, or IGVM). */
export function requestImagePaths(req: MeasureRequest): ImagePaths {
  if (req.kind === 'igvm') {
    const p: ImagePaths = { kind: 'igvm', igvm: req.paths.igvm };
    if (req.paths.kernel !== undefined) p.kernel = req.paths.kernel;
    if (req.paths.initrd !== undefined) p.initrd = req.paths.initrd;
    if (req.append !== undefined) p.append = req.append;
    if (req.kernelSha256) p.kernelSha256 = toHex(req.kernelSha256);
    if (req.initrdSha256) p.initrdSha256 = toHex(req.initrdSha256);
    return p;
  }
  if (req.kind === 'krun') {
    const k: ImagePaths = { kind: 'krun', qboot: req.paths.qboot, kernel: req.paths.kernel, ramMiB: req.ramMiB };
    if (req.paths.initrd !== undefined) k.initrd = req.paths.initrd;
    if (req.kernelGpa !== undefined) k.kernelGpa = req.kernelGpa;
    return k;
  }
  const p: ImagePaths = { kind: 'ovmf', ovmf: req.paths.ovmf };
  if (req.ovmfMetadata) p.ovmfMetadata = true;
  if (req.snpOvmfHash) p.snpOvmfHash = toHex(req.snpOvmfHash);
  if (req.kernelSha256) p.kernelSha256 = toHex(req.kernelSha256);
  if (req.initrdSha256) p.initrdSha256 = toHex(req.initrdSha256);
  if (req.paths.kernel !== undefined) p.kernel = req.paths.kernel;
  if (req.paths.initrd !== undefined) p.initrd = req.paths.initrd;
  if (req.append !== undefined) p.append = req.append;
  return p;
}

export async function openSpaceImage(p: ImagePaths): Promise<{ image: SpaceImage; close: () => Promise<void> }> {
  const opened: ByteSource[] = [];
  const close = async () => {
    for (const s of opened) await s.close?.().catch(() => undefined);
  };
  try {
    return { image: await openSpaceImageInto(p, opened), close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Opens the image's files, adding each to `opened` (the caller closes them, also on error). */
export async function openSpaceImageInto(p: ImagePaths, opened: ByteSource[]): Promise<SpaceImage> {
  const open = async (path: string) => {
    const s = await openFileSource(path);
    opened.push(s);
    return s;
  };
  {
    if (p.kind === 'igvm') {
      const launch: IgvmLaunchOptions = {};
      if (p.kernel !== undefined) launch.kernel = await open(p.kernel);
      if (p.initrd !== undefined) launch.initrd = await open(p.initrd);
      if (p.append !== undefined) launch.append = p.append;
      if (p.kernelSha256 !== undefined) launch.kernelSha256 = fromHex(p.kernelSha256)!;
      if (p.initrdSha256 !== undefined) launch.initrdSha256 = fromHex(p.initrdSha256)!;
      return { kind: 'igvm', igvm: await open(p.igvm), ...(Object.keys(launch).length > 0 ? { launch } : {}) };
    }
    if (p.kind === 'krun') {
      const k: SpaceImage = { kind: 'krun', qboot: await open(p.qboot), kernel: await open(p.kernel), ramMiB: p.ramMiB };
      if (p.initrd !== undefined) k.initrd = await open(p.initrd);
      if (p.kernelGpa !== undefined) k.kernelGpa = p.kernelGpa;
      return k;
    }
    const ovmf = p.ovmfMetadata ? await openOvmfMetadataFile(p.ovmf) : await open(p.ovmf);
    const image: SpaceImage = { kind: 'ovmf', ovmf };
    const hash = p.snpOvmfHash !== undefined ? fromHex(p.snpOvmfHash) : isOvmfMetadataSource(ovmf) ? ovmf.ovmfMetadata.snpOvmfHash : undefined;
    if (p.ovmfMetadata && !hash) throw inputError('NO_OVMF_HASH', 'has no snpOvmfHash (the image size is not a multiple of 4096): give --snp-ovmf-hash', { file: p.ovmf });
    if (hash) image.snpOvmfHash = hash;
    if (p.kernelSha256 !== undefined) image.kernelSha256 = fromHex(p.kernelSha256)!;
    if (p.initrdSha256 !== undefined) image.initrdSha256 = fromHex(p.initrdSha256)!;
    if (p.kernel !== undefined) image.kernel = await open(p.kernel);
    if (p.initrd !== undefined) image.initrd = await open(p.initrd);
    if (p.append !== undefined) image.append = p.append;
    return image;
  }
}
