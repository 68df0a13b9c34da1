/**
 * `snp-launch report show|verify` through the built CLI: exit statuses, one-line errors, and the
 * end-to-end check of a report against a measurement predicted from an image (the expected digest
 * comes from sev-snp-measure's reference.tsv, not from our own code).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex, toHex } from '../../src/core/bytes.js';
import { toPem } from '../../src/attestation/index.js';
import { needsShared, shared, SHARED } from '../_shared.js';
import { assertOneLineError, cliBuilt, runCli, shellWords } from '../cli/_cli.js';
import { AMD, VEC, read } from './_vectors.js';

let dir = '';
before(() => {
  cliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'snp-launch-report-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
});
const tmp = (name: string, data: Uint8Array | string): string => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};
const cli = (...args: string[]) => runCli(['report', ...args], SHARED);

test('report show --json: every field decoded, values as in the vectors README', { skip: needsShared }, async () => {
  const r = await cli('show', VEC('trustee_milan_vlek_report.bin'), '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.version, 3);
  assert.equal(j.vmpl, 1);
  assert.equal(j.signer_info.signing_key, 'VLEK');
  assert.deepEqual([j.current_tcb.ucode, j.committed_tcb.ucode, j.reported_tcb.ucode], [220, 219, 217]);
  assert.equal(j.current_version, '1.55.29');
  assert.equal(j.product.line, 'Milan');
  assert.equal(j.chip_id_masked, true);
  assert.deepEqual(j.platform_info.flags, ['SMT_EN', 'TSME_EN', 'ECC_EN', 'ALIAS_CHECK_COMPLETE']);
  assert.equal(j.measurement, '8922ebbdd00ec2c541f36a6e7a82a8773a7accb451ed67bc94e740dbe92c93c4e8c9af857f5ceeb5a493df2a570d7bf0');
  const withCert = JSON.parse((await cli('show', VEC('virtee_milan_report.bin'), '--cert', VEC('virtee_milan_vcek.der'), '--json')).stdout);
  assert.deepEqual(withCert.product, { line: 'Milan', name: 'Milan', source: 'certificate' });
  const text = await cli('show', VEC('gosevguest_milan_attestation.bin'), '--product', 'milan');
  assert.equal(text.code, 0);
  assert.match(text.stdout, /POLICY\s+0xb0000 .*DEBUG/);
  assert.match(text.stdout, /KDS VCEK URL\s+https:\/\/kdsintf\.amd\.com\/vcek\/v1\/Milan\/3ac3fe21.*ucodeSPL=68/);
});

test('report verify: each shared report passes with its certificate, fails with another', { skip: needsShared }, async () => {
  const ok = await cli('verify', VEC('mstav_genoa_report.bin'), '--cert', VEC('mstav_genoa_vcek.pem'), '--at', '2026-06-01');
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /PASS {2}report-signature/);
  assert.match(ok.stdout, /OK: all 15 checks passed; MEASUREMENT was not checked/);
  // The trustee VLEK report runs provisional firmware (current ucode 220, committed 219).
  const vlek = await cli('verify', VEC('trustee_milan_vlek_report.bin'), '--cert', VEC('trustee_milan_vlek.der'), '--at', '2025-06-01T00:00:00Z', '--chain', AMD('milan_asvk_ark.pem'), '--allow-provisional-firmware', '--json');
  assert.equal(vlek.code, 0, vlek.stdout);
  assert.equal(JSON.parse(vlek.stdout).ok, true);
  const expired = await cli('verify', VEC('trustee_milan_vlek_report.bin'), '--cert', VEC('trustee_milan_vlek.der'), '--at', '2026-06-01');
  assert.equal(expired.code, 1);
  assert.match(expired.stdout, /FAIL {2}certificate-validity\s+SEV-VLEK expired 2025-12-10.*; to verify as of a time inside the validity \(2024-12-10 \.\. 2025-12-10\), pass e\.g\. --at 2025-06-1\d/);
  const wrong = await cli('verify', VEC('mstav_genoa_report.bin'), '--cert', VEC('virtee_milan_vcek.der'), '--at', '2026-06-01');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stdout, /FAIL {2}product\s+certificate is for Milan \(Milan-B0\) but/);
  assert.match(wrong.stdout, /FAIL {2}report-signature/);
});

test('report verify: policy checks by name, each with PASS/FAIL', { skip: needsShared }, async () => {
  const r = await cli(
    'verify', VEC('gosevguest_milan_attestation.bin'), '--cert', VEC('gosevguest_milan_vcek.der'), '--at', '2026-06-01',
    '--report-data', '0102030405', '--host-data', '00', '--min-tcb', 'bl=2,tee=0,snp=5,ucode=68', '--min-firmware', '1.49.3', '--vmpl', '0', '--deny-debug',
  );
  assert.equal(r.code, 1);
  for (const name of ['report-data', 'host-data', 'min-tcb', 'min-firmware', 'vmpl']) assert.match(r.stdout, new RegExp(`PASS  ${name}\\s`), name);
  assert.match(r.stdout, /FAIL {2}policy\.debug\s+the guest policy \(0xb0000\) allows DEBUG; --allow-debug accepts it/);
  assert.match(r.stdout, /FAILED: 1 of 20 checks failed/);
  // --deny-debug is the default now: a no-op with a note.
  assert.match(r.stdout, /note: --deny-debug is the default now and has no effect/);
  const allowed = await cli('verify', VEC('gosevguest_milan_attestation.bin'), '--cert', VEC('gosevguest_milan_vcek.der'), '--at', '2026-06-01', '--allow-debug');
  assert.equal(allowed.code, 0, allowed.stdout);
  assert.match(allowed.stdout, /PASS {2}policy\.debug\s+the guest policy \(0xb0000\) allows DEBUG: accepted/);
  const conflict = await cli('verify', VEC('gosevguest_milan_attestation.bin'), '--cert', VEC('gosevguest_milan_vcek.der'), '--deny-debug', '--allow-debug');
  assert.equal(conflict.code, 2);
  assert.match(assertOneLineError(conflict, 'conflict'), /--deny-debug: not allowed with argument --allow-debug/);
});

test('--id-key-digest and --measurement accept several digests after one flag', { skip: needsShared }, async () => {
  const idk = '0ad79ceb0b648b0e6a90d8aa9f6ea24c33a968b6632085353145e8b19a4741a2dab9ba342e13be4fc0d225e889cc1a58';
  const other = 'ab'.repeat(48);
  const otherB64 = Buffer.alloc(48, 7).toString('base64');
  const r = await cli('verify', VEC('mstav_genoa_report.bin'), '--cert', VEC('mstav_genoa_vcek.pem'), '--at', '2026-06-01', '--id-key-digest', other, otherB64, idk, '--json');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const c = JSON.parse(r.stdout).checks.find((x: { name: string }) => x.name === 'id-key-digest');
  assert.equal(c.pass, true);
  const bad = await cli('verify', VEC('mstav_genoa_report.bin'), '--cert', VEC('mstav_genoa_vcek.pem'), '--at', '2026-06-01', '--id-key-digest', other, otherB64);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /FAIL {2}id-key-digest\s+ID_KEY_DIGEST 0ad79ceb.* is not in the 2-entry allow-list/);
});

test('usage errors exit 2 with one line', { skip: needsShared }, async () => {
  const rep = VEC('virtee_milan_report.bin');
  for (const args of [
    ['verify', rep],
    ['verify', rep, '--no-cert'],
    ['verify', rep, '--cert', VEC('virtee_milan_vcek.der'), '--no-cert'],
    ['verify', rep, '--cert', VEC('virtee_milan_vcek.der'), '--min-tcb', 'bl=1,xx=2'],
    ['verify', rep, '--cert', VEC('virtee_milan_vcek.der'), '--measurement', 'abcd'],
    ['verify', rep, '--cert', VEC('virtee_milan_vcek.der'), '--at', 'tomorrow'],
    ['verify', rep, '--cert', VEC('virtee_milan_vcek.der'), '--product', 'Naples'],
    ['verify', rep, '--no-cert', '--measurement', '00'.repeat(48), '--ovmf', 'x.fd', '--vcpus', '1'],
    ['frobnicate', rep],
    ['show'],
  ]) {
    const r = await cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assertOneLineError(r, args.join(' '));
  }
});

test('truncated, oversized and garbage reports and certificates: one line, exit 1', { skip: needsShared }, async () => {
  const rep = read(VEC('virtee_milan_report.bin'));
  const cert = VEC('virtee_milan_vcek.der');
  const cases: [string[], RegExp][] = [
    [['show', tmp('short.bin', rep.subarray(0, 1000))], /short\.bin: offset 0x3e8: is 1000 bytes; an attestation report is 1184/],
    [['show', tmp('garbage.bin', new Uint8Array(1184).fill(0xa5))], /garbage\.bin: offset 0x0: VERSION: version \d+ is not an SEV-SNP/],
    [['show', tmp('huge.bin', new Uint8Array(64 * 1024 + 1))], /huge\.bin: is 65537 bytes, more than the 65536 accepted here/],
    [['verify', VEC('virtee_milan_report.bin'), '--cert', tmp('huge.der', new Uint8Array(64 * 1024 + 1))], /huge\.der: is 65537 bytes, more than/],
    [['show', join(dir, 'missing.bin')], /missing\.bin: no such file/],
    [['verify', VEC('virtee_milan_report.bin'), '--cert', tmp('short.der', read(cert).subarray(0, 500))], /short\.der: offset 0x0: DER value of \d+ bytes runs past the end/],
    [['verify', VEC('virtee_milan_report.bin'), '--cert', tmp('garbage.der', 'not a certificate at all')], /garbage\.der: neither a DER certificate nor PEM/],
    [['verify', VEC('virtee_milan_report.bin'), '--cert', shared('fixtures', 'sev-snp-measure', 'id_key_test.pem')], /id_key_test\.pem: holds a PEM 'EC PRIVATE KEY' block/],
    [['verify', VEC('virtee_milan_report.bin'), '--cert', AMD('milan_ark.pem')], /milan_ark\.pem: holds no VCEK or VLEK, only CA certificate\(s\) 'ARK-Milan'/],
  ];
  // A VCEK whose key is on the wrong curve (secp384r1 OID 1.3.132.0.34 patched to .35).
  const der = read(cert).slice();
  const at = Buffer.from(der).indexOf(Buffer.from([0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]));
  der[at + 6] = 0x23;
  cases.push([['verify', VEC('virtee_milan_report.bin'), '--cert', tmp('wrong-key.pem', toPem(der))], /wrong-key\.pem: subjectPublicKey: has a EC \S+ key; a VCEK must have an ECDSA P-384 key/]);
  for (const [args, re] of cases) {
    const r = await cli(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(assertOneLineError(r, args.join(' ')), re);
  }
  // A bundle (VCEK + ASK + ARK) is accepted as --cert: the CA certificates join the chain.
  const bundle = tmp('bundle.pem', toPem(read(cert)) + readFileSync(AMD('milan_ask_ark.pem'), 'utf8'));
  const b = await cli('verify', VEC('virtee_milan_report.bin'), '--cert', bundle, '--at', '2026-06-01');
  assert.equal(b.code, 0, b.stdout + b.stderr);
  const wrongBundle = tmp('bundle-genoa.pem', toPem(read(cert)) + readFileSync(AMD('genoa_ask_ark.pem'), 'utf8'));
  const wb = await cli('verify', VEC('virtee_milan_report.bin'), '--cert', wrongBundle, '--at', '2026-06-01');
  assert.equal(wb.code, 1);
  assert.match(wb.stdout, /FAIL {2}certificate-chain\s+.*not AMD's ARK-Milan/);
  // A report with trailing bytes still verifies (warning printed).
  const longer = tmp('trailing.bin', Uint8Array.of(...rep, 0, 0, 0, 0));
  const t = await cli('verify', longer, '--cert', cert, '--at', '2026-06-01');
  assert.equal(t.code, 0, t.stdout);
  assert.match(t.stdout, /warning: 4 trailing byte\(s\) after the 1184-byte report \(all zero\) are ignored/);
  const strict = await cli('show', longer, '--strict');
  assert.equal(strict.code, 1);
  assert.match(assertOneLineError(strict, 'strict'), /trailing\.bin: offset 0x4a0: 4 trailing byte\(s\) after the 1184-byte report \(all zero\)$/);
});

/** The first reference.tsv row measuring an OVMF image in mode snp with plain arguments. */
function referenceRow(): { args: string[]; digest: string } {
  const rows = readFileSync(shared('vectors', 'sev-snp-measure', 'reference.tsv'), 'utf8').split('\n').slice(1);
  for (const row of rows) {
    const [args, expected, rc] = row.split('\t');
    if (rc === '0' && /^--mode snp /.test(args!) && /--ovmf /.test(args!) && !args!.includes('snp-ovmf-hash') && expected!.length === 96) {
      return { args: shellWords(args!), digest: expected! };
    }
  }
  throw new Error('no suitable reference.tsv row');
}

