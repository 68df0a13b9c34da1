/** The vCPU table: one row per count, one column per platform, digests shortened (full value in the title). */
import { h } from './dom.js';
import type { RangeData } from './protocol.js';

export function renderRange(out: HTMLElement, r: RangeData): void {
  const head = h('tr', {}, h('th', {}, 'vCPUs'), ...r.platforms.map((p) => h('th', {}, p)));
  const rows = r.rows.map((row) =>
    h('tr', {}, h('td', {}, String(row.vcpus)), ...row.digests.map((d) => h('td', { class: 'mono', title: d ?? '' }, d ? `${d.slice(0, 16)}…` : '—'))),
  );
  const summary = h('p', { class: 'muted', id: 'range-summary' }, `${r.configurations.toLocaleString()} digests in ${Math.round(r.ms)} ms`);
  const skipped = r.skipped.map((s) => h('p', { class: 'muted' }, `${s.platform} cannot launch this image: ${s.reason}`));
  out.replaceChildren(summary, h('table', { class: 'digests', id: 'range-table' }, head, ...rows), ...skipped);
}
