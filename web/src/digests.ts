/**
 * Digest table: one row per platform (and per mode for OVMF) with the digest, copy buttons, the
 * equivalent CLI command and JSON export (the CLI's `measure --json`, with or without `--log`).
 * A platform that cannot launch the input shows the reason instead of a digest.
 */
import { copyText, h } from './dom.js';
import type { RowData } from './protocol.js';

export interface DigestActions {
  exportJson(rowId: string, log: boolean): void;
}

/** `partial`: the measurement is still running (rows so far; exports disabled until it ends). */
export function renderDigests(table: HTMLTableElement, rows: RowData[], kind: 'ovmf' | 'igvm', act: DigestActions, matches: ReadonlySet<string> = new Set(), partial = false): void {
  table.replaceChildren(
    h('caption', { class: 'muted' }, kind === 'ovmf' ? 'OVMF: every VMM type and mode' : 'IGVM: every platform'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'platform'), h('th', { scope: 'col' }, 'mode'), h('th', { scope: 'col' }, 'digest'), h('th', { scope: 'col' }, 'time'), h('th', { scope: 'col' }, 'actions'))),
    h('tbody', {}, ...rows.map((r) => rowEl(r, act, matches.has(r.id), partial))),
  );
  table.dataset.partial = String(partial);
  table.dataset.rows = String(rows.length);
  table.dataset.digests = String(rows.filter((r) => r.digest).length);
}

function rowEl(r: RowData, act: DigestActions, match: boolean, partial: boolean): HTMLTableRowElement {
  const digestCell = r.digest
    ? h('td', { class: 'digest', 'data-row': r.id }, r.digest, ...r.warnings.map((w) => h('div', { class: 'warn' }, `⚠ ${w}`)))
    : h('td', { class: 'reason', 'data-row': r.id, 'data-reason': 'true' }, `cannot launch: ${r.reason ?? 'unknown reason'}`);
  const copy = h('button', { type: 'button', 'aria-label': `copy the ${r.id} digest`, disabled: !r.digest }, 'copy');
  copy.addEventListener('click', () => void copyText(r.digest ?? '', copy));
  const cli = h('button', { type: 'button', 'aria-label': `copy the CLI command for ${r.id}`, title: r.cli }, 'CLI');
  cli.addEventListener('click', () => void copyText(r.cli, cli));
  const json = h('button', { type: 'button', 'aria-label': `export ${r.id} as JSON (snp-launch measure --json)`, disabled: !r.digest || partial, 'data-json': r.id }, 'JSON');
  json.addEventListener('click', () => act.exportJson(r.id, false));
  const jsonLog = h('button', { type: 'button', 'aria-label': `export ${r.id} as JSON with the log (--json --log)`, disabled: partial || !r.log }, 'JSON+log');
  jsonLog.addEventListener('click', () => act.exportJson(r.id, true));
  return h(
    'tr',
    { class: match ? 'match' : undefined, 'data-row': r.id },
    h('th', { scope: 'row' }, r.platform),
    h('td', {}, r.mode, match ? h('div', { class: 'ok' }, '= report') : null),
    digestCell,
    h('td', { class: 'muted time' }, r.digest ? `${Math.round(r.ms)} ms` : ''),
    h('td', { class: 'actions' }, copy, cli, json, jsonLog),
  );
}
