/**
 * Diff panel output: the explanation of the first divergence (the `snp-launch portability`
 * wording), counts, and the aligned logs around the divergence with it highlighted.
 */
import { PAGE_TYPE_NAMES, type PageType } from '../../src/firmware/page-types.js';
import { h, hexOf } from './dom.js';
import { digestChip } from './digest-view.js';
import { groupDigests, type Grouping } from './groups.js';
import type { AlignedPair, LogEntryData, Response } from './protocol.js';

/** Aligned rows shown before and after the first divergence. */
const BEFORE = 3;
const AFTER = 12;

type DiffResponse = Extract<Response, { type: 'diff' }>;

const cell = (e: LogEntryData | undefined) =>
  e
    ? [
        h('td', {}, String(e.index)),
        h('td', { class: 'mono' }, '0x' + e.gpa.toString(16)),
        h('td', {}, PAGE_TYPE_NAMES[e.pageType as PageType] ?? String(e.pageType)),
        h('td', { class: 'mono hash', title: hexOf(e.contents) }, hexOf(e.contents).slice(0, 16) + '…'),
        h('td', {}, e.origin),
      ]
    : [h('td', { colspan: 5, class: 'muted' }, '(not measured)')];

/** A side's digest as a chip (A and B share a letter and colour when equal), or why it has none. */
function side(x: DiffResponse['a'], grouping: Grouping): HTMLElement {
  return x.digest ? digestChip(x.digest, grouping.of.get(x.id + '#' + x.vcpus), `${x.id} digest`) : h('span', { class: 'reason' }, x.reason ?? '—');
}

export function renderDiff(out: HTMLElement, r: DiffResponse): void {
  const { pairs, divergence: d } = r;
  const grouping = groupDigests([r.a, r.b].map((x) => ({ id: x.id + '#' + x.vcpus, digest: x.digest })));
  const label = (x: DiffResponse['a']) => `${x.id}, ${x.vcpus} vCPU${x.vcpus === 1 ? '' : 's'}`;
  const same = r.a.digest !== undefined && r.a.digest === r.b.digest;
  const counts = {
    same: pairs.filter((p) => p.same).length,
    changed: pairs.filter((p) => !p.same && p.a && p.b).length,
    onlyA: pairs.filter((p) => p.a && !p.b).length,
    onlyB: pairs.filter((p) => !p.a && p.b).length,
  };
  const explain =
    d.index === undefined
      ? h('div', { class: 'explain' }, h('p', { id: 'diff-explanation', 'data-first': '-1' }, d.text))
      : h(
          'div',
          { class: 'explain' },
          h('p', {}, h('strong', {}, `${d.labelA} vs ${d.labelB}, first divergence at step ${d.index}:`)),
          h('p', { class: 'mono' }, `${d.labelA}: ${d.stepA ?? ''}`, h('br'), `${d.labelB}: ${d.stepB ?? ''}`),
          h('p', {}, h('strong', {}, 'why: '), h('span', { id: 'diff-explanation', 'data-first': String(d.alignedIndex), 'data-kind': d.kind ?? '' }, d.text)),
        );
  const parts: (HTMLElement | null)[] = [
    explain,
    h(
      'p',
      {},
      h('span', { class: same ? 'ok' : 'bad' }, same ? 'same digest' : 'different digests'),
      h('br'),
      `A = ${label(r.a)}: `,
      side(r.a, grouping),
      h('br'),
      `B = ${label(r.b)}: `,
      side(r.b, grouping),
    ),
    pairs.length > 0 ? h('p', { class: 'muted' }, `${counts.same} identical steps, ${counts.changed} changed, ${counts.onlyA} only in A, ${counts.onlyB} only in B.`) : null,
  ];
  if (d.alignedIndex >= 0) {
    const from = Math.max(0, d.alignedIndex - BEFORE);
    const to = Math.min(pairs.length, d.alignedIndex + AFTER);
    const rows = pairs.slice(from, to).map((p: AlignedPair, k) => {
      const i = from + k;
      return h('tr', { class: i === d.alignedIndex ? 'first' : p.same ? undefined : 'diff', 'data-aligned': String(i) }, ...cell(p.a), ...cell(p.b));
    });
    parts.push(
      h(
        'div',
        { class: 'scroll', tabindex: 0 },
        h(
          'table',
          { class: 'aligned' },
          h('thead', {}, h('tr', {}, h('th', { colspan: 5 }, `A: ${label(r.a)}`), h('th', { colspan: 5 }, `B: ${label(r.b)}`)),
            h('tr', {}, ...['step', 'GPA', 'type', 'contents', 'origin', 'step', 'GPA', 'type', 'contents', 'origin'].map((t) => h('th', {}, t)))),
          h('tbody', {}, ...rows),
        ),
      ),
    );
    if (to < pairs.length) parts.push(h('p', { class: 'muted' }, `… ${pairs.length - to} more aligned steps.`));
  }
  out.replaceChildren(...parts.filter((x): x is HTMLElement => x !== null));
}
