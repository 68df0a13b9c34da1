/**
 * Report-check panel output. The signature verdict comes first, above everything else (issue 16
 * item 8); then each check, MEASUREMENT (in its table group's colour when a row has it), the rows
 * it matches or the launch search, the AMD KDS links (to open; the page fetches nothing), and the
 * parsed fields.
 */
import { h, prose } from './dom.js';
import { digestChip } from './digest-view.js';
import type { Grouping } from './groups.js';
import type { CheckLine, EndorsementGroup, ReportCheckData, SearchData, SignatureVerdict } from './protocol.js';

const VERDICT: Record<SignatureVerdict, { cls: string; mark: string; head: string }> = {
  verified: { cls: 'ok', mark: '✔', head: 'Report verified' },
  failed: { cls: 'bad', mark: '✘', head: 'Report NOT verified' },
  unchecked: { cls: 'bad', mark: '⚠', head: 'Report NOT verified' },
};

/** The signature verdict as a banner (also used by the reference-values panel). */
export function verdictBanner(verdict: SignatureVerdict, summary: string, id?: string): HTMLElement {
  const v = VERDICT[verdict];
  const text = summary.replace(/^(NOT )?verified: /, '');
  return h('p', { class: `verdict ${v.cls}`, id, 'data-verdict': verdict }, h('span', { 'aria-hidden': 'true' }, `${v.mark} `), h('strong', {}, `${v.head}: `), ...prose(text));
}

export function checkList(lines: CheckLine[], id?: string): HTMLElement {
  return h('ul', { id, class: 'checks' }, ...lines.map((v) => h('li', { class: v.info ? 'muted' : v.ok ? 'ok' : 'bad', 'data-ok': v.info ? 'info' : String(v.ok) }, ...prose(`${v.info ? 'ℹ' : v.ok ? '✔' : '✘'} ${v.text}`))));
}

/**
 * The endorsement and binding checks, one heading per file. On a report whose signature is not
 * verified they still run (to show what the endorsement says), under a line saying they prove nothing.
 */
export function endorsementList(groups: EndorsementGroup[], verdict: SignatureVerdict): HTMLElement | null {
  if (groups.length === 0) return null;
  return h(
    'div',
    { id: 'report-endorsements-out' },
    h('h3', {}, 'Endorsements and bindings'),
    verdict === 'verified' ? null : h('p', { class: 'bad' }, 'The report is NOT verified: these checks compare the files with what the report claims, which proves nothing about a real launch.'),
    ...groups.map((g) => h('div', { class: 'endorsement-group', 'data-file': g.file }, h('h4', {}, g.file, h('span', { class: 'muted' }, ` — ${g.what}`)), checkList(g.checks))),
  );
}

export function renderReport(out: HTMLElement, r: ReportCheckData, predictions: number, grouping?: Grouping): void {
  const match =
    r.matches.length > 0
      ? r.verdict === 'verified'
        ? h('p', { class: 'ok', id: 'report-match' }, `MEASUREMENT matches: ${r.matches.join(', ')}`)
        : h('p', { class: 'bad', id: 'report-match' }, `MEASUREMENT matches: ${r.matches.join(', ')} — but the report is NOT verified, so this says nothing about a real launch`)
      : predictions === 0
        ? h('p', { class: 'muted', id: 'report-match' }, 'No predicted digests to compare with: measure an image above first.')
        : h('p', { class: 'bad', id: 'report-match' }, `MEASUREMENT matches none of the ${predictions} predicted SNP digests.`);
  const group = grouping?.groups.find((g) => g.digest === r.measurement);
  const kds =
    r.kds.length === 0
      ? null
      : h(
          'div',
          { id: 'report-kds' },
          h('h3', {}, 'Where AMD publishes the certificates'),
          h('p', { class: 'muted' }, 'Open a link to download the file, then drop it here. The page itself fetches nothing (snp-launch kds fetch does it on the command line).'),
          h('ul', { class: 'links' }, ...r.kds.map((k) => h('li', {}, h('a', { href: k.url, target: '_blank', rel: 'noopener noreferrer' }, k.label), h('br'), h('code', { class: 'url' }, k.url)))),
        );
  out.replaceChildren(
    verdictBanner(r.verdict, r.summary, 'report-verdict'),
    checkList(r.verification, 'report-verdicts'),
    ...[endorsementList(r.endorsements, r.verdict)].filter((x) => x !== null),
    ...(r.unchecked.length > 0 ? [h('p', { class: 'muted', id: 'report-unchecked' }, h('strong', {}, 'Not checked'), ` (nothing given pins them): ${r.unchecked.join(', ')}`)] : []),
    h('p', { class: 'measurement' }, 'MEASUREMENT ', digestChip(r.measurement, group, 'MEASUREMENT')),
    match,
    h('div', { id: 'report-search', 'aria-live': 'polite' }),
    ...(kds ? [kds] : []),
    h(
      'details',
      { class: 'fields' },
      h('summary', {}, `All report fields (${r.fields.length})`),
      h('div', { class: 'scroll', tabindex: 0 }, h('table', {}, h('tbody', {}, ...r.fields.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'mono hash' }, v)))))),
    ),
  );
  out.dataset.ok = String(r.ok);
  out.dataset.verdict = r.verdict;
}

/** The launch search result: the launches that give MEASUREMENT with their commands, or why none does. */
export function renderSearch(box: HTMLElement, s: SearchData, verified: boolean): void {
  const head = `searched ${s.configurations.toLocaleString('en-US')} launch configurations of this image in ${Math.round(s.ms).toLocaleString('en-US')} ms (snp-launch match)`;
  const cmd = (c: string) => h('pre', { class: 'cmd' }, h('code', {}, c));
  if (s.total === 0) {
    box.replaceChildren(
      h('p', { class: 'bad', id: 'search-verdict', 'data-found': '0' }, 'No launch of this image gives this MEASUREMENT.'),
      h('p', { class: 'muted' }, head),
      ...s.noMatch.slice(1).filter((l) => !/^\s+- /.test(l)).map((l) => h('p', {}, ...prose(l))),
      h('ul', { class: 'plain' }, ...s.noMatch.filter((l) => /^\s+- /.test(l)).map((l) => h('li', {}, ...prose(l.replace(/^\s+- /, ''))))),
      h('p', { class: 'muted' }, 'The same search on the command line:'),
      cmd(s.matchCommand),
    );
    return;
  }
  const more = s.total > s.matches.length ? ` (the ${s.matches.length} most plausible shown)` : '';
  box.replaceChildren(
    h('p', { class: verified ? 'ok' : 'strong', id: 'search-verdict', 'data-found': String(s.total) }, ...prose(`The launch that gives this MEASUREMENT: ${s.matches[0]!.text}${s.total > 1 ? ` — and ${s.total - 1} more configuration${s.total > 2 ? 's' : ''}${more}` : ''}.`)),
    h('p', { class: 'muted' }, head, ...s.notes.map((n) => `; ${n}`)),
    h(
      'ol',
      { id: 'search-matches' },
      ...s.matches.map((m) => h('li', {}, ...prose(m.text), cmd(m.command), m.reference ? cmd(m.reference) : null)),
    ),
  );
}
