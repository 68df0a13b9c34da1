/**
 * The "make portable" panel. The verdict and the download come first; the digests on the rewritten
 * file are drawn as group boxes; the edits are collapsed under a one-line summary. When no file can
 * make the platforms agree, that is said first, with the subsets that do agree as boxes, and the
 * edits that were tried stay collapsed below (issue 17 item 5).
 */
import { h, prose } from './dom.js';
import { groupBoxes } from './digest-view.js';
import { groupDigests, summarizeEdits } from './groups.js';
import type { PortableData } from './protocol.js';

function editsBlock(edits: string[], tried: boolean): HTMLElement {
  if (edits.length === 0) return h('p', { id: 'portable-summary', class: 'muted' }, 'No edit needed: the file is already portable for these platforms.');
  const n = `${edits.length} edit${edits.length === 1 ? '' : 's'}${tried ? ' tried' : ''}`;
  return h(
    'details',
    { class: 'edits' },
    h('summary', { id: 'portable-summary' }, ...prose(`${n}: ${summarizeEdits(edits)}`)),
    h('ol', { id: 'portable-edits' }, ...edits.map((e) => h('li', {}, ...prose(e)))),
  );
}

export function renderPortable(out: HTMLElement, r: PortableData): void {
  const grouping = groupDigests(r.rows.map((x) => ({ id: x.target, digest: x.digest })));
  const cannot = r.rows.filter((x) => !x.digest).map((x) => h('p', { class: 'reason' }, ...prose(`${x.target} cannot launch it: ${x.error ?? '?'}`)));
  if (r.conflict !== undefined) {
    const subsets = groupDigests((r.subsets ?? []).flatMap((s) => s.targets.map((t) => ({ id: t, digest: s.digest }))));
    out.replaceChildren(
      h(
        'div',
        { class: 'verdict bad', id: 'portable-verdict', 'data-verdict': 'conflict' },
        h('p', {}, h('strong', {}, `✘ No file makes these ${r.rows.length} platforms agree.`)),
        h('ul', { id: 'portable-conflict', 'data-line': r.conflict }, ...(r.reasons ?? [r.conflict]).map((x) => h('li', {}, ...prose(x)))),
      ),
      h('p', {}, `${subsets.groups.length} subset${subsets.groups.length === 1 ? '' : 's'} that agree on the file as built:`),
      groupBoxes(subsets, 'portable-groups'),
      ...cannot,
      editsBlock(r.edits, true),
    );
    return;
  }
  const bytes = r.bytes!;
  const button = h('button', { type: 'button', id: 'portable-download', class: 'primary' }, `Download ${r.fileName} (${bytes.length.toLocaleString()} bytes)`);
  button.addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    const a = h('a', { href: url, download: r.fileName });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
  const agree = grouping.groups.length === 1 && cannot.length === 0;
  out.replaceChildren(
    h(
      'div',
      { class: `verdict ${agree ? 'ok' : 'bad'}`, id: 'portable-verdict', 'data-verdict': agree ? 'ok' : 'differ' },
      h('p', {}, h('strong', {}, agree ? `✔ All ${r.rows.length} platforms agree on the rewritten file.` : `✘ The rewritten file still measures ${grouping.groups.length} ways.`)),
      h('p', {}, button),
    ),
    groupBoxes(grouping, 'portable-groups'),
    ...cannot,
    editsBlock(r.edits, false),
  );
}