test('report verify with the measurement predicted from an image (end to end)', { skip: needsShared }, async () => {
  const { args, digest } = referenceRow();
  // A report-shaped fixture: a real report's bytes with MEASUREMENT (0x090, 48 bytes) replaced.
  const bytes = read(VEC('virtee_milan_report.bin')).slice();
  bytes.set(fromHex(digest)!, 0x90);
  const good = tmp('predicted-ok.bin', bytes);
  const ok = await cli('verify', good, '--no-cert', ...args);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, new RegExp(`PASS {2}measurement\\s+MEASUREMENT = ${digest} \\(predicted from`));
  assert.match(ok.stdout, /signature not verified/);
  // JSON form reports the prediction.
  const j = JSON.parse((await cli('verify', good, '--no-cert', '--json', ...args)).stdout);
  assert.equal(j.predicted_measurement.digest, digest);
  assert.equal(j.signature_verified, false);
  // One bit flipped: the check fails and prints both digests.
  bytes[0x90 + 47] = bytes[0x90 + 47]! ^ 0x01;
  const flipped = toHex(bytes.subarray(0x90, 0xc0));
  const bad = await cli('verify', tmp('predicted-bad.bin', bytes), '--no-cert', ...args);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, new RegExp(`FAIL {2}measurement\\s+MEASUREMENT is ${flipped}, expected ${digest}`));
  // With the certificate, the measurement check is still reported on its own; the signature fails.
  const withCert = await cli('verify', good, '--cert', VEC('virtee_milan_vcek.der'), '--at', '2026-06-01', ...args);
  assert.equal(withCert.code, 1);
  assert.match(withCert.stdout, /PASS {2}measurement/);
  assert.match(withCert.stdout, /FAIL {2}report-signature/);
});
