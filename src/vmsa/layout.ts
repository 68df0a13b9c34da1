/**
 * The 4096-byte VMSA page (AMD APM vol. 2 Table B-4, Linux `struct sev_es_save_area`, the igvm
 * crate's `SevVmsa`) as a named offset table, with small browser-safe accessors and a decoder of
 * the fields that matter for launch measurements. specs/launch-digest.md §3.
 */
import { setU16, setU32, setU64, u16, u32, u64 } from '../core/bytes.js';
import { inputError } from '../core/errors.js';

export const VMSA_SIZE = 4096;

/** Offsets inside one 16-byte segment register (launch-digest.md §3). */
export const SEG = {
  SELECTOR: 0x0, // u16
  ATTRIB: 0x2, // u16
  LIMIT: 0x4, // u32
  BASE: 0x8, // u64
  SIZE: 0x10,
} as const;

/** Field offsets in the VMSA page (launch-digest.md §3; KVM selftest asserts vmpl 0xCA, rip 0x178, sev_features 0x3B0, xcr0 0x3E8). */
export const VMSA = {
  ES: 0x000,
  CS: 0x010,
  SS: 0x020,
  DS: 0x030,
  FS: 0x040,
  GS: 0x050,
  GDTR: 0x060,
  LDTR: 0x070,
  IDTR: 0x080,
  TR: 0x090,
  PL0_SSP: 0x0a0, // u64
  PL1_SSP: 0x0a8, // u64
  PL2_SSP: 0x0b0, // u64
  PL3_SSP: 0x0b8, // u64
  U_CET: 0x0c0, // u64
  VMPL: 0x0ca, // u8
  CPL: 0x0cb, // u8
  EFER: 0x0d0, // u64
  XSS: 0x140, // u64
  CR4: 0x148, // u64
  CR3: 0x150, // u64
  CR0: 0x158, // u64
  DR7: 0x160, // u64
  DR6: 0x168, // u64
  RFLAGS: 0x170, // u64
  RIP: 0x178, // u64
  RSP: 0x1d8, // u64
  RAX: 0x1f8, // u64
  G_PAT: 0x268, // u64
  SPEC_CTRL: 0x2e0, // u64
  PKRU: 0x2e8, // u32 (Linux naming)
  TSC_AUX: 0x2ec, // u32 (Linux naming)
  RCX: 0x308, // u64
  RDX: 0x310, // u64
  RBX: 0x318, // u64
  RBP: 0x328, // u64
  RSI: 0x330, // u64
  RDI: 0x338, // u64
  R8: 0x340, // u64 ... R15 at 0x378
  R9: 0x348,
  R10: 0x350,
  R11: 0x358,
  R12: 0x360,
  R13: 0x368,
  R14: 0x370,
  R15: 0x378,
  SEV_FEATURES: 0x3b0, // u64
  VIRTUAL_TOM: 0x3c8, // u64
  XCR0: 0x3e8, // u64
  X87_DP: 0x400, // u64
  MXCSR: 0x408, // u32
  X87_FTW: 0x40c, // u16
  X87_FSW: 0x40e, // u16
  X87_FCW: 0x410, // u16
  X87_REGS: 0x420, // 80 bytes
  XMM_REGS: 0x470, // 256 bytes
  YMM_REGS: 0x570, // 256 bytes
  PADDING: 0x670, // zero up to 0x1000
} as const;

export type SegmentName = 'ES' | 'CS' | 'SS' | 'DS' | 'FS' | 'GS' | 'GDTR' | 'LDTR' | 'IDTR' | 'TR';
export const SEGMENT_NAMES: readonly SegmentName[] = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS', 'GDTR', 'LDTR', 'IDTR', 'TR'];

/** The u64 fields, by name (for generic read/write and the decoder). */
export type U64Field =
  | 'PL0_SSP' | 'PL1_SSP' | 'PL2_SSP' | 'PL3_SSP' | 'U_CET' | 'EFER' | 'XSS' | 'CR4' | 'CR3' | 'CR0' | 'DR7' | 'DR6'
  | 'RFLAGS' | 'RIP' | 'RSP' | 'RAX' | 'G_PAT' | 'SPEC_CTRL' | 'RCX' | 'RDX' | 'RBX' | 'RBP' | 'RSI' | 'RDI'
  | 'R8' | 'R9' | 'R10' | 'R11' | 'R12' | 'R13' | 'R14' | 'R15' | 'SEV_FEATURES' | 'VIRTUAL_TOM' | 'XCR0' | 'X87_DP';

export interface Segment {
  selector: number;
  attrib: number;
  limit: number;
  base: bigint;
}

/** A new all-zero VMSA page. */
export function newVmsa(): Uint8Array {
  return new Uint8Array(VMSA_SIZE);
}

export function setSegment(vmsa: Uint8Array, name: SegmentName, s: Segment): void {
  const o = VMSA[name];
  setU16(vmsa, o + SEG.SELECTOR, s.selector);
  setU16(vmsa, o + SEG.ATTRIB, s.attrib);
  setU32(vmsa, o + SEG.LIMIT, s.limit);
  setU64(vmsa, o + SEG.BASE, s.base);
}

