/**
 * Reference values as a CoRIM (draft-ietf-rats-corim) of the AMD SEV-SNP profile
 * (draft-deeglaze-amd-sev-snp-corim-profile): one unsigned CoRIM (#6.501) holding one CoMID
 * (#6.506) whose reference triples are one per cell: the SEV-SNP "by chip" environment and the
 * measurement-maps of MEASUREMENT plus every pinned report field (each triple is matched on its
 * own by a verifier, so each carries the pins). Deterministic CBOR (RFC 8949 §4.2, cbor2's `cde`
 * options): the same document always gives the same bytes. Codepoints: ./codepoints.ts.
 * Flavor 'veraison' writes what Veraison's SEV-SNP scheme loads instead (codepoints.ts [VER]).
 */
import { cdeDecodeOptions, encode, Tag } from 'cbor2';
import { decodeCborItem } from '../core/cbor.js';
import { bytesEqual, concatBytes, isAllZero, u64 } from '../core/bytes.js';
import { inputError } from '../core/errors.js';
import { ALG_SHA384, CELLS_KEY, CLASS, COMID, CORIM, ENV, MKEY, MM, MVAL, OID_BY_CHIP, OID_BY_CSP, REFERENCE_TRIPLES, SNP_CLASS_BY_CHIP, SNP_PROFILE, SNP_PROFILE_VERAISON, TAG, TAG_ID } from './codepoints.js';
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

/** 'draft': the AMD profile draft's examples; 'veraison': what Veraison's SEV-SNP scheme loads (codepoints.ts [VER]). */
export type CorimFlavor = 'draft' | 'veraison';
export const CORIM_FLAVORS: readonly CorimFlavor[] = ['draft', 'veraison'];

/** The measurement-maps of the pinned fields, in mkey order ([SNP] §"Evidence Translation"). */
function pinnedMaps(p: PinnedFields, flavor: CorimFlavor): Map<number, unknown>[] {
  const out: [number, Map<number, unknown>][] = [];
  const keyDigest = flavor === 'veraison' ? rawValue : digests;
  if (p.guestSvn !== undefined) out.push([MKEY.GUEST_SVN, new Map([[MVAL.SVN, new Tag(flavor === 'veraison' ? TAG.MIN_SVN : TAG.SVN, p.guestSvn)]])]);
  if (p.policy !== undefined) out.push([MKEY.POLICY, rawValue(le64(p.policy))]);
  if (p.familyId) out.push([MKEY.FAMILY_ID, rawValue(p.familyId)]);
  if (p.imageId) out.push([MKEY.IMAGE_ID, rawValue(p.imageId)]);
  // Veraison's evidence leaves out an all-zero HOST_DATA or key digest, so a zero pin would never match there.
  const keep = (b: Uint8Array | undefined): b is Uint8Array => b !== undefined && (flavor === 'draft' || !isAllZero(b));
  if (keep(p.hostData)) out.push([MKEY.HOST_DATA, keyDigest(p.hostData)]);
  if (keep(p.idKeyDigest)) out.push([MKEY.ID_KEY_DIGEST, keyDigest(p.idKeyDigest)]);
  if (keep(p.authorKeyDigest)) out.push([MKEY.AUTHOR_KEY_DIGEST, keyDigest(p.authorKeyDigest)]);
  // A minimum, not an exact value: tagged-min-svn ([CoRIM]); the u64 is REPORTED_TCB's little-endian value.
  if (p.minTcb !== undefined) out.push([MKEY.REPORTED_TCB, new Map([[MVAL.SVN, new Tag(TAG.MIN_SVN, p.minTcb)]])]);
  return out.map(([k, v]) => mm(k, v));
}

/** Cell description of the snp-launch extension: [platform, vcpus, vcpuType, vcpuSig, guestFeatures, kvm] (null = absent). */
const cellInfo = (c: RefCell): unknown[] => [c.platform, c.vcpus ?? null, c.vcpuType ?? null, c.vcpuSig ?? null, c.guestFeatures ?? null, c.kvm ?? null];

const classMap = (oid: Uint8Array) => new Map([[CLASS.CLASS_ID, new Tag(TAG.OID, oid)]]);

/** The reference triples of one cell: one (draft), or one per attestation class keyed by the MEASUREMENT (veraison). */
function cellTriples(measurement: Uint8Array, pins: Map<number, unknown>[], flavor: CorimFlavor): unknown[][] {
  const values = [mm(MKEY.MEASUREMENT, digests(measurement)), ...pins];
  if (flavor === 'draft') return [[new Map([[ENV.CLASS, classMap(SNP_CLASS_BY_CHIP)]]), values]];
  return [OID_BY_CHIP, OID_BY_CSP].map((oid) => [new Map<number, unknown>([[ENV.CLASS, classMap(oid)], [ENV.INSTANCE, new Tag(TAG.BYTES, measurement)]]), values]);
}

