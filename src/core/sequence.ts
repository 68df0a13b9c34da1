/** Small sequence algorithms shared by layers (portable IGVM reordering, QEMU trace comparison). */

/** Positions (in input order) of one longest strictly increasing subsequence of ranks (patience sorting, O(n log n)). */
export function longestIncreasing(ranks: readonly number[]): Set<number> {
  const tails: number[] = []; // index into ranks of the smallest tail of each length
  const prev = new Array<number>(ranks.length).fill(-1);
  for (let i = 0; i < ranks.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ranks[tails[mid]!]! < ranks[i]!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1]!;
    tails[lo] = i;
  }
  const keep = new Set<number>();
  for (let i = tails.length > 0 ? tails[tails.length - 1]! : -1; i >= 0; i = prev[i]!) keep.add(i);
  return keep;
}
