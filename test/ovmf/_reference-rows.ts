// The argparse-like reading of reference.tsv rows (specs/sev-snp-measure-cli.md §2), shared by the
// tests that run the rows: reference-tsv.test.ts (every row) and by-hash.test.ts (rows with a kernel).
import { statSync } from 'node:fs';
import { bytesSource, type ByteSource } from '../../src/core/source.js';
import { openFileSource } from '../../src/node/file-source.js';
import type { OvmfMeasureOptions, OvmfMode, VmmType } from '../../src/measure/types.js';
import { SEV_SNP_MEASURE_VCPU_TYPES, vcpuSignature, vcpuTypeSignature } from '../../src/vmsa/vcpu-types.js';
import { shared } from '../_shared.js';

export class ParseError extends Error {}

/** shlex-style split for the quoting used in the table (single quotes only). */
export function split(s: string): string[] {
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
export function pyIntAuto(x: string): bigint {
  if (/^-?(0x[0-9a-f]+|0o[0-7]+|0b[01]+|0|[1-9][0-9]*)$/i.test(x)) {
    const neg = x.startsWith('-');
    const v = BigInt(neg ? x.slice(1) : x);
    return neg ? -v : v;
  }
  throw new ParseError(`invalid int ${x}`);
}
export function pyInt(x: string): number {
  if (!/^-?[0-9]+$/.test(x)) throw new ParseError(`invalid int ${x}`);
  return Number(x);
}

export const OPTS = ['--mode', '--vcpus', '--vcpu-type', '--vcpu-sig', '--vcpu-family', '--vcpu-model', '--vcpu-stepping', '--vmm-type', '--ovmf', '--kernel', '--initrd', '--append', '--guest-features', '--output-format', '--snp-ovmf-hash', '--svsm', '--vars-size', '--vars-file'];
export const FLAGS = ['--dump-vmsa', '-v', '--verbose'];

export interface Parsed {
  a: Record<string, string>;
  flags: Set<string>;
}

export function parse(argv: string[]): Parsed {
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

export async function open(p: string | undefined, sources: ByteSource[]): Promise<ByteSource | undefined> {
  if (p === undefined) return undefined;
  if (p === '/dev/null') return bytesSource('/dev/null', new Uint8Array(0));
  const s = await openFileSource(shared(p));
  sources.push(s);
  return s;
}

/** The measureOvmf options of a parsed row (files opened into `sources`); a string is the row's early result. */
export async function rowOptions(p: Parsed, sources: ByteSource[]): Promise<OvmfMeasureOptions | [string, number]> {
  const { a, flags } = p;
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
    return opts;
}
