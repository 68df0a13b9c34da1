/**
 * How a digest looks everywhere on the page (issue 17 item 5): a coloured group letter and the
 * short form on one line; a button expands it to the full value in blocks of 8 hex digits; copy
 * always copies the full value. Plus the group legend, the platform × platform agreement grid and
 * groups drawn as boxes.
 */
import { copyText, h } from './dom.js';
import { blockDigest, legendText, shortDigest, type DigestGroup, type Grouping } from './groups.js';

/** The letter badge of a group (its colour as the background, white text). */
export function badge(g: DigestGroup): HTMLElement {
  return h('span', { class: 'badge', style: `--g:${g.colour}`, 'data-group': g.letter, 'aria-label': `group ${g.letter}` }, g.letter);
}

/**
 * A digest: `[A] 1234abcd…89abcdef [copy]`; the short form is a button that shows the full digest.
 * `data-digest` holds the full value and `data-group` the letter (read by the e2e tests).
 */
export function digestChip(digest: string, g: DigestGroup | undefined, label = 'digest', withBadge = true): HTMLElement {
  const full = h('code', { class: 'dg-full', hidden: true }, ...blockDigest(digest).flatMap((b, i) => (i === 0 ? [b] : [h('wbr'), ' ', b])));
  const toggle = h('button', { type: 'button', class: 'dg-short', 'aria-expanded': 'false', title: digest, 'aria-label': `${label} ${shortDigest(digest)}: show all 96 digits` }, shortDigest(digest));
  toggle.addEventListener('click', () => {
    const open = full.hidden;
    full.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
  });
  const copy = h('button', { type: 'button', class: 'dg-copy', 'aria-label': `copy the full ${label}` }, 'copy');
  copy.addEventListener('click', () => void copyText(digest, copy));
  return h(
    'span',
    { class: 'dg', 'data-digest': digest, 'data-group': g?.letter, style: g ? `--g:${g.colour}` : undefined },
    g && withBadge ? badge(g) : null,
    toggle,
    copy,
    full,
  );
}

/** Member names never break inside ("qemu-/kvm"); the list wraps between them. */
const members = (ids: readonly string[]) => ids.flatMap((m, i) => [i > 0 ? ', ' : '', h('span', { class: 'nowrap' }, m)]);

/** The legend line: one badge per group with its members. */
export function groupLegend(grouping: Grouping, id?: string): HTMLElement {
  const { groups } = grouping;
  return h(
    'p',
    { class: 'group-legend', id, 'aria-label': legendText(groups) },
    h('strong', {}, `${groups.length} group${groups.length === 1 ? '' : 's'}: `),
    ...groups.flatMap((g, i) => [i > 0 ? h('span', { class: 'muted' }, ' · ') : null, h('span', { class: 'legend-item' }, badge(g), ' = ', ...members(g.members))]),
  );
}

/**
 * Platform × platform: a cell shows the group letter where the two measure the same digest, "≠"
 * where they differ. Columns are numbered (the row header names them) so the grid stays narrow.
 */
export function agreementGrid(ids: readonly string[], grouping: Grouping, id?: string): HTMLElement {
  const head = h('tr', {}, h('td', {}), ...ids.map((_, i) => h('th', { scope: 'col', title: ids[i] }, String(i + 1))));
  const rows = ids.map((a, i) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, `${i + 1} ${a}`),
      ...ids.map((b) => {
        const ga = grouping.of.get(a);
        const gb = grouping.of.get(b);
        if (ga && ga === gb) return h('td', { class: 'agree', style: `--g:${ga.colour}`, 'data-group': ga.letter, title: a === b ? a : `${a} and ${b} agree` }, ga.letter);
        return h('td', { class: 'differ', title: `${a} and ${b} differ` }, ga && gb ? '≠' : '–');
      }),
    ),
  );
  return h(
    'div',
    { class: 'agreement-box' },
    h('p', { class: 'muted', id: id ? `${id}-caption` : undefined }, 'Which platforms measure the same digest (a letter: same digest; ≠: different):'),
    h('div', { class: 'scroll', tabindex: 0 }, h('table', { class: 'agreement', id, 'aria-labelledby': id ? `${id}-caption` : undefined }, h('thead', {}, head), h('tbody', {}, ...rows))),
  );
}

/** Groups as boxes: each box has its letter, its digest and its members. */
export function groupBoxes(grouping: Grouping, id?: string): HTMLElement {
  return h(
    'div',
    { class: 'group-boxes', id },
    ...grouping.groups.map((g) =>
      h('div', { class: 'group-box', style: `--g:${g.colour}`, 'data-group': g.letter }, h('div', {}, badge(g), ' ', h('strong', {}, ...members(g.members))), digestChip(g.digest, g, `group ${g.letter} digest`, false)),
    ),
  );
}
