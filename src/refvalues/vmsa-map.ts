/**
 * A VMSA page as the AMD SEV-SNP CoRIM profile draft's register map (`sevsnp-vmsa-map-r1-55`,
 * deeglaze/draft-deeglaze-amd-sev-snp-corim-profile cddl/sevsnp-vmsa-r1-55.cddl at 0fbed55): only
 * the fields that differ from the draft's defaults ("SEV-SNP default VMSA values", draft text at
 * db1988b; every other field defaults to 0). Keys follow the CDDL, which gives ldtr 6 and gdtr 7
 * (the defaults figure swaps them; its values are taken by field name). The encoder rebuilds the
 * page from the map and refuses a page it cannot express exactly (a byte outside the table below).
 */
import { bytesEqual, isAllZero, u16, u32, u64 } from '../core/bytes.js';
import { inputError } from '../core/errors.js';
import { SEG, VMSA, VMSA_SIZE, type SegmentName } from '../vmsa/layout.js';

/** Segment registers: CDDL key → VMSA segment (svm-vmcb-seg-map: 0 selector, 1 attrib, 2 limit, 3 base). */
const SEGMENTS: readonly [number, SegmentName][] = [
  [0, 'ES'], [1, 'CS'], [2, 'SS'], [3, 'DS'], [4, 'FS'], [5, 'GS'], [6, 'LDTR'], [7, 'GDTR'], [8, 'IDTR'], [9, 'TR'],
];
const SEG_FIELDS: readonly [number, number, number][] = [
  [0, SEG.SELECTOR, 2],
  [1, SEG.ATTRIB, 2],
  [2, SEG.LIMIT, 4],
  [3, SEG.BASE, 8],
];

/** Integer fields: CDDL key, VMSA offset, size in bytes. */
const SCALARS: readonly [number, number, number][] = [
  [10, VMSA.PL0_SSP, 8], [11, VMSA.PL1_SSP, 8], [12, VMSA.PL2_SSP, 8], [13, VMSA.PL3_SSP, 8], [14, VMSA.U_CET, 8],
  [15, VMSA.VMPL, 1], [16, VMSA.CPL, 1], [17, VMSA.EFER, 8], [30, VMSA.XSS, 8], [31, VMSA.CR4, 8], [32, VMSA.CR3, 8],
  [33, VMSA.CR0, 8], [34, VMSA.DR7, 8], [35, VMSA.DR6, 8], [36, VMSA.RFLAGS, 8], [37, VMSA.RIP, 8], [49, VMSA.RSP, 8],
  [53, VMSA.RAX, 8], [63, VMSA.G_PAT, 8], [70, VMSA.SPEC_CTRL, 8], [71, VMSA.PKRU, 4], [72, VMSA.TSC_AUX, 4],
  [76, VMSA.RCX, 8], [77, VMSA.RDX, 8], [78, VMSA.RBX, 8], [80, VMSA.RBP, 8], [81, VMSA.RSI, 8], [82, VMSA.RDI, 8],
  [83, VMSA.R8, 8], [84, VMSA.R9, 8], [85, VMSA.R10, 8], [86, VMSA.R11, 8], [87, VMSA.R12, 8], [88, VMSA.R13, 8],
  [89, VMSA.R14, 8], [90, VMSA.R15, 8], [91, VMSA.SEV_FEATURES, 8], [93, VMSA.VIRTUAL_TOM, 8], [97, VMSA.XCR0, 8],
  [98, VMSA.X87_DP, 8], [99, VMSA.MXCSR, 4], [100, VMSA.X87_FTW, 2], [101, VMSA.X87_FSW, 2], [102, VMSA.X87_FCW, 2],
];
/** Byte-string fields: fpreg_87, fpreg_xmm, fpreg_ymm. */
const BYTES: readonly [number, number, number][] = [
  [106, VMSA.X87_REGS, 80],
  [107, VMSA.XMM_REGS, 256],
  [108, VMSA.YMM_REGS, 256],
];

