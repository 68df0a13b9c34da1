/**
 * The fewest directive moves that put the measured directives into a wanted order: the directives
 * on a longest subsequence already in that order stay where they are, every other one is moved to
 * just after its predecessor in the wanted order (or before the first measured directive). Headers
 * that are not measured stay in place. O(n log n) in the number of measured directives.
 */
import { longestIncreasing } from '../core/sequence.js';

export interface Movable {
  /** Position in the directive list. */
  pos: number;
  /** Rank in the wanted order (0 = first). */
  rank: number;
  /** Extra directive positions that travel with it, placed just before it (a parameter area and its usages). */
  companions?: number[];
}

export interface MovePlan {
  /** The new directive order, as positions of the old list. */
  order: number[];
  /** The moved directives (positions), each with the position it now follows (or -1: placed first). */
  moved: { pos: number; after: number }[];
}

export function planMoves(count: number, items: Movable[]): MovePlan {
  const keep = longestIncreasing(items.map((m) => m.rank));
  const movers = items.filter((_, i) => !keep.has(i)).sort((a, b) => a.rank - b.rank);
  if (movers.length === 0) return { order: Array.from({ length: count }, (_, i) => i), moved: [] };
  const travelling = new Set<number>();
  for (const m of movers) {
    travelling.add(m.pos);
    for (const c of m.companions ?? []) travelling.add(c);
  }
  const order = Array.from({ length: count }, (_, i) => i).filter((i) => !travelling.has(i));
  const byRank = [...items].sort((a, b) => a.rank - b.rank);
  const placed = new Set(items.filter((_, i) => keep.has(i)).map((m) => m.pos));
  const moved: MovePlan['moved'] = [];
  for (const m of movers) {
    // The closest predecessor in the wanted order that is already placed.
    let after = -1;
    for (const x of byRank) {
      if (x.rank >= m.rank) break;
      if (placed.has(x.pos)) after = x.pos;
    }
    const unit = [...(m.companions ?? []), m.pos];
    if (after >= 0) {
      order.splice(order.indexOf(after) + 1, 0, ...unit);
    } else {
      // Before the first placed measured directive (or at the end when none is placed yet).
      const first = order.findIndex((p) => placed.has(p));
      order.splice(first < 0 ? order.length : first, 0, ...unit);
    }
    placed.add(m.pos);
    moved.push({ pos: m.pos, after });
  }
  return { order, moved };
}
