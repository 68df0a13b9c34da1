/**
 * The report check's optional inputs beyond the report, certificate, CRL and date (issue 19 item 5),
 * read from the page: the endorsement files, the GCE root and vCPU count, and the allow boxes. Used
 * by the report check and by the reference-values check, so both give the same verdict.
 */
import { byId } from './dom.js';
import type { ReportExtras } from './protocol.js';

export function reportExtras(): ReportExtras {
  const files = (id: string) => [...(byId<HTMLInputElement>(id).files ?? [])];
  const checked = (id: string) => byId<HTMLInputElement>(id).checked;
  const out: ReportExtras = { endorsements: files('report-endorsements') };
  const root = files('report-gce-root')[0];
  if (root) out.gceRoot = root;
  const ak = files('report-ak-pub')[0];
  if (ak) out.akPub = ak;
  const text = (id: string) => byId<HTMLInputElement>(id).value.trim();
  if (text('report-uvm-did') !== '') out.uvmDid = text('report-uvm-did');
  if (text('report-uvm-feed') !== '') out.uvmFeed = text('report-uvm-feed');
  if (text('report-uvm-min-svn') !== '') out.uvmMinSvn = Number(text('report-uvm-min-svn'));
  const vcpus = byId<HTMLInputElement>('report-gce-vcpus').value.trim();
  if (vcpus !== '') out.gceVcpus = Number(vcpus);
  if (checked('report-allow-debug')) out.allowDebug = true;
  if (checked('report-allow-migrate-ma')) out.allowMigrateMa = true;
  if (checked('report-allow-provisional')) out.allowProvisionalFirmware = true;
  return out;
}
