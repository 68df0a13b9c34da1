/**
 * `snp-launch measure --igvm` on a file carrying an SNP_ID_BLOCK (issue 3 item 7): stdout stays the
 * digest line, stderr gets one note saying whether the ID block's launch digest matches on the
 * chosen platform, and --json carries `idBlock`. The ID block's ld is computed here with
 * node:crypto (test/platforms/_ref.ts): the file has a NORMAL page, a shared page and the BSP VMSA
 * at 0xFFFFFFFFF000, so igvmmeasure measures all three (the ld) while openvmm skips the shared page
 * (specs/platforms.md §5.2 rules 1 and 2).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { igvmBuilder } from '../../src/images/igvm/builder.js';
import { parseMeasureJson } from '../../src/measure/json.js';
import { filled, KVM_GPA, RefChain, T, testVmsa } from '../platforms/_ref.js';
import { cliBuilt, runCli } from './_cli.js';

const V = testVmsa({ features: 1n, marker: 7 });
/** igvmmeasure: every page in file order, shared included. */
const LD_IGVMMEASURE = new RefChain().step(T.NORMAL, 0x10000, filled(1)).step(T.NORMAL, 0x11000, filled(2)).step(T.VMSA, KVM_GPA, V).hex;
/** openvmm: the shared page is not measured. */
const OPENVMM = new RefChain().step(T.NORMAL, 0x10000, filled(1)).step(T.VMSA, KVM_GPA, V).hex;
let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'snp-idblock-'));
  const b = () => igvmBuilder().platform('SEV_SNP').policy(0x30000n).pageData(0x10000, filled(1)).pageData(0x11000, filled(2), { shared: true }).vpContext(KVM_GPA, 0, V);
  writeFileSync(join(dir, 'id.igvm'), b().idBlock({ ld: new Uint8Array(Buffer.from(LD_IGVMMEASURE, 'hex')) }).build());
  writeFileSync(join(dir, 'plain.igvm'), b().build());
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the ID block matches on igvmmeasure: stdout is the digest line, one note on stderr', async () => {
  cliBuilt();
  const r = await runCli(['measure', '--igvm', 'id.igvm', '--platform', 'igvmmeasure'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, LD_IGVMMEASURE + '\n');
  const notes = r.stderr.split('\n').filter((l) => l.includes('SNP_ID_BLOCK'));
  assert.deepEqual(notes, ["snp-launch measure: note: the file's SNP_ID_BLOCK launch digest matches the igvmmeasure digest"]);
});

test('the ID block does not match on openvmm: the note names the ld and the failing SNP_LAUNCH_FINISH', async () => {
  const r = await runCli(['measure', '--igvm', 'id.igvm', '--platform', 'openvmm'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, OPENVMM + '\n', 'stdout stays exactly the digest line');
  assert.notEqual(OPENVMM, LD_IGVMMEASURE);
  const notes = r.stderr.split('\n').filter((l) => l.includes('SNP_ID_BLOCK'));
  assert.equal(notes.length, 1, r.stderr);
  assert.match(notes[0]!, /^snp-launch measure: note: the file's SNP_ID_BLOCK launch digest does NOT match the openvmm digest /);
  assert.ok(notes[0]!.includes(`(ID block ld ${LD_IGVMMEASURE})`), notes[0]);
  assert.match(notes[0]!, /SNP_LAUNCH_FINISH with this ID block would fail on openvmm/);
});

test('--json carries idBlock { ld, matches } on both platforms; stdout is only the document', async () => {
  for (const [platform, digest, matches] of [['igvmmeasure', LD_IGVMMEASURE, true], ['openvmm', OPENVMM, false]] as const) {
    const r = await runCli(['measure', '--igvm', 'id.igvm', '--platform', platform, '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    const doc = parseMeasureJson(r.stdout, 'stdout');
    assert.equal(doc.digest, digest, platform);
    assert.deepEqual(doc.idBlock, { ld: LD_IGVMMEASURE, matches }, platform);
    assert.equal(r.stderr.split('\n').filter((l) => l.includes('SNP_ID_BLOCK')).length, 1, platform);
  }
});

test('without an ID block: no note and no idBlock member', async () => {
  const r = await runCli(['measure', '--igvm', 'plain.igvm', '--platform', 'igvmmeasure', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parseMeasureJson(r.stdout, 'stdout').idBlock, undefined);
  assert.doesNotMatch(r.stderr, /SNP_ID_BLOCK/);
});

test('a malformed idBlock member is rejected when a document is read back', () => {
  const doc = JSON.stringify({ format: 'snp-launch.measure/1', tool: 'snp-launch', version: '0', image: 'igvm', mode: 'snp', platform: 'openvmm', algorithm: 'sha384', digest: OPENVMM, inputs: {}, options: {}, warnings: [], idBlock: { ld: 'zz', matches: 1 } });
  assert.throws(() => parseMeasureJson(doc, 'x.json'), /idBlock/);
});