export function getSegment(vmsa: Uint8Array, name: SegmentName): Segment {
  const o = VMSA[name];
  return { selector: u16(vmsa, o + SEG.SELECTOR), attrib: u16(vmsa, o + SEG.ATTRIB), limit: u32(vmsa, o + SEG.LIMIT), base: u64(vmsa, o + SEG.BASE) };
}

export function setU64Field(vmsa: Uint8Array, name: U64Field, v: bigint | number): void {
  setU64(vmsa, VMSA[name], v);
}

export function getU64Field(vmsa: Uint8Array, name: U64Field): bigint {
  return u64(vmsa, VMSA[name]);
}

export function setMxcsr(vmsa: Uint8Array, v: number): void {
  setU32(vmsa, VMSA.MXCSR, v);
}
export function setX87Fcw(vmsa: Uint8Array, v: number): void {
  setU16(vmsa, VMSA.X87_FCW, v);
}

/** Decoded key fields; u64 values as bigint, narrow ones as number. */
export interface DecodedVmsa {
  segments: Record<SegmentName, Segment>;
  efer: bigint;
  cr0: bigint;
  cr3: bigint;
  cr4: bigint;
  dr6: bigint;
  dr7: bigint;
  rip: bigint;
  rsp: bigint;
  rflags: bigint;
  rdx: bigint;
  vmpl: number;
  cpl: number;
  sev_features: bigint;
  g_pat: bigint;
  xcr0: bigint;
  mxcsr: number;
  x87_fcw: number;
  virtual_tom: bigint;
  [k: string]: unknown;
}

/** Reads the key fields of a VMSA page (any length ≥ 0x670 is accepted; the rest must be zero anyway). */
export function decodeVmsa(page: Uint8Array): DecodedVmsa {
  if (page.length < VMSA.PADDING) throw inputError('BAD_VMSA', `a VMSA page is ${VMSA_SIZE} bytes, got ${page.length}`, { field: 'VMSA' });
  const segments = {} as Record<SegmentName, Segment>;
  for (const n of SEGMENT_NAMES) segments[n] = getSegment(page, n);
  return {
    segments,
    efer: getU64Field(page, 'EFER'),
    cr0: getU64Field(page, 'CR0'),
    cr3: getU64Field(page, 'CR3'),
    cr4: getU64Field(page, 'CR4'),
    dr6: getU64Field(page, 'DR6'),
    dr7: getU64Field(page, 'DR7'),
    rip: getU64Field(page, 'RIP'),
    rsp: getU64Field(page, 'RSP'),
    rflags: getU64Field(page, 'RFLAGS'),
    rdx: getU64Field(page, 'RDX'),
    vmpl: page[VMSA.VMPL]!,
    cpl: page[VMSA.CPL]!,
    sev_features: getU64Field(page, 'SEV_FEATURES'),
    g_pat: getU64Field(page, 'G_PAT'),
    xcr0: getU64Field(page, 'XCR0'),
    mxcsr: u32(page, VMSA.MXCSR),
    x87_fcw: u16(page, VMSA.X87_FCW),
    virtual_tom: getU64Field(page, 'VIRTUAL_TOM'),
  };
}

/** Every field of the page with its size, in offset order (launch-digest.md §3), for dumps and diffs. */
export const VMSA_FIELDS: readonly { name: string; offset: number; size: number }[] = /* @__PURE__ */ (() => {
  const sizes: Record<string, number> = {
    VMPL: 1, CPL: 1, PKRU: 4, TSC_AUX: 4, MXCSR: 4, X87_FTW: 2, X87_FSW: 2, X87_FCW: 2,
    X87_REGS: 80, XMM_REGS: 256, YMM_REGS: 256, PADDING: VMSA_SIZE - VMSA.PADDING,
  };
  const out: { name: string; offset: number; size: number }[] = [];
  for (const [name, offset] of Object.entries(VMSA)) {
    if ((SEGMENT_NAMES as readonly string[]).includes(name)) {
      out.push({ name: `${name}.selector`, offset: offset + SEG.SELECTOR, size: 2 });
      out.push({ name: `${name}.attrib`, offset: offset + SEG.ATTRIB, size: 2 });
      out.push({ name: `${name}.limit`, offset: offset + SEG.LIMIT, size: 4 });
      out.push({ name: `${name}.base`, offset: offset + SEG.BASE, size: 8 });
    } else {
      out.push({ name, offset, size: sizes[name] ?? 8 });
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
})();

/** Name of the field containing byte `offset` (e.g. "CS.attrib", "RDX"), or "reserved@0x…" for gaps. */
export function vmsaFieldAt(offset: number): string {
  for (const f of VMSA_FIELDS) if (offset >= f.offset && offset < f.offset + f.size) return f.name;
  return `reserved@0x${offset.toString(16)}`;
}

/** Fields whose bytes differ between two VMSA pages, in offset order. */
export function diffVmsa(a: Uint8Array, b: Uint8Array): string[] {
  const out: string[] = [];
  const n = Math.min(a.length, b.length, VMSA_SIZE);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      const f = vmsaFieldAt(i);
      if (out[out.length - 1] !== f) out.push(f);
    }
  }
  return out;
}
