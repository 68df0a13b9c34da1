/**
 * Memory-map panel: each segment (memmap-layout.ts) is a track drawn to scale with its GPA bounds;
 * a break between tracks says how far apart they are. Every range is a button (keyboard
 * accessible) colored by page type; hovering, focusing or clicking it lists its log entries.
 */
import { PAGE_TYPE_NAMES, type PageType } from '../../src/firmware/page-types.js';
import { byId, h, hexOf } from './dom.js';
import { buildRanges, buildSegments, formatSize, hexGpa, type MapRange } from './memmap-layout.js';
import type { LogEntryData, RowData } from './protocol.js';

/** Longest entry list shown at once; the rest are summarised. */
const MAX_LISTED = 200;
const LANE_PX = 30;

const typeName = (t: number) => PAGE_TYPE_NAMES[t as PageType] ?? `type ${t}`;

export function legend(): HTMLElement {
  const types = ['NORMAL', 'ZERO', 'UNMEASURED', 'SECRETS', 'CPUID', 'VMSA'];
  return h('ul', { class: 'legend', 'aria-label': 'page types' }, ...types.map((t) => h('li', {}, h('span', { class: `swatch t-${t}` }), t)));
}

export function renderMap(row: RowData, target: HTMLElement, details: HTMLElement): void {
  target.replaceChildren();
  details.replaceChildren();
  const log = row.log ?? [];
  if (log.length === 0) {
    target.append(h('p', { class: 'muted' }, row.reason ? `${row.id}: ${row.reason}` : `${row.id} has no measurement log (SEV and SEV-ES measure one SHA-256, not pages).`));
    return;
  }
  const ranges = buildRanges(log);
  const segs = buildSegments(ranges);
  const byType = new Map<string, number>();
  for (const e of log) byType.set(typeName(e.pageType), (byType.get(typeName(e.pageType)) ?? 0) + 1);
  target.append(
    h(
      'p',
      { class: 'muted', id: 'map-summary' },
      `${row.id}, ${row.vcpus} vCPU${row.vcpus === 1 ? '' : 's'}: ${log.length} measured steps in ${ranges.length} ranges (` +
        [...byType].map(([t, n]) => `${n} ${t}`).join(', ') +
        ')',
    ),
  );
  let selected: HTMLElement | undefined;
  const show = (r: MapRange, el: HTMLElement, pin: boolean) => {
    if (pin) {
      selected?.classList.remove('selected');
      selected = el;
      el.classList.add('selected');
    } else if (selected && selected !== el) return; // a pinned selection wins over hover
    listEntries(row, log, r, details);
  };
  for (const s of segs) {
    if (s.gapBefore > 0) target.append(h('div', { class: 'break', role: 'separator' }, `≈ ${formatSize(s.gapBefore)} not measured`));
    const span = s.end - s.start;
    const track = h('div', { class: 'track', style: `height:${s.lanes * LANE_PX}px` });
    for (const r of s.ranges) {
      const left = ((r.start - s.start) / span) * 100;
      const width = ((r.end - r.start) / span) * 100;
      const pages = (r.end - r.start) / 4096;
      const name = typeName(r.pageType);
      const label = `${name} ${hexGpa(r.start)}–${hexGpa(r.end)} (${pages} page${pages === 1 ? '' : 's'}, steps ${log[r.first]!.index}–${log[r.last]!.index}): ${r.origin}`;
      const el = h(
        'button',
        {
          type: 'button',
          class: `range t-${name}`,
          'data-type': name,
          'data-gpa': hexGpa(r.start),
          'aria-label': label,
          title: label,
          style: `left:${left}%;width:${width}%;top:${r.lane * LANE_PX}px`,
        },
        h('span', {}, r.pageType === 2 ? r.origin : name),
      );
      el.addEventListener('mouseenter', () => show(r, el, false));
      el.addEventListener('focus', () => show(r, el, false));
      el.addEventListener('click', () => show(r, el, true));
      track.append(el);
    }
    target.append(
      h(
        'div',
        { class: 'segment' },
        h('div', { class: 'axis' }, h('span', {}, hexGpa(s.start)), h('span', { class: 'muted' }, formatSize(span)), h('span', {}, hexGpa(s.end))),
        track,
      ),
    );
  }
}

function listEntries(row: RowData, log: LogEntryData[], r: MapRange, details: HTMLElement): void {
  const n = r.last - r.first + 1;
  const shown = log.slice(r.first, r.first + Math.min(n, MAX_LISTED));
  const more = n > MAX_LISTED ? h('p', { class: 'muted' }, `… and ${n - MAX_LISTED} more entries (export the JSON with log for all of them).`) : '';
  details.replaceChildren(
    h('h3', {}, `${typeName(r.pageType)} ${hexGpa(r.start)}–${hexGpa(r.end)} · ${n} log entr${n === 1 ? 'y' : 'ies'} · ${row.id}`),
    h(
      'div',
      { class: 'scroll', tabindex: 0 },
      h(
        'table',
        { class: 'log' },
        h('thead', {}, h('tr', {}, h('th', {}, 'step'), h('th', {}, 'GPA'), h('th', {}, 'type'), h('th', {}, 'origin'), h('th', {}, 'contents'), h('th', {}, 'digest after'))),
        h(
          'tbody',
          {},
          ...shown.map((e) =>
            h(
              'tr',
              {},
              h('td', {}, String(e.index)),
              h('td', { class: 'mono' }, hexGpa(e.gpa)),
              h('td', {}, typeName(e.pageType)),
              h('td', {}, e.origin),
              h('td', { class: 'mono hash' }, hexOf(e.contents)),
              h('td', { class: 'mono hash' }, hexOf(e.digest)),
            ),
          ),
        ),
      ),
    ),
    more,
  );
}

export function mapTargets(): { map: HTMLElement; details: HTMLElement } {
  return { map: byId('map'), details: byId('map-details') };
}
