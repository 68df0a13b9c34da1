/**
 * Reference values as a CoRIM (draft-ietf-rats-corim) of the AMD SEV-SNP profile
 * (draft-deeglaze-amd-sev-snp-corim-profile): one unsigned CoRIM (#6.501) holding one CoMID
 * (#6.506) whose reference triples are one per cell: the SEV-SNP "by chip" environment and the
 * measurement-maps of MEASUREMENT plus every pinned report field (each triple is matched on its
 * own by a verifier, so each carries the pins). Deterministic CBOR (RFC 8949 §4.2, cbor2's `cde`
 * options): the same document always gives the same bytes. Codepoints: ./codepoints.ts.
 */
import { cdeDecodeOptions, decode, encode, Tag } from 'cbor2';
import { bytesEqual, u64 } from '../core/bytes.js';
import { inputError } from '../core/errors.js';
import { ALG_SHA384, CELLS_KEY, CLASS, COMID, CORIM, ENV, MKEY, MM, MVAL, REFERENCE_TRIPLES, SNP_CLASS_BY_CHIP, SNP_PROFILE, TAG, TAG_ID } from './codepoints.js';
import { MAX_REFVALUE_CELLS, type PinnedFields, type RefCell, type ReferenceValues } from './types.js';

/**
 * Deterministic encoding (RFC 8949 §4.2.1): preferred serialization is cbor2's default, and every
 * map below is built with its keys already in bytewise order (small uints ascending, then the text
 * key), so the encoder's key sorting is not needed. The tests check the bytes equal cbor2's `cde`
 * encoding of `corimValue`.
 */
const ENCODE = { cde: false, sortKeys: null } as const;

const le64 = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};
const digests = (b: Uint8Array) => new Map([[MVAL.DIGESTS, [[ALG_SHA384, b]]]]);
const rawValue = (b: Uint8Array) => new Map([[MVAL.RAW_VALUE, new Tag(TAG.BYTES, b)]]);
const mm = (mkey: number, mval: Map<number, unknown>) => new Map<number, unknown>([[MM.MKEY, mkey], [MM.MVAL, mval]]);

/** The measurement-maps of the pinned fields, in mkey order ([SNP] §"Evidence Translation"). */
function pinnedMaps(p: PinnedFields): Map<number, unknown>[] {
  const out: [number, Map<number, unknown>][] = [];
  if (p.guestSvn !== undefined) out.push([MKEY.GUEST_SVN, new Map([[MVAL.SVN, new Tag(TAG.SVN, p.guestSvn)]])]);
  if (p.policy !== undefined) out.push([MKEY.POLICY, rawValue(le64(p.policy))]);
  if (p.familyId) out.push([MKEY.FAMILY_ID, rawValue(p.familyId)]);
  if (p.imageId) out.push([MKEY.IMAGE_ID, rawValue(p.imageId)]);
  if (p.hostData) out.push([MKEY.HOST_DATA, digests(p.hostData)]);
  if (p.idKeyDigest) out.push([MKEY.ID_KEY_DIGEST, digests(p.idKeyDigest)]);
  if (p.authorKeyDigest) out.push([MKEY.AUTHOR_KEY_DIGEST, digests(p.authorKeyDigest)]);
  // A minimum, not an exact value: tagged-min-svn ([CoRIM]); the u64 is REPORTED_TCB's little-endian value.
  if (p.minTcb !== undefined) out.push([MKEY.REPORTED_TCB, new Map([[MVAL.SVN, new Tag(TAG.MIN_SVN, p.minTcb)]])]);
  return out.map(([k, v]) => mm(k, v));
}

/** Cell description of the snp-launch extension: [platform, vcpus, vcpuType, vcpuSig, guestFeatures, kvm] (null = absent). */
const cellInfo = (c: RefCell): unknown[] => [c.platform, c.vcpus ?? null, c.vcpuType ?? null, c.vcpuSig ?? null, c.guestFeatures ?? null, c.kvm ?? null];

