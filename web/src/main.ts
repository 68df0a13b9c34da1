/**
 * The explorer page: wires the form, the worker and the panels (digests, memory map, diff, report
 * check). All hashing happens in the worker; this file only moves files and results around.
 * `document.body.dataset.state` ("idle" | "measuring" | "ready" | "error") and `data-runs` let the
 * end-to-end tests and the benchmark wait for results without guessing.
 */
import './style.css';
import { VCPU_TYPES } from '../../src/vmsa/vcpu-types.js';
import { WorkerClient } from './client.js';
import { byId, download, h } from './dom.js';
import { renderDigests } from './digests.js';
import { renderDiff } from './diff-view.js';
import { legend, renderMap } from './memmap.js';
import { renderReport, renderSearch } from './report-view.js';
import { routeFile } from './drop.js';
import { reportExtras } from './report-inputs.js';
import type { Grouping } from './groups.js';
import { renderPortable } from './portable-view.js';
import { renderRange } from './range-view.js';
import { wireRefValues } from './refvalues-view.js';
import type { FormValues, ImageKind, Request, RowData } from './protocol.js';

/** Show the progress bar only when a measurement runs longer than this (ms). */
const PROGRESS_DELAY = 250;

const client = new WorkerClient();
const state: { image?: File; rows: RowData[]; kind: ImageKind; runs: number; latest: number; matches: Set<string>; grouping?: Grouping } = {
  rows: [],
  kind: 'ovmf',
  runs: 0,
  latest: 0,
  matches: new Set(),
};

const el = {
  image: byId<HTMLInputElement>('image'),
  drop: byId('drop'),
  imageName: byId('image-name'),
  kernel: byId<HTMLInputElement>('kernel'),
  initrd: byId<HTMLInputElement>('initrd'),
  append: byId<HTMLInputElement>('append'),
  vcpus: byId<HTMLInputElement>('vcpus'),
  vcpuType: byId<HTMLSelectElement>('vcpu-type'),
  guestFeatures: byId<HTMLInputElement>('guest-features'),
  status: byId('status'),
  progressBox: byId('progress-box'),
  progress: byId<HTMLProgressElement>('progress'),
  progressLabel: byId('progress-label'),
  table: byId<HTMLTableElement>('digest-table'),
  digestTargets: { table: byId<HTMLTableElement>('digest-table'), legend: byId('digest-groups'), grid: byId('agreement-box') },
  note: byId('digests-note'),
  mapRow: byId<HTMLSelectElement>('map-row'),
  map: byId('map'),
  mapDetails: byId('map-details'),
  diffA: byId<HTMLSelectElement>('diff-a'),
  diffB: byId<HTMLSelectElement>('diff-b'),
  diffAv: byId<HTMLInputElement>('diff-a-vcpus'),
  diffBv: byId<HTMLInputElement>('diff-b-vcpus'),
  diffOut: byId('diff-out'),
  reportFile: byId<HTMLInputElement>('report-file'),
  reportCert: byId<HTMLInputElement>('report-cert'),
  reportCrl: byId<HTMLInputElement>('report-crl'),
  reportAt: byId<HTMLInputElement>('report-at'),
  reportOut: byId('report-out'),
};

function setState(s: 'idle' | 'measuring' | 'ready' | 'error', text = ''): void {
  document.body.dataset.state = s;
  el.status.textContent = text;
  el.status.className = s === 'error' ? 'bad' : 'muted';
}

el.vcpuType.append(h('option', { value: '' }, '(none)'), ...Object.keys(VCPU_TYPES).map((n) => h('option', { value: n }, n)));
el.vcpuType.value = 'EPYC-v4';
byId('legend').append(legend());
for (const sel of [el.mapRow, el.diffA, el.diffB]) fillSelect(sel, []);
setState('idle');
document.body.dataset.runs = '0';

function form(): FormValues | undefined {
  if (!state.image) return undefined;
  const f: FormValues = { image: state.image, vcpus: Number(el.vcpus.value || '1') };
  if (el.kernel.files?.[0]) f.kernel = el.kernel.files[0];
  if (el.initrd.files?.[0]) f.initrd = el.initrd.files[0];
  if (el.append.value !== '') f.append = el.append.value;
  if (el.vcpuType.value !== '') f.vcpuType = el.vcpuType.value;
  if (el.guestFeatures.value.trim() !== '') f.guestFeatures = el.guestFeatures.value.trim();
  return f;
}

