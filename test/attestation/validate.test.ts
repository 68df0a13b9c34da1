/**
 * Policy checks (validate.ts) on the shared real reports, with expected values taken from the
 * vectors README, and the text parsers for CLI values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex } from '../../src/core/bytes.js';
import { parseReport, validateReport, parseBytesText, parseTcbText, parseFirmwareText, parseTimeText, type Check } from '../../src/attestation/index.js';
import { needsShared } from '../_shared.js';
import { VEC, read } from './_vectors.js';

const by = (checks: Check[], name: string) => checks.find((c) => c.name === name)!;
const h = (s: string) => fromHex(s)!;

test('measurement, report data, host data, ID key digest (Genoa report with an ID block)', { skip: needsShared }, () => {
  const r = parseReport(read(VEC('mstav_genoa_report.bin')));
  const m = '5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f98189887920ab2fa0096903a0c23fca1';
  const idk = '0ad79ceb0b648b0e6a90d8aa9f6ea24c33a968b6632085353145e8b19a4741a2dab9ba342e13be4fc0d225e889cc1a58';
  const ok = validateReport(r, {
    measurements: [new Uint8Array(48), h(m)],
    hostData: h('4f4448c67f3c8dfc8de8a5e37125d807dadcc41f06cf23f615dbd52eec777d10'),
    reportData: new Uint8Array(0),
    idKeyDigests: [h(idk)],
    familyId: h('01'),
    imageId: h('02'),
    minGuestSvn: 2,
    vmpl: 0,
  });
  assert.deepEqual(ok.filter((c) => !c.pass), []);
  // 6 default checks (format, 4 policy bits, provisional firmware) + 8 requested.
  assert.equal(ok.length, 14);
  const flipped = h(m);
  flipped[0] = flipped[0]! ^ 1;
  const bad = validateReport(r, { measurements: [flipped], idKeyDigests: [new Uint8Array(48).fill(1)], minGuestSvn: 3, vmpl: 1, hostData: new Uint8Array(32) }).slice(6);
  assert.equal(bad.length, 5);
  assert.ok(bad.every((c) => !c.pass));
  assert.ok(by(bad, 'measurement').reason.includes(m) && by(bad, 'measurement').reason.includes('expected 5eee'), by(bad, 'measurement').reason);
  assert.match(by(validateReport(r, { authorKeyDigests: [new Uint8Array(48)] }), 'author-key-digest').reason, /AUTHOR_KEY_EN is 0/);
});

test('ID key allow-list fails when the report has no ID block', { skip: needsShared }, () => {
  const r = parseReport(read(VEC('virtee_milan_report.bin')));
  assert.match(by(validateReport(r, { idKeyDigests: [new Uint8Array(48)] }), 'id-key-digest').reason, /zero \(launched without an ID block\)/);
});

test('guest policy constraints (go-sev-guest report: policy 0xb0000, DEBUG set)', { skip: needsShared }, () => {
  const r = parseReport(read(VEC('gosevguest_milan_attestation.bin')));
  const c = validateReport(r, { policy: { allowDebug: false, allowSmt: false, allowMigrateMa: false, allowCxl: false, requireSingleSocket: true, minAbi: { major: 0, minor: 0 } } });
  assert.deepEqual(
    c.filter((x) => x.name.startsWith('policy.')).map((x) => [x.name, x.pass]),
    [['policy.debug', false], ['policy.migrate-ma', true], ['policy.smt', false], ['policy.cxl', true], ['policy.single-socket', false], ['policy.min-abi', true]],
  );
  // Defaults (go-sev-guest's zero value for DEBUG / MIGRATE_MA; SMT and CXL accepted but named).
  const d = validateReport(r, {});
  assert.equal(by(d, 'policy.debug').pass, false);
  assert.match(by(d, 'policy.debug').reason, /allows DEBUG/);
  assert.equal(by(d, 'policy.smt').pass, true);
  assert.match(by(d, 'policy.smt').reason, /allows SMT: accepted \(by default\)/);
  assert.equal(by(validateReport(r, { policy: { allowDebug: true } }), 'policy.debug').pass, true);
  const az = parseReport(read(VEC('trustee_milan_vcek_report.bin'))); // policy 0x3001f = ABI 0.31
  assert.equal(by(validateReport(az, { policy: { minAbi: { major: 0, minor: 31 } } }), 'policy.min-abi').pass, true);
  assert.equal(by(validateReport(az, { policy: { minAbi: { major: 0, minor: 32 } } }), 'policy.min-abi').pass, false);
  assert.equal(by(validateReport(az, { policy: { minAbi: { major: 1, minor: 0 } } }), 'policy.min-abi').pass, false);
});

test('minimum TCB per component over current, committed and reported; launch TCB; firmware', { skip: needsShared }, () => {
  // trustee VLEK report: current ucode 220, committed 219, reported 217; fw 1.55.29.
  const r = parseReport(read(VEC('trustee_milan_vlek_report.bin')));
  assert.equal(validateReport(r, { minTcb: { bl: 4, tee: 0, snp: 24, ucode: 217 } }).at(-1)!.pass, true);
  const c = validateReport(r, { minTcb: { ucode: 218 } }).at(-1)!;
  assert.equal(c.pass, false);
  assert.match(c.reason, /REPORTED_TCB .* below ucode=218 in ucode/);
  assert.doesNotMatch(c.reason, /CURRENT_TCB/);
  assert.equal(validateReport(r, { minTcb: { snp: 25 } }).at(-1)!.pass, false);
  assert.match(validateReport(r, { minTcb: { fmc: 1 } }).at(-1)!.reason, /Milan\/Genoa TCB layout/);
  assert.equal(validateReport(r, { minLaunchTcb: { ucode: 219 } }).at(-1)!.pass, true);
  assert.equal(validateReport(r, { minLaunchTcb: { ucode: 220 } }).at(-1)!.pass, false);
  assert.equal(validateReport(r, { minFirmware: { major: 1, minor: 55, build: 29 } }).at(-1)!.pass, true);
  assert.equal(validateReport(r, { minFirmware: { major: 1, minor: 55, build: 30 } }).at(-1)!.pass, false);
  assert.equal(validateReport(r, { minFirmware: { major: 1, minor: 51 } }).at(-1)!.pass, true);
  // Nothing requested: only the six defaults run (this report runs provisional firmware: 220 > 219).
  assert.deepEqual(validateReport(r, {}).map((c) => [c.name, c.pass]), [['report-format', true], ['policy.debug', true], ['policy.migrate-ma', true], ['policy.smt', true], ['policy.cxl', true], ['provisional-firmware', false]]);
  assert.equal(validateReport(r, { allowProvisionalFirmware: true }).at(-1)!.pass, true);
});

test('text parsers for CLI values', () => {
  assert.deepEqual(parseTcbText('bl=3, tee=0,snp=8,ucode=0x73,fmc=1').value, { bl: 3, tee: 0, snp: 8, ucode: 115, fmc: 1 });
  assert.match(parseTcbText('bl=3,foo=1').error!, /unknown TCB component 'foo'/);
  assert.match(parseTcbText('ucode=256').error!, /out of range/);
  assert.match(parseTcbText('bl=1,bl=2').error!, /twice/);
  assert.deepEqual(parseFirmwareText('1.55.29').value, { major: 1, minor: 55, build: 29 });
  assert.ok(parseFirmwareText('1.x').error);
  assert.equal(parseTimeText('2025-06-01').value!.toISOString(), '2025-06-01T00:00:00.000Z');
  assert.equal(parseTimeText('2025-06-01T12:30:00').value!.toISOString(), '2025-06-01T12:30:00.000Z');
  assert.equal(parseTimeText('2025-06-01T12:30:00+02:00').value!.toISOString(), '2025-06-01T10:30:00.000Z');
  assert.ok(parseTimeText('yesterday').error);
  assert.ok(parseTimeText('2025-13-45').error);
  const d = new Uint8Array(48).fill(0xab);
  assert.deepEqual(parseBytesText('0x' + 'ab'.repeat(48), { exact: 48 }).value, d);
  assert.deepEqual(parseBytesText(Buffer.from(d).toString('base64'), { exact: 48 }).value, d);
  assert.match(parseBytesText('abcd', { exact: 48 }).error!, /is 2 bytes; expected 48 bytes/);
  assert.match(parseBytesText('zz!', { max: 64 }).error!, /not hex or base64/);
  assert.equal(parseBytesText('0102', { max: 64 }).value!.length, 2);
});
