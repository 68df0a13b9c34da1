/** Report-check panel output: the verdicts, the parsed fields and which platform the MEASUREMENT matches. */
import { h } from './dom.js';
import type { ReportCheckData } from './protocol.js';

export function renderReport(out: HTMLElement, r: ReportCheckData, predictions: number): void {
  const match =
    r.matches.length > 0
      ? h('p', { class: 'ok', id: 'report-match' }, `MEASUREMENT matches: ${r.matches.join(', ')}`)
      : predictions === 0
        ? h('p', { class: 'muted', id: 'report-match' }, 'No predicted digests to compare with: measure an image above first.')
        : h('p', { class: 'bad', id: 'report-match' }, `MEASUREMENT matches none of the ${predictions} predicted SNP digests.`);
  const checked = r.verification.length > 1 || r.verification.some((v) => v.ok);
  const verdict = !checked
    ? h('p', { class: 'muted', id: 'report-verdict' }, 'Not verified (no certificate given).')
    : r.ok
      ? h('p', { class: 'ok', id: 'report-verdict' }, 'Report verified: signature, certificate chain to the AMD root, and report ↔ certificate binding.')
      : h('p', { class: 'bad', id: 'report-verdict' }, 'Report NOT verified: see the failed checks.');
  out.replaceChildren(
    verdict,
    h('ul', { id: 'report-verdicts', class: 'checks' }, ...r.verification.map((v) => h('li', { class: v.ok ? 'ok' : 'bad', 'data-ok': String(v.ok) }, `${v.ok ? '✔' : '✘'} ${v.text}`))),
    h('p', {}, 'MEASUREMENT ', h('span', { class: 'mono hash' }, r.measurement)),
    match,
    h('div', { class: 'scroll' }, h('table', {}, h('tbody', {}, ...r.fields.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'mono hash' }, v)))))),
  );
  out.dataset.ok = String(r.ok);
}
