// An independent SNP launch-digest chain for the tests, written from the SNP ABI PAGE_INFO table
// (specs/launch-digest.md §2.1) with node:crypto only — no library code — plus small helpers.
import { createHash } from 'node:crypto';

export const KVM_GPA = 0xfffffffff000;
export const T = { NORMAL: 1, VMSA: 2, ZERO: 3, UNMEASURED: 4, SECRETS: 5, CPUID: 6 } as const;

export const sha384 = (b: Uint8Array): Buffer => createHash('sha384').update(b).digest();
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export class RefChain {
  ld: Buffer = Buffer.alloc(48);
  steps = 0;
  /** One PAGE_INFO step; `page` (4096 bytes, zero-padded if shorter) only for NORMAL and VMSA. */
  step(type: number, gpa: number, page?: Uint8Array): this {
    const info = Buffer.alloc(0x70);
    this.ld.copy(info, 0);
    if (type === T.NORMAL || type === T.VMSA) {
      const p = Buffer.alloc(4096);
      if (page) Buffer.from(page).copy(p);
      sha384(p).copy(info, 0x30);
    }
    info.writeUInt16LE(0x70, 0x60);
    info[0x62] = type;
    info.writeBigUInt64LE(BigInt(gpa), 0x68);
    this.ld = sha384(info);
    this.steps++;
    return this;
  }
  /** `count` pages from gpa; `data` (count*4096 bytes) for NORMAL/VMSA, zeros when absent. */
  range(type: number, gpa: number, count: number, data?: Uint8Array): this {
    for (let i = 0; i < count; i++) this.step(type, gpa + i * 4096, data?.subarray(i * 4096, (i + 1) * 4096));
    return this;
  }
  get hex(): string {
    return hex(this.ld);
  }
}

/** A page filled with a byte. */
export const filled = (b: number, n = 4096): Uint8Array => new Uint8Array(n).fill(b);

/**
 * A VMSA written byte by byte from the spec tables: vmpl @0xCA, sev_features @0x3B0, rip @0x178,
 * rdx @0x310 (launch-digest.md §3), plus a marker so different VMSAs hash differently.
 */
export function testVmsa(opts: { features?: bigint; vmpl?: number; rip?: bigint; marker?: number } = {}): Uint8Array {
  const v = Buffer.alloc(4096);
  v.writeBigUInt64LE(opts.features ?? 1n, 0x3b0);
  v[0xca] = opts.vmpl ?? 0;
  v.writeBigUInt64LE(opts.rip ?? 0xfff0n, 0x178);
  v.writeBigUInt64LE(BigInt(opts.marker ?? 0), 0x310);
  return new Uint8Array(v);
}

/**
 * The QEMU reset-state VMSA at eip 0xFFFFFFF0 with EPYC-v4 (0x800F12) and features 0x1, built from
 * the decoded non-zero bytes listed in specs/ovmf.md §7.1 — independent of the library's profiles.
 * With other features/signature the two fields are patched (offsets 0x3B0 and 0x310).
 */
export function qemuResetVmsaFromSpec(features = 1n, sig = 0x800f12): Uint8Array {
  const listed =
    '0x002:93 0x004:ffff 0x011:f09b 0x014:ffff 0x01a:ffff 0x022:93 0x024:ffff 0x032:93 0x034:ffff ' +
    '0x042:93 0x044:ffff 0x052:93 0x054:ffff 0x064:ffff 0x072:82 0x074:ffff 0x084:ffff 0x092:8b ' +
    '0x094:ffff 0x0d1:10 0x148:40 0x158:10 0x161:04 0x168:f00fffff 0x170:02 0x178:f0ff ' +
    '0x268:060407 0x26c:060407 0x310:120f80 0x3b0:01 0x3e8:01 0x408:801f 0x410:7f03';
  const v = Buffer.alloc(4096);
  for (const item of listed.split(' ')) {
    const [off, bytes] = item.split(':') as [string, string];
    Buffer.from(bytes, 'hex').copy(v, parseInt(off, 16));
  }
  v.writeBigUInt64LE(features, 0x3b0);
  v.writeBigUInt64LE(BigInt(sig), 0x310);
  return new Uint8Array(v);
}