const environment = () => new Map([[ENV.CLASS, new Map([[CLASS.CLASS_ID, new Tag(TAG.OID, SNP_CLASS_BY_CHIP)]])]]);
const tagIdentity = () => new Map([[TAG_ID, 'snp-launch-refvalues']]);

function corimMap(rv: ReferenceValues, comid: Uint8Array): Map<number | string, unknown> {
  return new Map<number | string, unknown>([
    // The id is derived from the content, so the same inputs give the same file (no random UUID).
    [CORIM.ID, `snp-launch:${rv.tool}:${rv.cells.length}`],
    [CORIM.TAGS, [new Tag(TAG.COMID, comid)]],
    [CORIM.PROFILE, [new Tag(TAG.URI, SNP_PROFILE)]],
    [CELLS_KEY, rv.cells.map(cellInfo)],
  ]);
}

/** The CoRIM as a CBOR value tree (the CoMID as its own tree); `encodeCorim` writes the same bytes faster. */
export function corimValue(rv: ReferenceValues): { corim: (comid: Uint8Array) => Tag; comid: Map<number, unknown> } {
  const env = environment();
  const pins = pinnedMaps(rv.pinned);
  const triples = rv.cells.map((c) => [env, [mm(MKEY.MEASUREMENT, digests(c.measurement)), ...pins]]);
  const comid = new Map<number, unknown>([
    [COMID.TAG_IDENTITY, tagIdentity()],
    [COMID.TRIPLES, new Map([[REFERENCE_TRIPLES, triples]])],
  ]);
  return { corim: (bytes) => new Tag(TAG.UNSIGNED_CORIM, corimMap(rv, bytes)), comid };
}

