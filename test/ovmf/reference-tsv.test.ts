// Runs every row of shared/vectors/sev-snp-measure/reference.tsv (outputs of the reference tool
// virtee/sev-snp-measure 0.0.13) through measureOvmf, with a minimal argparse-like reading of the
// arguments written here. Rows the CLI rejects while parsing (invalid choices, missing --ovmf,
// unknown options, bad integers) only need exit status 2 and are counted as parser rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { SnpLaunchError } from '../../src/core/errors.js';
import { bytesSource, type ByteSource } from '../../src/core/source.js';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { openFileSource } from '../../src/node/file-source.js';
import { measureOvmf } from '../../src/measure/ovmf.js';
import type { OvmfMeasureOptions, OvmfMode, VmmType } from '../../src/measure/types.js';
import { SEV_SNP_MEASURE_VCPU_TYPES, vcpuSignature, vcpuTypeSignature } from '../../src/vmsa/vcpu-types.js';
import { needsShared, shared } from '../_shared.js';

class ParseError extends Error {}

/** shlex-style split for the quoting used in the table (single quotes only). */
function split(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let have = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "'") {
      const j = s.indexOf("'", i + 1);
      cur += s.slice(i + 1, j);
      have = true;
      i = j;
    } else if (c === ' ') {
      if (have) out.push(cur);
      cur = '';
      have = false;
    } else {
      cur += c;
      have = true;
    }
  }
  if (have) out.push(cur);
  return out;
}

/** Python int(x, 0). */
function pyIntAuto(x: string): bigint {
  if (/^-?(0x[0-9a-f]+|0o[0-7]+|0b[01]+|0|[1-9][0-9]*)$/i.test(x)) {
    const neg = x.startsWith('-');
    const v = BigInt(neg ? x.slice(1) : x);
    return neg ? -v : v;
  }
  throw new ParseError(`invalid int ${x}`);
}
function pyInt(x: string): number {
  if (!/^-?[0-9]+$/.test(x)) throw new ParseError(`invalid int ${x}`);
  return Number(x);
}

const OPTS = ['--mode', '--vcpus', '--vcpu-type', '--vcpu-sig', '--vcpu-family', '--vcpu-model', '--vcpu-stepping', '--vmm-type', '--ovmf', '--kernel', '--initrd', '--append', '--guest-features', '--output-format', '--snp-ovmf-hash', '--svsm', '--vars-size', '--vars-file'];
const FLAGS = ['--dump-vmsa', '-v', '--verbose'];

interface Parsed {
  a: Record<string, string>;
  flags: Set<string>;
}

function parse(argv: string[]): Parsed {
  const a: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    let k = argv[i]!;
    let v: string | undefined;
    if (k.includes('=')) [k, v] = [k.slice(0, k.indexOf('=')), k.slice(k.indexOf('=') + 1)];
    if (FLAGS.includes(k)) {
      flags.add(k === '--verbose' ? '-v' : k);
      continue;
    }
    const m = OPTS.filter((o) => o === k || (k.startsWith('--') && o.startsWith(k)));
    const exact = m.includes(k) ? [k] : m;
    if (exact.length !== 1) throw new ParseError(`bad option ${k}`);
    a[exact[0]!] = v ?? argv[++i]!;
  }
  if (!a['--ovmf'] || !a['--mode']) throw new ParseError('missing required');
  if (!['sev', 'seves', 'snp', 'snp:ovmf-hash', 'snp:svsm'].includes(a['--mode'])) throw new ParseError('mode');
  // The reference's 16 choices (snp-launch's CLI may accept a superset; the table expects exit 2).
  if (a['--vcpu-type'] !== undefined && !Object.hasOwn(SEV_SNP_MEASURE_VCPU_TYPES, a['--vcpu-type'])) throw new ParseError('vcpu type');
  return { a, flags };
}

async function open(p: string | undefined, sources: ByteSource[]): Promise<ByteSource | undefined> {
  if (p === undefined) return undefined;
  if (p === '/dev/null') return bytesSource('/dev/null', new Uint8Array(0));
  const s = await openFileSource(shared(p));
  sources.push(s);
  return s;
}

const VERBOSE: Record<string, string> = { sev: 'SEV', seves: 'SEV_ES', snp: 'SEV_SNP', 'snp:svsm': 'SEV_SNP_SVSM' };

