// Issue 18 item 4 acceptance: every row of the reference table (sev-snp-measure 0.0.13 outputs)
// that has a kernel measures the same with the kernel and initrd given as SHA-256 values (computed
// here with node:crypto) instead of the files, and — for mode snp — with the firmware given as an
// `ovmf metadata` document plus --snp-ovmf-hash instead of the file. A few rows go through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import type { ByteSource } from '../../src/core/source.js';
import { measureOvmf } from '../../src/measure/ovmf.js';
import { ovmfMetadataOf } from '../../src/measure/by-hash.js';
import { ovmfMetadataSource, ovmfMetadataToJson, parseOvmfMetadataJson } from '../../src/images/ovmf/metadata-doc.js';
import type { OvmfMeasureOptions } from '../../src/measure/types.js';
import { CLI, needsShared, shared } from '../_shared.js';
import { parse, rowOptions, split } from '../ovmf/_reference-rows.js';

const sha256File = (p: string | undefined): Buffer | undefined =>
  p === undefined ? undefined : createHash('sha256').update(p === '/dev/null' ? Buffer.alloc(0) : readFileSync(shared(p))).digest();

/** The reference rows with --kernel that the reference tool measured (exit 0). */
function kernelRows(): { args: string; expected: string }[] {
  const rows = readFileSync(shared('vectors', 'sev-snp-measure', 'reference.tsv'), 'utf8').trim().split('\n').slice(1);
  return rows
    .map((r) => r.split('\t'))
    .filter(([args, , rc]) => rc === '0' && / --kernel[ =]/.test(` ${args}`))
    .map(([args, expected]) => ({ args: args!, expected: expected! }));
}

/** The row's printed value from a digest (hex, base64 or the verbose sentence). */
function shown(args: string, digest: Uint8Array, mode: string): string {
  const b = Buffer.from(digest);
  const value = /--output-format[ =]base64/.test(args) ? b.toString('base64') : b.toString('hex');
  const name: Record<string, string> = { sev: 'SEV', seves: 'SEV_ES', snp: 'SEV_SNP' };
  return / (-v|--verbose)( |$)/.test(` ${args} `) ? `Calculated ${name[mode]} guest measurement: ${value}` : value;
}

test('reference rows with a kernel: kernel/initrd by SHA-256, and OVMF by metadata + --snp-ovmf-hash', { skip: needsShared }, async () => {
  setHashProvider(nodeHashProvider);
  const rows = kernelRows();
  assert.ok(rows.length >= 40, `only ${rows.length} rows with a kernel`);
  const failures: string[] = [];
  let byHash = 0;
  let byMetadata = 0;
  for (const { args, expected } of rows) {
    const p = parse(split(args));
    const sources: ByteSource[] = [];
    try {
      const built = await rowOptions(p, sources);
      assert.ok('mode' in built, args);
      const files = built as OvmfMeasureOptions;
      // The files replaced by their hashes (the append stays as it is).
      const { kernel: _k, initrd: _i, ...rest } = files;
      const hashed: OvmfMeasureOptions = { ...rest, kernelSha256: sha256File(p.a['--kernel'])! };
      const ih = sha256File(p.a['--initrd']);
      if (ih) hashed.initrdSha256 = ih;
      const got = shown(args, (await measureOvmf(hashed)).digest, hashed.mode);
      if (got !== expected) failures.push(`by hash: ${args}\n  got  ${got}\n  want ${expected}`);
      byHash++;
      if (hashed.mode !== 'snp') continue;
      // And the firmware by its metadata document (through JSON and back) + the SNP_OVMF hash.
      const doc = await ovmfMetadataOf(files.ovmf);
      const seed = hashed.snpOvmfHash ?? doc.snpOvmfHash;
      if (seed === undefined) continue; // the odd-size image has no page-aligned firmware to hash
      const json = JSON.parse(JSON.stringify(ovmfMetadataToJson(doc, 'test')));
      const meta = ovmfMetadataSource(parseOvmfMetadataJson(json, 'ovmf.json'), 'ovmf.json');
      const got2 = shown(args, (await measureOvmf({ ...hashed, ovmf: meta, snpOvmfHash: seed })).digest, 'snp');
      if (got2 !== expected) failures.push(`by metadata: ${args}\n  got  ${got2}\n  want ${expected}`);
      byMetadata++;
    } finally {
      for (const s of sources) await s.close?.();
    }
  }
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.ok(byHash === rows.length && byMetadata >= 20, `${byHash} rows by hash, ${byMetadata} by metadata`);
});

