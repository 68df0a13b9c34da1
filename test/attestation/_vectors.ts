/**
 * The shared attestation vectors (../shared/vectors/attestation) and the expected values written
 * in their README (parsed here, so the tests compare against the published numbers, not ours).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { HAVE_SHARED, shared } from '../_shared.js';

export const VEC = (f: string): string => shared('vectors', 'attestation', f);
export const AMD = (f: string): string => shared('certs', 'amd', f);
export const read = (p: string): Uint8Array => new Uint8Array(readFileSync(p));

export interface Expected {
  file: string;
  /** key=value pairs from the README block (multi-value lines split). */
  kv: Map<string, string>;
  /** TCB lines: name → {bl, tee, snp, ucode, raw}. */
  tcb: Map<string, { bl: number; tee: number; snp: number; ucode: number; raw: bigint }>;
  /** The only certificate the signature verifies with. */
  cert: string;
}

export function expectedReports(): Expected[] {
  if (!HAVE_SHARED) return [];
  const md = readFileSync(VEC('README.md'), 'utf8');
  const out: Expected[] = [];
  for (const m of md.matchAll(/### (\S+)\n```\n([\s\S]*?)```/g)) {
    const kv = new Map<string, string>();
    const tcb: Expected['tcb'] = new Map();
    let cert = '';
    for (const line of m[2]!.split('\n')) {
      const t = /^(\w+)_tcb: bl=(\d+) tee=(\d+) snp=(\d+) ucode=(\d+) \(u64 value (0x[0-9a-f]+)\)/.exec(line);
      if (t) {
        tcb.set(t[1]!, { bl: +t[2]!, tee: +t[3]!, snp: +t[4]!, ucode: +t[5]!, raw: BigInt(t[6]!) });
        continue;
      }
      const c = /^signature verifies with .*: (\S+)$/.exec(line);
      if (c) {
        cert = c[1]!;
        continue;
      }
      const sig = /^(sig_[rs])\(int\)=(0x[0-9a-f]+)$/.exec(line);
      if (sig) {
        kv.set(sig[1]!, sig[2]!);
        continue;
      }
      for (const pair of line.replace(/\(signing_key=.*\)/, '').trim().split(/\s+/)) {
        const eq = pair.indexOf('=');
        if (eq > 0) kv.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      const sk = /signing_key=(\d) mask_chip_key=(\d) author_key_en=(\d)/.exec(line);
      if (sk) {
        kv.set('signing_key', sk[1]!);
        kv.set('mask_chip_key', sk[2]!);
        kv.set('author_key_en', sk[3]!);
      }
    }
    out.push({ file: m[1]!, kv, tcb, cert });
  }
  return out;
}

/** Every certificate file among the vectors. */
export function vectorCerts(): string[] {
  if (!HAVE_SHARED) return [];
  return readdirSync(shared('vectors', 'attestation')).filter((f) => f.endsWith('.der') || f.endsWith('.pem')).sort();
}
