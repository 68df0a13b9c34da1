/**
 * SEV-SNP product lines: which AMD EPYC generation produced a report or a certificate
 * (specs/attestation.md §1.8), and which TCB_VERSION layout it uses (§1.3).
 */

/** KDS product lines. Bergamo/Siena (Zen 4c) are served as "Genoa" (§1.8). */
export type ProductLine = 'Milan' | 'Genoa' | 'Turin' | 'Venice';
export const PRODUCT_LINES: readonly ProductLine[] = ['Milan', 'Genoa', 'Turin', 'Venice'];

/**
 * TCB_VERSION byte layouts (§1.3): 'milan' = KDS structVersion 0 (Milan, Genoa),
 * 'turin' = structVersion 1 (Turin, Venice: adds the FMC SPL in byte 0).
 */
export type TcbLayout = 'milan' | 'turin';

export function tcbLayoutOf(line: ProductLine): TcbLayout {
  return line === 'Turin' || line === 'Venice' ? 'turin' : 'milan';
}

/** How the product was determined, most to least authoritative. */
export type ProductSource = 'cpuid' | 'certificate' | 'user' | 'chip-id-heuristic';

export interface Product {
  line: ProductLine;
  /** Marketing/silicon name when known ("Milan", "Genoa", "Bergamo/Siena", "Turin", "Venice"). */
  name: string;
  source: ProductSource;
}

/**
 * Product line from the report's CPUID bytes (v3+; §1.8 table): family 0x19 models 0x00–0x0F Milan,
 * 0x10–0x1F Genoa, 0xA0–0xAF Bergamo/Siena (Genoa certificates); family 0x1A models 0x00–0x11
 * Turin, 0x50–0x57 / 0x90–0xAF / 0xC0–0xC7 Venice. Undefined for anything else.
 */
export function productFromCpuid(family: number, model: number): { line: ProductLine; name: string } | undefined {
  if (family === 0x19) {
    if (model <= 0x0f) return { line: 'Milan', name: 'Milan' };
    if (model >= 0x10 && model <= 0x1f) return { line: 'Genoa', name: 'Genoa' };
    if (model >= 0xa0 && model <= 0xaf) return { line: 'Genoa', name: 'Bergamo/Siena' };
  } else if (family === 0x1a) {
    if (model <= 0x11) return { line: 'Turin', name: 'Turin' };
    if ((model >= 0x50 && model <= 0x57) || (model >= 0x90 && model <= 0xaf) || (model >= 0xc0 && model <= 0xc7)) return { line: 'Venice', name: 'Venice' };
  }
  return undefined;
}

/**
 * Product line from a VCEK/VLEK productName extension (§2.2): "Milan-B0", "Genoa", "Turin-B1",
 * "Milan" (VLEK). The part before the first '-' is the line; case-sensitive as KDS writes it.
 */
export function productFromName(name: string): ProductLine | undefined {
  const line = name.split('-')[0];
  return PRODUCT_LINES.find((p) => p === line);
}

/** Accepts a user-supplied product name case-insensitively ("milan", "Genoa-B1"). */
export function parseProductLine(text: string): ProductLine | undefined {
  const line = text.split('-')[0]!.toLowerCase();
  return PRODUCT_LINES.find((p) => p.toLowerCase() === line);
}
