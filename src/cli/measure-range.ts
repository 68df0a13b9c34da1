/**
 * `measure --vcpus 1-64,96,128`: one digest per vCPU count in one pass (the launch-space engine with
 * a one-variant space), printed as `N<TAB>digest` lines or one JSON object. The list is taken out
 * of the argument vector before the reference-compatible parser runs, which then sees the largest
 * count, so every other option is checked exactly as for a single count.
 */
import { toBase64, toHex } from '../core/bytes.js';
import { inputError, usageError } from '../core/errors.js';
import { KVM_VMSA_GPA } from '../firmware/page-types.js';
import { forEachDigest, ovmfFacts, parseVcpuList, type LaunchSpace } from '../launch-space/index.js';
import { KVM_DEFAULT_RDX } from '../launch-space/signatures.js';
import type { MeasureRequest } from '../measure/request.js';
import { requestJsonOptions } from '../measure/request.js';
import { openSpaceImage, requestImagePaths } from './space-image.js';
import { formatJsonDoc } from './output.js';

/** A `--vcpus` value that is a list or range (not a plain integer), and the argv with it replaced by the largest count. */
export function takeVcpuList(argv: readonly string[]): { argv: string[]; counts?: number[] } {
  const out = [...argv];
  for (let i = 0; i < out.length; i++) {
    const a = out[i]!;
    let value: string | undefined;
    let eq = false;
    if (a === '--vcpus' && i + 1 < out.length) value = out[i + 1];
    else if (a.startsWith('--vcpus=')) {
      value = a.slice('--vcpus='.length);
      eq = true;
    }
    if (value === undefined || !/^\s*\d+\s*(-\s*\d+\s*)?(,\s*\d+\s*(-\s*\d+\s*)?)*$/.test(value) || /^\s*\d+\s*$/.test(value)) continue;
    const counts = parseVcpuList(value);
    const max = String(counts[counts.length - 1]);
    if (eq) out[i] = `--vcpus=${max}`;
    else out[i + 1] = max;
    return { argv: out, counts };
  }
  return { argv: out };
}

/** The one-variant space a request describes, over `counts`. */
function requestSpace(req: MeasureRequest, counts: number[]): LaunchSpace {
  if (req.kind === 'krun') {
    return { platforms: ['krun'], vcpus: counts, vcpuSigs: [0], guestFeatures: [0x1n], kvm: [req.kvm ?? 'legacy'], vmsaGpas: [KVM_VMSA_GPA], kernelHashes: [false], cloudRdx: [KVM_DEFAULT_RDX] };
  }
  if (req.kind === 'igvm') {
    return { platforms: [req.platform], vcpus: counts, vcpuSigs: [req.vcpuSig ?? 0], guestFeatures: [0x1n], kvm: ['init2'], vmsaGpas: [KVM_VMSA_GPA], kernelHashes: [req.paths.kernel !== undefined || req.kernelSha256 !== undefined], cloudRdx: [KVM_DEFAULT_RDX] };
  }
  if (req.mode !== 'snp') throw usageError('OPTION_CONFLICT', `a list or range of --vcpus needs mode snp (got mode ${req.mode})`, '--vcpus');
  return {
    platforms: [req.platform as 'qemu-kvm' | 'ec2' | 'gce'],
    vcpus: counts,
    vcpuSigs: [req.vcpuSig ?? 0],
    guestFeatures: [req.guestFeatures ?? 0x1n],
    kvm: [req.kvm ?? 'init2'],
    vmsaGpas: [req.vmsaGpa ?? KVM_VMSA_GPA],
    kernelHashes: [req.paths.kernel !== undefined || req.kernelSha256 !== undefined],
    cloudRdx: [req.rdx ?? KVM_DEFAULT_RDX],
  };
}

/** The image file a request names (for error lines). */
function imageFile(req: MeasureRequest): string {
  return req.kind === 'igvm' ? req.paths.igvm : req.kind === 'krun' ? req.paths.qboot : req.paths.ovmf;
}

export interface RangeOutput {
  json: boolean;
  base64: boolean;
}

/** Runs the request for every count; returns the text to print. */
export async function measureRange(req: MeasureRequest, counts: number[], o: RangeOutput): Promise<string> {
  const space = requestSpace(req, counts);
  const { image, close } = await openSpaceImage(requestImagePaths(req));
  // What a single-count IGVM measure passes besides the files: every count must get it too.
  if (image.kind === 'igvm' && req.kind === 'igvm') {
    image.launch = { ...image.launch, ...(req.guestFeatures !== undefined ? { guestFeatures: req.guestFeatures } : {}), ...(req.nativeZero ? { nativeZero: true } : {}) };
  }
  try {
    const rows: { vcpus: number; digest: Uint8Array }[] = [];
    const s = await forEachDigest(image, space, (cell, d) => void rows.push({ vcpus: cell.vcpus, digest: d.slice() }));
    // As for one count, where the same launch fails as an input error (exit 1) naming the image.
    if (s.skipped.length > 0) throw inputError('PLATFORM_CANNOT_LAUNCH', `${s.skipped[0]!.platform} cannot launch it: ${s.skipped[0]!.reason}`, { file: imageFile(req) });
    // As for one count: the digests stay the reference's, one stderr line says QEMU refuses them.
    const refused = req.platform === 'qemu-kvm' ? ((await ovmfFacts(image))?.qemuRefusals(Math.max(...counts)) ?? []) : [];
    if (refused.length > 0) process.stderr.write(`snp-launch measure: warning: QEMU refuses this launch: ${refused.join('; ')}\n`);
    if (o.json) {
      const { vcpus: _omit, ...options } = requestJsonOptions(req);
      // The single form's head (format, tool, version, image, mode, platform, algorithm), then one digest per count.
      return formatJsonDoc('measure-range', 1, {
        image: req.kind,
        mode: req.kind === 'ovmf' ? req.mode : req.platform,
        platform: req.platform,
        algorithm: 'sha384',
        options,
        digests: rows.map((r) => ({ vcpus: r.vcpus, measurement: toHex(r.digest) })),
      });
    }
    return rows.map((r) => `${r.vcpus}\t${o.base64 ? toBase64(r.digest) : toHex(r.digest)}`).join('\n') + '\n';
  } finally {
    await close();
  }
}
