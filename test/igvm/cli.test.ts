/**
 * `snp-launch igvm inspect FILE [--json]` through the built CLI (run `npm run build` first): text
 * and JSON output on a file built here, one-line errors with exit 1 for malformed files, exit 2 for
 * usage errors.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { after } from 'node:test';
import { igvmBuilder } from '../../src/images/igvm/builder.js';
import { CLI, REPO } from '../_shared.js';
import { page, seal, tlvOffsets, wr32 } from './_helpers.js';

const built = existsSync(join(REPO, 'dist', 'cli', 'main.js')) ? false : 'run `npm run build` first (dist/cli/main.js is missing)';
const dir = mkdtempSync(join(tmpdir(), 'igvm-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const vmsa = new Uint8Array(4096);
new DataView(vmsa.buffer).setBigUint64(0x3b0, 1n, true);
new DataView(vmsa.buffer).setBigUint64(0x178, 0xfff0n, true);
const file = igvmBuilder()
  .platform('SEV_SNP')
  .pageData(0, page(1))
  .pageData(0x1000, page(2))
  .parameterArea(0, 0x1000)
  .parameter('VP_COUNT_PARAMETER', 0, 0)
  .parameterInsert(0x10000, 0)
  .vpContext(0xfffffffff000n, 0, vmsa)
  .build();
const good = join(dir, 'good.igvm');
writeFileSync(good, file);

test('igvm inspect: text output', { skip: built }, () => {
  const r = run('igvm', 'inspect', good);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /IGVM version 1 \(x64\)/);
  assert.match(r.out, /\[0\]\s+SEV_SNP\s+mask 0x1/);
  assert.match(r.out, /PAGE_DATA\s+2\n/);
  assert.match(r.out, /\[1-2\]\s+0x0-0x2000\s+2\s+pages\s+NORMAL/);
  assert.match(r.out, /vp 0 SEV_SNP \(snp-vmsa\) gpa 0xfffffffff000/);
  assert.match(r.out, /rip 0xfff0/);
  assert.match(r.out, /sev_features 0x1 \(SNPActive\)/);
  assert.match(r.out, /area 0 \[3\] 4096 bytes, zero-filled, inserted at 0x10000/);
  assert.match(r.out, /VP_COUNT_PARAMETER\s+\[4\] u32 vCPU count/);
  assert.match(r.out, /- no GUEST_POLICY for the SEV_SNP platform/);
});

test('igvm inspect --json: a parseable report', { skip: built }, () => {
  const r = run('igvm', 'inspect', good, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.size, file.length);
  assert.equal(j.headerCount, 7);
  assert.equal(j.snpMask, '0x1');
  assert.deepEqual(j.directiveCounts, { PAGE_DATA: 2, PARAMETER_AREA: 1, VP_COUNT_PARAMETER: 1, PARAMETER_INSERT: 1, VP_CONTEXT: 1 });
  assert.equal(j.vpContexts[0].vmsa.rip, '0xfff0');
  assert.deepEqual(j.vpContexts[0].vmsa.sevFeatureNames, ['SNPActive']);
  assert.ok(j.warnings.some((w: string) => w.includes('GUEST_POLICY')));
});

test('igvm inspect: a malformed file is one line on stderr with header index and offset, exit 1', { skip: built }, () => {
  const bad = file.slice();
  const t = tlvOffsets(bad)[2]!;
  wr32(bad, t + 4, 20); // PAGE_DATA payload length 20 instead of 24
  const p = join(dir, 'bad.igvm');
  writeFileSync(p, seal(bad));
  const r = run('igvm', 'inspect', p);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.equal(r.err, `Error: ${p}: header 2: offset 0x${(t + 4).toString(16)}: length: PAGE_DATA: payload length 20 must be 24\n`);
  const missing = run('igvm', 'inspect', join(dir, 'nope.igvm'));
  assert.equal(missing.code, 1);
  assert.equal(missing.err.split('\n').length, 2);
});

test('igvm: usage errors exit 2; --help exits 0', { skip: built }, () => {
  assert.equal(run('igvm').code, 2);
  assert.equal(run('igvm', 'show', good).code, 2);
  assert.equal(run('igvm', 'inspect').code, 2);
  assert.equal(run('igvm', 'inspect', good, '--bogus').code, 2);
  const h = run('igvm', '--help');
  assert.equal(h.code, 0);
  assert.match(h.out, /usage: snp-launch igvm inspect FILE \[--json\]/);
});
