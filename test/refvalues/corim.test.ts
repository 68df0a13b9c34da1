// The CoRIM encoder against the drafts, read back by a second, independent CBOR decoder (cborg):
// structure key by key (draft-ietf-rats-corim; draft-deeglaze-amd-sev-snp-corim-profile §"Evidence
// Translation"), the profile's own diagnostic-notation examples, deterministic bytes, the round trip
// through snp-launch's decoder, and one-line errors for truncated, foreign and non-CoRIM input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { decode as cborgDecode, encode as cborgEncode, rfc8949EncodeOptions, Tagged } from 'cborg';
import { cdeEncodeOptions, encode as cbor2Encode } from 'cbor2';
import { SnpLaunchError } from '../../src/core/errors.js';
import { corimValue } from '../../src/refvalues/corim.js';
import { decodeCorim, decodeReferenceValues, encodeCorim, type ReferenceValues } from '../../src/refvalues/index.js';
import { parseEdn, type EdnTag } from './_edn.js';

/** cborg with every tag kept as { tag, v } so the test sees exactly what was written. */
const TAGS = [18, 32, 111, 501, 506, 552, 553, 560];
const tags: ((decode: () => unknown) => unknown)[] = [];
for (const t of TAGS) tags[t] = (decode) => ({ tag: t, v: decode() });
const second = (b: Uint8Array): any => cborgDecode(b, { useMaps: true, tags, strict: true, rejectDuplicateMapKeys: true });

const d = (i: number) => new Uint8Array(createHash('sha384').update(`cell ${i}`).digest());
const RV: ReferenceValues = {
  tool: 'snp-launch test',
  inputs: {},
  pinned: {
    policy: 0x30000n,
    hostData: new Uint8Array(32).fill(0xab),
    idKeyDigest: new Uint8Array(48).fill(1),
    authorKeyDigest: new Uint8Array(48).fill(2),
    familyId: new Uint8Array(16).fill(3),
    imageId: new Uint8Array(16).fill(4),
    minTcb: 0xdb18000000000004n,
    guestSvn: 7,
  },
  cells: [
    { platform: 'qemu-kvm', vcpus: 1, vcpuType: 'EPYC-Milan', vcpuSig: 0xa00f11, guestFeatures: 1n, kvm: 'init2', measurement: d(0) },
    { platform: 'ec2', vcpus: 96, vcpuSig: 0, guestFeatures: 0x21n, kvm: 'legacy', measurement: d(1) },
    { platform: 'external', measurement: d(2) },
  ],
};

const le64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return new Uint8Array(b);
};

test('CoRIM: structure key by key, read by cborg (a second decoder)', () => {
  const top = second(encodeCorim(RV));
  assert.equal(top.tag, 501, 'tagged-unsigned-corim-map #6.501');
  const corim: Map<unknown, any> = top.v;
  assert.deepEqual([...corim.keys()], [0, 1, 3, 'snp-launch-cells']);
  assert.equal(typeof corim.get(0), 'string', 'corim.id: tstr');
  assert.deepEqual(corim.get(3), [{ tag: 32, v: 'tag:amd.com,2025:snp-corim-profile' }]);
  const tagsList = corim.get(1);
  assert.equal(tagsList.length, 1);
  assert.equal(tagsList[0].tag, 506, 'tagged-concise-mid-tag #6.506');
  const comid: Map<number, any> = second(tagsList[0].v);
  assert.deepEqual([...comid.keys()], [1, 4]);
  assert.deepEqual(comid.get(1), new Map([[0, 'snp-launch-refvalues']]));
  const triples = comid.get(4).get(0);
  assert.equal(triples.length, 3);
  const oid = new Uint8Array(Buffer.from('06092b060104019c780301', 'hex'));
  RV.cells.forEach((c, i) => {
    const [env, mms] = triples[i];
    assert.deepEqual(env, new Map([[0, new Map([[0, { tag: 111, v: oid }]])]]));
    const byKey = new Map<number, Map<number, unknown>>(mms.map((m: Map<number, any>) => [m.get(0), m.get(1)]));
    assert.deepEqual([...byKey.keys()], [641, 1, 2, 3, 4, 642, 643, 644, 647]);
    assert.deepEqual(byKey.get(641), new Map([[2, [[7, c.measurement]]]]));
    assert.deepEqual(byKey.get(1), new Map([[1, { tag: 552, v: 7 }]]));
    assert.deepEqual(byKey.get(2), new Map([[4, { tag: 560, v: le64(0x30000n) }]]));
    assert.deepEqual(byKey.get(3), new Map([[4, { tag: 560, v: RV.pinned.familyId }]]));
    assert.deepEqual(byKey.get(4), new Map([[4, { tag: 560, v: RV.pinned.imageId }]]));
    assert.deepEqual(byKey.get(642), new Map([[2, [[7, RV.pinned.hostData]]]]));
    assert.deepEqual(byKey.get(643), new Map([[2, [[7, RV.pinned.idKeyDigest]]]]));
    assert.deepEqual(byKey.get(644), new Map([[2, [[7, RV.pinned.authorKeyDigest]]]]));
    assert.deepEqual(byKey.get(647), new Map([[1, { tag: 553, v: 0xdb18000000000004n }]]));
  });
  assert.deepEqual(corim.get('snp-launch-cells'), [
    ['qemu-kvm', 1, 'EPYC-Milan', 0xa00f11, 1, 'init2'],
    ['ec2', 96, null, 0, 0x21, 'legacy'],
    ['external', null, null, null, null, null],
  ]);
});

