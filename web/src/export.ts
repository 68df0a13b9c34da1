/**
 * JSON export of one table row: the document `snp-launch measure --json [--log]` prints for the
 * row's command line, built by the CLI's own serializer (src/measure/json.ts), so the two are
 * byte-identical when the file names match.
 */
import { buildMeasureJson, describeInput, formatMeasureJson, type InputInfo } from '../../src/measure/json.js';
import { jsonOptions, measureRow, type Launch, type RowSpec } from './engine.js';
import { VERSION } from './version.js';

export async function exportJson(spec: RowSpec, l: Launch, withLog: boolean): Promise<{ text: string; fileName: string }> {
  const run = await measureRow(spec, l, withLog);
  if (!run.result) throw new Error(`${spec.id}: ${run.reason ?? 'no digest'}`);
  const inputs: Record<string, InputInfo> = {};
  if (spec.image === 'igvm') inputs.igvm = await describeInput(l.image);
  else {
    inputs.ovmf = await describeInput(l.image);
    if (spec.mode !== 'snp:ovmf-hash') {
      if (l.kernel) inputs.kernel = await describeInput(l.kernel);
      if (l.initrd) inputs.initrd = await describeInput(l.initrd);
    }
  }
  const doc = buildMeasureJson({ version: VERSION, image: spec.image, result: run.result, inputs, options: jsonOptions(spec, l), includeLog: withLog });
  return { text: formatMeasureJson(doc), fileName: `${spec.id.replace(/[/:]/g, '-')}${withLog ? '-log' : ''}.json` };
}


