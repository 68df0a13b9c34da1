// `refvalues --format corim --corim-flavor veraison` against Veraison's SEV-SNP scheme, without
// Veraison: the structure is compared key by key (decoded with cborg, the second decoder) with the
// scheme's own test CoRIM, and the appraisal is re-stated from its source and run on real reports.
//
// veraison/services at commit 6b88102970509c5a731ea90c72cb79730269b5f3:
//   - scheme/sevsnp/test/corim/corim-sevsnp-valid.cbor (copied to test/fixtures/upstream/);
//   - scheme/sevsnp/corim.go validateReferenceValueEnvironment (class-id OID, instance bytes);
//   - scheme/sevsnp/scheme.go GetReferenceValueIDs (lookup by {class-id, instance = MEASUREMENT}),
//     tryMatchEvidence (mkeys 2, 6, 7, 640, 645, 646, 3328-3330, 3936 skipped; 647 compared per TCB
//     component, Milan layout; everything else by compareMeasurements).
// Evidence translation: jraman567/go-gen-ref at 97b7e781d8016c59501fb2da86a0144f9dd12e9c,
// cmd/sevsnp/parser.go ReportToComid (class by chip for VCEK, by CSP for VLEK; 1 = 553(GUEST_SVN);
// 3, 4 raw-value; 642-644 raw-value only when non-zero; 641 digests [[7, MEASUREMENT]]; 647 = 552(TCB)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, Tagged } from 'cborg';
import { needsShared, REPO, shared, SHARED } from '../_shared.js';
import { cliBuilt, runCli } from '../cli/_cli.js';
import { decodeReferenceValues, encodeCorim, checkReportAgainstRefValues, type ReferenceValues } from '../../src/refvalues/index.js';
import { parseReport } from '../../src/attestation/report.js';

// cborg's tag decoders pull their content with decode() (cborg >= 4).
const tags: ((decode: () => unknown) => unknown)[] = [];
// Every tag up to 600: their trust-anchor CoMID also carries keys (#6.554/#6.555) and UUIDs (#6.37).
for (let t = 0; t <= 600; t++) tags[t] = (d) => new Tagged(t, d());
const cbor = (b: Uint8Array): any => decode(b, { tags: tags as never, useMaps: true, strict: true, rejectDuplicateMapKeys: true });
const UPSTREAM = join(REPO, 'test', 'fixtures', 'upstream', 'veraison-corim-sevsnp-valid.cbor');
const REPORTS = ['gosevguest_milan_attestation.bin', 'virtee_milan_report.bin', 'trustee_milan_vcek_report.bin', 'trustee_milan_vlek_report.bin', 'mstav_genoa_report.bin'];
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const OUT = join(mkdtempSync(join(tmpdir(), 'snp-veraison-')), 'rv.cbor');
const OID_BY_CHIP = '2b060104019c780301';
const OID_BY_CSP = '2b060104019c780302';

function refTriples(corim: Uint8Array): { env: Map<number, any>; mm: Map<number, Map<number, any>> }[] {
  const top = cbor(corim);
  assert.equal(top.tag, 501);
  return top.value.get(1).flatMap((t: Tagged) => {
    assert.equal(t.tag, 506);
    return (cbor(t.value as Uint8Array).get(4).get(0) ?? []).map(([env, list]: [Map<number, any>, Map<number, any>[]]) => ({ env, mm: new Map(list.map((m) => [m.get(0), m.get(1)])) }));
  });
}

function ownValues(r: Uint8Array): ReferenceValues {
  const b = Buffer.from(r);
  return {
    tool: 'test',
    inputs: {},
    pinned: { policy: b.readBigUInt64LE(0x08), guestSvn: b.readUInt32LE(0x04), familyId: r.slice(0x10, 0x20), imageId: r.slice(0x20, 0x30), hostData: r.slice(0xc0, 0xe0), idKeyDigest: r.slice(0xe0, 0x110), authorKeyDigest: r.slice(0x110, 0x140), minTcb: b.readBigUInt64LE(0x180) },
    cells: [{ platform: 'external', measurement: r.slice(0x90, 0xc0) }],
  };
}

