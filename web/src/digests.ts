/**
 * Digest table: one row per platform (and per mode for OVMF) with the digest as a coloured group
 * chip (digest-view.ts), the equivalent CLI command and JSON export (the CLI's `measure --json`,
 * with or without `--log`). A platform that cannot launch the input shows the reason instead of a
 * digest. Above the table a legend names the groups; below it a platform × platform grid shows
 * which SNP launches agree.
 */
import { copyText, h, prose } from './dom.js';
import { agreementGrid, digestChip, groupLegend } from './digest-view.js';
import { groupDigests, type Grouping } from './groups.js';
import type { RowData } from './protocol.js';

export interface DigestActions {
  exportJson(rowId: string, log: boolean): void;
}

export interface DigestTargets {
  table: HTMLTableElement;
  legend: HTMLElement;
  grid: HTMLElement;
}

/** `partial`: the measurement is still running (rows so far; exports disabled until it ends). */
export function renderDigests(t: DigestTargets, rows: RowData[], kind: 'ovmf' | 'igvm', act: DigestActions, matches: ReadonlySet<string> = new Set(), partial = false): Grouping {
  const grouping = groupDigests(rows);
  t.table.replaceChildren(
    h('caption', { class: 'muted' }, kind === 'ovmf' ? 'OVMF: every VMM type and mode' : 'IGVM: every platform'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'platform'), h('th', { scope: 'col' }, 'mode'), h('th', { scope: 'col' }, 'digest'), h('th', { scope: 'col' }, 'time'), h('th', { scope: 'col' }, 'actions'))),
    h('tbody', {}, ...rows.map((r) => rowEl(r, grouping, act, matches.has(r.id), partial))),
  );
  t.table.dataset.partial = String(partial);
  t.table.dataset.rows = String(rows.length);
  t.table.dataset.digests = String(rows.filter((r) => r.digest).length);
  t.legend.replaceChildren(rows.some((r) => r.digest) ? groupLegend(grouping, 'digest-legend') : '');
  // The grid compares SNP launches (one per platform); SEV/SEV-ES digests are another hash.
  const snp = rows.filter((r) => r.mode === 'snp').map((r) => r.id);
  t.grid.replaceChildren(!partial && snp.length > 1 ? agreementGrid(snp, grouping, 'agreement') : '');
  return grouping;
}

function rowEl(r: RowData, grouping: Grouping, act: DigestActions, match: boolean, partial: boolean): HTMLTableRowElement {
  const g = grouping.of.get(r.id);
  const digestCell = r.digest
    ? h('td', { class: 'digest', 'data-row': r.id, 'data-digest': r.digest, 'data-group': g?.letter }, digestChip(r.digest, g, `${r.id} digest`), ...r.warnings.map((w) => h('div', { class: 'warn' }, ...prose(`⚠ ${w}`))))
    : h('td', { class: 'reason', 'data-row': r.id, 'data-reason': 'true' }, ...prose(`cannot launch: ${r.reason ?? 'unknown reason'}`));
  const cli = h('button', { type: 'button', 'aria-label': `copy the CLI command for ${r.id}`, title: r.cli }, 'CLI');
  cli.addEventListener('click', () => void copyText(r.cli, cli));
  const json = h('button', { type: 'button', 'aria-label': `export ${r.id} as JSON (snp-launch measure --json)`, disabled: !r.digest || partial, 'data-json': r.id }, 'JSON');
  json.addEventListener('click', () => act.exportJson(r.id, false));
  const jsonLog = h('button', { type: 'button', 'aria-label': `JSON+log: export ${r.id} as JSON with the measurement log (--json --log)`, disabled: partial || !r.log }, 'JSON+log');
  jsonLog.addEventListener('click', () => act.exportJson(r.id, true));
  return h(
    'tr',
    { class: [match ? 'match' : '', r.refused ? 'refused' : ''].join(' ').trim() || undefined, 'data-row': r.id, 'data-refused': r.refused ? 'true' : undefined },
    h('th', { scope: 'row', class: 'platform' }, r.platform),
    h('td', { class: 'mode' }, r.mode, match ? h('div', { class: 'ok' }, '= report') : null, r.refused ? h('div', { class: 'refused', title: r.refused.join('; ') }, 'QEMU refuses') : null),
    digestCell,
    h('td', { class: 'muted time' }, r.digest ? `${Math.round(r.ms)} ms` : ''),
    h('td', { class: 'actions' }, cli, json, jsonLog),
  );
}
