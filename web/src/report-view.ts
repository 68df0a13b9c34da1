/** Report-check panel output: the verdicts, the parsed fields and which platform the MEASUREMENT matches. */
import { h } from './dom.js';
import type { ReportCheckData } from './protocol.js';

export function renderReport(out: HTMLElement, r: ReportCheckData): void {
  const match = r.matches.length > 0
    ? h('p', { class: 'ok', id: 'report-match' }, `MEASUREMENT matches: ${r.matches.join(', ')}`)
    : h('p', { class: 'bad', id: 'report-match' }, 'MEASUREMENT matches none of the predicted digests.');
  out.replaceChildren(
    h('ul', { id: 'report-verdicts' }, ...r.verification.map((v) => h('li', { class: v.ok ? 'ok' : 'bad', 'data-ok': String(v.ok) }, `${v.ok ? '✔' : '✘'} ${v.text}`))),
    h('p', {}, 'MEASUREMENT ', h('span', { class: 'mono hash' }, r.measurement)),
    match,
    h('div', { class: 'scroll' }, h('table', {}, h('tbody', {}, ...r.fields.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'mono hash' }, v)))))),
  );
  out.dataset.ok = String(r.ok);
}
