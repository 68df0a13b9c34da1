/**
 * Kata / CoCo initdata → HOST_DATA (issue 19 item 2): the digest Kata's own test asserts
 * (shared/vectors/kata/SOURCES.md), the annotation form, and the cut-to-32-bytes rule for SHA-384.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { initdataHostData } from '../../src/endorsements/index.js';
import { needsShared } from '../_shared.js';
import { cliBuilt } from '../cli/_cli.js';
import { cli, KATA, OFF, patchedReport, read, tmp } from './_endorsements.js';

before(() => cliBuilt());

/** The digest kata-containers' src/runtime/pkg/oci/utils_test.go asserts (SOURCES.md). */
const KATA_DIGEST = 'c6694bb7a29d6f37ec72a15582e004b9f3142159682db8509a304407419a49e5';
const TOML = () => KATA('kata-oci-utils_test-initdata.toml');

test("--initdata of Kata's test TOML gives the digest Kata's test asserts; the annotation form too", { skip: needsShared }, async () => {
  const d = await initdataHostData(read(TOML()), 'toml');
  assert.equal(d.algorithm, 'sha256');
  assert.equal(Buffer.from(d.hostData).toString('hex'), KATA_DIGEST);
  const a = await initdataHostData(read(KATA('kata-oci-utils_test-initdata-annotation.b64')), 'annotation');
  assert.equal(Buffer.from(a.hostData).toString('hex'), KATA_DIGEST);
});

test('sha384/sha512 initdata: the digest cut to 32 bytes (pad::<32>)', { skip: needsShared }, async () => {
  const text = Buffer.from(read(TOML())).toString('utf8');
  for (const alg of ['sha384', 'sha512']) {
    const doc = Buffer.from(text.replace('algorithm = "sha256"', `algorithm = "${alg}"`));
    const d = await initdataHostData(doc, alg);
    assert.equal(Buffer.from(d.hostData).toString('hex'), createHash(alg).update(doc).digest().subarray(0, 32).toString('hex'));
  }
  await assert.rejects(initdataHostData(Buffer.from(text.replace('"sha256"', '"md5"')), 'md5'), /algorithm "md5"/);
});

test('report verify --initdata and refvalues --initdata (CLI)', { skip: needsShared }, async () => {
  const rep = tmp('kata-report.bin', patchedReport({ HOST_DATA: Buffer.from(KATA_DIGEST, 'hex') }));
  const ok = await cli('report', 'verify', rep, '--no-cert', '--initdata', TOML());
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /PASS {2}initdata +HOST_DATA = sha256 of initdata/);
  const bad = await cli('report', 'verify', tmp('kata-other.bin', patchedReport({})), '--no-cert', '--initdata', TOML());
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /FAIL {2}initdata/);
  const both = await cli('report', 'verify', rep, '--no-cert', '--initdata', TOML(), '--host-data-of', TOML());
  assert.equal(both.code, 2);

  const m = Buffer.from(patchedReport({}).subarray(OFF.MEASUREMENT, OFF.MEASUREMENT + 48)).toString('hex');
  const rv = await cli('refvalues', '--measurement', m, '--initdata', TOML());
  assert.equal(rv.code, 0, rv.stderr);
  assert.ok(rv.stdout.includes(KATA_DIGEST));
});

test('checkDroppedEndorsement: each dropped vector file is recognised by content and checked (the explorer entry point)', { skip: needsShared }, async () => {
  const { checkDroppedEndorsement, hclChecksOf, parseReport } = await import('../../src/index.js');
  const { ACI, HCL } = await import('./_endorsements.js');
  const aci = parseReport(new Uint8Array(Buffer.from(Buffer.from(read(ACI('snp-report-base64'))).toString('utf8').trim(), 'base64')));
  const drop = async (p: string) => checkDroppedEndorsement(aci, { name: p, bytes: read(p) });
  const uvm = await drop(ACI('reference-info-base64'));
  assert.equal(uvm.kind, 'uvm-endorsement');
  assert.ok(uvm.checks.length >= 6 && uvm.checks.every((c) => c.pass), JSON.stringify(uvm.checks));
  const pol = await drop(ACI('policy_aci.rego'));
  assert.deepEqual([pol.kind, pol.checks.map((c) => c.pass)], ['policy', [true]]);
  const thim = await drop(ACI('host-amd-certs-base64'));
  assert.equal(thim.kind, 'thim-certs');
  assert.ok(Buffer.from(thim.certificates!).toString().includes('BEGIN CERTIFICATE'));
  const init = await drop(TOML());
  assert.deepEqual([init.kind, init.checks.map((c) => c.pass)], ['initdata', [false]]); // the ACI report's HOST_DATA is the policy's
  assert.equal((await drop(KATA('SOURCES.md'))).kind, 'unknown');
  assert.deepEqual(hclChecksOf(read(HCL('trustee/hcl-report.bin'))).map((c) => [c.name, c.pass]), [['hcl.runtime-data', true]]);
});
