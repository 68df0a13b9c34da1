/**
 * A protobuf wire-format writer (protobuf.dev/programming-guides/encoding) for building test and
 * fuzz inputs. Deliberately outside src/: tests use it to build GCE endorsements independently of
 * the library's reader (src/endorsements/protobuf.ts).
 */

/** Base-128 varint, least significant group first. */
export function pbVarint(v: number | bigint): number[] {
  let x = BigInt(v);
  const out: number[] = [];
  do {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    out.push(x > 0n ? b | 0x80 : b);
  } while (x > 0n);
  return out;
}

/** A VARINT field (wire type 0). */
export const pbInt = (num: number, v: number | bigint): number[] => [...pbVarint(num << 3), ...pbVarint(v)];
/** A LEN field (wire type 2). */
export const pbBytes = (num: number, b: ArrayLike<number>): number[] => [...pbVarint((num << 3) | 2), ...pbVarint(b.length), ...Array.from(b)];