/** CBOR head of an array of n items (RFC 8949 §3, major type 4). */
function arrayHead(n: number): Uint8Array {
  if (n < 24) return new Uint8Array([0x80 | n]);
  if (n < 0x100) return new Uint8Array([0x98, n]);
  if (n < 0x10000) return new Uint8Array([0x99, n >> 8, n & 0xff]);
  return new Uint8Array([0x9a, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

/**
 * The unsigned CoRIM (#6.501) bytes of `rv`. Every triple differs only in its 48 MEASUREMENT bytes,
 * so one triple is encoded and its digest replaced per cell (cbor2 needs ~0.5 ms per nested map;
 * a 4,608-cell matrix would take seconds). The digest is the last item of the first measurement-map.
 */
export function encodeCorim(rv: ReferenceValues): Uint8Array {
  const env = environment();
  const pins = pinnedMaps(rv.pinned);
  const template = encode([env, [mm(MKEY.MEASUREMENT, digests(new Uint8Array(48))), ...pins]], ENCODE);
  const envLen = encode(env, ENCODE).length;
  // 0x82 (triple), env, array head (1 + pins < 24 items), then the measurement-map ending in the digest.
  const mmLen = encode(mm(MKEY.MEASUREMENT, digests(new Uint8Array(48))), ENCODE).length;
  const digestAt = 1 + envLen + 1 + mmLen - 48;
  const shell = encode(new Map<number, unknown>([[COMID.TAG_IDENTITY, tagIdentity()], [COMID.TRIPLES, new Map([[REFERENCE_TRIPLES, []]])]]), ENCODE);
  const head = arrayHead(rv.cells.length);
  const comid = new Uint8Array(shell.length - 1 + head.length + template.length * rv.cells.length);
  comid.set(shell.subarray(0, shell.length - 1)); // the empty array 0x80 is the last byte
  let at = shell.length - 1;
  comid.set(head, at);
  at += head.length;
  for (const c of rv.cells) {
    comid.set(template, at);
    comid.set(c.measurement, at + digestAt);
    at += template.length;
  }
  return encode(new Tag(TAG.UNSIGNED_CORIM, corimMap(rv, comid)), ENCODE);
}

/** CBOR bytes → value, with any decoder failure as one located input error. */
export function decodeCbor(bytes: Uint8Array, file: string, what: string): unknown {
  try {
    return decode(bytes, { ...cdeDecodeOptions, preferMap: true, rejectDuplicateKeys: true });
  } catch (e) {
    throw inputError('BAD_CBOR', `is not valid ${what} CBOR (${(e as Error).message})`, { file });
  }
}

/**
 * Decodes an unsigned CoRIM (#6.501) of the SEV-SNP profile written by `encodeCorim` (or another
 * tool using the same codepoints). Strict: anything else is an SnpLaunchError naming the field.
 */
export function decodeCorim(bytes: Uint8Array, file: string): ReferenceValues {
  const bad = (field: string, why: string) => inputError('BAD_CORIM', why, { file, field });
  const top = decodeCbor(bytes, file, 'CoRIM');
  if (!(top instanceof Tag) || top.tag !== TAG.UNSIGNED_CORIM) {
    throw bad('(top level)', top instanceof Tag && top.tag === TAG.COSE_SIGN1 ? 'is a signed CoRIM (COSE_Sign1); verify it with a key' : 'is not a tagged unsigned CoRIM (#6.501)');
  }
  const corim = asMap(top.contents, 'corim-map', bad);
  const profiles = corim.get(CORIM.PROFILE);
  const profile = Array.isArray(profiles) ? profiles[0] : profiles;
  const pText = profile instanceof Tag ? String(profile.contents) : profile instanceof URL ? profile.href : String(profile);
  if (pText !== SNP_PROFILE) throw bad('corim.profile', `is '${pText}', not the AMD SEV-SNP profile ${SNP_PROFILE}`);
  const tags = corim.get(CORIM.TAGS);
  if (!Array.isArray(tags) || tags.length === 0) throw bad('corim.tags', 'missing or empty');
  const triples: unknown[] = [];
  tags.forEach((t, i) => {
    if (!(t instanceof Tag) || t.tag !== TAG.COMID || !(t.contents instanceof Uint8Array)) throw bad(`corim.tags[${i}]`, 'is not a tagged CoMID (#6.506 bytes)');
    const comid = asMap(decodeCbor(t.contents, file, 'CoMID'), `corim.tags[${i}]`, bad);
    const tm = asMap(comid.get(COMID.TRIPLES), `comid.triples`, bad);
    const ref = tm.get(REFERENCE_TRIPLES);
    if (!Array.isArray(ref)) throw bad('comid.triples.reference-triples', 'missing or not an array');
    triples.push(...ref);
  });
  if (triples.length > MAX_REFVALUE_CELLS) throw bad('reference-triples', `has ${triples.length} triples, more than ${MAX_REFVALUE_CELLS}`);
  const info = corim.get(CELLS_KEY);
  const infos = Array.isArray(info) && info.length === triples.length ? info : undefined;
  let pinned: PinnedFields | undefined;
  let pinKey = '';
  const cells = triples.map((raw, i) => {
    const at = `reference-triples[${i}]`;
    if (!Array.isArray(raw) || raw.length !== 2) throw bad(at, 'is not [environment-map, [+ measurement-map]]');
    const cls = asMap(asMap(raw[0], `${at}.environment`, bad).get(ENV.CLASS), `${at}.environment.class`, bad).get(CLASS.CLASS_ID);
    if (!(cls instanceof Tag) || cls.tag !== TAG.OID || !(cls.contents instanceof Uint8Array) || !bytesEqual(cls.contents, SNP_CLASS_BY_CHIP)) {
      throw bad(`${at}.environment.class-id`, 'is not the SEV-SNP class 111(1.3.6.1.4.1.3704.3.1)');
    }
    if (!Array.isArray(raw[1])) throw bad(`${at}.measurements`, 'is not an array');
    const { measurement, pins, key } = readMeasurements(raw[1], at, bad);
    if (pinned === undefined) [pinned, pinKey] = [pins, key];
    else if (key !== pinKey) throw bad(at, 'pins other report fields than the first triple (snp-launch reads documents whose triples share the pinned fields)');
    return { ...(infos ? cellFromInfo(infos[i], `${CELLS_KEY}[${i}]`, bad) : { platform: `triple ${i}` }), measurement };
  });
  return { tool: typeof corim.get(CORIM.ID) === 'string' ? String(corim.get(CORIM.ID)) : 'corim', inputs: {}, pinned: pinned ?? {}, cells };
}

type Bad = (field: string, why: string) => Error;

function asMap(v: unknown, field: string, bad: Bad): Map<unknown, unknown> {
  if (!(v instanceof Map)) throw bad(field, 'missing or not a map');
  return v;
}

function readMeasurements(list: unknown[], at: string, bad: Bad): { measurement: Uint8Array; pins: PinnedFields; key: string } {
  let measurement: Uint8Array | undefined;
  const pins: PinnedFields = {};
  list.forEach((m, j) => {
    const f = `${at}.measurement-map[${j}]`;
    const map = asMap(m, f, bad);
    const mkey = map.get(MM.MKEY);
    const mval = asMap(map.get(MM.MVAL), `${f}.mval`, bad);
    const digest = (len: number): Uint8Array => {
      const d = mval.get(MVAL.DIGESTS);
      const first = Array.isArray(d) && d.length === 1 && Array.isArray(d[0]) ? d[0] : undefined;
      if (!first || first[0] !== ALG_SHA384 || !(first[1] instanceof Uint8Array) || first[1].length !== len) throw bad(`${f}.digests`, `must be [[7, ${len} bytes]]`);
      return first[1];
    };
    const raw = (len: number): Uint8Array => {
      const r = mval.get(MVAL.RAW_VALUE);
      if (!(r instanceof Tag) || r.tag !== TAG.BYTES || !(r.contents instanceof Uint8Array) || r.contents.length !== len) throw bad(`${f}.raw-value`, `must be 560(${len} bytes)`);
      return r.contents;
    };
    const svn = (tag: number): bigint => {
      const s = mval.get(MVAL.SVN);
      if (!(s instanceof Tag) || s.tag !== tag || (typeof s.contents !== 'number' && typeof s.contents !== 'bigint')) throw bad(`${f}.svn`, `must be ${tag}(uint)`);
      return BigInt(s.contents);
    };
    switch (mkey) {
      case MKEY.MEASUREMENT: measurement = digest(48); break;
      case MKEY.GUEST_SVN: pins.guestSvn = Number(svn(TAG.SVN)); break;
      case MKEY.POLICY: pins.policy = u64(raw(8), 0); break;
      case MKEY.FAMILY_ID: pins.familyId = raw(16); break;
      case MKEY.IMAGE_ID: pins.imageId = raw(16); break;
      case MKEY.HOST_DATA: pins.hostData = digest(32); break;
      case MKEY.ID_KEY_DIGEST: pins.idKeyDigest = digest(48); break;
      case MKEY.AUTHOR_KEY_DIGEST: pins.authorKeyDigest = digest(48); break;
      case MKEY.REPORTED_TCB: pins.minTcb = svn(TAG.MIN_SVN); break;
      default: throw bad(`${f}.mkey`, `mkey ${String(mkey)} is not one snp-launch checks (MEASUREMENT, pinned fields)`);
    }
  });
  if (!measurement) throw bad(at, 'has no MEASUREMENT (mkey 641)');
  return { measurement, pins, key: JSON.stringify(pinsText(pins)) };
}

const pinsText = (p: PinnedFields): Record<string, string> =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v instanceof Uint8Array ? Array.from(v).join('.') : String(v)]));

function cellFromInfo(v: unknown, at: string, bad: Bad): RefCell {
  if (!Array.isArray(v) || v.length !== 6 || typeof v[0] !== 'string') throw bad(at, 'is not [platform, vcpus, vcpuType, vcpuSig, guestFeatures, kvm]');
  const [platform, vcpus, type, sig, features, kvm] = v as [string, unknown, unknown, unknown, unknown, unknown];
  const c: RefCell = { platform, measurement: new Uint8Array(0) };
  if (typeof vcpus === 'number') c.vcpus = vcpus;
  if (typeof type === 'string') c.vcpuType = type;
  if (typeof sig === 'number') c.vcpuSig = sig;
  if (typeof features === 'number' || typeof features === 'bigint') c.guestFeatures = BigInt(features);
  if (kvm === 'init2' || kvm === 'legacy') c.kvm = kvm;
  return c;
}
