/**
 * Routing a dropped or chosen file (issue 17 item 5): the worker says what the file is
 * (detect.ts), and this puts it where it belongs, with one line in words under the inputs:
 * "report.bin is an attestation report (version 2, Milan): put in 5. Report check". A file no
 * panel takes is refused in words; a binary nobody recognises is measured as a raw image, and the
 * line says so. `data-drop` on the body holds the kind (for the end-to-end tests).
 */
import type { WorkerClient } from './client.js';
import { byId, h } from './dom.js';
import type { FileKind, RowData } from './protocol.js';

export interface RouteActions {
  image(f: File): void;
  /** Put the file into the file input with this id (added to a `multiple` input's files). */
  input(id: string, f: File): void;
  rows(): RowData[];
}

const TARGET: Partial<Record<FileKind, [input: string, section: string, label: string]>> = {
  report: ['report-file', 'report', '5. Report check'],
  cert: ['report-cert', 'report', '5. Report check (certificate)'],
  crl: ['report-crl', 'report', '5. Report check (CRL)'],
  endorsement: ['report-endorsements', 'report', '5. Report check (endorsements)'],
  'gce-root': ['report-gce-root', 'report', '5. Report check (GCE root)'],
  'ak-pub': ['report-ak-pub', 'report', '5. Report check (Azure AK)'],
  refvalues: ['refv-file', 'refvalues', '8. Reference values'],
  key: ['refv-key', 'refvalues', '8. Reference values (signer key)'],
  kernel: ['kernel', 'inputs', 'the kernel field'],
};

export async function routeFile(client: WorkerClient, file: File, act: RouteActions): Promise<void> {
  const note = byId('drop-note');
  let kind: FileKind;
  let what: string;
  try {
    const r = (await client.call<'detect'>({ type: 'detect', file })).result;
    kind = r.kind;
    what = r.what;
  } catch (e) {
    kind = 'refused';
    what = `cannot be read (${(e as Error).message})`;
  }
  const name = h('strong', {}, file.name);
  const target = TARGET[kind];
  if (kind === 'ovmf' || kind === 'igvm' || kind === 'raw') {
    note.className = kind === 'raw' ? 'warn' : 'muted';
    note.replaceChildren(name, kind === 'raw' ? ` is ${what}: measured as a raw OVMF image (SEV hashes any file; the other modes need OVMF's tables).` : ` is ${what}: measuring it.`);
    act.image(file);
  } else if (target) {
    const [input, section, label] = target;
    note.className = 'ok-note';
    note.replaceChildren(name, ` is ${what}: put in `, h('a', { href: `#${section}` }, label), '.');
    act.input(input, file);
  } else if (kind === 'measure-json') {
    const digest = /digest ([0-9a-f]+)/.exec(what)?.[1];
    const same = act.rows().filter((r) => r.digest === digest).map((r) => r.id);
    note.className = 'muted';
    note.replaceChildren(name, ` is ${what}. ${same.length ? `It equals the table's ${same.join(', ')}.` : state(act.rows())}`);
  } else {
    note.className = 'bad';
    note.replaceChildren(name, ` was not used: it is ${what}.`);
  }
  document.body.dataset.drop = kind;
}

const state = (rows: RowData[]) => (rows.length ? 'No row of the table has this digest.' : 'Measure an image to compare it with the table.');
