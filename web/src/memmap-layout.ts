/**
 * Memory-map layout: turns a measurement log into GPA ranges (runs of contiguous pages of one type
 * from one origin), groups nearby ranges into segments drawn to scale, and breaks the axis where
 * ranges are far apart (firmware below 4 GiB, VMSAs at 0xFFFFFFFFF000). Ranges that overlap (every
 * KVM VMSA is measured at the same GPA) get separate lanes so each one stays visible. DOM-free.
 */
import { PAGE_SIZE, PageType } from '../../src/firmware/page-types.js';
import type { LogEntryData } from './protocol.js';

export interface MapRange {
  start: number;
  /** Exclusive. */
  end: number;
  pageType: number;
  /** Positions in the log array (inclusive). */
  first: number;
  last: number;
  origin: string;
  lane: number;
}

export interface MapSegment {
  start: number;
  end: number;
  lanes: number;
  ranges: MapRange[];
  /** Bytes skipped since the previous segment's end (0 for the first). */
  gapBefore: number;
}

/** A gap larger than this, and larger than twice the segment so far, breaks the axis. */
const MIN_BREAK = 256 * 1024;

/** Origins that differ only in numbers ("page 3" / "page 4") belong to one range. */
const originFamily = (o: string) => o.replace(/0x[0-9a-f]+|\d+/gi, '#');

export function buildRanges(log: readonly LogEntryData[]): MapRange[] {
  const out: MapRange[] = [];
  log.forEach((e, i) => {
    const prev = out[out.length - 1];
    if (
      prev &&
      e.pageType !== PageType.VMSA &&
      prev.pageType === e.pageType &&
      prev.last === i - 1 &&
      prev.end === e.gpa &&
      originFamily(prev.origin) === originFamily(e.origin)
    ) {
      prev.end += PAGE_SIZE;
      prev.last = i;
      return;
    }
    out.push({ start: e.gpa, end: e.gpa + PAGE_SIZE, pageType: e.pageType, first: i, last: i, origin: e.origin, lane: 0 });
  });
  return out;
}

export function buildSegments(ranges: readonly MapRange[]): MapSegment[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.first - b.first);
  const segs: MapSegment[] = [];
  for (const r of sorted) {
    const cur = segs[segs.length - 1];
    const gap = cur ? r.start - cur.end : 0;
    if (cur && gap <= Math.max(MIN_BREAK, 2 * (cur.end - cur.start))) {
      cur.ranges.push(r);
      cur.end = Math.max(cur.end, r.end);
    } else {
      segs.push({ start: r.start, end: r.end, lanes: 1, ranges: [r], gapBefore: cur ? gap : 0 });
    }
  }
  for (const s of segs) assignLanes(s);
  return segs;
}

/** Greedy interval partitioning: ranges are sorted by start, so this uses the fewest lanes. */
function assignLanes(s: MapSegment): void {
  const laneEnds: number[] = [];
  for (const r of s.ranges) {
    let lane = laneEnds.findIndex((end) => end <= r.start);
    if (lane < 0) {
      lane = laneEnds.length;
      laneEnds.push(0);
    }
    laneEnds[lane] = r.end;
    r.lane = lane;
  }
  s.lanes = Math.max(1, laneEnds.length);
}

/** "4 KiB", "1.5 MiB", "3.99 GiB". */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

export const hexGpa = (v: number): string => '0x' + v.toString(16);
