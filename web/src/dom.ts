/** A tiny element builder: the page has a handful of panels, so no framework (docs/explorer.md). */

type Attrs = Record<string, string | number | boolean | undefined | ((ev: Event) => void)>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'class') el.className = String(v);
    else if (k === 'style') el.setAttribute('style', String(v));
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
}

/** Copies text; falls back to a selection when the Clipboard API is unavailable. */
export async function copyText(text: string, button: HTMLElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const ta = h('textarea', { 'aria-hidden': 'true', style: 'position:fixed;opacity:0' });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
  const old = button.textContent;
  button.textContent = 'copied';
  setTimeout(() => (button.textContent = old), 1200);
}

export function download(name: string, data: string | Uint8Array, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([data as string | Uint8Array<ArrayBuffer>], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export { hexOf } from './dom-free.js';

/**
 * Running text with hyphenated names ("qemu-kvm", "cloud-hypervisor-mshv", "--vcpu-type") kept
 * whole: the line breaks between words, never after a name's hyphen ("qemu-/kvm").
 */
export function prose(text: string): (string | Node)[] {
  const out: (string | Node)[] = [];
  let at = 0;
  for (const m of text.matchAll(/-{0,2}[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)+/g)) {
    if (m[0].length > 28) continue;
    out.push(text.slice(at, m.index), h('span', { class: 'nowrap' }, m[0]));
    at = m.index! + m[0].length;
  }
  out.push(text.slice(at));
  return out.filter((x) => x !== '');
}