let lastForm: FormValues | undefined;

/** Same inputs as the last measurement (a `change` event that changed nothing, e.g. on blur). */
function sameForm(a: FormValues, b: FormValues | undefined): boolean {
  return !!b && a.image === b.image && a.kernel === b.kernel && a.initrd === b.initrd && a.append === b.append && a.vcpus === b.vcpus && a.vcpuType === b.vcpuType && a.guestFeatures === b.guestFeatures;
}

async function measure(force = false): Promise<void> {
  const f = form();
  if (!f) return setState('idle', 'choose an image first');
  if (!force && sameForm(f, lastForm)) return;
  lastForm = f;
  const id = ++state.latest;
  setState('measuring', `measuring ${f.image.name}…`);
  const t0 = performance.now();
  const timer = setTimeout(() => (el.progressBox.hidden = false), PROGRESS_DELAY);
  try {
    const partial: RowData[] = [];
    const r = await client.call<'measured'>({ type: 'measure', form: f }, (m) => {
      if (id !== state.latest) return;
      el.progress.value = m.total > 0 ? m.done / m.total : 0;
      el.progressLabel.textContent = m.label;
      if (m.row && m.kind) {
        // Rows appear as they finish; exports wait for the complete result.
        partial.push(m.row);
        renderDigests(el.digestTargets, partial, m.kind, { exportJson }, new Set(), true);
      }
    });
    if (id !== state.latest) return; // a newer request superseded this one
    state.rows = r.rows;
    state.kind = r.kind;
    state.matches = new Set();
    showRows();
    state.runs++;
    document.body.dataset.runs = String(state.runs);
    const n = r.rows.filter((x) => x.digest).length;
    const ms = Math.round(performance.now() - t0);
    // From the input event (file chosen, option changed) to the digests in the DOM; read by bench/browser.mjs.
    document.body.dataset.lastMs = String(ms);
    setState('ready', `${f.image.name}: ${r.kind.toUpperCase()}, ${n} of ${r.rows.length} platforms measured in ${ms} ms`);
  } catch (e) {
    if (id === state.latest) {
      lastForm = undefined;
      setState('error', (e as Error).message);
    }
  } finally {
    clearTimeout(timer);
    if (id === state.latest) el.progressBox.hidden = true;
  }
}

function showRows(): void {
  // A diff of the previous image would describe rows that are gone.
  if (el.diffOut.dataset.image !== state.image?.name) el.diffOut.replaceChildren();
  el.note.textContent = `${state.image?.name ?? ''} (${state.kind === 'ovmf' ? 'OVMF image' : 'IGVM file'}, ${state.rows[0]?.vcpus ?? 1} vCPU${(state.rows[0]?.vcpus ?? 1) === 1 ? '' : 's'})`;
  state.grouping = renderDigests(el.digestTargets, state.rows, state.kind, { exportJson }, state.matches);
  const withLog = state.rows.filter((r) => r.log);
  fillSelect(el.mapRow, withLog.length > 0 ? withLog : state.rows, el.mapRow.value);
  // Keep the user's choices when they still exist; else compare the two usual suspects.
  fillSelect(el.diffA, state.rows, el.diffA.value, state.kind === 'igvm' ? 'qemu-kvm' : 'qemu-kvm/snp');
  fillSelect(el.diffB, state.rows, el.diffB.value, state.kind === 'igvm' ? 'kvm-vmsa-page' : 'ec2/snp');
  el.diffAv.value = el.diffBv.value = String(state.rows[0]?.vcpus ?? 1);
  drawMap();
}

function fillSelect(sel: HTMLSelectElement, rows: RowData[], keep?: string, fallback?: string): void {
  if (rows.length === 0) return void sel.replaceChildren(h('option', { value: '' }, '(measure an image first)'));
  sel.replaceChildren(...rows.map((r) => h('option', { value: r.id }, r.digest ? r.id : `${r.id} (cannot launch)`)));
  const pick = [keep, fallback].find((id) => id && rows.some((r) => r.id === id));
  if (pick) sel.value = pick;
}

function drawMap(): void {
  const row = state.rows.find((r) => r.id === el.mapRow.value);
  if (row) renderMap(row, el.map, el.mapDetails);
}

