/**
 * The reference-values panel: export the measured image's matrix (JSON, CoRIM, CoRIM for
 * Veraison) and check a report against a reference-values file. The work runs in the worker
 * (./refvalues.ts); this file wires the inputs and renders the verdict. `data-refv` on the body
 * ("exported" | "pass" | "fail" | "error") lets the end-to-end tests wait for results.
 */
import { reportExtras } from './report-inputs.js';
import type { WorkerClient } from './client.js';
import { byId, download, h } from './dom.js';
import type { FormValues, RefCheckData, RefFormat, Request } from './protocol.js';
import { verdictBanner } from './report-view.js';

/**
 * PASS needs both: the report matches a cell, and its signature is verified (the certificate of
 * the report check). A match on an unverified report says so and is not a PASS (issue 16 item 8).
 */
export function renderRefCheck(out: HTMLElement, r: RefCheckData): void {
  const signed = r.signed ? ', CoRIM signature verified' : '';
  const more = r.matchingCells > 1 ? ` (and ${r.matchingCells - 1} more cells with this MEASUREMENT)` : '';
  const state = !r.pass ? 'fail' : r.verdict === 'verified' ? 'pass' : 'unverified';
  const verdict =
    state === 'pass'
      ? h('p', { class: 'ok', id: 'refv-verdict' }, `PASS: matches ${r.cell}${more}; pinned fields hold (${r.cells} cells${signed}); report signature verified`)
      : state === 'unverified'
        ? h('p', { class: 'bad', id: 'refv-verdict' }, `NOT PASSED: MEASUREMENT matches ${r.cell}${more} and the pinned fields hold (${r.cells} cells${signed}), but the report's signature is NOT verified (${r.verifySummary.replace(/^NOT verified: /, '')})`)
        : h('p', { class: 'bad', id: 'refv-verdict' }, `FAIL against ${r.cells} cells${signed}`);
  out.replaceChildren(
    verdictBanner(r.verdict, r.verifySummary, 'refv-signature'),
    verdict,
    h('ul', { class: 'checks', id: 'refv-failures' }, ...r.failures.map((f) => h('li', { class: 'bad', 'data-field': f.field }, `✘ ${f.reason}`))),
  );
  document.body.dataset.refv = state;
}

export function wireRefValues(client: WorkerClient, form: () => FormValues | undefined): void {
  const out = byId('refv-out');
  const fail = (e: unknown) => {
    out.replaceChildren(h('p', { class: 'bad', id: 'refv-verdict' }, (e as Error).message));
    document.body.dataset.refv = 'error';
  };
  const exportAs = async (format: RefFormat) => {
    const f = form();
    if (!f) return fail(new Error('choose an image first'));
    out.replaceChildren(h('p', { class: 'muted' }, 'computing the matrix…'));
    try {
      const range = byId<HTMLInputElement>('refv-vcpus').value;
      const platforms = byId<HTMLInputElement>('refv-platforms').value;
      const r = await client.call<'refv-export'>({ type: 'refv-export', form: f, range, platforms, format });
      download(r.result.fileName, r.result.bytes, r.result.mime);
      out.replaceChildren(h('p', { class: 'ok', id: 'refv-verdict' }, `${r.result.fileName}: ${r.result.cells} cells (${r.result.bytes.length.toLocaleString()} bytes)`));
      document.body.dataset.refv = 'exported';
    } catch (e) {
      fail(e);
    }
  };
  byId('refv-json').addEventListener('click', () => void exportAs('json'));
  byId('refv-corim').addEventListener('click', () => void exportAs('corim'));
  byId('refv-veraison').addEventListener('click', () => void exportAs('corim-veraison'));
  byId('refv-check').addEventListener('click', async () => {
    const report = byId<HTMLInputElement>('report-file').files?.[0];
    const refvalues = byId<HTMLInputElement>('refv-file').files?.[0];
    if (!report) return fail(new Error('choose an attestation report in the report check above'));
    if (!refvalues) return fail(new Error('choose a reference-values file (JSON or CoRIM)'));
    out.replaceChildren(h('p', { class: 'muted' }, 'checking…'));
    try {
      const req: Omit<Extract<Request, { type: 'refv-check' }>, 'seq'> = { type: 'refv-check', report, refvalues };
      const key = byId<HTMLInputElement>('refv-key').files?.[0];
      if (key) req.key = key;
      // The signature verdict uses the report check's certificate, CRL, endorsements, allow boxes and date.
      const cert = byId<HTMLInputElement>('report-cert').files?.[0];
      if (cert) req.cert = cert;
      const crl = byId<HTMLInputElement>('report-crl').files?.[0];
      if (crl) req.crl = crl;
      req.extras = reportExtras();
      const at = byId<HTMLInputElement>('report-at').value;
      if (at) req.at = `${at}T12:00:00Z`;
      const r = await client.call<'refv-check'>(req);
      renderRefCheck(out, r.result);
    } catch (e) {
      fail(e);
    }
  });
}