/** The draft's non-zero defaults: segment key → [selector, attrib, limit, base]; scalar key → value. */
const SEG_DEFAULTS: Readonly<Record<number, readonly [number, number, number, bigint]>> = {
  0: [0, 0x92, 0xffff, 0n],
  1: [0xf000, 0x9b, 0xffff, 0xffff0000n],
  2: [0, 0x92, 0xffff, 0n],
  3: [0, 0x92, 0xffff, 0n],
  4: [0, 0x92, 0xffff, 0n],
  5: [0, 0x92, 0xffff, 0n],
  6: [0, 0x82, 0xffff, 0n], // ldtr
  7: [0, 0, 0xffff, 0n], // gdtr
  8: [0, 0, 0xffff, 0n],
  9: [0, 0x83, 0xffff, 0n],
};
const SCALAR_DEFAULTS: Readonly<Record<number, bigint>> = {
  33: 0x10n, // cr0
  34: 0x400n, // dr7
  35: 0xffff0ff0n, // dr6
  36: 0x2n, // rflags
  37: 0xfff0n, // rip
  63: 0x7040600070406n, // g_pat
  91: 0x1n, // sev_features
  97: 0x1n, // xcr0
  99: 0x1f80n, // mxcsr
  100: 0x5555n, // x87_ftw
  102: 0x40n, // x87_fcw
};

/** CBOR tag of a VMSA map (tagged-sevsnp-vmsa-map-r1-55). */
export const TAG_VMSA_MAP = 32781;

function read(page: Uint8Array, off: number, size: number): bigint {
  return size === 8 ? u64(page, off) : BigInt(size === 4 ? u32(page, off) : size === 2 ? u16(page, off) : page[off]!);
}
function write(page: Uint8Array, off: number, size: number, v: bigint): void {
  for (let i = 0; i < size; i++) page[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}
/** uint for CBOR: a number when exact, else a bigint (cbor2 writes both as major type 0). */
const uint = (v: bigint): number | bigint => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

/** The map of `page` (keys ascending). Throws when the map would not rebuild the page exactly. */
export function vmsaToMap(page: Uint8Array): Map<number, unknown> {
  if (page.length !== VMSA_SIZE) throw inputError('BAD_VMSA', `a VMSA page is ${VMSA_SIZE} bytes, got ${page.length}`);
  const m = new Map<number, unknown>();
  for (const [key, seg] of SEGMENTS) {
    const d = SEG_DEFAULTS[key]!;
    const sm = new Map<number, unknown>();
    SEG_FIELDS.forEach(([k, off, size], i) => {
      const v = read(page, VMSA[seg] + off, size);
      if (v !== BigInt(d[i]!)) sm.set(k, uint(v));
    });
    if (sm.size > 0) m.set(key, sm);
  }
  for (const [key, off, size] of SCALARS) {
    const v = read(page, off, size);
    if (v !== (SCALAR_DEFAULTS[key] ?? 0n)) m.set(key, uint(v));
  }
  for (const [key, off, size] of BYTES) if (!isAllZero(page.subarray(off, off + size))) m.set(key, page.slice(off, off + size));
  const keys = [...m.keys()].sort((a, b) => a - b);
  const sorted = new Map(keys.map((k) => [k, m.get(k)]));
  if (!bytesEqual(mapToVmsa(sorted), page)) {
    throw inputError('VMSA_NOT_EXPRESSIBLE', 'the VMSA page has bytes outside the fields of the profile draft\'s VMSA map, so the launch-configuration map cannot carry it');
  }
  return sorted;
}

/** The page a map stands for (the draft's `to_vmsa_page`): defaults, then the map's fields. */
export function mapToVmsa(m: ReadonlyMap<number, unknown>): Uint8Array {
  const page = new Uint8Array(VMSA_SIZE);
  const num = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(v as number));
  for (const [key, seg] of SEGMENTS) {
    const d = SEG_DEFAULTS[key]!;
    const sm = m.get(key) as ReadonlyMap<number, unknown> | undefined;
    SEG_FIELDS.forEach(([k, off, size], i) => write(page, VMSA[seg] + off, size, sm?.has(k) ? num(sm.get(k)) : BigInt(d[i]!)));
  }
  for (const [key, off, size] of SCALARS) write(page, off, size, m.has(key) ? num(m.get(key)) : (SCALAR_DEFAULTS[key] ?? 0n));
  for (const [key, off, size] of BYTES) {
    const b = m.get(key);
    if (b instanceof Uint8Array) page.set(b.subarray(0, size), off);
  }
  return page;
}
