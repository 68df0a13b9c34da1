/**
 * Report parsing: every shared real report against the values published in its README, then
 * synthetic variants (Turin v5 layout, v4, v6+, trailing bytes, MSG_REPORT_RSP, hex text, bad input).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { decodeReportInput, parseReport, decodeTcb, encodeTcb, decodePolicy, decodePlatformInfo, decodeSignerInfo, withProduct, reportToJson } from '../../src/attestation/index.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { toHex } from '../../src/core/bytes.js';
import { needsShared } from '../_shared.js';
import { VEC, expectedReports, read, turinV5Report } from './_vectors.js';

const leInt = (b: Uint8Array): bigint => BigInt('0x' + (toHex(Uint8Array.from(b).reverse()) || '0'));

for (const e of expectedReports()) {
  test(`parses ${e.file} to exactly the README values`, () => {
    const bytes = read(VEC(e.file));
    const kv = (k: string) => {
      const v = e.kv.get(k);
      assert.ok(v !== undefined, `README has ${k}`);
      return v;
    };
    assert.equal(bytes.length, Number(kv('file_len')));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), kv('sha256'));
    const r = parseReport(bytes, { name: e.file });
    assert.equal(r.version, Number(kv('version')));
    assert.equal(r.guestSvn, Number(kv('guest_svn')));
    assert.equal(r.policy.raw, BigInt(kv('policy')));
    assert.equal(r.vmpl, Number(kv('vmpl')));
    assert.equal(r.signatureAlgo, Number(kv('sig_algo')));
    assert.equal(toHex(r.familyId), kv('family_id'));
    assert.equal(toHex(r.imageId), kv('image_id'));
    assert.equal(r.platformInfo.raw, BigInt(kv('platform_info')));
    assert.equal(r.signerInfo.raw, Number(kv('signer_info')));
    assert.equal(r.signerInfo.signingKeyValue, Number(kv('signing_key')));
    assert.equal(+r.signerInfo.maskChipKey, Number(kv('mask_chip_key')));
    assert.equal(+r.signerInfo.authorKeyEn, Number(kv('author_key_en')));
    const cpu = kv('fam/model/step');
    assert.equal(r.cpuid ? `${r.cpuid.family}/${r.cpuid.model}/${r.cpuid.stepping}` : 'None/None/None', cpu);
    for (const [name, field] of [['current', r.currentTcb], ['reported', r.reportedTcb], ['committed', r.committedTcb], ['launch', r.launchTcb]] as const) {
      const t = e.tcb.get(name)!;
      assert.deepEqual({ bl: field.bl, tee: field.tee, snp: field.snp, ucode: field.ucode, raw: field.raw }, t, `${name}_tcb`);
      assert.equal(field.fmc, undefined);
    }
    assert.equal(`${r.currentVersion.major}.${r.currentVersion.minor}.${r.currentVersion.build}`, kv('current_version'));
    assert.equal(`${r.committedVersion.major}.${r.committedVersion.minor}.${r.committedVersion.build}`, kv('committed_version'));
    assert.equal(r.launchMitVector ?? 0n, BigInt(kv('launch_mit_vector')));
    assert.equal(r.currentMitVector ?? 0n, BigInt(kv('current_mit_vector')));
    for (const [k, v] of [['report_data', r.reportData], ['measurement', r.measurement], ['host_data', r.hostData], ['id_key_digest', r.idKeyDigest], ['author_key_digest', r.authorKeyDigest], ['report_id', r.reportId], ['report_id_ma', r.reportIdMa], ['chip_id', r.chipId]] as const) {
      assert.equal(toHex(v), kv(k), k);
    }
    assert.equal(leInt(r.signature.r), BigInt(kv('sig_r')));
    assert.equal(leInt(r.signature.s), BigInt(kv('sig_s')));
    assert.deepEqual(r.warnings, [], 'a real report parses without warnings');
    assert.equal(r.container.trailingBytes, 0);
    // JSON output is serialisable and carries the same values.
    const j = JSON.parse(JSON.stringify(reportToJson(r)));
    assert.equal(j.measurement, kv('measurement'));
    assert.equal(j.policy.raw, kv('policy'));
  });
}

test('product from CPUID for v3 reports; none for v2', { skip: needsShared }, () => {
  assert.equal(parseReport(read(VEC('mstav_genoa_report.bin'))).product?.line, 'Genoa');
  assert.equal(parseReport(read(VEC('trustee_milan_vlek_report.bin'))).product?.line, 'Milan');
  const v2 = parseReport(read(VEC('virtee_milan_report.bin')));
  assert.equal(v2.product, undefined);
  assert.equal(parseReport(read(VEC('virtee_milan_report.bin')), { product: 'Milan' }).product?.source, 'user');
});


test('Turin v5: FMC TCB layout, mitigation vectors, PLATFORM_INFO bit 6 named', () => {
  const r = parseReport(turinV5Report());
  assert.equal(r.product?.line, 'Turin');
  assert.equal(r.tcbLayout, 'turin');
  // Spec §1.3: 0x5100000004010101 = fmc 1, bl 1, tee 1, snp 4, ucode 81.
  assert.deepEqual([r.reportedTcb.fmc, r.reportedTcb.bl, r.reportedTcb.tee, r.reportedTcb.snp, r.reportedTcb.ucode], [1, 1, 1, 4, 81]);
  assert.equal(r.launchMitVector, 0x3fn);
  assert.equal(r.currentMitVector, 0x3fn);
  // 0x65 = bits 0, 2, 5, 6.
  assert.deepEqual(r.platformInfo.flags, ['SMT_EN', 'ECC_EN', 'ALIAS_CHECK_COMPLETE', 'IOMMU_WRITE_SAFE']);
  assert.equal(r.platformInfo.iommuWriteSafe, true);
  assert.equal(r.platformInfo.aliasCheckComplete, true);
  assert.deepEqual(r.warnings, []);
});

test('TCB layouts: spec examples and round trip', () => {
  const m = decodeTcb(0xdb18000000000004n, 'milan');
  assert.deepEqual([m.bl, m.tee, m.snp, m.ucode, m.fmc], [4, 0, 24, 219, undefined]);
  assert.equal(encodeTcb(m, 'milan'), 0xdb18000000000004n);
  const t = decodeTcb(0x5100000004010101n, 'turin');
  assert.equal(encodeTcb(t, 'turin'), 0x5100000004010101n);
});

test('v2 Turin guessed from an 8-byte CHIP_ID; withProduct re-decodes TCBs', () => {
  const b = turinV5Report();
  new DataView(b.buffer).setUint32(0, 2, true);
  b.fill(0, 0x188, 0x18b);
  b.fill(0, 0x1f8, 0x208);
  const r = parseReport(b);
  assert.equal(r.product?.source, 'chip-id-heuristic');
  assert.equal(r.reportedTcb.fmc, 1);
  const b2 = b.slice();
  b2.fill(0, 0x1a0, 0x1e0);
  const r2 = parseReport(b2);
  assert.equal(r2.product, undefined);
  assert.equal(r2.reportedTcb.ucode, 81);
  assert.equal(r2.reportedTcb.bl, 1); // Milan layout reading of byte 0
  const fixed = withProduct(r2, 'Turin', 'certificate');
  assert.deepEqual([fixed.reportedTcb.fmc, fixed.reportedTcb.bl, fixed.reportedTcb.snp], [1, 1, 4]);
});

test('v4 has the v3 layout; v6 is read with the v5 layout and a warning', () => {
  const b = turinV5Report();
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 4, true);
  b.fill(0, 0x1f8, 0x208);
  const r4 = parseReport(b);
  assert.equal(r4.cpuid?.family, 0x1a);
  assert.equal(r4.launchMitVector, undefined);
  const b6 = turinV5Report();
  new DataView(b6.buffer).setUint32(0, 6, true);
  const r6 = parseReport(b6);
  assert.equal(r6.launchMitVector, 0x3fn);
  assert.match(r6.warnings.join('\n'), /version 6 is newer/);
});

test('reserved bytes set → warnings (errors when strict)', () => {
  const b = turinV5Report();
  b[0x4c] = 1;
  b[0x400] = 9;
  const r = parseReport(b);
  assert.equal(r.warnings.length, 2);
  assert.throws(() => parseReport(b, { strict: true }), (e: unknown) => e instanceof SnpLaunchError && e.code === 'REPORT_MBZ');
});

test('trailing bytes are handled explicitly; MSG_REPORT_RSP is unwrapped', { skip: needsShared }, () => {
  const rep = read(VEC('mstav_genoa_report.bin'));
  const longer = new Uint8Array(rep.length + 100);
  longer.set(rep);
  longer[rep.length + 5] = 7;
  const r = parseReport(longer);
  assert.equal(r.container.trailingBytes, 100);
  assert.match(r.warnings[0]!, /100 trailing byte\(s\).*not zero/);
  assert.equal(toHex(r.measurement), toHex(parseReport(rep).measurement));
  assert.throws(() => parseReport(longer, { strict: true }), /trailing/);
  const rsp = new Uint8Array(0x20 + rep.length);
  new DataView(rsp.buffer).setUint32(4, 0x4a0, true);
  rsp.set(rep, 0x20);
  const w = parseReport(rsp);
  assert.equal(w.container.wrapper, 'MSG_REPORT_RSP');
  assert.equal(w.container.offset, 0x20);
  assert.equal(toHex(w.signed), toHex(rep.subarray(0, 0x2a0)));
  new DataView(rsp.buffer).setUint32(0, 0x16, true);
  assert.throws(() => parseReport(rsp), /status 0x16/);
});

test('an Azure HCL blob (HCLA header, report at 0x20, runtime data after it) is unwrapped', { skip: needsShared }, () => {
  const rep = read(VEC('mstav_genoa_report.bin'));
  const runtime = new TextEncoder().encode('{"keys":[]}');
  const blob = new Uint8Array(0x20 + rep.length + runtime.length);
  const dv = new DataView(blob.buffer);
  dv.setUint32(0, 0x414c4348, true); // 'HCLA'
  dv.setUint32(4, 2, true);
  dv.setUint32(8, 0x4a0, true);
  blob.set(rep, 0x20);
  blob.set(runtime, 0x20 + rep.length);
  const r = parseReport(blob);
  assert.equal(r.container.wrapper, 'AZURE_HCL');
  assert.equal(toHex(r.signed), toHex(rep.subarray(0, 0x2a0)));
  assert.equal(r.warnings.length, 1);
});

test('hex and base64 text inputs decode to the same report', { skip: needsShared }, () => {
  const rep = read(VEC('virtee_milan_report.bin'));
  const hex = new TextEncoder().encode(toHex(rep).replace(/(.{64})/g, '$1\n'));
  const d = decodeReportInput(hex);
  assert.equal(d.encoding, 'hex');
  assert.deepEqual(d.bytes, rep);
  const b64 = new TextEncoder().encode(Buffer.from(rep).toString('base64'));
  assert.equal(decodeReportInput(b64).encoding, 'base64');
  assert.deepEqual(decodeReportInput(b64).bytes, rep);
  assert.equal(decodeReportInput(rep).encoding, 'binary');
});

test('truncated, version 0 and garbage reports give one-line errors naming file and offset', () => {
  const err = (b: Uint8Array, re: RegExp) =>
    assert.throws(() => parseReport(b, { name: 'r.bin' }), (e: unknown) => e instanceof SnpLaunchError && re.test(e.message) && !e.message.includes('\n') && e.message.startsWith('r.bin'));
  err(new Uint8Array(100), /100 bytes; an attestation report is 1184/);
  err(new Uint8Array(0), /0 bytes/);
  const v0 = turinV5Report();
  new DataView(v0.buffer).setUint32(0, 0, true);
  err(v0, /offset 0x0: VERSION: version 0 is not an SEV-SNP/);
  const garbage = new Uint8Array(0x4a0).map((_, i) => (i * 151 + 7) & 0xff);
  err(garbage, /not an SEV-SNP attestation report/);
});

test('policy, platform info and signer info decode into named flags', () => {
  const p = decodePolicy(0xb0000n);
  assert.deepEqual([p.smt, p.reservedMbo, p.migrateMa, p.debug], [true, true, false, true]);
  const az = decodePolicy(0x3001fn);
  assert.deepEqual([az.abiMajor, az.abiMinor], [0, 31]);
  assert.equal(decodePolicy(0x2000000n | 0x30000n).pageSwapDisable, true);
  assert.deepEqual(decodePlatformInfo(0x27n).flags, ['SMT_EN', 'TSME_EN', 'ECC_EN', 'ALIAS_CHECK_COMPLETE']);
  assert.deepEqual(decodePlatformInfo(0x100n).unknownBits, [8]);
  const s = decodeSignerInfo(0x4);
  assert.equal(s.signingKey, 'VLEK');
  assert.equal(decodeSignerInfo(7 << 2).signingKey, 'NONE');
  assert.equal(decodeSignerInfo(3).maskChipKey, true);
});
