/**
 * A set of guest-frame ranges made private so far. KVM's SNP_LAUNCH_UPDATE refuses a page whose RMP
 * entry is already assigned (sev_gmem_post_populate returns EEXIST), so the models remember which
 * GFNs were populated. Ranges are merged, so a launch that writes ascending runs stays O(1) in memory.
 */

export class RangeSet {
  /** Sorted, disjoint, non-adjacent [start, end) pairs, flattened. */
  private readonly r: number[] = [];

  /** The first address of [start, end) already in the set, or undefined. */
  overlap(start: number, end: number): number | undefined {
    const i = this.find(start);
    // Candidate ranges: the one that starts at or before `start`, and the next one.
    for (let k = Math.max(0, i - 1); k <= i && k * 2 < this.r.length; k++) {
      const s = this.r[k * 2]!;
      const e = this.r[k * 2 + 1]!;
      if (s < end && start < e) return Math.max(s, start);
    }
    return undefined;
  }

  add(start: number, end: number): void {
    let i = this.find(start);
    if (i > 0 && this.r[(i - 1) * 2 + 1]! >= start) i--;
    let s = start;
    let e = end;
    let j = i;
    while (j * 2 < this.r.length && this.r[j * 2]! <= e) {
      s = Math.min(s, this.r[j * 2]!);
      e = Math.max(e, this.r[j * 2 + 1]!);
      j++;
    }
    this.r.splice(i * 2, (j - i) * 2, s, e);
  }

  /** Index of the first range whose start is > `addr` (binary search). */
  private find(addr: number): number {
    let lo = 0;
    let hi = this.r.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.r[mid * 2]! <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