const tagIdentity = () => new Map([[TAG_ID, 'snp-launch-refvalues']]);

function corimMap(rv: ReferenceValues, comid: Uint8Array, flavor: CorimFlavor): Map<number | string, unknown> {
  const m = new Map<number | string, unknown>([
    // The id is derived from the content, so the same inputs give the same file (no random UUID).
    [CORIM.ID, `snp-launch:${rv.tool}:${rv.cells.length}`],
    [CORIM.TAGS, [new Tag(TAG.COMID, comid)]],
    [CORIM.PROFILE, flavor === 'draft' ? [new Tag(TAG.URI, SNP_PROFILE)] : new Tag(TAG.URI, SNP_PROFILE_VERAISON)],
  ]);
  // Veraison's decoder is not known to skip unknown corim-map keys: the cell names stay out there.
  if (flavor === 'draft') m.set(CELLS_KEY, rv.cells.map(cellInfo));
  return m;
}

/** The CoRIM as a CBOR value tree (the CoMID as its own tree); `encodeCorim` writes the same bytes faster. */
export function corimValue(rv: ReferenceValues, flavor: CorimFlavor = 'draft'): { corim: (comid: Uint8Array) => Tag; comid: Map<number, unknown> } {
  const pins = pinnedMaps(rv.pinned, flavor);
  const triples = rv.cells.flatMap((c) => cellTriples(c.measurement, pins, flavor));
  const comid = new Map<number, unknown>([
    [COMID.TAG_IDENTITY, tagIdentity()],
    [COMID.TRIPLES, new Map([[REFERENCE_TRIPLES, triples]])],
  ]);
  return { corim: (bytes) => new Tag(TAG.UNSIGNED_CORIM, corimMap(rv, bytes, flavor)), comid };
}

