/**
 * GHCB certificate tables (auxblob / extended reports, specs/attestation.md §1.7): built here from
 * the shared certificates with the GUIDs of the spec, then read back alone and after a report.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guidFromString } from '../../src/core/bytes.js';
import { loadCertificates, parseCertTable, parseReport } from '../../src/attestation/index.js';
import { guidBytesRfc } from '../../src/attestation/cert-table.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { needsShared, SHARED } from '../_shared.js';
import { assertOneLineError, cliBuilt, runCli } from '../cli/_cli.js';
import { AMD, VEC, read } from './_vectors.js';

/** Table: entries {GUID, offset, length} + zero entry, then the data (offsets from the table start). */
function table(items: [string, Uint8Array][], efiOrder = false): Uint8Array {
  const head = (items.length + 1) * 24;
  const total = head + items.reduce((n, [, d]) => n + d.length, 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let off = head;
  items.forEach(([guid, d], i) => {
    out.set(efiOrder ? guidFromString(guid) : guidBytesRfc(guid), i * 24);
    dv.setUint32(i * 24 + 16, off, true);
    dv.setUint32(i * 24 + 20, d.length, true);
    out.set(d, off);
    off += d.length;
  });
  return out;
}

const VCEK_GUID = '63da758d-e664-4564-adc5-f4b93be8accd';
const ASK_GUID = '4ab7b379-bbac-4fe4-a02f-05aef327c782';
const ARK_GUID = 'c0b406a4-a803-4952-9743-3fb6014cd0ae';

function milanTable(efi = false): Uint8Array {
  const [ask, ark] = loadCertificates(read(AMD('milan_ask_ark.pem')));
  return table([[VCEK_GUID, read(VEC('virtee_milan_vcek.der'))], [ASK_GUID, ask!.der], [ARK_GUID, ark!.der], ['ecae0c0f-9502-43b1-afa2-0ae2e0d565b6', Uint8Array.of(8, 0, 0, 0, 0x10, 0x0f, 0xa0, 0)]], efi);
}

test('certificate tables parse in RFC 4122 and EFI GUID order; unknown GUIDs are kept, not loaded', { skip: needsShared }, () => {
  for (const efi of [false, true]) {
    const t = milanTable(efi);
    const entries = parseCertTable(t);
    assert.deepEqual(entries.map((e) => e.kind), ['VCEK', 'ASK', 'ARK', undefined]);
    // An unknown GUID is reported in RFC 4122 order (as written, when the table uses that order).
    if (!efi) assert.equal(entries[3]!.guid, 'ecae0c0f-9502-43b1-afa2-0ae2e0d565b6');
    assert.equal(entries[3]!.data.length, 8);
    assert.deepEqual(loadCertificates(t, 'aux.bin').map((c) => c.subjectCN), ['SEV-VCEK', 'SEV-Milan', 'ARK-Milan']);
  }
  const bad = milanTable();
  new DataView(bad.buffer).setUint32(20, 1 << 20, true);
  assert.throws(() => loadCertificates(bad, 'bad.bin'), (e: unknown) => e instanceof SnpLaunchError && /bad\.bin: offset 0x0: entry 0 \(63da758d/.test(e.message));
  assert.throws(() => parseCertTable(milanTable().subarray(0, 20)), /no terminating all-zero entry/);
});

test('an extended report (report + table) parses with a warning that names the table', { skip: needsShared }, () => {
  const ext = Uint8Array.of(...read(VEC('virtee_milan_report.bin')), ...milanTable());
  const r = parseReport(ext);
  assert.match(r.warnings[0]!, /a GHCB certificate table: pass this file to --cert/);
  assert.deepEqual(loadCertificates(ext).map((c) => c.subjectCN), ['SEV-VCEK', 'SEV-Milan', 'ARK-Milan']);
});

let dir = '';
before(() => {
  cliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'snp-launch-table-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
});

test('report verify takes its certificates from an auxblob or from the extended report itself', { skip: needsShared }, async () => {
  const aux = join(dir, 'auxblob.bin');
  writeFileSync(aux, milanTable());
  const ext = join(dir, 'extended.bin');
  writeFileSync(ext, Uint8Array.of(...read(VEC('virtee_milan_report.bin')), ...milanTable()));
  for (const [report, cert] of [[VEC('virtee_milan_report.bin'), aux], [ext, ext]]) {
    const r = await runCli(['report', 'verify', report!, '--cert', cert!, '--at', '2026-06-01'], SHARED);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /PASS {2}certificate-chain/);
  }
  const other = await runCli(['report', 'verify', VEC('gosevguest_milan_attestation.bin'), '--cert', aux, '--at', '2026-06-01'], SHARED);
  assert.equal(other.code, 1);
  assert.match(other.stdout, /FAIL {2}report-signature/);
  const empty = join(dir, 'empty-table.bin');
  writeFileSync(empty, table([[VCEK_GUID, new Uint8Array(0)]]));
  const e = await runCli(['report', 'verify', VEC('virtee_milan_report.bin'), '--cert', empty], SHARED);
  assert.equal(e.code, 1);
  assert.match(assertOneLineError(e, 'empty table'), /empty-table\.bin: the certificate table holds no certificate/);
});
