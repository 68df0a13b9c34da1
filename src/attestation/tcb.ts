/**
 * TCB_VERSION (8 bytes, specs/attestation.md §1.3): the security patch levels (SPLs) of the
 * firmware components, in a layout that depends on the product (Milan/Genoa vs Turin with FMC).
 * Versions compare component-wise only (go-sev-guest TCBPartsLE), never as integers.
 */
import type { TcbLayout } from './product.js';

export interface TcbParts {
  /** BOOT_LOADER SPL. */
  bl: number;
  /** TEE (PSP OS) SPL. */
  tee: number;
  /** SNP firmware SPL. */
  snp: number;
  /** Microcode SPL. */
  ucode: number;
  /** FMC SPL (Turin layout only). */
  fmc?: number;
}

export interface Tcb extends TcbParts {
  /** The raw little-endian u64 as stored. */
  raw: bigint;
  layout: TcbLayout;
  /** Reserved bytes (Milan: spl_4..spl_7 at bytes 2–5; Turin: bytes 4–6), expected zero. */
  reserved: number[];
}

/** Byte positions per layout (§1.3 table). */
const LAYOUT: Record<TcbLayout, { bl: number; tee: number; snp: number; ucode: number; fmc?: number; reserved: number[] }> = {
  milan: { bl: 0, tee: 1, snp: 6, ucode: 7, reserved: [2, 3, 4, 5] },
  turin: { fmc: 0, bl: 1, tee: 2, snp: 3, ucode: 7, reserved: [4, 5, 6] },
};

const byteOf = (raw: bigint, i: number): number => Number((raw >> BigInt(8 * i)) & 0xffn);

export function decodeTcb(raw: bigint, layout: TcbLayout): Tcb {
  const l = LAYOUT[layout];
  const t: Tcb = {
    raw,
    layout,
    bl: byteOf(raw, l.bl),
    tee: byteOf(raw, l.tee),
    snp: byteOf(raw, l.snp),
    ucode: byteOf(raw, l.ucode),
    reserved: l.reserved.map((i) => byteOf(raw, i)),
  };
  if (l.fmc !== undefined) t.fmc = byteOf(raw, l.fmc);
  return t;
}

/** The u64 for the given parts (the inverse of decodeTcb, reserved bytes zero). */
export function encodeTcb(p: TcbParts, layout: TcbLayout): bigint {
  const l = LAYOUT[layout];
  const put = (v: number | undefined, i: number | undefined): bigint => (v === undefined || i === undefined ? 0n : BigInt(v & 0xff) << BigInt(8 * i));
  return put(p.bl, l.bl) | put(p.tee, l.tee) | put(p.snp, l.snp) | put(p.ucode, l.ucode) | put(p.fmc, l.fmc);
}

export const TCB_COMPONENTS = ['fmc', 'bl', 'tee', 'snp', 'ucode'] as const;
export type TcbComponent = (typeof TCB_COMPONENTS)[number];

/** Components where `actual` is below `min` (components absent from `min` are not compared). */
export function tcbBelow(actual: TcbParts, min: Partial<TcbParts>): TcbComponent[] {
  return TCB_COMPONENTS.filter((k) => min[k] !== undefined && (actual[k] ?? 0) < min[k]!);
}

/** Components that differ (fmc only when either side has it). */
export function tcbDiff(a: TcbParts, b: TcbParts): TcbComponent[] {
  return TCB_COMPONENTS.filter((k) => (a[k] ?? 0) !== (b[k] ?? 0) && (k !== 'fmc' || a.fmc !== undefined || b.fmc !== undefined));
}

/** "fmc=1 bl=1 tee=1 snp=4 ucode=81" (fmc only for the Turin layout). */
export function formatTcb(t: TcbParts): string {
  return TCB_COMPONENTS.filter((k) => t[k] !== undefined)
    .map((k) => `${k}=${t[k]}`)
    .join(' ');
}