test("veraison flavor: the structure of Veraison's own SEV-SNP test CoRIM, key by key", () => {
  const theirs = cbor(readFileSync(UPSTREAM));
  const rv: ReferenceValues = { tool: 't', inputs: {}, pinned: { policy: 0x30000n, familyId: new Uint8Array(16), imageId: new Uint8Array(16).fill(1), hostData: new Uint8Array(32).fill(2), minTcb: 0xdb18000000000004n, guestSvn: 3 }, cells: [{ platform: 'x', measurement: new Uint8Array(48).fill(9) }] };
  const bytes = encodeCorim(rv, 'veraison');
  const ours = cbor(bytes);
  assert.deepEqual(ours.value.get(3), theirs.value.get(3), 'profile: the same single URI, not an array');
  assert.deepEqual(ours.value.get(3), new Tagged(32, 'tag:amd.com,2024:snp-corim-profile'));
  assert.equal(ours.value.has('snp-launch-cells'), false);
  const [t] = refTriples(readFileSync(UPSTREAM));
  const mine = refTriples(bytes);
  assert.equal(mine.length, 2, 'one triple per attestation class');
  const envShape = (e: Map<number, any>) => ({ keys: [...e.keys()], classTag: e.get(0).get(0).tag, oidLen: e.get(0).get(0).value.length, instTag: e.get(1).tag, instLen: e.get(1).value.length });
  assert.deepEqual(envShape(mine[0]!.env), envShape(t!.env));
  assert.equal(hex(t!.env.get(0).get(0).value), OID_BY_CHIP, 'their class-id is RFC 9090 contents (by chip)');
  assert.deepEqual([hex(mine[0]!.env.get(0).get(0).value), hex(mine[1]!.env.get(0).get(0).value)], [OID_BY_CHIP, OID_BY_CSP]);
  for (const x of [t!, ...mine]) assert.equal(hex(x.env.get(1).value), hex(x.mm.get(641)!.get(2)[0][1]), 'instance = MEASUREMENT');
  const shape = (v: Map<number, any>) => [...v].map(([k, x]) => [k, x instanceof Tagged ? `tag ${x.tag} ${x.value instanceof Uint8Array ? x.value.length + ' bytes' : typeof x.value}` : Array.isArray(x) ? x.map((d: any[]) => [d[0], d[1].length]) : typeof x]);
  for (const k of [641, 2, 3, 4, 1]) assert.deepEqual(shape(mine[0]!.mm.get(k)!), shape(t!.mm.get(k)!), `mkey ${k}`);
  assert.deepEqual(shape(mine[0]!.mm.get(647)!), [[1, 'tag 553 bigint']], 'REPORTED_TCB as a minimum (compareTcb takes 552 or 553)');
  assert.deepEqual(shape(mine[0]!.mm.get(642)!), [[4, 'tag 560 32 bytes']], 'HOST_DATA as raw-value, as their evidence');
  const back = decodeReferenceValues(bytes, 'v.cbor');
  assert.equal(back.cells.length, 1, 'the two classes read back as one cell');
  assert.deepEqual(back.pinned, rv.pinned);
});

/** go-gen-ref's evidence for a report: mkey → measurement-values as cborg would give them. */
function evidence(r: Uint8Array) {
  const b = Buffer.from(r);
  const ev = new Map<number, Map<number, any>>();
  const raw = (x: Uint8Array) => new Map([[4, new Tagged(560, x)]]);
  ev.set(1, new Map([[1, new Tagged(553, b.readUInt32LE(0x04))]]));
  ev.set(3, raw(r.slice(0x10, 0x20)));
  ev.set(4, raw(r.slice(0x20, 0x30)));
  ev.set(641, new Map([[2, [[7, r.slice(0x90, 0xc0)]]]]));
  for (const [k, o, n] of [[642, 0xc0, 32], [643, 0xe0, 48], [644, 0x110, 48]] as const) if (r.subarray(o, o + n).some((x) => x !== 0)) ev.set(k, raw(r.slice(o, o + n)));
  ev.set(647, new Map([[1, new Tagged(552, b.readBigUInt64LE(0x180))]]));
  const vlek = ((b.readUInt32LE(0x48) >> 2) & 7) === 1;
  return { ev, cls: vlek ? OID_BY_CSP : OID_BY_CHIP, instance: hex(r.slice(0x90, 0xc0)) };
}

