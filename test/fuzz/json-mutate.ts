/**
 * Structure-aware JSON mutations: parse the document, change one value, key or container, and
 * serialize again (or fall back to a text mutation when the input is no longer JSON), so most
 * cases get past JSON.parse and exercise the field checks.
 */
import { type Rnd, int, pick, mutateText } from './mutators.js';

const VALUES: unknown[] = [
  null, true, false, 0, -1, 1, 0.5, 2 ** 53, 2 ** 53 + 2, 2 ** 64, -(2 ** 31), 1e308, '', '0', '0x', '0x0', '0x1000', '0xffffffffffffffff',
  '-1', '1e3', '00', 'zz', 'a'.repeat(300), [], {}, [1], { file: 'x' }, { bytes: '' }, { base64: 'AAAA' }, '0'.repeat(96), 'f'.repeat(97),
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function containers(v: Json, out: (Json[] | Record<string, Json>)[], depth = 0): void {
  if (depth > 64 || v === null || typeof v !== 'object') return;
  out.push(v);
  for (const c of Array.isArray(v) ? v : Object.values(v)) containers(c, out, depth + 1);
}

function randomValue(rnd: Rnd, like: Json | undefined): Json {
  if (like !== undefined && rnd() < 0.3) {
    if (typeof like === 'number') return pick(rnd, [like + 1, like - 1, like * 2, -like, like + 0.5, like * 4096]);
    if (typeof like === 'string') return pick(rnd, [like + like, like.slice(1), like.toUpperCase(), `0x${like}`, like.replace(/^0x/, '')]);
  }
  return structuredClone(pick(rnd, VALUES)) as Json;
}

/** One mutation of a JSON text. */
export function mutateJson(text: string, rnd: Rnd, others: readonly string[]): string {
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch {
    return mutateText(text, rnd, others);
  }
  if (rnd() < 0.15) return mutateText(text, rnd, others);
  const cs: (Json[] | Record<string, Json>)[] = [];
  containers(doc, cs);
  if (cs.length === 0) return mutateText(text, rnd, others);
  const c = pick(rnd, cs);
  const keys = Array.isArray(c) ? c.map((_, i) => String(i)) : Object.keys(c);
  const k = keys.length ? pick(rnd, keys) : undefined;
  const get = (key: string): Json | undefined => (Array.isArray(c) ? c[Number(key)] : c[key]);
  const set = (key: string, v: Json) => {
    if (Array.isArray(c)) c[Number(key)] = v;
    else c[key] = v;
  };
  switch (int(rnd, 7)) {
    case 0: // replace a value
      if (k !== undefined) set(k, randomValue(rnd, get(k)));
      break;
    case 1: // delete a key / element
      if (k !== undefined) {
        if (Array.isArray(c)) c.splice(Number(k), 1);
        else delete c[k];
      }
      break;
    case 2: // duplicate an element / add an unknown key
      if (Array.isArray(c)) {
        if (k !== undefined) for (let r = 1 + int(rnd, rnd() < 0.01 ? 300 : 3); r > 0; r--) c.splice(Number(k), 0, structuredClone(get(k)!));
      } else c[pick(rnd, ['extra', '__proto__', 'constructor', 'x'.repeat(50), ...Object.keys(c)]) + (rnd() < 0.5 ? '' : '_')] = randomValue(rnd, undefined);
      break;
    case 3: // wrap a value in an array or object, sometimes deeply
      if (k !== undefined) {
        let v = get(k)!;
        for (let d = rnd() < 0.01 ? 200 + int(rnd, 800) : 1 + int(rnd, 3); d > 0; d--) v = rnd() < 0.5 ? [v] : { v };
        set(k, v);
      }
      break;
    case 4: // copy a value from another key of the same container
      if (k !== undefined && keys.length > 1) set(k, structuredClone(get(pick(rnd, keys))!));
      break;
    case 5: // rename a key
      if (!Array.isArray(c) && k !== undefined) {
        const v = c[k]!;
        delete c[k];
        c[pick(rnd, [k.toUpperCase(), `${k}s`, k.slice(1), ` ${k}`])] = v;
      }
      break;
    default: // splice a container from another document
      if (k !== undefined && others.length) {
        try {
          const o: Json[] | Record<string, Json>[] = [];
          containers(JSON.parse(pick(rnd, others)) as Json, o as never);
          if (o.length) set(k, structuredClone(pick(rnd, o)) as Json);
        } catch {
          /* partner is not JSON: keep the document as is */
        }
      }
  }
  let out: string;
  try {
    out = JSON.stringify(doc, null, rnd() < 0.5 ? undefined : 2);
  } catch {
    return mutateText(text, rnd, others); // nested too deep for JSON.stringify's recursion
  }
  return out.length > 1 << 20 ? out.slice(0, 1 << 20) : out;
}
