/**
 * The browser-safe output modules shared by the CLI and the explorer: log folding and the aligned
 * table (src/measure/log-format.ts), and the --json document (src/measure/json.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MeasurementLogEntry } from '../../src/firmware/log.js';
import { PageType } from '../../src/firmware/page-types.js';
import { foldLog, formatLogTable } from '../../src/measure/log-format.js';
import { buildMeasureJson, formatMeasureJson, parseMeasureJson, MEASURE_JSON_FORMAT } from '../../src/measure/json.js';

const d = (b: number) => new Uint8Array(48).fill(b);
let n = 0;
const e = (gpa: number, pageType: PageType, origin: string, contents = d(0)): MeasurementLogEntry => ({ index: n, gpa, pageType, contents, digest: d(n++ + 1), origin });

function sampleLog(): MeasurementLogEntry[] {
  n = 0;
  return [
    e(0xffffd000, PageType.NORMAL, 'OVMF firmware', d(0xaa)),
    e(0xffffe000, PageType.NORMAL, 'OVMF firmware', d(0xbb)),
    e(0xfffff000, PageType.NORMAL, 'OVMF firmware', d(0xcc)),
    e(0x800000, PageType.ZERO, 'SEC_MEM #0'),
    e(0x801000, PageType.ZERO, 'SEC_MEM #0'),
    e(0x803000, PageType.ZERO, 'SEC_MEM #0'), // not contiguous: a new row
    e(0x804000, PageType.NORMAL, 'zero pages', d(0x11)),
    e(0x805000, PageType.NORMAL, 'zero pages', d(0x11)),
    e(0xfffffffff000, PageType.VMSA, 'VMSA vCPU 0 (BSP)', d(0x22)),
    e(0xfffffffff000, PageType.VMSA, 'VMSA vCPU 1 (AP)', d(0x33)),
    e(0xfffffffff000, PageType.VMSA, 'VMSA vCPU 2 (AP)', d(0x33)),
  ];
}

test('foldLog: runs of one origin and type at consecutive GPAs', () => {
  const rows = foldLog(sampleLog());
  assert.deepEqual(
    rows.map((r) => [r.first.index, r.last.index, r.count]),
    [[0, 2, 3], [3, 4, 2], [5, 5, 1], [6, 7, 2], [8, 8, 1], [9, 9, 1], [10, 10, 1]],
  );
  assert.equal(rows[0]!.contents, undefined, 'pages with different contents');
  assert.deepEqual(rows[3]!.contents, d(0x11), 'identical pages keep their contents');
});

test('formatLogTable: aligned columns, folded and full', () => {
  const log = sampleLog();
  const folded = formatLogTable(log);
  assert.equal(folded.length, 1 + 7);
  const originAt = folded[0]!.indexOf('origin');
  for (const l of folded.slice(1)) assert.ok(l.length > originAt && l[originAt - 1] === ' ' && l[originAt] !== ' ', l);
  assert.match(folded[1]!, /^\s*0-2\s+0xffffd000-0xfffff000\s+3\s+NORMAL\s+\(differ\)\s+030303030303…\s+OVMF firmware$/);
  assert.match(folded[2]!, /^\s*3-4\s+0x800000-0x801000\s+2\s+ZERO\s+-\s+050505050505…\s+SEC_MEM #0$/);
  assert.match(folded[4]!, /\s2\s+NORMAL\s+111111111111…\s/);
  const full = formatLogTable(log, { full: true, digestChars: 8 });
  assert.equal(full.length, 1 + log.length);
  assert.match(full[11]!, /^\s*10\s+0xfffffffff000\s+1\s+VMSA\s+33333333…\s+0b0b0b0b…\s+VMSA vCPU 2 \(AP\)$/);
});

function sampleDoc(withLog: boolean) {
  return buildMeasureJson({
    version: '9.9.9',
    image: 'ovmf',
    result: { digest: d(0x0b), algorithm: 'sha384', mode: 'snp', platform: 'ec2', log: sampleLog(), warnings: ['w'] },
    inputs: { ovmf: { path: 'a "quoted" path', size: 4096, sha256: 'ab'.repeat(32) } },
    options: { vcpus: 2, guestFeatures: '0x1' },
    includeLog: withLog,
  });
}

test('formatMeasureJson: valid JSON equal to the document; one line per log entry', () => {
  for (const withLog of [true, false]) {
    const doc = sampleDoc(withLog);
    const text = formatMeasureJson(doc);
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(doc)));
    assert.deepEqual(parseMeasureJson(text, 'x.json'), JSON.parse(text));
    assert.ok(text.endsWith('}\n'));
    if (withLog) {
      const logLines = text.split('\n').filter((l) => l.startsWith('    {"index":'));
      assert.equal(logLines.length, 11);
      assert.deepEqual(JSON.parse(logLines[8]!.replace(/,$/, '')), {
        index: 8,
        gpa: '0xfffffffff000',
        type: 'VMSA',
        contents: '22'.repeat(48),
        digest: '09'.repeat(48),
        origin: 'VMSA vCPU 0 (BSP)',
      });
    } else {
      assert.ok(!('log' in JSON.parse(text)));
    }
  }
  const empty = { ...sampleDoc(true), log: [] };
  assert.deepEqual(JSON.parse(formatMeasureJson(empty)).log, []);
  assert.equal(sampleDoc(false).format, MEASURE_JSON_FORMAT);
  assert.deepEqual(Object.keys(sampleDoc(true)), ['format', 'tool', 'version', 'image', 'mode', 'platform', 'algorithm', 'digest', 'inputs', 'options', 'warnings', 'log']);
});

test('parseMeasureJson: one error naming the file and the field', () => {
  const good = JSON.parse(formatMeasureJson(sampleDoc(true))) as Record<string, unknown>;
  const bad = (patch: Record<string, unknown>, field: RegExp) =>
    assert.throws(() => parseMeasureJson(JSON.stringify({ ...good, ...patch }), 'b.json'), (err: Error) => /^b\.json: /.test(err.message) && field.test(err.message));
  bad({ format: 'other' }, /format/);
  bad({ digest: 'ab' }, /digest: must be 96 lowercase hex digits/);
  bad({ algorithm: 'md5' }, /algorithm/);
  bad({ image: 'vhd' }, /image/);
  bad({ inputs: [] }, /inputs: must be an object/);
  bad({ warnings: [1] }, /warnings/);
  bad({ log: [{ index: 0 }] }, /log\[0\]/);
  assert.throws(() => parseMeasureJson('{', 'c.json'), /^Error: c\.json: is not valid JSON|c\.json: is not valid JSON/);
  assert.throws(() => parseMeasureJson('[]', 'c.json'), /c\.json: \(top level\): must be a JSON object/);
});
