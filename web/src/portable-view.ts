/** The "make portable" panel: edits as a list, digests per platform, a download of the rewritten file. */
import { h } from './dom.js';
import type { PortableData } from './protocol.js';

export function renderPortable(out: HTMLElement, r: PortableData): void {
  const rows = h('table', { class: 'digests', id: 'portable-digests' }, ...r.rows.map((x) => h('tr', {}, h('td', {}, x.target), h('td', { class: 'mono' }, x.digest ?? `cannot launch: ${x.error ?? '?'}`))));
  const edits = r.edits.length === 0 ? h('p', { id: 'portable-summary' }, 'No edit needed: the file is already portable for these platforms.') : h('p', { id: 'portable-summary' }, `${r.edits.length} edit${r.edits.length === 1 ? '' : 's'}:`);
  const list = h('ol', { id: 'portable-edits' }, ...r.edits.map((e) => h('li', {}, e)));
  if (r.conflict !== undefined) {
    out.replaceChildren(edits, list, h('p', { class: 'bad', id: 'portable-conflict' }, r.conflict), rows);
    return;
  }
  const bytes = r.bytes!;
  const button = h('button', { type: 'button', id: 'portable-download' }, `Download ${r.fileName} (${bytes.length.toLocaleString()} bytes)`);
  button.addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    const a = h('a', { href: url, download: r.fileName });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
  out.replaceChildren(edits, list, h('p', { class: 'good' }, `All ${r.rows.length} platforms agree on the rewritten file.`), rows, h('p', {}, button));
}
