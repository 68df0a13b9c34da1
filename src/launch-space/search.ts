/**
 * "Which launch produced this MEASUREMENT?": searches a launch space for a target digest and
 * returns every matching configuration (a digest may come from several), ranked by evidence, plus
 * what was searched, for the no-match explanation (explain.ts).
 */
import { bytesEqual } from '../core/bytes.js';
import { forEachDigest, type EnumerateOptions } from './engine.js';
import { spaceSize } from './space.js';
import type { LaunchCell, LaunchSpace, SpaceImage } from './types.js';

export interface SearchOptions extends EnumerateOptions {
  /** Stop at the first match instead of listing every configuration that gives the digest. */
  first?: boolean;
  /** A signature to rank first (the host CPU of a v3+ report, for `-cpu host`). */
  preferSig?: number;
  /** Clock for `ms` (performance.now in Node and browsers). */
  now?: () => number;
}

export interface SearchResult {
  measurement: Uint8Array;
  matches: LaunchCell[];
  /** Configurations whose digest was computed. */
  configurations: number;
  /** Size of the space (configurations that would be computed without an early stop). */
  spaceSize: number;
  ms: number;
  /** Platforms that cannot launch the image at all (IGVM), with the reason. */
  skipped: { platform: string; reason: string }[];
}

export async function searchMeasurement(image: SpaceImage, space: LaunchSpace, target: Uint8Array, opts: SearchOptions = {}): Promise<SearchResult> {
  const now = opts.now ?? (() => globalThis.performance.now());
  const t0 = now();
  const matches: LaunchCell[] = [];
  const summary = await forEachDigest(
    image,
    space,
    (cell, digest) => {
      if (!bytesEqual(digest, target)) return true;
      matches.push({ ...cell });
      return !opts.first;
    },
    opts.onProgress ? { onProgress: opts.onProgress } : {},
  );
  return {
    measurement: target,
    matches: rank(matches, opts.preferSig),
    configurations: summary.configurations,
    spaceSize: spaceSize(space, image.kind),
    ms: now() - t0,
    skipped: summary.skipped,
  };
}

/**
 * Most plausible first: the report's host signature, then the platform order of the space, KVM
 * INIT2 before legacy, the 48-bit VMSA GPA, the kernel-hashes page measured, fewer feature bits.
 */
function rank(cells: LaunchCell[], preferSig: number | undefined): LaunchCell[] {
  const score = (c: LaunchCell): number[] => [
    preferSig !== undefined && c.vcpuSig === preferSig ? 0 : 1,
    c.kvm === 'init2' ? 0 : 1,
    c.vmsaGpa < 2 ** 48 ? 0 : 1,
    c.kernelHashes ? 0 : 1,
    popcount(c.guestFeatures),
  ];
  return cells
    .map((c, i) => ({ c, s: [...score(c), i] }))
    .sort((a, b) => {
      for (let k = 0; k < a.s.length; k++) if (a.s[k] !== b.s[k]) return a.s[k]! - b.s[k]!;
      return 0;
    })
    .map((x) => x.c);
}

function popcount(v: bigint): number {
  let n = 0;
  for (let x = v; x > 0n; x >>= 1n) n += Number(x & 1n);
  return n;
}
