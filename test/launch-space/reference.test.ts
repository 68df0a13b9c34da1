/**
 * Issue 8 acceptance: for every row of shared/vectors/sev-snp-measure/reference.tsv in mode snp with
 * exit 0 and without --snp-ovmf-hash (outputs of sev-snp-measure 0.0.13, an independent oracle),
 * `match` with the row's image options finds the row's configuration among its matches, and every
 * listed `snp-launch measure` command reproduces the row's measurement through the built CLI. Axes
 * outside the default space are passed as narrowing, as a user would: the row's vCPU signature when
 * not among the default signatures, its SEV_FEATURES when not among the default values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { openFileSource } from '../../src/node/file-source.js';
import { defaultSignatures, defaultSpace, measureCommand, narrowSpace, searchMeasurement, type ImagePaths, type SpaceImage } from '../../src/launch-space/index.js';
import { vcpuSignature, vcpuTypeSignature } from '../../src/vmsa/vcpu-types.js';
import { needsShared, shared, SHARED } from '../_shared.js';
import { cliBuilt, pool, runCli, shellWords } from '../cli/_cli.js';

setHashProvider(nodeHashProvider);

interface Row {
  line: number;
  args: string[];
  expected: string;
}

function rows(): Row[] {
  return readFileSync(shared('vectors', 'sev-snp-measure', 'reference.tsv'), 'utf8')
    .split('\n')
    .map((l, i) => ({ l, line: i + 1 }))
    .slice(1)
    .filter(({ l }) => l.trim() !== '')
    .map(({ l, line }) => {
      const [args, expected, rc] = l.split('\t');
      return { line, args: shellWords(args!), expected: expected!, rc: Number(rc) };
    })
    .filter((r) => r.rc === 0 && r.args[r.args.indexOf('--mode') + 1] === 'snp' && !r.args.includes('--snp-ovmf-hash'));
}

/** The row's digest as bytes: its expected output is hex, base64, or the verbose sentence. */
function expectedDigest(text: string): Buffer {
  const v = text.replace(/^Calculated \S+ guest measurement: /, '');
  return /^[0-9a-f]{96}$/.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
}

function opt(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The row's configuration as sev-snp-measure reads it (family/model/stepping > sig > type). */
function rowConfig(a: string[]): { platform: string; vcpus: number; sig: number | undefined; features: bigint } {
  const vmm = opt(a, '--vmm-type') ?? 'QEMU';
  const fam = opt(a, '--vcpu-family');
  let sig: number | undefined;
  if (fam !== undefined) sig = vcpuSignature(Number(fam), Number(opt(a, '--vcpu-model')), Number(opt(a, '--vcpu-stepping')));
  else if (opt(a, '--vcpu-sig') !== undefined) sig = Number(BigInt(opt(a, '--vcpu-sig')!));
  else if (opt(a, '--vcpu-type') !== undefined) sig = vcpuTypeSignature(opt(a, '--vcpu-type')!);
  const f = opt(a, '--guest-features');
  return { platform: { QEMU: 'qemu-kvm', ec2: 'ec2', gce: 'gce' }[vmm]!, vcpus: Number(opt(a, '--vcpus')), sig, features: f === undefined ? 1n : BigInt(f.replace(/^0o/, '0o')) };
}

test('reference.tsv: match finds every snp row and its commands reproduce the measurement', { skip: needsShared, timeout: 900_000 }, async () => {
  cliBuilt();
  const table = rows();
  assert.ok(table.length >= 140, `expected the ~150 snp rows, got ${table.length}`);
  const defaults = new Set(defaultSignatures().map((c) => c.sig));
  const defaultFeatures = new Set(defaultSpace('ovmf').guestFeatures);
  const failures: string[] = [];
  const commands: { line: number; cmd: string; expected: string }[] = [];
  for (const row of table) {
    const a = row.args;
    const cfg = rowConfig(a);
    const p = (x: string | undefined) => (x === undefined ? undefined : x.startsWith('/') ? x : shared(x));
    const paths: ImagePaths = { kind: 'ovmf', ovmf: opt(a, '--ovmf')! };
    for (const [k, o] of [['kernel', '--kernel'], ['initrd', '--initrd'], ['append', '--append']] as const) if (opt(a, o) !== undefined) paths[k] = opt(a, o)!;
    const narrow: Record<string, string> = {};
    if (cfg.platform === 'qemu-kvm' && cfg.sig !== undefined && !defaults.has(cfg.sig)) narrow.vcpuSig = '0x' + cfg.sig.toString(16);
    if (!defaultFeatures.has(cfg.features)) narrow.guestFeatures = '0x' + cfg.features.toString(16);
    const space = narrowSpace('ovmf', paths.kernel !== undefined, narrow);
    const opened = [await openFileSource(p(paths.ovmf)!)];
    const image: SpaceImage = { kind: 'ovmf', ovmf: opened[0]! };
    if (paths.kernel !== undefined) opened.push((image.kernel = await openFileSource(p(paths.kernel)!)));
    if (paths.initrd !== undefined) opened.push((image.initrd = await openFileSource(p(paths.initrd)!)));
    if (paths.append !== undefined) image.append = paths.append;
    try {
      const r = await searchMeasurement(image, space, expectedDigest(row.expected));
      const hit = r.matches.find((m) => m.platform === cfg.platform && m.vcpus === cfg.vcpus && m.guestFeatures === cfg.features && (cfg.platform !== 'qemu-kvm' || m.vcpuSig === cfg.sig) && m.kernelHashes === (paths.kernel !== undefined));
      if (!hit) failures.push(`line ${row.line}: ${a.join(' ')}: configuration not among ${r.matches.length} matches`);
      for (const m of r.matches) commands.push({ line: row.line, cmd: measureCommand(m, paths), expected: expectedDigest(row.expected).toString('hex') });
    } finally {
      for (const s of opened) await s.close?.();
    }
  }
  assert.equal(failures.length, 0, failures.slice(0, 10).join('\n'));
  // Every listed command, through the built CLI, from the shared directory (the rows' paths are relative to it).
  await pool(commands, async (c) => {
    const r = await runCli(shellWords(c.cmd).slice(1), SHARED);
    if (r.code !== 0 || r.stdout !== c.expected + '\n') failures.push(`line ${c.line}: ${c.cmd} → rc ${r.code} ${r.stdout.trim()} ${r.stderr.trim()}`);
  });
  assert.equal(failures.length, 0, `${failures.length} of ${commands.length} commands did not reproduce:\n${failures.slice(0, 10).join('\n')}`);
  assert.ok(commands.length >= table.length);
});
