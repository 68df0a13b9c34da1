/**
 * ACI UVM endorsements (issue 19 item 1) and the ACI policy HOST_DATA rule (item 2), on the real
 * capture in shared/vectors/aci. Expected values come from the vector files themselves (the payload
 * JSON, node:crypto SHA-256 of the policy), never from snp-launch.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { decode } from 'cbor2';
import { parseReport } from '../../src/attestation/index.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { decodeCoseSign1, uvmReportChecks, verifyUvmEndorsement } from '../../src/endorsements/index.js';
import { needsShared } from '../_shared.js';
import { cliBuilt } from '../cli/_cli.js';
import { ACI, aciReport, cli, patchedReport, read, tmp, OFF } from './_endorsements.js';

before(() => cliBuilt());

const refRaw = (): Uint8Array => new Uint8Array(Buffer.from(new TextDecoder().decode(read(ACI('reference-info-base64'))).trim(), 'base64'));
const UVM_CHECKS = ['uvm.signature', 'uvm.chain', 'uvm.issuer', 'uvm.timestamp', 'uvm.feed'];

test('the real ACI UVM endorsement verifies: PS384 signature, chain to the root, did:x509, RFC 3161 timestamp, feed', { skip: needsShared }, async () => {
  const v = await verifyUvmEndorsement(read(ACI('reference-info-base64')), 'reference-info');
  assert.deepEqual(v.checks.map((c) => [c.name, c.pass]), UVM_CHECKS.map((n) => [n, true]), JSON.stringify(v.checks));
  // The payload, read here with cbor2 + JSON.parse, is what the library reports.
  const payload = JSON.parse(Buffer.from((decode(refRaw()) as { contents: Uint8Array[] }).contents[2]!).toString('utf8'));
  assert.equal(Buffer.from(v.endorsement!.measurement).toString('hex'), payload['x-ms-sevsnpvm-launchmeasurement']);
  assert.equal(String(v.endorsement!.guestSvn), payload['x-ms-sevsnpvm-guestsvn']);
});

test('the ACI report matches the endorsement (library: its VCEK is not public, so the report signature cannot be verified)', { skip: needsShared }, async () => {
  const v = await verifyUvmEndorsement(refRaw(), 'reference-info');
  const r = parseReport(aciReport());
  assert.deepEqual(uvmReportChecks(r, v.endorsement!).map((c) => [c.name, c.pass]), [['uvm.measurement', true]]);
  const other = parseReport(patchedReport({ MEASUREMENT: new Uint8Array(48).fill(7) }));
  const c = uvmReportChecks(other, v.endorsement!)[0]!;
  assert.equal(c.pass, false);
  assert.match(c.reason, /the endorsement says 5feee30d/);
  // The endorsed SVN is compared with a verifier's minimum (CCF), not with GUEST_SVN (2 here).
  assert.deepEqual(uvmReportChecks(r, v.endorsement!, 102).map((x) => [x.name, x.pass]), [['uvm.measurement', true], ['uvm.svn', false]]);
  assert.equal(uvmReportChecks(r, v.endorsement!, 101)[1]!.pass, true);
});

test('a one-byte change anywhere in the endorsement fails, naming the check (the unsigned RFC 3161 token included)', { skip: needsShared }, async () => {
  const raw = refRaw();
  // Every byte of the first 256 (CBOR framing, protected header) and of the last 640 (token
  // signature, payload, COSE signature), every 53rd byte in between. A full sweep of all 10,846
  // positions was run once (docs/endorsements.md): none passes.
  const positions: number[] = [];
  for (let i = 0; i < raw.length; i++) if (i < 256 || i >= raw.length - 640 || i % 53 === 0) positions.push(i);
  for (const i of positions) {
    const m = raw.slice();
    m[i] = m[i]! ^ 0x01;
    const v = await verifyUvmEndorsement(m, 'mutated');
    const failed = v.checks.filter((c) => !c.pass);
    assert.ok(failed.length > 0, `byte ${i} changed but every check passed`);
    assert.ok(failed.every((c) => /^uvm\.(format|signature|chain|issuer|feed|timestamp)$/.test(c.name)), failed.map((c) => c.name).join());
  }
});

test('an endorsement that is not one CBOR item is one line in our words, not the CBOR library\'s', { skip: needsShared }, () => {
  const raw = refRaw();
  const msg = (bytes: Uint8Array) => {
    try {
      decodeCoseSign1(bytes, 'e.cose');
    } catch (e) {
      assert.ok(e instanceof SnpLaunchError && e.code === 'BAD_CBOR' && e.kind === 'input', String(e));
      return e.message;
    }
    assert.fail('accepted');
  };
  assert.equal(msg(new Uint8Array([0xa1, 0x01])), 'e.cose: is not valid COSE_Sign1: truncated CBOR (ends inside an item)');
  assert.equal(msg(raw.subarray(0, raw.length >> 1)), 'e.cose: is not valid COSE_Sign1: truncated CBOR (ends inside an item)');
  assert.equal(msg(new Uint8Array([...raw, 0x00])), 'e.cose: is not valid COSE_Sign1: trailing bytes after the CBOR item');
});

test('report verify --refvalues ENDORSEMENT --host-data-of POLICY (CLI, --no-cert: the VCEK is not public)', { skip: needsShared }, async () => {
  const r = await cli('report', 'verify', ACI('snp-report-base64'), '--no-cert', '--refvalues', ACI('reference-info-base64'), '--host-data-of', ACI('policy_aci.rego'), '--json');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const j = JSON.parse(r.stdout);
  const names = j.checks.filter((c: { pass: boolean }) => c.pass).map((c: { name: string }) => c.name);
  for (const n of [...UVM_CHECKS, 'uvm.measurement', 'host-data-of']) assert.ok(names.includes(n), n);
  // HOST_DATA as the test computes it.
  const want = createHash('sha256').update(read(ACI('policy_aci.rego'))).digest();
  assert.deepEqual(Buffer.from(aciReport().subarray(OFF.HOST_DATA, OFF.HOST_DATA + 32)), want);

  const other = await cli('report', 'verify', ACI('snp-report-base64'), '--no-cert', '--host-data-of', ACI('SOURCES.md'));
  assert.equal(other.code, 1);
  assert.match(other.stdout, /FAIL {2}host-data-of/);

  const bad = refRaw();
  bad[bad.length - 10] = bad[bad.length - 10]! ^ 0x40; // inside the signature
  const r2 = await cli('report', 'verify', ACI('snp-report-base64'), '--no-cert', '--refvalues', tmp('bad.cose', bad));
  assert.equal(r2.code, 1);
  assert.match(r2.stdout, /FAIL {2}uvm\.signature/);

  // Cut inside the protected header (x5chain) or after it: still an endorsement, named as cut (not taken for a signed CoRIM).
  for (const n of [2000, 6000]) {
    const cut = await cli('report', 'verify', ACI('snp-report-base64'), '--no-cert', '--refvalues', tmp(`cut${n}.cose`, refRaw().subarray(0, n)));
    assert.equal(cut.code, 1, cut.stderr);
    assert.match(cut.stdout, /FAIL {2}uvm\.format +\S*cut\d+\.cose: is not valid COSE_Sign1: truncated CBOR \(ends inside an item\)/);
  }

  const feed = await cli('report', 'verify', ACI('snp-report-base64'), '--no-cert', '--refvalues', ACI('reference-info-base64'), '--uvm-feed', 'Other-Feed');
  assert.equal(feed.code, 1);
  assert.match(feed.stdout, /FAIL {2}uvm\.feed/);
  const did = await cli('report', 'verify', ACI('snp-report-base64'), '--no-cert', '--refvalues', ACI('reference-info-base64'), '--uvm-did', 'did:x509:0:sha256:I__iuL25oXEVFdTP_aBLx_eT1RPHbCQ_ECBQfYZpt9s::eku:1.3.6.1.4.1.311.10.3.13');
  assert.equal(did.code, 1);
  assert.match(did.stdout, /FAIL {2}uvm\.issuer/);
});

test('--cert accepts the THIM host certificate JSON: chain and tcbm check, the signature is another chip\'s', { skip: needsShared }, async () => {
  const r = await cli('report', 'verify', ACI('snp-report-base64'), '--cert', ACI('host-amd-certs-base64'), '--json');
  assert.equal(r.code, 1);
  const j = JSON.parse(r.stdout);
  const by = new Map(j.checks.map((c: { name: string; pass: boolean }) => [c.name, c.pass]));
  assert.equal(by.get('certificate-chain'), true);
  assert.equal(by.get('thim.tcbm'), true);
  assert.equal(by.get('report-signature'), false); // SOURCES.md: the report's VCEK is not public
});