test('a metadata source refuses to hand out firmware bytes it does not have', { skip: needsShared }, async () => {
  setHashProvider(nodeHashProvider);
  const rows = kernelRows();
  const p = parse(split(rows.find((r) => r.args.includes('ovmf_AmdSev_4M.bin'))!.args));
  const sources: ByteSource[] = [];
  const built = (await rowOptions(p, sources)) as OvmfMeasureOptions;
  const meta = ovmfMetadataSource(await ovmfMetadataOf(built.ovmf), 'ovmf.json');
  for (const s of sources) await s.close?.();
  // Without the seed, the firmware pages would have to be read: a located one-sentence error.
  await assert.rejects(measureOvmf({ ...built, ovmf: meta, snpOvmfHash: undefined }), /ovmf\.json.*holds only the firmware's metadata/);
});

test('CLI: measure, match and refvalues with --kernel-sha256/--initrd-sha256 and --ovmf-metadata', { skip: needsShared }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'by-hash-'));
  const ovmf = shared('vectors', 'sev-snp-measure', 'inputs', 'ovmf_AmdSev_4M.bin');
  const kernel = shared('vectors', 'sev-snp-measure', 'inputs', 'kernel_1M.bin');
  const initrd = shared('vectors', 'sev-snp-measure', 'inputs', 'initrd_1M.bin');
  const kh = createHash('sha256').update(readFileSync(kernel)).digest('hex');
  const ih = createHash('sha256').update(readFileSync(initrd)).digest('hex');
  const cli = (...a: string[]) => execFileSync(process.execPath, [CLI, ...a], { encoding: 'utf8' }).trim();
  const base = ['--vcpus', '4', '--vcpu-type', 'EPYC-Milan', '--append', 'console=ttyS0'];
  const want = cli('measure', '--mode', 'snp', ...base, '--ovmf', ovmf, '--kernel', kernel, '--initrd', initrd);
  assert.match(want, /^[0-9a-f]{96}$/);
  assert.equal(cli('measure', '--mode', 'snp', ...base, '--ovmf', ovmf, '--kernel-sha256', kh, '--initrd-sha256', ih), want);
  const metaPath = join(dir, 'ovmf.json');
  cli('ovmf', 'metadata', ovmf, '-o', metaPath);
  const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
  assert.equal(meta.format, 'snp-launch.ovmf-metadata/1');
  assert.equal(meta.size, 4194304);
  assert.equal(meta.resetEip, '0x80b004');
  assert.equal(meta.kernelHashes.tableGpa, '0x810c00');
  assert.equal(meta.sections.length, 7);
  // The SNP_OVMF hash is what `measure --mode snp:ovmf-hash` prints.
  assert.equal(meta.snpOvmfHash, cli('measure', '--mode', 'snp:ovmf-hash', '--ovmf', ovmf));
  assert.equal(cli('measure', ...base, '--ovmf-metadata', metaPath, '--snp-ovmf-hash', meta.snpOvmfHash, '--kernel-sha256', kh, '--initrd-sha256', ih), want);
  assert.equal(cli('measure', ...base, '--ovmf-metadata', metaPath, '--kernel-sha256', kh, '--initrd-sha256', ih), want, 'the document carries the hash');
  // match finds the launch from hashes only.
  const m = cli('match', '--measurement', want, '--ovmf-metadata', metaPath, '--kernel-sha256', kh, '--initrd-sha256', ih, '--append', 'console=ttyS0', '--vcpus', '1-8', '--platform', 'qemu-kvm', '--json');
  const mj = JSON.parse(m);
  assert.ok(mj.matches.some((x: { vcpus: number; vcpuSig: string }) => x.vcpus === 4 && x.vcpuSig === '0x00a00f11'), m);
  // refvalues from hashes gives the same cell.
  const rv = JSON.parse(cli('refvalues', '--ovmf-metadata', metaPath, '--kernel-sha256', kh, '--initrd-sha256', ih, '--append', 'console=ttyS0', '--vcpus', '4', '--vcpu-type', 'EPYC-Milan'));
  assert.equal(rv.cells[0].measurement, want);
  assert.equal(rv.inputs['kernel (--kernel-sha256)'], kh);
  // Not an OVMF image (no footer table, so no AP reset address): refused with the reference's error, no document.
  const junk = join(dir, 'junk.bin');
  writeFileSync(junk, new Uint8Array(8192).fill(0x5a));
  const nj = spawnSync(process.execPath, [CLI, 'ovmf', 'metadata', junk], { encoding: 'utf8' });
  assert.equal(nj.status, 1, nj.stderr);
  assert.equal(nj.stdout, '');
  assert.match(nj.stderr, /^Error: .*junk\.bin: Can't find SEV_ES_RESET_BLOCK_GUID entry in OVMF table\n$/);
  // Usage errors: a file and its hash together, a malformed hash, a mode that needs the bytes.
  for (const [args, re] of [
    [['measure', '--mode', 'snp', ...base, '--ovmf', ovmf, '--kernel', kernel, '--kernel-sha256', kh], /not allowed with argument --kernel/],
    [['measure', '--mode', 'snp', ...base, '--ovmf', ovmf, '--kernel-sha256', 'abc'], /--kernel-sha256: must be a SHA-256/],
    [['measure', '--mode', 'seves', ...base, '--ovmf-metadata', metaPath], /mode seves hashes the firmware bytes/],
  ] as const) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  writeFileSync(join(dir, 'bad.json'), '{"format":"snp-launch.ovmf-metadata/1","size":4096,"sections":[{"gpa":"0x1000","size":1}]}');
  const bad = spawnSync(process.execPath, [CLI, 'measure', '--vcpus', '4', '--vcpu-type', 'EPYC-Milan', '--ovmf-metadata', join(dir, 'bad.json'), '--snp-ovmf-hash', meta.snpOvmfHash], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /bad\.json.*sections\[0\]\.type/);
});
