/**
 * On which launches does an image's embedded SNP_ID_BLOCK hold? SNP_LAUNCH_FINISH rejects an ID
 * block whose LD differs from the launch digest, and an IGVM file's digest depends on the platform
 * and, on qemu-kvm, on the vCPU count and the AP signature. This searches the default launch space
 * of the image (docs/launch-space.md) for ID_BLOCK.LD and groups the matching launches by platform,
 * as `igvm inspect` prints them (issue 17).
 */
import { toHex } from '../core/bytes.js';
import { searchMeasurement } from './search.js';
import { describeSignature } from './signatures.js';
import { defaultSpace } from './space.js';
import type { SpaceImage } from './types.js';

export interface IdBlockPlatformLaunches {
  platform: string;
  /** vCPU counts whose launch digest equals the ID block's LD, ascending. */
  vcpus: number[];
  /** The same as text ranges, e.g. "1-512" or "4". */
  vcpusText: string;
  /** qemu-kvm with more than one vCPU: the AP signatures that match ("0x%08x (names)"). */
  apSignatures?: string[];
}

export interface IdBlockLaunches {
  /** ID_BLOCK.LD, lowercase hex. */
  ld: string;
  /** vCPU counts searched, e.g. "1-512". */
  searchedVcpus: string;
  configurations: number;
  /** Platforms with at least one matching launch (empty: the ID block fits no launch searched). */
  platforms: IdBlockPlatformLaunches[];
}

/** Searches the default launch space of `image` for `ld` and groups the matches by platform. */
export async function idBlockLaunches(image: SpaceImage, ld: Uint8Array): Promise<IdBlockLaunches> {
  const space = defaultSpace(image.kind);
  const r = await searchMeasurement(image, space, ld);
  const by = new Map<string, { vcpus: Set<number>; sigs: Set<number> }>();
  for (const c of r.matches) {
    const g = by.get(c.platform) ?? { vcpus: new Set<number>(), sigs: new Set<number>() };
    g.vcpus.add(c.vcpus);
    if (c.platform === 'qemu-kvm' && c.vcpus > 1) g.sigs.add(c.vcpuSig);
    by.set(c.platform, g);
  }
  const platforms: IdBlockPlatformLaunches[] = [];
  for (const p of space.platforms) {
    const g = by.get(p);
    if (!g) continue;
    const vcpus = [...g.vcpus].sort((a, b) => a - b);
    const row: IdBlockPlatformLaunches = { platform: p, vcpus, vcpusText: rangesText(vcpus) };
    if (g.sigs.size > 0) row.apSignatures = [...g.sigs].sort((a, b) => a - b).map(sigText);
    platforms.push(row);
  }
  return { ld: toHex(ld), searchedVcpus: rangesText(space.vcpus), configurations: r.configurations, platforms };
}

/** One line per platform, e.g. "qemu-kvm: 4 vCPUs (AP signature 0x00800f12 (EPYC-v4))". */
export function idBlockLaunchLines(l: IdBlockLaunches): string[] {
  if (l.platforms.length === 0) return [`no launch of the ${l.configurations.toLocaleString('en-US')} searched (vCPUs ${l.searchedVcpus}) has this launch digest: SNP_LAUNCH_FINISH rejects this ID block everywhere`];
  return l.platforms.map((p) => {
    const n = p.vcpus.length === 1 && p.vcpus[0] === 1 ? '1 vCPU' : `${p.vcpusText} vCPUs`;
    const sigs = p.apSignatures ? ` (AP signature ${p.apSignatures.join(', ')})` : '';
    return `${p.platform}: ${n}${sigs}`;
  });
}

function sigText(sig: number): string {
  const hex = '0x' + sig.toString(16).padStart(8, '0');
  const models = describeSignature(sig).qemuModels;
  return models.length > 0 ? `${hex} (${models.join(', ')})` : hex;
}

/** Ascending counts as "1-4,8,16-32". */
export function rangesText(v: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < v.length; ) {
    let j = i;
    while (j + 1 < v.length && v[j + 1] === v[j]! + 1) j++;
    out.push(i === j ? String(v[i]) : `${v[i]}-${v[j]}`);
    i = j + 1;
  }
  return out.join(',');
}
