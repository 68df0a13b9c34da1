/**
 * snp-launch's own reference-values JSON (docs/refvalues.md "json"): hex strings for bytes and
 * 64-bit values, so the document survives every JSON parser. The reader is strict: an unknown
 * shape is a located input error, never a guess.
 */
import { fromHex, toHex } from '../core/bytes.js';
import { inputError } from '../core/errors.js';
import { MAX_REFVALUE_CELLS, PINNED_BYTES, PINNED_FIELDS, type PinnedFields, type RefCell, type ReferenceValues } from './types.js';

const hexInt = (v: number | bigint, width = 0): string => '0x' + v.toString(16).padStart(width, '0');

/** The document's kind and version (docs/json-output.md; schema docs/schemas/refvalues.schema.json). */
export const REFVALUES_JSON_FORMAT = 'snp-launch.refvalues/1';

export function referenceValuesToJson(rv: ReferenceValues): unknown {
  const pinned: Record<string, string | number> = {};
  for (const k of PINNED_FIELDS) {
    const v = rv.pinned[k];
    if (v === undefined) continue;
    pinned[k] = v instanceof Uint8Array ? toHex(v) : k === 'guestSvn' ? (v as number) : hexInt(v as bigint, 16);
  }
  // "snp-launch 0.1.0" is written as the other documents write it: tool, then version.
  const m = /^(\S+) (\S+)$/.exec(rv.tool);
  return {
    format: REFVALUES_JSON_FORMAT,
    tool: m ? m[1] : rv.tool,
    ...(m ? { version: m[2] } : {}),
    inputs: rv.inputs,
    ...pinned,
    cells: rv.cells.map((c) => ({
      platform: c.platform,
      ...(c.vcpus !== undefined ? { vcpus: c.vcpus } : {}),
      ...(c.vcpuType !== undefined ? { vcpuType: c.vcpuType } : {}),
      ...(c.vcpuSig !== undefined ? { vcpuSig: hexInt(c.vcpuSig, 8) } : {}),
      ...(c.guestFeatures !== undefined ? { guestFeatures: hexInt(c.guestFeatures) } : {}),
      ...(c.kvm !== undefined ? { kvm: c.kvm } : {}),
      measurement: toHex(c.measurement),
    })),
  };
}

/** Parses the JSON document (text already decoded). `file` names it in errors. */
export function referenceValuesFromJson(doc: unknown, file: string): ReferenceValues {
  const bad = (field: string, why: string) => inputError('BAD_REFVALUES', why, { file, field });
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('(document)', 'is not a JSON object');
  const o = doc as Record<string, unknown>;
  // Documents written before the format tag have none; any other tag is another kind of document.
  if (o.format !== undefined && o.format !== REFVALUES_JSON_FORMAT) throw bad('format', `is ${JSON.stringify(o.format)}, not "${REFVALUES_JSON_FORMAT}" (output of snp-launch refvalues)`);
  if (!Array.isArray(o.cells)) throw bad('cells', 'missing or not an array (not an snp-launch reference-values document)');
  if (o.cells.length > MAX_REFVALUE_CELLS) throw bad('cells', `has ${o.cells.length} cells, more than ${MAX_REFVALUE_CELLS}`);
  const bytesOf = (v: unknown, field: string, len: number): Uint8Array => {
    const b = typeof v === 'string' ? fromHex(v.replace(/^0x/i, '')) : undefined;
    if (!b || b.length !== len) throw bad(field, `must be ${len} bytes of hex`);
    return b;
  };
  const intOf = (v: unknown, field: string, bits: number): bigint => {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v) && v.length <= 2 + bits / 4) return BigInt(v);
    throw bad(field, `must be a ${bits}-bit unsigned integer (number or 0x-hex string)`);
  };
  const pinned: PinnedFields = {};
  for (const k of PINNED_FIELDS) {
    const v = o[k];
    if (v === undefined) continue;
    const len = PINNED_BYTES[k];
    if (len !== undefined) (pinned as Record<string, unknown>)[k] = bytesOf(v, k, len);
    else if (k === 'guestSvn') pinned.guestSvn = Number(intOf(v, k, 32));
    else (pinned as Record<string, unknown>)[k] = intOf(v, k, 64);
  }
  const cells: RefCell[] = o.cells.map((raw, i) => {
    const at = `cells[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw bad(at, 'is not an object');
    const c = raw as Record<string, unknown>;
    if (typeof c.platform !== 'string') throw bad(`${at}.platform`, 'missing or not a string');
    const cell: RefCell = { platform: c.platform, measurement: bytesOf(c.measurement, `${at}.measurement`, 48) };
    if (c.vcpus !== undefined) cell.vcpus = Number(intOf(c.vcpus, `${at}.vcpus`, 16));
    if (c.vcpuType !== undefined) {
      if (typeof c.vcpuType !== 'string') throw bad(`${at}.vcpuType`, 'not a string');
      cell.vcpuType = c.vcpuType;
    }
    if (c.vcpuSig !== undefined) cell.vcpuSig = Number(intOf(c.vcpuSig, `${at}.vcpuSig`, 32));
    if (c.guestFeatures !== undefined) cell.guestFeatures = intOf(c.guestFeatures, `${at}.guestFeatures`, 64);
    if (c.kvm !== undefined) {
      if (c.kvm !== 'init2' && c.kvm !== 'legacy') throw bad(`${at}.kvm`, "must be 'init2' or 'legacy'");
      cell.kvm = c.kvm;
    }
    return cell;
  });
  const inputs = typeof o.inputs === 'object' && o.inputs !== null ? (o.inputs as Record<string, string>) : {};
  const tool = typeof o.tool === 'string' ? o.tool + (typeof o.version === 'string' ? ` ${o.version}` : '') : 'unknown';
  return { tool, inputs, pinned, cells };
}
