// A small reader for the CBOR diagnostic notation (RFC 8949 §8, EDN) used by the drafts' examples:
// maps ({k: v} and k => v), arrays, tags (N(x), #6.N(x)), h'hex', "text", integers, true/false,
// /comments/ and bare placeholders (CHIP_ID), which become { placeholder: name }. Test-only.
export interface EdnTag {
  tag: number;
  v: unknown;
}

export function parseEdn(text: string): unknown {
  let i = 0;
  const ws = () => {
    for (;;) {
      while (i < text.length && /[\s,]/.test(text[i]!)) i++;
      if (text[i] === '/') {
        const end = text.indexOf('/', i + 1);
        i = end + 1;
        continue;
      }
      return;
    }
  };
  const value = (): unknown => {
    ws();
    const c = text[i]!;
    if (c === '{') {
      i++;
      const m = new Map<unknown, unknown>();
      for (;;) {
        ws();
        if (text[i] === '}') return i++, m;
        const k = value();
        ws();
        if (text.startsWith('=>', i)) i += 2;
        else if (text[i] === ':') i++;
        else {
          // environment.diag writes `/ class-map / { ... }` with no key before it: keep the value.
          m.set(`(missing key ${m.size})`, k);
          continue;
        }
        m.set(k, value());
      }
    }
    if (c === '[') {
      i++;
      const a: unknown[] = [];
      for (;;) {
        ws();
        if (text[i] === ']') return i++, a;
        a.push(value());
      }
    }
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (text.startsWith("h'", i)) {
      const end = text.indexOf("'", i + 2);
      const hex = text.slice(i + 2, end).replace(/\s+/g, '');
      i = end + 1;
      return new Uint8Array(Buffer.from(hex, 'hex'));
    }
    const tagM = /^(?:#6\.)?(\d+)\(/.exec(text.slice(i));
    if (tagM) {
      i += tagM[0].length;
      const v = value();
      ws();
      const vs: unknown[] = [v];
      while (text[i] !== ')') vs.push(value()), ws(); // h'..' h'..' inside a tag: concatenated bytes in the drafts' layout
      i++;
      return { tag: Number(tagM[1]), v: vs.length === 1 ? v : vs } satisfies EdnTag;
    }
    const num = /^-?(0x[0-9a-fA-F]+|\d+)/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      const n = (num[0].startsWith('-') ? -1n : 1n) * BigInt(num[0].replace('-', ''));
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (word) {
      i += word[0].length;
      if (word[0] === 'true') return true;
      if (word[0] === 'false') return false;
      return { placeholder: word[0] };
    }
    throw new Error(`EDN: unexpected '${c}' at ${i}`);
  };
  const v = value();
  ws();
  return v;
}
