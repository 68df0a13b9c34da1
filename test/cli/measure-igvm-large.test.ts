// `measure --igvm` on a file of 32 MiB or more takes the speculative path (src/node/speculative-pages.ts:
// page digests taken on a worker while the headers parse). Its digest is checked against an
// independent PAGE_INFO chain (test/platforms/_ref.ts, node:crypto only) and against the plain path
// (SNP_LAUNCH_NO_SPECULATION), on a 40 MiB file of random page data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI, REPO } from '../_shared.js';
import { cliBuilt } from './_cli.js';
import { KVM_GPA, RefChain, T } from '../platforms/_ref.js';
import { spawnSync } from 'node:child_process';

const PAGES = 10 * 1024; // 40 MiB: above the 32 MiB threshold of the speculative path

test('measure --igvm, 40 MiB: the speculative path gives the independent chain, as the plain path does', async () => {
  cliBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'snp-igvm-large-'));
  try {
    const file = join(dir, 'big.igvm');
    const { writeBigIgvm } = await import(pathToFileURL(join(REPO, 'bench', 'gen.mjs')).href);
    const total: number = await writeBigIgvm(join(REPO, 'dist'), file, PAGES);
    const bytes = readFileSync(file);
    const data = bytes.subarray(total - PAGES * 4096);
    // openvmm: the data pages in header order as NORMAL from GPA 0x100000, then the VP context's VMSA.
    const vmsa = new Uint8Array(4096);
    new DataView(vmsa.buffer).setBigUint64(0x3b0, 1n, true);
    const want = new RefChain().range(T.NORMAL, 0x100000, PAGES, data).step(T.VMSA, KVM_GPA, vmsa).hex;
    const run = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [CLI, 'measure', '--igvm', file, '--platform', 'openvmm'], { encoding: 'utf8', env: { ...process.env, ...env } });
    const spec = run({});
    assert.equal(spec.status, 0, spec.stderr);
    assert.equal(spec.stdout.trim(), want);
    const plain = run({ SNP_LAUNCH_NO_SPECULATION: '1' });
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(plain.stdout.trim(), want);
    // A truncated file: one error line, exit 1, on the speculative path too.
    const cut = join(dir, 'cut.igvm');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 4096 * 3 - 100));
    const bad = spawnSync(process.execPath, [CLI, 'measure', '--igvm', cut, '--platform', 'openvmm'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /^Error: .*cut\.igvm/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