test('CoRIM: deterministic — the fast encoder equals cbor2 `cde` and cborg RFC 8949 §4.2.1 encodings of the same value', () => {
  const a = encodeCorim(RV);
  assert.deepEqual(encodeCorim(RV), a);
  const v = corimValue(RV);
  const comid = cbor2Encode(v.comid, cdeEncodeOptions);
  assert.deepEqual(cbor2Encode(v.corim(comid), cdeEncodeOptions), a);
  // cborg re-encodes what it decoded with bytewise-sorted keys: the bytes must not change.
  const toCborg = (x: any): any =>
    x instanceof Uint8Array ? x : Array.isArray(x) ? x.map(toCborg) : x instanceof Map ? new Map([...x].map(([k, y]) => [k, toCborg(y)])) : x && typeof x === 'object' && 'tag' in x ? new Tagged(x.tag, toCborg(x.v)) : x;
  const reenc = (b: Uint8Array) => cborgEncode(toCborg(second(b)), { ...rfc8949EncodeOptions, typeEncoders: {} });
  const top = second(a);
  assert.deepEqual(new Uint8Array(reenc(top.v.get(1)[0].v)), top.v.get(1)[0].v, 'CoMID bytes are RFC 8949 deterministic');
  assert.deepEqual(new Uint8Array(reenc(a)), a, 'CoRIM bytes are RFC 8949 deterministic');
});

// draft-deeglaze-amd-sev-snp-corim-profile, commit 0fbed55bd469d23323865490de63bbf9719e8e19,
// cddl/examples/profile.diag and cddl/examples/environment.diag (verbatim diagnostic notation).
const PROFILE_DIAG = `/ corim-map / {
  / corim.profile / 3: [
    32("tag:amd.com,2025:snp-corim-profile")
  ]
  / ... /
}`;
const ENVIRONMENT_DIAG = `/ environment-map / {
  / class-map / {
    / class-id: / 0 => #6.111(h'06092b060104019c780301')
  }
  / instance: / 1 => #6.560(CHIP_ID)
}`;

test("CoRIM: the profile draft's examples (profile.diag, environment.diag) decode to what the encoder writes", () => {
  const top = second(encodeCorim(RV));
  const profile = parseEdn(PROFILE_DIAG) as Map<number, unknown>;
  assert.deepEqual(top.v.get(3), profile.get(3));
  const env = parseEdn(ENVIRONMENT_DIAG) as Map<unknown, unknown>;
  // The example's first entry is the class (environment-map key 0; the example omits the key and
  // shows only the comment "class-map"); the instance (key 1, CHIP_ID) is per chip and not part of reference values.
  const cls = [...env.values()][0] as Map<number, EdnTag>;
  const comid = second(top.v.get(1)[0].v);
  const ours = comid.get(4).get(0)[0][0];
  assert.deepEqual(ours.get(0), cls);
  assert.deepEqual((env.get(1) as EdnTag).tag, 560, 'instance would be tagged-bytes');
});

test('CoRIM: round trip through decodeCorim and decodeReferenceValues', () => {
  const back = decodeReferenceValues(encodeCorim(RV), 'rv.cbor');
  assert.deepEqual(back.pinned, RV.pinned);
  assert.deepEqual(back.cells, RV.cells);
  const none = decodeCorim(encodeCorim({ ...RV, pinned: {} }), 'x');
  assert.deepEqual(none.pinned, {});
});

const rejects = (bytes: Uint8Array, re: RegExp) =>
  assert.throws(() => decodeReferenceValues(bytes, 'rv.cbor'), (e: unknown) => e instanceof SnpLaunchError && e.kind === 'input' && re.test(e.message) && !e.message.includes('\n'));

test('CoRIM: truncated, non-CoRIM and foreign-profile input is one located input error', () => {
  const good = encodeCorim(RV);
  for (const n of [1, 2, 10, 100, good.length - 1]) rejects(good.subarray(0, n), /^rv\.cbor: .*CBOR/);
  rejects(new Uint8Array([0xff, 0x00]), /rv\.cbor/);
  rejects(cbor2Encode(new Map([[1, 2]])), /not a tagged unsigned CoRIM/);
  const top = second(good);
  const foreign = new Map<unknown, unknown>([[0, 'x'], [1, []], [3, [{ tag: 32, v: 'tag:example.com,2025:other' }]]]);
  const enc = (m: Map<unknown, unknown>) => cborgEncode(new Tagged(501, new Map([...m].map(([k, v]) => [k, Array.isArray(v) ? v.map((x: any) => (x?.tag ? new Tagged(x.tag, x.v) : x)) : v]))));
  rejects(enc(foreign), /corim\.profile: is 'tag:example\.com,2025:other', not the AMD SEV-SNP profile/);
  assert.ok(top);
  rejects(new TextEncoder().encode('{"cells": 3}'), /cells: missing or not an array/);
  rejects(new TextEncoder().encode('{"cells": [{"platform": "x", "measurement": "00"}]}'), /cells\[0\]\.measurement: must be 48 bytes/);
});
