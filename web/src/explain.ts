/**
 * The words for a first divergence between two logs. Placeholder wording until src/explain lands;
 * then this delegates to it so the page and `snp-launch portability` say the same thing.
 */
import { PAGE_TYPE_NAMES, type PageType } from '../../src/firmware/page-types.js';
import type { LogEntryData, RowData } from './protocol.js';

const gpa = (e: LogEntryData) => '0x' + e.gpa.toString(16);
const typeName = (e: LogEntryData) => PAGE_TYPE_NAMES[e.pageType as PageType] ?? String(e.pageType);
const step = (e: LogEntryData) => `step ${e.index}: ${typeName(e)} at ${gpa(e)} (${e.origin})`;

export function explainFirstDivergence(a: RowData, b: RowData, first: { a: LogEntryData | undefined; b: LogEntryData | undefined } | undefined): string {
  const la = `${a.id} (${a.vcpus} vCPU${a.vcpus === 1 ? '' : 's'})`;
  const lb = `${b.id} (${b.vcpus} vCPU${b.vcpus === 1 ? '' : 's'})`;
  if (!a.log || !b.log) {
    if (a.digest === b.digest) return `${la} and ${lb} have the same digest.`;
    return `${la} and ${lb} differ; ${!a.log ? a.id : b.id} has no measurement log (SEV and SEV-ES digests are one SHA-256 over the whole launch).`;
  }
  if (!first) return a.digest === b.digest ? `The logs are identical: ${la} and ${lb} have the same digest.` : 'The logs are identical but the digests differ (different initial digest).';
  if (first.a && !first.b) return `${la} measures ${step(first.a)} after the last step of ${lb}.`;
  if (!first.a && first.b) return `${lb} measures ${step(first.b)} after the last step of ${la}.`;
  const x = first.a!;
  const y = first.b!;
  const why: string[] = [];
  if (x.gpa !== y.gpa) why.push(`GPA ${gpa(x)} vs ${gpa(y)}`);
  if (x.pageType !== y.pageType) why.push(`page type ${typeName(x)} vs ${typeName(y)}`);
  if (why.length === 0) why.push('different page contents');
  return `First divergence at ${la} ${step(x)} vs ${lb} ${step(y)}: ${why.join(', ')}.`;
}