async function exportJson(rowId: string, log: boolean): Promise<void> {
  try {
    const r = await client.call<'json'>({ type: 'json', rowId, log });
    download(r.fileName, r.text);
    // Kept for tests and for users who want to read it without opening the file.
    document.body.dataset.lastJson = r.rowId;
    (window as unknown as { __lastJson?: string }).__lastJson = r.text;
  } catch (e) {
    setState('error', (e as Error).message);
  }
}

function pickImage(file: File | undefined): void {
  if (!file) return;
  state.image = file;
  if (el.image.files?.[0] !== file) setInputFile(el.image, file);
  el.imageName.textContent = `${file.name} · ${file.size.toLocaleString()} bytes`;
  void measure(true);
}

async function example(which: ImageKind): Promise<void> {
  setState('measuring', `building the example ${which.toUpperCase()} image…`);
  try {
    const r = await client.call<'example'>({ type: 'example', which });
    if (r.vcpuType) el.vcpuType.value = r.vcpuType;
    pickImage(new File([r.bytes as Uint8Array<ArrayBuffer>], r.name));
  } catch (e) {
    setState('error', (e as Error).message);
  }
}

async function diff(): Promise<void> {
  if (state.rows.length === 0) return setState('idle', 'measure an image first');
  el.diffOut.replaceChildren(h('p', { class: 'muted' }, 'comparing…'));
  try {
    const r = await client.call<'diff'>({
      type: 'diff',
      a: { rowId: el.diffA.value, vcpus: Number(el.diffAv.value || '1') },
      b: { rowId: el.diffB.value, vcpus: Number(el.diffBv.value || '1') },
    });
    renderDiff(el.diffOut, r);
    el.diffOut.dataset.image = state.image?.name ?? '';
  } catch (e) {
    el.diffOut.replaceChildren(h('p', { class: 'bad' }, (e as Error).message));
  }
}

async function checkReport(): Promise<void> {
  const report = el.reportFile.files?.[0];
  if (!report) return void el.reportOut.replaceChildren(h('p', { class: 'bad' }, 'choose an attestation report file'));
  el.reportOut.replaceChildren(h('p', { class: 'muted' }, 'checking…'));
  const predicted = state.rows.filter((r) => r.digest && r.algorithm === 'sha384').map((r) => ({ id: r.id, digest: r.digest! }));
  try {
    const req: Omit<Extract<Request, { type: 'report' }>, 'seq'> = { type: 'report', report, predicted };
    const cert = el.reportCert.files?.[0];
    if (cert) req.cert = cert;
    const crl = el.reportCrl.files?.[0];
    if (crl) req.crl = crl;
    req.extras = reportExtras();
    if (el.reportAt.value) req.at = `${el.reportAt.value}T12:00:00Z`;
    const r = await client.call<'report'>(req);
    renderReport(el.reportOut, r.result, predicted.length, state.grouping);
    state.matches = new Set(r.result.matches);
    if (state.rows.length > 0) state.grouping = renderDigests(el.digestTargets, state.rows, state.kind, { exportJson }, state.matches);
    document.body.dataset.report = r.result.verdict;
    // No row has this MEASUREMENT: search the image's whole launch space, as `snp-launch match` does.
    const f = form();
    if (r.result.matches.length === 0 && f && predicted.length > 0) await searchLaunch(report, f, r.result.verdict === 'verified');
  } catch (e) {
    el.reportOut.replaceChildren(h('p', { class: 'bad' }, (e as Error).message));
    document.body.dataset.report = 'error';
  }
}

async function searchLaunch(report: File, f: FormValues, verified: boolean): Promise<void> {
  const box = byId('report-search');
  const label = h('span', {}, 'searching every launch of this image (platforms, vCPU counts, CPU types, SEV_FEATURES, KVM generations)…');
  box.replaceChildren(h('p', { class: 'muted' }, label));
  document.body.dataset.search = 'running';
  try {
    const r = await client.call<'search'>({ type: 'search', report, form: f }, (m) => (label.textContent = `searching: ${m.label}…`));
    renderSearch(box, r.result, verified);
    document.body.dataset.search = r.result.total > 0 ? 'found' : 'none';
  } catch (e) {
    box.replaceChildren(h('p', { class: 'bad' }, `launch search: ${(e as Error).message}`));
    document.body.dataset.search = 'error';
  }
}

