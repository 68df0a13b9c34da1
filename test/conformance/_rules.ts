/**
 * Independent reference digests for `measure --igvm`: the six platform rules of
 * specs/platforms.md §5, written out plainly over the header list the file was built from (see
 * _igvm.ts), with node:crypto SHA-384 and the PAGE_INFO chain of launch-digest.md §2. Every "else
 * error" of §5 is an { error } outcome. Nothing here imports the library.
 */
import { createHash } from 'node:crypto';
import { FLAG_2MB, FLAG_SHARED, FLAG_UNMEASURED, DT, PAGE, PT, type Encoded, type Header, type IgvmFile } from './_igvm.js';

export const PLATFORMS = ['openvmm', 'igvmmeasure', 'qemu-kvm', 'kvm-vmsa-page', 'kvm-direct-vmsa', 'cloud-hypervisor-mshv'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface Opts {
  vcpus?: number;
  vcpuSig?: bigint;
  nativeZero?: boolean;
  guestFeatures?: bigint;
}

/** A digest (hex), or an error with the §5 rule that raises it; usage = a command-line problem. */
export type Outcome = { digest: string } | { error: string; usage?: boolean };

/** SNP page types (launch-digest.md §2.2). */
export const PTYPE = { NORMAL: 1, VMSA: 2, ZERO: 3, UNMEASURED: 4, SECRETS: 5, CPUID: 6 } as const;

/** KVM's fixed VMSA GPA (launch-digest.md §2.4). */
export const KVM_VMSA_GPA = 0xfffffffff000n;

const sha384 = (b: Uint8Array): Buffer => createHash('sha384').update(b).digest();
const ZERO48 = new Uint8Array(48);
const ZERO_PAGE = new Uint8Array(PAGE);

/** One PAGE_INFO step (launch-digest.md §2.1/§2.3). */
export function step(ld: Uint8Array, type: number, gpa: bigint, page?: Uint8Array): Uint8Array {
  const info = new Uint8Array(0x70);
  const v = new DataView(info.buffer);
  info.set(ld, 0x00);
  info.set(type === PTYPE.NORMAL || type === PTYPE.VMSA ? sha384(page ?? ZERO_PAGE) : ZERO48, 0x30);
  v.setUint16(0x60, 0x70, true);
  v.setUint8(0x62, type);
  v.setBigUint64(0x68, gpa, true);
  return sha384(info);
}

interface Entry {
  gpa: bigint;
  type: number;
  page?: Uint8Array;
}

class RuleError extends Error {}
const fail = (why: string): never => {
  throw new RuleError(why);
};

/** The reference outcome of `measure --igvm F --platform P` per platforms.md §5. */
export function reference(file: IgvmFile, enc: Encoded, platform: Platform, opts: Opts = {}): Outcome {
  try {
    return { digest: Buffer.from(measure(file, enc, platform, opts)).toString('hex') };
  } catch (e) {
    if (e instanceof RuleError) return { error: e.message, usage: e.message.startsWith('usage:') };
    throw e;
  }
}

function measure(file: IgvmFile, enc: Encoded, platform: Platform, opts: Opts): Uint8Array {
  const n = opts.vcpus ?? 1;
  // §5.1: snp_mask from the SEV_SNP SUPPORTED_PLATFORM; none → error.
  const snp = file.headers.find((h) => h.kind === 'platform' && h.type === PT.SEV_SNP);
  if (snp === undefined || snp.kind !== 'platform') fail('no SEV-SNP platform header');
  const snpMask = (snp as { mask: number }).mask;
  const applies = (mask: number) => (mask & snpMask) !== 0;

  const areaSize = new Map<number, number>();
  const inline: Entry[] = []; // measured entries in directive order
  const vps: { h: Extract<Header, { kind: 'vp' }>; pos: number }[] = [];

  const read4k = (i: number): Uint8Array => {
    const h = file.headers[i]!;
    const off = h.kind === 'pageDataRef' ? enc.dataOffsets[h.ref]! : enc.dataOffsets[i]!;
    if (off + PAGE > enc.bytes.length) fail('page data runs past the end of the file');
    return enc.bytes.subarray(off, off + PAGE);
  };

  parserChecks(file);
  file.headers.forEach((h, i) => {
    switch (h.kind) {
      case 'paramArea':
        areaSize.set(h.index, h.size); // no mask: always applies (igvm.md §5)
        return;
      case 'pageData': {
        if (!applies(h.mask)) return;
        const flags = h.flags ?? 0;
        if (flags & FLAG_2MB) fail('2 MiB pages are not supported');
        if (platform === 'openvmm' && flags & FLAG_SHARED) return; // skipped
        const dt = h.dataType ?? DT.NORMAL;
        let type: number = dt === DT.SECRETS ? PTYPE.SECRETS : dt === DT.CPUID_DATA || dt === DT.CPUID_XF ? PTYPE.CPUID : flags & FLAG_UNMEASURED ? PTYPE.UNMEASURED : PTYPE.NORMAL;
        const hasData = h.data !== undefined;
        if (type === PTYPE.NORMAL && !hasData && platform === 'igvmmeasure' && opts.nativeZero) type = PTYPE.ZERO;
        inline.push({ gpa: h.gpa, type, page: type === PTYPE.NORMAL ? (hasData ? read4k(i) : ZERO_PAGE) : undefined });
        return;
      }
      case 'pageDataRef':
        if (applies(h.mask)) inline.push({ gpa: h.gpa, type: PTYPE.NORMAL, page: read4k(i) });
        return;
      case 'paramInsert': {
        if (!applies(h.mask)) return;
        const size = areaSize.get(h.index)!;
        const onePage = platform === 'igvmmeasure' || platform === 'cloud-hypervisor-mshv';
        const pages = onePage ? 1 : size / PAGE;
        for (let k = 0; k < pages; k++) inline.push({ gpa: h.gpa + BigInt(k * PAGE), type: PTYPE.UNMEASURED });
        return;
      }
      case 'vp': {
        if (!applies(h.mask)) return;
        // igvm.md §4.11 / §7 rule 10: an SNP VMSA gpa must be 4K-aligned (parser error, all platforms).
        if (h.gpa % BigInt(PAGE) !== 0n) fail('VP_CONTEXT gpa not page-aligned');
        vps.push({ h, pos: inline.length });
        inline.push({ gpa: h.gpa, type: PTYPE.VMSA, page: read4k(i) });
        return;
      }
      default:
        return; // policy, ID block, required memory, parameter usages, platforms: not measured
    }
  });

  const vmpl = (p: Uint8Array) => p[0xca]!;
  const features = (p: Uint8Array) => new DataView(p.buffer, p.byteOffset).getBigUint64(0x3b0, true);
  const kvmChecks = (p: Uint8Array, withGuestFeatures: boolean) => {
    if (vmpl(p) !== 0) fail('VMSA vmpl != 0');
    if ((features(p) & 1n) === 0n) fail('VMSA sev_features without SNP active');
    if (withGuestFeatures && opts.guestFeatures !== undefined && features(p) !== opts.guestFeatures) fail('sev_features != --guest-features');
  };

  let entries: Entry[];
  switch (platform) {
    case 'openvmm':
    case 'igvmmeasure':
      entries = inline;
      break;
    case 'qemu-kvm': {
      if (vps.length !== 1) fail('qemu-kvm needs exactly one VP context');
      const bsp = vps[0]!;
      if (bsp.h.vpIndex !== 0) fail('qemu-kvm VP context is not vp_index 0');
      if (bsp.h.gpa !== KVM_VMSA_GPA) fail('qemu-kvm VMSA gpa must be 0xFFFFFFFFF000');
      const page = inline[bsp.pos]!.page!;
      kvmChecks(page, false);
      if (n > 1 && opts.vcpuSig === undefined) fail('usage: --vcpu-sig/--vcpu-type needed with --vcpus > 1');
      entries = inline.filter((_, k) => k !== bsp.pos);
      entries.push({ gpa: KVM_VMSA_GPA, type: PTYPE.VMSA, page });
      const ap = qemuApVmsa(features(page), opts.vcpuSig ?? 0n);
      for (let k = 1; k < n; k++) entries.push({ gpa: KVM_VMSA_GPA, type: PTYPE.VMSA, page: ap });
      break;
    }
    case 'kvm-vmsa-page': {
      if (vps.length !== 1) fail('kvm-vmsa-page needs exactly one VP context');
      if (vps[0]!.h.vpIndex !== 0) fail('kvm-vmsa-page VP context is not vp_index 0');
      kvmChecks(inline[vps[0]!.pos]!.page!, true);
      entries = inline;
      break;
    }
    case 'kvm-direct-vmsa': {
      const seen = new Set<number>();
      for (const { h } of vps) {
        if (seen.has(h.vpIndex)) fail('duplicate vp_index');
        seen.add(h.vpIndex);
      }
      if (!seen.has(0)) fail('no VP context for vp_index 0');
      for (const { h, pos } of vps) {
        if (h.gpa % 0x200000n === 0n) fail('VMSA gpa is 2 MiB-aligned');
        kvmChecks(inline[pos]!.page!, true);
      }
      entries = inline;
      break;
    }
    case 'cloud-hypervisor-mshv': {
      const vp0 = vps.find((x) => x.h.vpIndex === 0);
      if (vp0 === undefined) fail('no VP context for vp_index 0');
      const page0 = inline[vp0!.pos]!.page!;
      entries = inline.map((e) => (e.type === PTYPE.VMSA ? { ...e, page: page0 } : e));
      entries = entries.map((e, k) => ({ e, k })).sort((a, b) => (a.e.gpa < b.e.gpa ? -1 : a.e.gpa > b.e.gpa ? 1 : a.k - b.k)).map((x) => x.e);
      break;
    }
  }
  let ld: Uint8Array = new Uint8Array(48);
  for (const e of entries) ld = step(ld, e.type, e.gpa, e.page);
  return ld;
}

/**
 * The igvm.md parser rules (§4, §7, §7.1) that the cases deliberately break; a file breaking them is
 * an error whatever the platform.
 */
function parserChecks(file: IgvmFile): void {
  const platformMasks = file.headers.flatMap((h) => (h.kind === 'platform' ? [h.mask] : []));
  const declared = new Set<number>();
  const inserted = new Set<number>();
  for (const h of file.headers) {
    if (h.kind === 'pageData') {
      const align = (h.flags ?? 0) & FLAG_2MB ? 0x200000n : BigInt(PAGE);
      if (h.gpa % align !== 0n) fail('PAGE_DATA gpa not aligned');
      if ((h.reserved ?? 0) !== 0) fail('PAGE_DATA reserved != 0');
    } else if (h.kind === 'paramArea') {
      if (declared.has(h.index)) fail('parameter area declared twice');
      declared.add(h.index);
    } else if (h.kind === 'paramInsert') {
      if (!declared.has(h.index) || inserted.has(h.index)) fail('PARAMETER_INSERT of an undeclared or inserted index');
      if (h.gpa % BigInt(PAGE) !== 0n) fail('PARAMETER_INSERT gpa not aligned');
      inserted.add(h.index);
    } else if (h.kind === 'vp') {
      if (!platformMasks.includes(h.mask)) fail('VP_CONTEXT mask is not exactly one platform mask');
    }
  }
}

/**
 * The QEMU AP reset VMSA: ovmf.md §7.1 QEMU column with eip 0xFFFFFFF0 (platforms.md §6), the IGVM
 * VMSA's sev_features and RDX = the vCPU signature.
 */
export function qemuApVmsa(sevFeatures: bigint, sig: bigint): Uint8Array {
  const b = new Uint8Array(PAGE);
  const v = new DataView(b.buffer);
  const seg = (o: number, sel: number, attrib: number, limit: number, base: bigint) => {
    v.setUint16(o, sel, true);
    v.setUint16(o + 2, attrib, true);
    v.setUint32(o + 4, limit, true);
    v.setBigUint64(o + 8, base, true);
  };
  const eip = 0xfffffff0n;
  for (const o of [0x00, 0x30, 0x40, 0x50]) seg(o, 0, 0x93, 0xffff, 0n); // ES DS FS GS
  seg(0x10, 0xf000, 0x9b, 0xffff, eip & 0xffff0000n); // CS
  seg(0x20, 0, 0x93, 0xffff, 0n); // SS
  seg(0x60, 0, 0, 0xffff, 0n); // GDTR
  seg(0x70, 0, 0x82, 0xffff, 0n); // LDTR
  seg(0x80, 0, 0, 0xffff, 0n); // IDTR
  seg(0x90, 0, 0x8b, 0xffff, 0n); // TR
  const q = (o: number, x: bigint) => v.setBigUint64(o, x, true);
  q(0xd0, 0x1000n); // EFER
  q(0x148, 0x40n); // CR4
  q(0x158, 0x10n); // CR0
  q(0x160, 0x400n); // DR7
  q(0x168, 0xffff0ff0n); // DR6
  q(0x170, 2n); // RFLAGS
  q(0x178, eip & 0xffffn); // RIP
  q(0x268, 0x0007040600070406n); // G_PAT
  q(0x310, sig); // RDX
  q(0x3b0, sevFeatures);
  q(0x3e8, 1n); // XCR0
  v.setUint32(0x408, 0x1f80, true); // MXCSR
  v.setUint16(0x410, 0x037f, true); // X87_FCW
  return b;
}
