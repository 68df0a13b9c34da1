/**
 * GCE launch endorsements (issue 19 item 4). The test builds VMLaunchEndorsement bytes itself, with
 * a wire-format writer outside the library (tools/fuzz/protobuf-writer.ts) and the field numbers of
 * shared/vectors/gce/proto_endorsement.proto, and signs them with gce-tcb-verifier's published development key through node:crypto (RSA-PSS SHA-256,
 * salt 32). Expected MEASUREMENTs per VMSA count come from sev-snp-measure's reference.tsv.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadCertificates, parseReport } from '../../src/attestation/index.js';
import { parseGceEndorsement, verifyGceEndorsement } from '../../src/endorsements/index.js';
import { needsShared, shared } from '../_shared.js';
import { cliBuilt } from '../cli/_cli.js';
import { buildGceEndorsement as buildEndorsement, cli, GCE, GCE_FAMILY as FAMILY, GCE_IMAGE as IMAGE, GCE_OVMF as OVMF, GCE_POLICY as POLICY, patchedReport, read, referenceGce, tmp } from './_endorsements.js';

before(() => cliBuilt());

const rootCert = () => loadCertificates(read(GCE('testing_devkeys_root.crt')), 'root')[0]!;
const AT = new Date('2026-01-01T00:00:00Z');

test('a GCE endorsement signed with the development key verifies with the development root pinned, fails without it', { skip: needsShared }, async () => {
  const e = parseGceEndorsement(buildEndorsement(referenceGce()), 'e.pb');
  assert.deepEqual((await verifyGceEndorsement(e, 'e.pb', { root: rootCert(), now: AT })).map((c) => [c.name, c.pass]), [['gce.chain', true], ['gce.signature', true]]);
  const none = await verifyGceEndorsement(e, 'e.pb', { now: AT });
  assert.equal(none.find((c) => c.name === 'gce.chain')!.pass, false);
  // Another root (AMD's Milan ARK) is not the one the signer chains to.
  const other = loadCertificates(read(shared('certs', 'amd', 'milan_ark.pem')), 'ark')[0]!;
  assert.equal((await verifyGceEndorsement(e, 'e.pb', { root: other, now: AT }))[0]!.pass, false);
  // Signed by the root key instead of the signer key: the signature check fails.
  const wrong = parseGceEndorsement(buildEndorsement(referenceGce(), { signer: 'testing_devkeys_root.pem' }), 'w.pb');
  assert.equal((await verifyGceEndorsement(wrong, 'w.pb', { root: rootCert(), now: AT }))[1]!.pass, false);
});

test('any byte changed in the endorsement fails verification', { skip: needsShared }, async () => {
  const good = buildEndorsement(new Map([...referenceGce()].slice(0, 2)));
  const root = rootCert();
  for (let i = 0; i < good.length; i++) {
    const m = good.slice();
    m[i] = m[i]! ^ 0x01;
    let failed: string[];
    try {
      failed = (await verifyGceEndorsement(parseGceEndorsement(m, 'm.pb'), 'm.pb', { root, now: AT })).filter((c) => !c.pass).map((c) => c.name);
    } catch (err) {
      assert.equal((err as Error).name, 'SnpLaunchError', String(err));
      failed = ['parse'];
    }
    assert.ok(failed.length > 0, `byte ${i} of ${good.length} changed but the endorsement still verifies`);
  }
});

test('gce endorsement show|verify (CLI): --root, --ovmf reproduces every endorsed count, --report', { skip: needsShared }, async () => {
  const ref = referenceGce();
  assert.deepEqual([...ref.keys()], [1, 2, 4, 64]);
  const file = tmp('endorsement.binarypb', buildEndorsement(ref));
  const show = await cli('gce', 'endorsement', 'show', file, '--json');
  assert.equal(show.code, 0, show.stderr);
  const j = JSON.parse(show.stdout);
  assert.equal(j.sev_snp.measurements['64'], Buffer.from(ref.get(64)!).toString('hex'));
  assert.equal(j.sev_snp.policy, '0x30000');

  const ok = await cli('gce', 'endorsement', 'verify', file, '--root', GCE('testing_devkeys_root.crt'), '--ovmf', shared(OVMF), '--at', '2026-01-01');
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /PASS {2}gce\.ovmf-measurements .*all 4 endorsed counts/);
  assert.match(ok.stdout, /PASS {2}gce\.uefi-digest/);

  const noRoot = await cli('gce', 'endorsement', 'verify', file);
  assert.equal(noRoot.code, 1);
  assert.match(noRoot.stdout, /FAIL {2}gce\.chain +no root is pinned/);

  // An endorsed value measure cannot reproduce.
  const tampered = new Map(ref);
  tampered.set(2, Buffer.alloc(48, 9));
  const bad = await cli('gce', 'endorsement', 'verify', tmp('bad.binarypb', buildEndorsement(tampered)), '--root', GCE('testing_devkeys_root.crt'), '--ovmf', shared(OVMF), '--at', '2026-01-01');
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /FAIL {2}gce\.ovmf-measurements +2 VMSAs/);
});

test('report verify --gce-endorsement / the extended report\'s certificate table (synthetic report, --no-cert)', { skip: needsShared }, async () => {
  const ref = referenceGce();
  const pb = buildEndorsement(ref);
  const policy = Buffer.alloc(8);
  policy.writeBigUInt64LE(POLICY);
  const report = patchedReport({ MEASUREMENT: ref.get(4)!, FAMILY_ID: FAMILY, IMAGE_ID: IMAGE, POLICY: policy });
  assert.equal(parseReport(report).policy.raw, POLICY);
  const rp = tmp('gce-report.bin', report);
  const r = await cli('report', 'verify', rp, '--no-cert', '--gce-endorsement', tmp('e.pb', pb), '--gce-root', GCE('testing_devkeys_root.crt'), '--gce-vcpus', '4', '--at', '2026-01-01');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  for (const n of ['gce.chain', 'gce.signature', 'gce.measurement', 'gce.family-id', 'gce.image-id', 'gce.policy']) assert.match(r.stdout, new RegExp(`PASS  ${n.replace('.', '\\.')}`));
  const wrongCount = await cli('report', 'verify', rp, '--no-cert', '--gce-endorsement', tmp('e.pb', pb), '--gce-root', GCE('testing_devkeys_root.crt'), '--gce-vcpus', '2', '--at', '2026-01-01');
  assert.equal(wrongCount.code, 1);
  assert.match(wrongCount.stdout, /FAIL {2}gce\.measurement/);
  // Without a root the dev-signed endorsement never passes.
  const noRoot = await cli('report', 'verify', rp, '--no-cert', '--gce-endorsement', tmp('e.pb', pb));
  assert.equal(noRoot.code, 1);
  assert.match(noRoot.stdout, /FAIL {2}gce\.chain/);

  // An extended report: the report, then a GHCB certificate table with the endorsement's GUID.
  const guid = Buffer.from('9f4116cdc5034f5a8f6ffb68882f4ce2', 'hex');
  const table = Buffer.alloc(48 + pb.length);
  guid.copy(table, 0);
  table.writeUInt32LE(48, 16);
  table.writeUInt32LE(pb.length, 20);
  Buffer.from(pb).copy(table, 48);
  const ext = tmp('ext.bin', Buffer.concat([report, table]));
  const fromTable = await cli('report', 'verify', ext, '--no-cert', '--gce-root', GCE('testing_devkeys_root.crt'), '--at', '2026-01-01');
  assert.equal(fromTable.code, 0, fromTable.stdout + fromTable.stderr);
  assert.match(fromTable.stdout, /PASS {2}gce\.measurement +MEASUREMENT = the endorsed value for 4 VMSAs/);
  const showTable = await cli('gce', 'endorsement', 'show', ext);
  assert.equal(showTable.code, 0, showTable.stderr);
});

test('refvalues --from-gce-endorsement: every format; needs --gce-root', { skip: needsShared }, async () => {
  const ref = referenceGce();
  const file = tmp('rv-e.pb', buildEndorsement(ref));
  const r = await cli('refvalues', '--from-gce-endorsement', file, '--gce-root', GCE('testing_devkeys_root.crt'));
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const cells = j.cells ?? j.reference_values ?? [];
  const text = JSON.stringify(j);
  for (const m of ref.values()) assert.ok(text.includes(Buffer.from(m).toString('hex')), 'every endorsed measurement is a cell');
  assert.ok(Array.isArray(cells));
  for (const fmt of ['corim', 'rvps']) {
    const o = await cli('refvalues', '--from-gce-endorsement', file, '--gce-root', GCE('testing_devkeys_root.crt'), '--format', fmt, '-o', tmp(`rv.${fmt}`, ''));
    assert.equal(o.code, 0, `${fmt}: ${o.stderr}`);
  }
  const gsg = await cli('refvalues', '--from-gce-endorsement', file, '--gce-root', GCE('testing_devkeys_root.crt'), '--format', 'gsg', '-o', tmp('gsg-dir-marker', '') + '.d');
  assert.equal(gsg.code, 0, gsg.stderr);
  const noRoot = await cli('refvalues', '--from-gce-endorsement', file);
  assert.equal(noRoot.code, 2);
  // The report-verify round trip: a report with an endorsed MEASUREMENT passes the converted values.
  const policy = Buffer.alloc(8);
  policy.writeBigUInt64LE(POLICY);
  const rv = tmp('rv.json', r.stdout);
  const rep = tmp('rv-report.bin', patchedReport({ MEASUREMENT: ref.get(64)!, FAMILY_ID: FAMILY, IMAGE_ID: IMAGE, POLICY: policy }));
  const v = await cli('report', 'verify', rep, '--no-cert', '--refvalues', rv);
  assert.equal(v.code, 0, v.stdout + v.stderr);
});
