/**
 * `snp-launch demo` through the built CLI: it runs without any file, prints an aligned table,
 * and its digests agree with `snp-launch measure` (itself checked against sev-snp-measure's
 * vectors) run on the same images written to disk, and with node:crypto for mode sev.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDemoImages, demoBlob, DEMO_CMDLINE } from '../../src/cli/demo-cases.js';
import { cliBuilt, runCli } from './_cli.js';

interface Row {
  id: string;
  platform: string;
  vcpus: number | null;
  digest: string | null;
  steps: number | null;
  sameAsBaseline: boolean | null;
  error: string | null;
}

test('demo --json: digests agree with measure on the same images and with node:crypto', async () => {
  cliBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'snp-demo-'));
  try {
    const r = await runCli(['demo', '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { images: { id: string; sha256: string }[]; rows: Row[] };
    const rows = new Map(doc.rows.map((x) => [x.id, x]));
    const images = buildDemoImages();
    for (const img of images) {
      writeFileSync(join(dir, img.file), img.bytes);
      assert.equal(doc.images.find((i) => i.id === img.id)!.sha256, createHash('sha256').update(img.bytes).digest('hex'));
    }
    // mode sev is the SHA-256 of the image (ovmf.md §8.5).
    assert.equal(rows.get('sev')!.digest, createHash('sha256').update(images[0]!.bytes).digest('hex'));
    writeFileSync(join(dir, 'vmlinuz'), demoBlob(8192, 1));
    writeFileSync(join(dir, 'initrd.img'), demoBlob(4096, 3));
    const base = ['measure', '--ovmf', 'amdsev.fd'];
    const checks: [string, string[]][] = [
      ['q1', [...base, '--mode', 'snp', '--vcpus', '1', '--vcpu-type', 'EPYC-v4']],
      ['q4', [...base, '--mode', 'snp', '--vcpus', '4', '--vcpu-type', 'EPYC-v4']],
      ['e4', [...base, '--mode', 'snp', '--vcpus', '4', '--platform', 'ec2']],
      ['g1', [...base, '--mode', 'snp', '--vcpus', '1', '--vmm-type', 'gce']],
      ['dbg', [...base, '--mode', 'snp', '--vcpus', '1', '--vcpu-type', 'EPYC-v4', '--guest-features', '0x21']],
      ['kern', [...base, '--mode', 'snp', '--vcpus', '1', '--vcpu-type', 'EPYC-v4', '--kernel', 'vmlinuz', '--initrd', 'initrd.img', '--append', DEMO_CMDLINE]],
      ['es4', [...base, '--mode', 'seves', '--vcpus', '4', '--vcpu-type', 'EPYC-v4']],
      ['x1', ['measure', '--ovmf', 'ovmfx64.fd', '--mode', 'snp', '--vcpus', '1', '--vcpu-type', 'EPYC-v4']],
      ['sv4', ['measure', '--ovmf', 'ovmfx64.fd', '--svsm', 'svsm.bin', '--vars-size', '540672', '--mode', 'snp:svsm', '--vcpus', '4', '--vcpu-type', 'EPYC-v4']],
    ];
    for (const [id, args] of checks) {
      const m = await runCli(args, dir);
      assert.equal(m.code, 0, `${id}: ${m.stderr}`);
      assert.equal(rows.get(id)!.digest + '\n', m.stdout, `demo row ${id} = measure ${args.slice(1).join(' ')}`);
    }
    // Relations the table explains.
    assert.equal(rows.get('seeded')!.digest, rows.get('q1')!.digest);
    assert.equal(rows.get('seeded')!.sameAsBaseline, true);
    for (const [four, one] of [['q4', 'q1'], ['e4', 'e1'], ['g4', 'g1'], ['sv4', 'sv1']] as const) assert.equal(rows.get(four)!.steps, rows.get(one)!.steps! + 3);
    assert.match(rows.get('xk')!.error!, /SNP_KERNEL_HASHES/);
    assert.match(rows.get('sve1')!.error!, /Qemu/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('demo prints an aligned, uncoloured table of at most 100 columns when not on a terminal', async () => {
  const r = await runCli(['demo'], process.cwd());
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.doesNotMatch(r.stdout, /\x1b\[/);
  const lines = r.stdout.split('\n');
  // The explanation column goes under each row, so that every line fits 100 columns.
  const headers = lines.filter((l, i) => /^\s+#\s+launch\s+platform\s+vCPUs\s+digest\s+steps\s+vs$/.test(l) && /^\s+where the difference comes from$/.test(lines[i + 1] ?? ''));
  for (const l of lines) assert.ok([...l].length <= 100, `a line of ${[...l].length} columns: ${l}`);
  assert.ok(headers.length >= 4, 'one header per section');
  assert.equal(new Set(headers).size, 1, 'the same column layout in every section');
  const digestAt = headers[0]!.indexOf('digest');
  const rows = lines.filter((l) => /^\s+\d+\s{2}/.test(l));
  assert.ok(rows.length >= 20);
  for (const l of rows) assert.match(l.slice(digestAt), /^([0-9a-f]{16}…|rejected)/, l);
  for (const p of ['qemu-kvm', 'ec2', 'gce']) assert.ok(rows.some((l) => l.includes(` ${p} `)), p);
  for (const wide of ['--wide', '--full']) {
    const full = await runCli(['demo', wide], process.cwd());
    assert.match(full.stdout, /\s[0-9a-f]{96}\s/, wide);
  }
});
