/**
 * `measure --json` documents: the strict reader (parseMeasureJson, for `diff`) and the lenient
 * one (readMeasuredDoc, which also takes sev-snp-measure-style documents). An accepted document
 * must round-trip: parse(format(parse(text))) equals parse(text); a read document diffs equal to
 * itself.
 */
import { isDeepStrictEqual } from 'node:util';
import { diffMeasuredDocs, readMeasuredDoc } from '../../../src/explain/measure-json.js';
import { formatMeasureJson, parseMeasureJson } from '../../../src/measure/json.js';
import { isLocated, type FuzzTarget, invariant, textCodec } from '../target.js';
import { mutateJson } from '../json-mutate.js';

const h = (b: number, n: number) => b.toString(16).padStart(2, '0').repeat(n);

export function measureJsonSeeds(): string[] {
  const log = [
    { index: 0, gpa: '0xffffd000', type: 'NORMAL', contents: h(3, 48), digest: h(4, 48), origin: 'OVMF firmware' },
    { index: 1, gpa: '0x800000', type: 'ZERO', contents: '', digest: h(5, 48), origin: 'SEC_MEM #0' },
    { index: 2, gpa: '0xfffffffff000', type: 'VMSA', contents: h(0x33, 48), digest: h(0x0b, 48), origin: 'VMSA vCPU 0 (BSP)' },
  ];
  const base = { format: 'snp-launch.measure/1', tool: 'snp-launch', version: '0.1.0', image: 'ovmf', mode: 'snp', platform: 'qemu', algorithm: 'sha384', digest: h(0xab, 48) };
  return [
    formatMeasureJson({ ...base, inputs: { ovmf: { path: 'OVMF.fd', size: 4194304, sha256: h(0xcd, 32) } }, options: { vcpus: 2, vcpuType: 'EPYC-v4' }, warnings: ['w'], log } as never),
    JSON.stringify({ ...base, image: 'igvm', algorithm: 'sha256', digest: h(1, 32), inputs: {}, options: {}, warnings: [], idBlock: { ld: h(0xab, 48), matches: true } }),
    JSON.stringify({ measurement: h(0xee, 48), mode: 'snp', entries: [{ gpa: 4096, pageType: 'CPUID', contents: h(7, 48) }, { gpa: '0x10', type: 2, contents: 'AB' }] }),
  ];
}

export const measureJsonTarget: FuzzTarget<string> = {
  name: 'measure-json',
  about: '`measure --json` documents (src/measure/json.ts, src/explain/measure-json.ts)',
  ext: 'json',
  seeds: async () => measureJsonSeeds(),
  mutate: mutateJson,
  check(text) {
    let strictErr: unknown;
    try {
      const doc = parseMeasureJson(text, 'fuzz.json');
      const again = parseMeasureJson(formatMeasureJson(doc), 'again.json');
      invariant(isDeepStrictEqual(JSON.parse(JSON.stringify(again)), JSON.parse(JSON.stringify(doc))), 'parse(format(doc)) != doc');
    } catch (e) {
      if (!isLocated(e)) throw e;
      strictErr = e;
    }
    const d = readMeasuredDoc(text, 'fuzz.json');
    invariant(diffMeasuredDocs(d, d).same, 'a document differs from itself');
    if (strictErr) throw strictErr;
  },
  ...textCodec,
};