const SKIPPED = new Set([2, 6, 7, 640, 645, 646, 3328, 3329, 3330, 3936]);
const tcb = (v: bigint) => [Number(v & 0xffn), Number((v >> 8n) & 0xffn), Number((v >> 48n) & 0xffn), Number((v >> 56n) & 0xffn)];
const svnVal = (t: Tagged) => BigInt(t.value as number | bigint);

/** Veraison's appraisal: the reference triples found by {class, instance}, then tryMatchEvidence on one. */
function veraisonAppraise(corim: Uint8Array, r: Uint8Array): string {
  const { ev, cls, instance } = evidence(r);
  const found = refTriples(corim).filter((t) => hex(t.env.get(0).get(0).value) === cls && hex(t.env.get(1).value) === instance);
  if (found.length === 0) return 'no reference value';
  const fails = found.map((t) => {
    for (const [k, ref] of t.mm) {
      if (SKIPPED.has(k)) continue;
      const got = ev.get(k);
      if (!got) return `mkey ${k} not in evidence`;
      if (k === 647) {
        const [m, e] = [tcb(svnVal(ref.get(1))), tcb(svnVal(got.get(1)))];
        if (e.some((x, i) => x < m[i]!)) return 'REPORTED_TCB';
        continue;
      }
      if (ref.has(4)) {
        if (!got.has(4) || hex(got.get(4).value) !== hex(ref.get(4).value)) return `mkey ${k}`;
      } else if (ref.has(2)) {
        if (!got.has(2) || got.get(2)[0][0] !== ref.get(2)[0][0] || hex(got.get(2)[0][1]) !== hex(ref.get(2)[0][1])) return `mkey ${k}`;
      } else if (ref.has(1)) {
        const [e, f] = [got.get(1) as Tagged, ref.get(1) as Tagged];
        const ok = e.tag === 552 ? (f.tag === 552 ? svnVal(e) === svnVal(f) : svnVal(e) >= svnVal(f)) : f.tag === 553 && svnVal(e) === svnVal(f);
        if (!ok) return `mkey ${k}`;
      }
    }
    return '';
  });
  return fails.includes('') ? 'pass' : fails[0]!;
}

test('veraison flavor: real reports pass the re-stated Veraison appraisal with their own fields; changed fields fail', { skip: needsShared }, () => {
  for (const name of REPORTS) {
    const r = new Uint8Array(readFileSync(shared('vectors', 'attestation', name)));
    const corim = encodeCorim(ownValues(r), 'veraison');
    assert.equal(veraisonAppraise(corim, r), 'pass', name);
    // snp-launch's own check reads the same document the same way.
    assert.equal(checkReportAgainstRefValues(parseReport(r), decodeReferenceValues(corim, name)).pass, true, name);
    const cases: [number, string][] = [[0x90 + 40, 'no reference value'], [0x10, 'mkey 3'], [0x20, 'mkey 4'], [0x04, 'mkey 1']];
    if (r.subarray(0xc0, 0xe0).some((x) => x !== 0)) cases.push([0xc0, 'mkey 642']);
    for (const [off, want] of cases) {
      const c = r.slice();
      c[off]! ^= 0x01;
      assert.equal(veraisonAppraise(corim, c), want, `${name}: byte 0x${off.toString(16)}`);
    }
    const t = r.slice();
    if (t[0x186]! > 0) {
      t[0x186]! -= 1;
      assert.equal(veraisonAppraise(corim, t), 'REPORTED_TCB', `${name}: SNP SPL lowered`);
    }
  }
});

test('refvalues --format corim --corim-flavor veraison (CLI); --corim-flavor needs --format corim', { skip: needsShared, timeout: 60_000 }, async () => {
  cliBuilt();
  const r = new Uint8Array(readFileSync(shared('vectors', 'attestation', 'trustee_milan_vlek_report.bin')));
  const res = await runCli(['refvalues', '--measurement', hex(r.slice(0x90, 0xc0)), '--format', 'corim', '--corim-flavor', 'veraison', '-o', OUT], SHARED);
  assert.equal(res.code, 0, res.stderr);
  const corim = new Uint8Array(readFileSync(OUT));
  assert.equal(veraisonAppraise(corim, r), 'pass', 'a VLEK report finds its by-CSP triple');
  const bad = await runCli(['refvalues', '--measurement', hex(r.slice(0x90, 0xc0)), '--corim-flavor', 'veraison'], SHARED);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--corim-flavor: only with --format corim/);
});
