// Independent expectations for `igvm build`: the OVMF launch of specs/ovmf.md §8.1 written out as a
// list of PAGE_INFO steps (firmware pages, SEV metadata sections in file order, the kernel hashes
// page of §6 built here from the spec table with node:crypto, the BSP VMSA from the decoded bytes
// of §7.1), folded by the test chain of test/platforms/_ref.ts. The library is used only to *parse*
// the OVMF footer/metadata (where the sections are), never to measure.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bytesSource } from '../../src/core/source.js';
import { hashTableArea, parseOvmf } from '../../src/images/ovmf/parse.js';
import { KVM_GPA, RefChain, T, qemuResetVmsaFromSpec } from '../platforms/_ref.js';

export interface Step {
  type: number;
  gpa: number;
  page?: Uint8Array;
  /** A page without data in the IGVM file (ZERO under igvmmeasure --native-zero). */
  zero?: boolean;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();
const guid = (hex: string) => Buffer.from(hex, 'hex');

/** The 176-byte table of ovmf.md §6 (cmdline, initrd, kernel entries). */
export function kernelTable(kernel: Uint8Array, initrd: Uint8Array, append: string): Uint8Array {
  const t = Buffer.alloc(176);
  guid('06d63894224fc94cb479a793d411fd21').copy(t, 0);
  t.writeUInt16LE(168, 0x10);
  const entry = (off: number, g: string, digest: Buffer) => {
    guid(g).copy(t, off);
    t.writeUInt16LE(50, off + 16);
    digest.copy(t, off + 18);
  };
  entry(0x12, 'd82dd09720bd944caa78e7714d36ab2a', sha256(Buffer.concat([Buffer.from(append, 'utf8'), Buffer.from([0])])));
  entry(0x44, '31f7ba442f3ad74b9af141e29169781d', sha256(initrd));
  entry(0x76, '3794e74dd2ab7f42b835d5b172d2045b', sha256(kernel));
  return new Uint8Array(t);
}

/** The steps of mode snp (QEMU) with one vCPU, in launch order. */
/** legacy: a pre-KVM_SEV_INIT2 host leaves MXCSR (0x408) and X87_FCW (0x410) 0 (launch-space.md §2.4). */
export async function ovmfSteps(path: string, o: { table?: Uint8Array; features?: bigint; sig?: number; legacy?: boolean } = {}): Promise<Step[]> {
  const fw = new Uint8Array(readFileSync(path));
  const img = await parseOvmf(bytesSource(path, fw));
  const base = 0x1_0000_0000 - fw.length;
  const steps: Step[] = [];
  for (let off = 0; off < fw.length; off += 4096) steps.push({ type: T.NORMAL, gpa: base + off, page: fw.subarray(off, off + 4096) });
  for (const s of img.metadata?.sections ?? []) {
    const pages = (n: number, f: (gpa: number) => Step) => {
      for (let i = 0; i < n; i++) steps.push(f(s.gpa + i * 4096));
    };
    switch (s.type) {
      case 1: // SNP_SEC_MEM
      case 4: // SVSM_CAA
        pages(s.size / 4096, (gpa) => ({ type: T.ZERO, gpa, zero: true }));
        break;
      case 2:
        steps.push({ type: T.SECRETS, gpa: s.gpa });
        break;
      case 3:
        steps.push({ type: T.CPUID, gpa: s.gpa });
        break;
      case 0x10:
        if (o.table) {
          const page = new Uint8Array(4096);
          page.set(o.table, hashTableArea(img)!.gpa & 0xfff);
          steps.push({ type: T.NORMAL, gpa: s.gpa, page });
        } else pages(s.size / 4096, (gpa) => ({ type: T.ZERO, gpa, zero: true }));
        break;
      default:
        throw new Error(`section type ${s.type}`);
    }
  }
  const vmsa = qemuResetVmsaFromSpec(o.features ?? 1n, o.sig ?? 0x800f12);
  if (o.legacy) vmsa.fill(0, 0x408, 0x40c).fill(0, 0x410, 0x412);
  steps.push({ type: T.VMSA, gpa: KVM_GPA, page: vmsa });
  return steps;
}

/**
 * Folds the steps. nativeZero: data-less pages measure as ZERO (mode snp and igvmmeasure
 * --native-zero); otherwise as NORMAL pages of zeros (every IGVM platform). sorted: by GPA, stable.
 */
export function fold(steps: Step[], o: { nativeZero: boolean; sorted?: boolean }): string {
  const list = o.sorted ? steps.map((s, i) => ({ s, i })).sort((a, b) => a.s.gpa - b.s.gpa || a.i - b.i).map((x) => x.s) : steps;
  const c = new RefChain();
  for (const s of list) {
    if (s.zero && !o.nativeZero) c.step(T.NORMAL, s.gpa);
    else c.step(s.type, s.gpa, s.page);
  }
  return c.hex;
}