/** Inputs of the report check whose drop re-runs it when a report is there. */
const REPORT_INPUTS = new Set(['report-cert', 'report-crl', 'report-endorsements', 'report-gce-root', 'report-ak-pub']);

/** Puts a file into a file input (as if the user had chosen it there); a `multiple` input keeps its other files (one per name). */
function setInputFile(input: HTMLInputElement, file: File): void {
  const dt = new DataTransfer();
  if (input.multiple) for (const f of input.files ?? []) if (f.name !== file.name) dt.items.add(f);
  dt.items.add(file);
  input.files = dt.files;
}

async function makePortable(): Promise<void> {
  const out = byId('portable-out');
  if (!state.image) return void out.replaceChildren(h('p', { class: 'bad' }, 'choose an IGVM file first'));
  out.replaceChildren(h('p', { class: 'muted' }, 'rewriting…'));
  try {
    const targets = byId<HTMLInputElement>('portable-for').value.split(',').map((x) => x.trim()).filter((x) => x !== '');
    const req: Omit<Extract<Request, { type: 'portable' }>, 'seq'> = { type: 'portable', image: state.image, targets, vcpus: Number(el.vcpus.value || '1') };
    if (el.vcpuType.value !== '') req.vcpuType = el.vcpuType.value;
    const r = await client.call<'portable'>(req);
    renderPortable(out, r.result);
    document.body.dataset.portable = r.result.conflict === undefined ? 'ok' : 'conflict';
  } catch (e) {
    out.replaceChildren(h('p', { class: 'bad' }, (e as Error).message));
    document.body.dataset.portable = 'error';
  }
}

async function vcpuRange(): Promise<void> {
  const out = byId('range-out');
  if (!state.image) return void out.replaceChildren(h('p', { class: 'bad' }, 'choose an image first'));
  out.replaceChildren(h('p', { class: 'muted' }, 'computing…'));
  try {
    const f = form();
    if (!f) return;
    const r = await client.call<'range'>({ type: 'range', form: f, range: byId<HTMLInputElement>('vcpu-range').value });
    renderRange(out, r.result);
    document.body.dataset.range = 'ok';
  } catch (e) {
    out.replaceChildren(h('p', { class: 'bad' }, (e as Error).message));
    document.body.dataset.range = 'error';
  }
}

/** A chosen or dropped file goes where its content says it belongs (drop.ts). */
function route(file: File | undefined): void {
  if (!file) return;
  // Until the file is known to be an image, the image field shows the image being measured.
  if (state.image) setInputFile(el.image, state.image);
  else el.image.value = '';
  void routeFile(client, file, {
    image: pickImage,
    input: (id, f) => {
      setInputFile(byId<HTMLInputElement>(id), f);
      if (id === 'kernel' || id === 'initrd') void measure();
      if (id === 'report-file' || (REPORT_INPUTS.has(id) && el.reportFile.files?.[0])) void checkReport();
    },
    rows: () => state.rows,
  });
}

el.image.addEventListener('change', () => {
  const f = el.image.files?.[0];
  if (f && f !== state.image) route(f);
});
// The whole page takes dropped files; a drop onto another file input keeps the browser's default.
document.addEventListener('dragover', (ev) => {
  if ((ev.target as HTMLElement).closest?.('input[type=file]:not(#image)')) return;
  ev.preventDefault();
  el.drop.classList.add('over');
});
document.addEventListener('dragleave', () => el.drop.classList.remove('over'));
document.addEventListener('drop', (ev) => {
  if ((ev.target as HTMLElement).closest?.('input[type=file]:not(#image)')) return;
  ev.preventDefault();
  el.drop.classList.remove('over');
  route(ev.dataTransfer?.files[0]);
});
byId('example-ovmf').addEventListener('click', () => void example('ovmf'));
byId('example-igvm').addEventListener('click', () => void example('igvm'));
byId('measure').addEventListener('click', () => void measure(true));
for (const input of [el.kernel, el.initrd, el.vcpuType]) input.addEventListener('change', () => void measure());
for (const input of [el.append, el.vcpus, el.guestFeatures]) input.addEventListener('change', () => void measure());
el.mapRow.addEventListener('change', drawMap);
byId('diff-run').addEventListener('click', () => void diff());
byId('report-run').addEventListener('click', () => void checkReport());
byId('portable-run').addEventListener('click', () => void makePortable());
byId('range-run').addEventListener('click', () => void vcpuRange());
wireRefValues(client, form);