/** Returns [stdout, rc]. */
async function run(args: string): Promise<[string, number]> {
  let p: Parsed;
  try {
    p = parse(split(args));
  } catch (e) {
    if (e instanceof ParseError) return ['(parser)', 2];
    throw e;
  }
  const { a, flags } = p;
  const sources: ByteSource[] = [];
  try {
    if (a['--vcpu-family'] !== undefined && (a['--vcpu-model'] === undefined || a['--vcpu-stepping'] === undefined)) return ['(family)', 2];
    let vcpuSig: number | undefined;
    if (a['--vcpu-family'] !== undefined) vcpuSig = vcpuSignature(pyInt(a['--vcpu-family']), pyInt(a['--vcpu-model']!), pyInt(a['--vcpu-stepping']!));
    else if (a['--vcpu-sig'] !== undefined) vcpuSig = Number(pyIntAuto(a['--vcpu-sig']));
    else if (a['--vcpu-type'] !== undefined) vcpuSig = vcpuTypeSignature(a['--vcpu-type']);
    let snpOvmfHash: Uint8Array | undefined;
    if (a['--snp-ovmf-hash'] !== undefined) {
      const h = a['--snp-ovmf-hash'];
      if (!/^([0-9a-fA-F]{2})*$/.test(h)) return ['(bad hex)', 1];
      snpOvmfHash = Buffer.from(h, 'hex');
    }
    const varsFile = a['--vars-file'];
    const opts: OvmfMeasureOptions = {
      mode: a['--mode'] as OvmfMode,
      ovmf: (await open(a['--ovmf'], sources))!,
      vcpus: a['--vcpus'] === undefined ? undefined : pyInt(a['--vcpus']),
      vmm: (a['--vmm-type'] ?? 'QEMU') as VmmType,
      vcpuSig,
      guestFeatures: a['--guest-features'] === undefined ? undefined : pyIntAuto(a['--guest-features']),
      kernel: await open(a['--kernel'], sources),
      initrd: await open(a['--initrd'], sources),
      append: a['--append'],
      snpOvmfHash,
      svsm: await open(a['--svsm'], sources),
      varsSize: varsFile ? statSync(shared(varsFile)).size : a['--vars-size'] === undefined ? undefined : pyInt(a['--vars-size']),
      keepVmsas: flags.has('--dump-vmsa'),
    };
    if (flags.has('--dump-vmsa') && opts.mode === 'sev') return ['(dump-vmsa)', 2];
    const r = await measureOvmf(opts);
    const hex = Buffer.from(r.digest).toString('hex');
    if (opts.mode === 'snp:ovmf-hash') return [hex, 0];
    const value = a['--output-format'] === 'base64' ? Buffer.from(r.digest).toString('base64') : hex;
    return [flags.has('-v') ? `Calculated ${VERBOSE[opts.mode]} guest measurement: ${value}` : value, 0];
  } catch (e) {
    if (e instanceof ParseError) return ['(parser)', 2];
    if (e instanceof SnpLaunchError) return [`ERROR: ${e.message}`, e.kind === 'usage' ? 2 : 1];
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ['(missing file)', 1];
    throw e;
  } finally {
    for (const s of sources) await s.close?.();
  }
}

test('every row of reference.tsv through measureOvmf', { skip: needsShared }, async () => {
  setHashProvider(nodeHashProvider);
  const rows = readFileSync(shared('vectors', 'sev-snp-measure', 'reference.tsv'), 'utf8').trim().split('\n').slice(1);
  assert.equal(rows.length, 289);
  const failures: string[] = [];
  let digests = 0;
  for (const row of rows) {
    const [args, expected, rc] = row.split('\t') as [string, string, string];
    const [out, code] = await run(args);
    if (code !== Number(rc)) failures.push(`${args}\n   rc ${code} (want ${rc}): ${out}`);
    else if (code === 0) {
      digests++;
      if (out !== expected) failures.push(`${args}\n   got  ${out}\n   want ${expected}`);
    } else if (expected.startsWith('ERROR: Error: ')) {
      // Reference RuntimeError messages must be reused as our reasons.
      const msg = expected.slice('ERROR: Error: '.length);
      if (!out.includes(msg)) failures.push(`${args}\n   message ${out}\n   want    ${msg}`);
    } else if (/ValueError: \d+ is not a valid SectionType/.test(expected)) {
      if (!out.includes(expected.replace(/^ERROR: ValueError: /, ''))) failures.push(`${args}\n   message ${out}`);
    }
  }
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.ok(digests > 240, `only ${digests} digest rows checked`);
});