/** CBOR head of an array of n items (RFC 8949 §3, major type 4). */
function arrayHead(n: number): Uint8Array {
  if (n < 24) return new Uint8Array([0x80 | n]);
  if (n < 0x100) return new Uint8Array([0x98, n]);
  if (n < 0x10000) return new Uint8Array([0x99, n >> 8, n & 0xff]);
  return new Uint8Array([0x9a, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

/** A 48-byte stand-in for the MEASUREMENT in the template (bytes no pinned field of a sane document carries). */
const SENTINEL = Uint8Array.from({ length: 48 }, (_, i) => (i * 151 + 89) & 0xff);

function sentinelOffsets(b: Uint8Array): number[] {
  const at: number[] = [];
  outer: for (let i = 0; i + 48 <= b.length; i++) {
    for (let j = 0; j < 48; j++) if (b[i + j] !== SENTINEL[j]) continue outer;
    at.push(i);
  }
  return at;
}

/**
 * The unsigned CoRIM (#6.501) bytes of `rv`. Every cell's triples differ only in the MEASUREMENT
 * bytes, so one cell is encoded with a sentinel and the sentinel replaced per cell (cbor2 needs
 * ~0.5 ms per nested map; a 4,608-cell matrix would take seconds).
 */
export function encodeCorim(rv: ReferenceValues, flavor: CorimFlavor = 'draft'): Uint8Array {
  const pins = pinnedMaps(rv.pinned, flavor);
  const one = cellTriples(SENTINEL, pins, flavor).map((t) => encode(t, ENCODE));
  const template = concatBytes(...one);
  const offsets = sentinelOffsets(template);
  if (offsets.length !== (flavor === 'draft' ? 1 : 4)) throw new Error('internal: CoRIM template has an unexpected MEASUREMENT count');
  const shell = encode(new Map<number, unknown>([[COMID.TAG_IDENTITY, tagIdentity()], [COMID.TRIPLES, new Map([[REFERENCE_TRIPLES, []]])]]), ENCODE);
  const head = arrayHead(rv.cells.length * one.length);
  const comid = new Uint8Array(shell.length - 1 + head.length + template.length * rv.cells.length);
  comid.set(shell.subarray(0, shell.length - 1)); // the empty array 0x80 is the last byte
  let at = shell.length - 1;
  comid.set(head, at);
  at += head.length;
  for (const c of rv.cells) {
    comid.set(template, at);
    for (const o of offsets) comid.set(c.measurement, at + o);
    at += template.length;
  }
  return encode(new Tag(TAG.UNSIGNED_CORIM, corimMap(rv, comid, flavor)), ENCODE);
}

const DECODE = { ...cdeDecodeOptions, preferMap: true, rejectDuplicateKeys: true };

/** CBOR bytes → value, with any decoder failure as one located input error. */
export function decodeCbor(bytes: Uint8Array, file: string, what: string): unknown {
  return decodeCborItem(bytes, file, what, DECODE);
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
  if (pText !== SNP_PROFILE && pText !== SNP_PROFILE_VERAISON) throw bad('corim.profile', `is '${pText}', not the AMD SEV-SNP profile ${SNP_PROFILE} (or Veraison's ${SNP_PROFILE_VERAISON})`);
  const veraison = pText === SNP_PROFILE_VERAISON;
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
  if (triples.length > MAX_REFVALUE_CELLS * 2) throw bad('reference-triples', `has ${triples.length} triples, more than ${MAX_REFVALUE_CELLS * 2}`);
  const info = corim.get(CELLS_KEY);
  const infos = Array.isArray(info) && info.length === triples.length ? info : undefined;
  let pinned: PinnedFields | undefined;
  let pinKey = '';
  const seen = new Set<string>();
  const cells: RefCell[] = [];
  triples.forEach((raw, i) => {
    const at = `reference-triples[${i}]`;
    if (!Array.isArray(raw) || raw.length !== 2) throw bad(at, 'is not [environment-map, [+ measurement-map]]');
    const env = asMap(raw[0], `${at}.environment`, bad);
    const cls = asMap(env.get(ENV.CLASS), `${at}.environment.class`, bad).get(CLASS.CLASS_ID);
    if (!(cls instanceof Tag) || cls.tag !== TAG.OID || !(cls.contents instanceof Uint8Array) || ![SNP_CLASS_BY_CHIP, OID_BY_CHIP, OID_BY_CSP].some((o) => bytesEqual(cls.contents as Uint8Array, o))) {
      throw bad(`${at}.environment.class-id`, 'is not an SEV-SNP class 111(1.3.6.1.4.1.3704.3.1 or .3.2)');
    }
    if (!Array.isArray(raw[1])) throw bad(`${at}.measurements`, 'is not an array');
    const { measurement, pins, key } = readMeasurements(raw[1], at, bad);
    if (veraison) {
      // Veraison finds reference values by instance = MEASUREMENT; one that differs would never be found.
      const inst = env.get(ENV.INSTANCE);
      if (!(inst instanceof Tag) || inst.tag !== TAG.BYTES || !(inst.contents instanceof Uint8Array) || !bytesEqual(inst.contents, measurement)) {
        throw bad(`${at}.environment.instance`, "must be 560(MEASUREMENT) in Veraison's profile");
      }
    }
    if (pinned === undefined) [pinned, pinKey] = [pins, key];
    else if (key !== pinKey) throw bad(at, 'pins other report fields than the first triple (snp-launch reads documents whose triples share the pinned fields)');
    // Veraison documents hold each cell once per attestation class: one cell per MEASUREMENT.
    const id = Array.from(measurement).join('.');
    if (veraison && seen.has(id)) return;
    seen.add(id);
    cells.push({ ...(infos ? cellFromInfo(infos[i], `${CELLS_KEY}[${i}]`, bad) : { platform: `reference-triples[${i}]` }), measurement });
  });
  if (cells.length > MAX_REFVALUE_CELLS) throw bad('reference-triples', `has ${cells.length} cells, more than ${MAX_REFVALUE_CELLS}`);
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
    const svn = (...tags: number[]): bigint => {
      const s = mval.get(MVAL.SVN);
      if (!(s instanceof Tag) || !tags.includes(Number(s.tag)) || (typeof s.contents !== 'number' && typeof s.contents !== 'bigint')) throw bad(`${f}.svn`, `must be ${tags.join(' or ')}(uint)`);
      return BigInt(s.contents);
    };
    // The draft writes key digests as digests, Veraison as raw-value: either is the same pin.
    const keyBytes = (len: number): Uint8Array => (mval.has(MVAL.RAW_VALUE) ? raw(len) : digest(len));
    switch (mkey) {
      case MKEY.MEASUREMENT: measurement = digest(48); break;
      // Veraison writes 553 and compares it for equality with the evidence's 553: exact either way.
      case MKEY.GUEST_SVN: pins.guestSvn = Number(svn(TAG.SVN, TAG.MIN_SVN)); break;
      case MKEY.POLICY: pins.policy = u64(raw(8), 0); break;
      case MKEY.FAMILY_ID: pins.familyId = raw(16); break;
      case MKEY.IMAGE_ID: pins.imageId = raw(16); break;
      case MKEY.HOST_DATA: pins.hostData = keyBytes(32); break;
      case MKEY.ID_KEY_DIGEST: pins.idKeyDigest = keyBytes(48); break;
      case MKEY.AUTHOR_KEY_DIGEST: pins.authorKeyDigest = keyBytes(48); break;
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
