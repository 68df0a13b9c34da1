/**
 * The vCPU table: one row per count, one column per platform. Equal digests anywhere in the table
 * share a group letter and colour, so a column that does not change with the count, or two
 * platforms that agree, show as one letter; each cell expands to the full digest.
 */
import { h } from './dom.js';
import { digestChip } from './digest-view.js';
import { groupDigests, legendText } from './groups.js';
import type { RangeData } from './protocol.js';

export function renderRange(out: HTMLElement, r: RangeData): void {
  const grouping = groupDigests(r.rows.flatMap((row) => row.digests.map((d, i) => ({ id: `${r.platforms[i]} × ${row.vcpus}`, digest: d }))));
  const head = h('tr', {}, h('th', { scope: 'col' }, 'vCPUs'), ...r.platforms.map((p) => h('th', { scope: 'col' }, p)));
  const rows = r.rows.map((row) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, String(row.vcpus)),
      ...row.digests.map((d, i) => {
        if (!d) return h('td', {}, '—');
        const g = grouping.of.get(`${r.platforms[i]} × ${row.vcpus}`)!;
        return h('td', { class: 'cell', title: d, 'data-digest': d, 'data-group': g.letter }, digestChip(d, g, `${r.platforms[i]} ${row.vcpus} vCPU digest`));
      }),
    ),
  );
  const summary = h('p', { class: 'muted', id: 'range-summary' }, `${r.configurations.toLocaleString()} digests in ${Math.round(r.ms)} ms; ${grouping.groups.length} distinct (same letter = same digest)`);
  const skipped = r.skipped.map((s) => h('p', { class: 'muted' }, `${s.platform} cannot launch this image: ${s.reason}`));
  out.replaceChildren(summary, h('div', { class: 'scroll', tabindex: 0 }, h('table', { class: 'digests vtable', id: 'range-table', 'aria-label': legendText(grouping.groups).slice(0, 200) }, head, ...rows)), ...skipped);
}
