// `snp-launch refvalues` and `report verify --refvalues` through the built CLI: the 4,608-cell matrix
// as CoRIM (same bytes twice; a report with one of its MEASUREMENTs passes, one changed byte of
// MEASUREMENT, HOST_DATA or REPORTED_TCB fails with the reason); signed CoRIM with the right and a
// wrong key; the real reports of ../shared/vectors/attestation against reference values built from
// their own fields (read here at the firmware ABI offsets), and each field changed; bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode as cborgDecode } from 'cborg';
import { needsShared, shared, SHARED } from '../_shared.js';
import { assertOneLineError, cliBuilt, pool, runCli } from '../cli/_cli.js';
import { independentDigests } from '../launch-space/_independent.js';

const FIXTURE = () => shared('fixtures', 'sev-snp-measure', 'svsm_ovmf.fd');
const GENOA = () => shared('vectors', 'attestation', 'mstav_genoa_report.bin');
const dir = mkdtempSync(join(tmpdir(), 'snp-refv-cli-'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function writeReport(bytes: Uint8Array, name: string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const MATRIX = ['--platform', 'qemu-kvm,ec2,gce', '--vcpus', '1-512', '--vcpu-type', 'EPYC-v4,EPYC-Milan,EPYC-Genoa'];

test('refvalues --format corim: the 4,608-cell matrix, same bytes twice, decodable; report verify passes a cell and fails one-byte changes', { skip: needsShared, timeout: 300_000 }, async () => {
  cliBuilt();
  const genoa = new Uint8Array(readFileSync(GENOA()));
  const hostData = hex(genoa.subarray(0xc0, 0xe0));
  const tcb = '0x' + Buffer.from(genoa.subarray(0x180, 0x188)).readBigUInt64LE().toString(16);
  const args = ['refvalues', '--ovmf', FIXTURE(), ...MATRIX, '--host-data', hostData, '--min-tcb', tcb, '--format', 'corim'];
  const [a, b] = await Promise.all([runCli([...args, '-o', join(dir, 'a.cbor')], SHARED, 120_000), runCli([...args, '-o', join(dir, 'b.cbor')], SHARED, 120_000)]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const bytes = readFileSync(join(dir, 'a.cbor'));
  assert.ok(bytes.equals(readFileSync(join(dir, 'b.cbor'))), 'same input, same file');
  const tags: ((d: () => unknown) => unknown)[] = [];
  for (const t of [32, 111, 501, 506, 553, 560]) tags[t] = (d) => ({ tag: t, v: d() });
  const top = cborgDecode(new Uint8Array(bytes), { useMaps: true, tags }) as { v: Map<unknown, any> };
  const comid = cborgDecode(top.v.get(1)[0].v, { useMaps: true, tags }) as Map<number, any>;
  assert.equal(comid.get(4).get(0).length, 4608);
  assert.equal(top.v.get('snp-launch-cells').length, 4608);

  // A report whose MEASUREMENT is the qemu-kvm EPYC-Milan 77-vCPU cell (computed by the independent chain).
  const want = (await independentDigests(FIXTURE(), { sig: 0xa00f11 }, 77))[76]!;
  const good = genoa.slice();
  good.set(Buffer.from(want, 'hex'), 0x90);
  const ok = await runCli(['report', 'verify', writeReport(good, 'good.bin'), '--no-cert', '--refvalues', join(dir, 'a.cbor')], SHARED);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /PASS {2}refvalues +matches qemu-kvm, 77 vCPUs, vCPU type EPYC-Milan, SEV_FEATURES 0x1, KVM init2/);
  const changed: [string, number, RegExp][] = [
    ['MEASUREMENT', 0x90 + 47, /FAIL {2}refvalues\.MEASUREMENT +MEASUREMENT [0-9a-f]{96} is none of the 4608 reference measurements/],
    ['HOST_DATA', 0xc0, /FAIL {2}refvalues\.HOST_DATA +HOST_DATA is [0-9a-f]{64}, the reference values pin /],
    ['REPORTED_TCB', 0x180 + 6, /FAIL {2}refvalues\.REPORTED_TCB +REPORTED_TCB .* is below the minimum .*\(snp\)/],
  ];
  await pool(changed, async ([field, off, re]) => {
    const r = good.slice();
    r[off] = field === 'REPORTED_TCB' ? r[off]! - 1 : r[off]! ^ 0x01;
    const res = await runCli(['report', 'verify', writeReport(r, `bad-${field}.bin`), '--no-cert', '--refvalues', join(dir, 'a.cbor')], SHARED);
    assert.equal(res.code, 1, `${field}: ${res.stdout}`);
    assert.match(res.stdout, re, field);
  }, 2);
});

test('refvalues --sign: report verify --refvalues-key passes with the right key, fails with another', { skip: needsShared }, async () => {
  cliBuilt();
  const genoa = new Uint8Array(readFileSync(GENOA()));
  const key = (n: string) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    writeFileSync(join(dir, `${n}.pem`), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(join(dir, `${n}-pub.pem`), publicKey.export({ format: 'pem', type: 'spki' }));
  };
  key('signer');
  key('other');
  const s = await runCli(['refvalues', '--measurement', hex(genoa.subarray(0x90, 0xc0)), '--format', 'corim', '--sign', join(dir, 'signer.pem'), '-o', join(dir, 's.cbor')], SHARED);
  assert.equal(s.code, 0, s.stderr);
  const ok = await runCli(['report', 'verify', GENOA(), '--no-cert', '--refvalues', join(dir, 's.cbor'), '--refvalues-key', join(dir, 'signer-pub.pem')], SHARED);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /signature verified/);
  const bad = await runCli(['report', 'verify', GENOA(), '--no-cert', '--refvalues', join(dir, 's.cbor'), '--refvalues-key', join(dir, 'other-pub.pem')], SHARED);
  assert.equal(bad.code, 1);
  assert.match(assertOneLineError(bad, 'wrong key'), /s\.cbor: signature: does not verify with the given key/);
  const nokey = await runCli(['report', 'verify', GENOA(), '--no-cert', '--refvalues', join(dir, 's.cbor')], SHARED);
  assert.match(assertOneLineError(nokey, 'no key'), /is a signed CoRIM/);
});

// Field → [offset, length] in the report (SEV-SNP firmware ABI, ATTESTATION_REPORT).
const FIELDS: [string, string, number, number][] = [
  ['MEASUREMENT', '--measurement', 0x90, 48],
  ['POLICY', '--policy', 0x08, 8],
  ['HOST_DATA', '--host-data', 0xc0, 32],
  ['ID_KEY_DIGEST', '--id-key-digest', 0xe0, 48],
  ['AUTHOR_KEY_DIGEST', '--author-key-digest', 0x110, 48],
  ['FAMILY_ID', '--family-id', 0x10, 16],
  ['IMAGE_ID', '--image-id', 0x20, 16],
  ['REPORTED_TCB', '--min-tcb', 0x180, 8],
  ['GUEST_SVN', '--guest-svn', 0x04, 4],
];

test('real reports: reference values from their own fields pass; each field changed fails naming it', { skip: needsShared, timeout: 300_000 }, async () => {
  cliBuilt();
  const reports = ['gosevguest_milan_attestation.bin', 'virtee_milan_report.bin', 'trustee_milan_vcek_report.bin', 'trustee_milan_vlek_report.bin', 'mstav_genoa_report.bin'];
  const jobs: { report: string; field?: string }[] = reports.flatMap((r) => [{ report: r }, ...FIELDS.map(([f]) => ({ report: r, field: f }))]);
  const rvFiles = new Map<string, string>();
  for (const name of reports) {
    const r = new Uint8Array(readFileSync(shared('vectors', 'attestation', name)));
    const args = FIELDS.flatMap(([, opt, off, len]) => {
      const b = Buffer.from(r.subarray(off, off + len));
      const v = len === 8 ? '0x' + b.readBigUInt64LE().toString(16) : len === 4 ? String(b.readUInt32LE()) : hex(b);
      return [opt, v];
    });
    const out = join(dir, `${name}.json`);
    const res = await runCli(['refvalues', ...args, '-o', out], SHARED);
    assert.equal(res.code, 0, res.stderr);
    rvFiles.set(name, out);
  }
  await pool(jobs, async ({ report, field }) => {
    const r = new Uint8Array(readFileSync(shared('vectors', 'attestation', report)));
    if (field) {
      const [, , off] = FIELDS.find(([f]) => f === field)!;
      // TCB: lower the SNP SPL (byte 6 in the Milan/Genoa layout) so it is below the minimum; else flip a bit.
      if (field === 'REPORTED_TCB') r[off + 6] = r[off + 6]! === 0 ? 0xff : r[off + 6]! - 1;
      else r[off] = r[off]! ^ 0x01;
    }
    // The real data needs these (report verify's secure defaults): gosevguest allows DEBUG, trustee's run provisional firmware.
    const allow = ['--allow-debug', '--allow-provisional-firmware'];
    const res = await runCli(['report', 'verify', writeReport(r, `${report}-${field ?? 'same'}.bin`), '--no-cert', '--refvalues', rvFiles.get(report)!, ...allow], SHARED);
    if (!field) {
      assert.equal(res.code, 0, `${report}: ${res.stdout}${res.stderr}`);
      assert.match(res.stdout, /PASS {2}refvalues +matches an externally supplied measurement/);
      return;
    }
    // Raising the SPL byte from 0 to 0xff passes a minimum; every other change must fail on its field only.
    if (field === 'REPORTED_TCB' && r[0x180 + 6] === 0xff) return;
    assert.equal(res.code, 1, `${report} ${field}: ${res.stdout}${res.stderr}`);
    const fails = res.stdout.split('\n').filter((l) => l.startsWith('FAIL  '));
    assert.equal(fails.length, 1, `${report} ${field}: ${res.stdout}`);
    assert.match(fails[0]!, new RegExp(`^FAIL {2}refvalues\\.${field} +${field} `));
  }, 2);
});

test('bad input: one line, exit 1 (input) or 2 (usage)', { skip: needsShared }, async () => {
  cliBuilt();
  const good = join(dir, 'small.cbor');
  const g = await runCli(['refvalues', '--measurement', 'ab'.repeat(48), '--format', 'corim', '-o', good], SHARED);
  assert.equal(g.code, 0, g.stderr);
  const bytes = readFileSync(good);
  writeFileSync(join(dir, 'trunc.cbor'), bytes.subarray(0, bytes.length - 5));
  writeFileSync(join(dir, 'half.cbor'), bytes.subarray(0, bytes.length >> 1));
  writeFileSync(join(dir, 'extra.cbor'), Buffer.concat([bytes, Buffer.from([0x00])]));
  writeFileSync(join(dir, 'a101.cbor'), Buffer.from([0xa1, 0x01])); // map of one pair, value missing
  writeFileSync(join(dir, 'foreign.cbor'), Buffer.from(bytes.toString('latin1').replace('tag:amd.com,2025:snp-corim-profile', 'tag:xyz.com,2025:snp-corim-profile'), 'latin1'));
  const cases: [string[], number, RegExp][] = [
    // cbor2's own wording ("Offset is outside the bounds of the DataView", "Extra data in input") stays out.
    [['report', 'verify', GENOA(), '--no-cert', '--refvalues', join(dir, 'trunc.cbor')], 1, /trunc\.cbor: is not valid CoRIM: truncated CBOR \(ends inside an item\)$/],
    [['report', 'verify', GENOA(), '--no-cert', '--refvalues', join(dir, 'half.cbor')], 1, /half\.cbor: is not valid CoRIM: truncated CBOR \(ends inside an item\)$/],
    [['report', 'verify', GENOA(), '--no-cert', '--refvalues', join(dir, 'a101.cbor')], 1, /a101\.cbor: is not valid CoRIM: truncated CBOR \(ends inside an item\)$/],
    [['report', 'verify', GENOA(), '--no-cert', '--refvalues', join(dir, 'extra.cbor')], 1, /extra\.cbor: is not valid CoRIM: trailing bytes after the CBOR item$/],
    [['report', 'verify', GENOA(), '--no-cert', '--refvalues', GENOA()], 1, /mstav_genoa_report\.bin: /],
    [['report', 'verify', GENOA(), '--no-cert', '--refvalues', join(dir, 'foreign.cbor')], 1, /foreign\.cbor: corim\.profile: is 'tag:xyz\.com,2025:snp-corim-profile', not the AMD SEV-SNP profile/],
    [['refvalues', '--ovmf', FIXTURE(), '--vcpus', '1-4096', '--vcpu-sig', Array.from({ length: 30 }, (_, i) => String(i)).join(',')], 2, /the matrix has 122,880 cells, more than the bound of 100,000/],
    [['refvalues', '--ovmf', FIXTURE(), '--vcpus', ''], 2, /--vcpus: empty list/],
    [['refvalues', '--ovmf', FIXTURE()], 2, /required: --vcpus/],
    [['refvalues'], 2, /required: --ovmf, --igvm or --measurement/],
    [['refvalues', '--measurement', 'abcd'], 2, /--measurement: must be 48 bytes/],
    [['refvalues', '--measurement', 'ab'.repeat(48), '--sign', 'k.pem'], 2, /--sign: only with --format corim/],
    [['report', 'verify', GENOA(), '--no-cert', '--refvalues-key', 'k.pem', '--measurement', 'ab'.repeat(48)], 2, /--refvalues-key: needs --refvalues/],
  ];
  await pool(cases, async ([args, code, re]) => {
    const r = await runCli(args, SHARED);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(assertOneLineError(r, args.join(' ')), re);
  }, 2);
});

test('report verify --refvalues: no cell matches → the launch search names the configuration that gives the MEASUREMENT (with the image given)', { skip: needsShared, timeout: 120_000 }, async () => {
  cliBuilt();
  const rv = join(dir, 'rv1-4.json');
  const made = await runCli(['refvalues', '--ovmf', FIXTURE(), '--vcpus', '1-4', '--vcpu-type', 'EPYC-Milan', '-o', rv], SHARED);
  assert.equal(made.code, 0, made.stderr);
  // A report of the same image at 9 vCPUs (digest computed independently), outside the 1-4 matrix.
  const r = new Uint8Array(readFileSync(GENOA()));
  r.set(Buffer.from((await independentDigests(FIXTURE(), { sig: 0xa00f11 }, 9))[8]!, 'hex'), 0x90);
  const report = writeReport(r, 'nine.bin');
  const bare = await runCli(['report', 'verify', report, '--no-cert', '--refvalues', rv], SHARED);
  assert.equal(bare.code, 1);
  assert.match(bare.stdout, /FAIL {2}refvalues\.MEASUREMENT .* none of the 4 reference measurements .*give the image \(--ovmf \.\.\. or --igvm \.\.\.\) to search/);
  const withImage = await runCli(['report', 'verify', report, '--no-cert', '--refvalues', rv, '--ovmf', FIXTURE(), '--vcpus', '4', '--vcpu-type', 'EPYC-Milan'], SHARED);
  assert.equal(withImage.code, 1);
  assert.match(withImage.stdout, /FAIL {2}refvalues\.MEASUREMENT .*the report matches qemu-kvm, 9 vCPUs, EPYC-Milan.* you predicted 4 vCPUs; reproduce: snp-launch measure --mode snp --vcpus 9/);
});
