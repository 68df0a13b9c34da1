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

/**
 * A synthetic, unsigned Turin v5 report built from spec values: TCB 0x5100000004010101 (§1.3: fmc 1,
 * bl 1, tee 1, snp 4, ucode 81) in all four TCB fields, PLATFORM_INFO 0x65 and mitigation vectors
 * 0x3f (§1.1/§1.5, the real Turin sample), CPUID 0x1A/0x02/0x01, CHIP_ID 59790fb1c39f35c1 (§4).
 */
export function turinV5Report(): Uint8Array {
  const b = new Uint8Array(0x4a0);
  const dv = new DataView(b.buffer);
  dv.setUint32(0x000, 5, true);
  dv.setBigUint64(0x008, 0x30000n, true);
  dv.setUint32(0x034, 1, true);
  for (const off of [0x038, 0x180, 0x1e0, 0x1f0]) dv.setBigUint64(off, 0x5100000004010101n, true);
  dv.setBigUint64(0x040, 0x65n, true);
  b.set([0x1a, 0x02, 0x01], 0x188);
  b.set([0x59, 0x79, 0x0f, 0xb1, 0xc3, 0x9f, 0x35, 0xc1], 0x1a0);
  b.set([65, 55, 1, 0, 65, 55, 1], 0x1e8); // firmware 1.55.65 current and committed
  dv.setBigUint64(0x1f8, 0x3fn, true);
  dv.setBigUint64(0x200, 0x3fn, true);
  return b;
}
