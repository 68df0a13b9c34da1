/**
 * Opening the files of an image for the launch-space layer (match, measure --vcpus lists, the
 * report verify hint): every file as a streamed ByteSource, closed again by `close`.
 */
import type { ByteSource } from '../core/source.js';
import type { ImagePaths, SpaceImage } from '../launch-space/index.js';
import type { MeasureRequest } from '../measure/request.js';
import { openFileSource } from '../node/file-source.js';

/** The image paths of a measure request (OVMF with its kernel, initrd and command line, or IGVM). */
export function requestImagePaths(req: MeasureRequest): ImagePaths {
  if (req.kind === 'igvm') return { kind: 'igvm', igvm: req.paths.igvm };
  if (req.kind === 'krun') {
    const k: ImagePaths = { kind: 'krun', qboot: req.paths.qboot, kernel: req.paths.kernel, ramMiB: req.ramMiB };
    if (req.paths.initrd !== undefined) k.initrd = req.paths.initrd;
    if (req.kernelGpa !== undefined) k.kernelGpa = req.kernelGpa;
    return k;
  }
  const p: ImagePaths = { kind: 'ovmf', ovmf: req.paths.ovmf };
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
  const open = async (path: string) => {
    const s = await openFileSource(path);
    opened.push(s);
    return s;
  };
  try {
    if (p.kind === 'igvm') return { image: { kind: 'igvm', igvm: await open(p.igvm) }, close };
    if (p.kind === 'krun') {
      const k: SpaceImage = { kind: 'krun', qboot: await open(p.qboot), kernel: await open(p.kernel), ramMiB: p.ramMiB };
      if (p.initrd !== undefined) k.initrd = await open(p.initrd);
      if (p.kernelGpa !== undefined) k.kernelGpa = p.kernelGpa;
      return { image: k, close };
    }
    const image: SpaceImage = { kind: 'ovmf', ovmf: await open(p.ovmf) };
    if (p.kernel !== undefined) image.kernel = await open(p.kernel);
    if (p.initrd !== undefined) image.initrd = await open(p.initrd);
    if (p.append !== undefined) image.append = p.append;
    return { image, close };
  } catch (e) {
    await close();
    throw e;
  }
}
