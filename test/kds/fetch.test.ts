/**
 * `report verify --fetch` and `kds fetch` against a local KDS mirror (loopback only): real Milan
 * and Genoa reports verify with no --cert, a second run works from the cache with the mirror
 * stopped, throttling and errors are retried within --fetch-timeout, wrong files are refused by
 * URL, and nothing touches the network without --fetch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsShared } from '../_shared.js';
import { VEC, AMD, read } from '../attestation/_vectors.js';
import { kdsFiles, startMirror, TURIN } from './_mirror.js';
import { runCli, tempDir, turinReport } from './_cli.js';

// Inside both real CRLs' windows (Milan 2026-06-22..08-08, Genoa 2026-07-28..09-09) and every VCEK's.
const AT = '2026-08-01';
const MILAN = ['report', 'verify', VEC('virtee_milan_report.bin'), '--product', 'Milan'];
const GENOA = ['report', 'verify', VEC('mstav_genoa_report.bin')];
const MILAN_VCEK_PATH = '/vcek/v1/Milan/d49554ec717f4e5b0fe6b143bcf0405bd7ae304727edf46603f2a76aef6a3abc15d7af38db757039029f0efacfd08e244324884738c72b082e2f87a44d541eb6?blSPL=3&snpSPL=8&teeSPL=0&ucodeSPL=115';

const line = (out: string, name: string) => out.split('\n').find((l) => new RegExp(`^(PASS|FAIL)\\s+${name}\\s`).test(l)) ?? '';

test('report verify --fetch: Milan and Genoa verify with no --cert; a second run with the mirror stopped passes from the cache', { skip: needsShared, timeout: 60_000 }, async () => {
  const cache = tempDir();
  const m = await startMirror();
  try {
    for (const cmd of [MILAN, GENOA]) {
      const r = await runCli([...cmd, '--fetch', '--kds', m.url, '--at', AT], cache);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`note: VCEK from ${m.url}/vcek/v1/`));
      assert.match(line(r.stdout, 'report-signature'), /^PASS/);
      assert.match(line(r.stdout, 'revocation'), /^PASS .*not revoked: ARK-(Milan|Genoa) CRL #9/);
    }
    assert.ok(m.hits.some((h) => h.path === MILAN_VCEK_PATH && h.status === 200), JSON.stringify(m.hits));
    assert.ok(m.hits.some((h) => h.path === '/vcek/v1/Genoa/crl' && h.status === 200));
  } finally {
    await m.close();
  }
  for (const cmd of [MILAN, GENOA]) {
    const r = await runCli([...cmd, '--fetch', '--kds', m.url, '--at', AT], cache);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /note: VCEK from KDS cache/);
    assert.match(line(r.stdout, 'revocation'), /^PASS .*from the KDS cache/);
  }
});

test('report verify --fetch: a Turin report gets its VCEK at the Turin URL (8-byte hwID, fmcSPL)', { skip: needsShared, timeout: 60_000 }, async () => {
  // No real Turin report is public: the Genoa report is rewritten into a Turin one whose CHIP_ID
  // and TCB are the real Turin VCEK's, so everything binds except the signature.
  const dir = tempDir();
  const rep = turinReport(read(VEC('mstav_genoa_report.bin')), TURIN, dir);
  const m = await startMirror();
  try {
    const r = await runCli(['report', 'verify', rep, '--fetch', '--kds', m.url, '--at', AT], tempDir());
    const want = `/vcek/v1/Turin/${TURIN.hwId}?blSPL=0&fmcSPL=0&snpSPL=0&teeSPL=0&ucodeSPL=9`;
    assert.ok(m.hits.some((h) => h.path === want && h.status === 200), JSON.stringify(m.hits));
    assert.equal(r.status, 1, r.stdout + r.stderr);
    for (const ok of ['product', 'certificate-chain', 'reported-tcb', 'chip-id']) assert.match(line(r.stdout, ok), /^PASS/, `${ok}: ${r.stdout}`);
    assert.match(line(r.stdout, 'report-signature'), /^FAIL/);
    // The mirror has no Turin CRL (none is public): revocation fails with KDS's 404, named.
    assert.match(line(r.stdout, 'revocation'), /^FAIL .*\/vcek\/v1\/Turin\/crl: KDS answered 404/);
  } finally {
    await m.close();
  }
});

test('throttling: 429 with Retry-After: 1, then 200, passes after waiting; 429 without Retry-After backs off', { skip: needsShared, timeout: 60_000 }, async () => {
  const m = await startMirror();
  try {
    m.script = ['429:1'];
    const r = await runCli([...GENOA, '--fetch', '--kds', m.url, '--at', AT], tempDir());
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const [first, second] = m.hits;
    assert.equal(first!.status, 429);
    assert.equal(second!.status, 200);
    assert.equal(second!.path, first!.path);
    assert.ok(second!.at - first!.at >= 950, `waited ${second!.at - first!.at} ms`);
    m.hits.length = 0;
    m.script = ['429', '429'];
    const r2 = await runCli([...GENOA, '--fetch', '--kds', m.url, '--at', AT], tempDir());
    assert.equal(r2.status, 0, r2.stdout + r2.stderr);
    assert.deepEqual(m.hits.slice(0, 3).map((h) => h.status), [429, 429, 200]);
  } finally {
    await m.close();
  }
});

test('a mirror that only answers 500, or answers too slowly, fails within --fetch-timeout with one line', { skip: needsShared, timeout: 60_000 }, async () => {
  const m = await startMirror();
  try {
    m.always = '500';
    const r = await runCli([...GENOA, '--fetch', '--kds', m.url, '--at', AT, '--fetch-timeout', '3'], tempDir());
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.ok(r.ms < 3000 + 2500, `took ${r.ms} ms`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^Error: http:\/\/127\.0\.0\.1:\d+\/vcek\/v1\/Genoa\/b1e24a27.*: KDS gave no usable answer within --fetch-timeout 3 s \(last: HTTP 500\)/);
    assert.ok(m.hits.length >= 2, 'retried');
    m.always = 'slow:10000';
    const s = await runCli([...GENOA, '--fetch', '--kds', m.url, '--at', AT, '--fetch-timeout', '2'], tempDir());
    assert.equal(s.status, 1, s.stdout + s.stderr);
    assert.ok(s.ms < 2000 + 2500, `took ${s.ms} ms`);
    assert.match(s.stderr, /within --fetch-timeout 2 s \(last: no answer\)/);
    m.always = 'slow:300';
    const ok = await runCli([...GENOA, '--fetch', '--kds', m.url, '--at', AT, '--fetch-timeout', '5'], tempDir());
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  } finally {
    await m.close();
  }
});

test('wrong files are refused, naming the URL: a CRL where the VCEK belongs, another chip\'s VCEK, a Milan CRL as Genoa\'s', { skip: needsShared, timeout: 60_000 }, async () => {
  const m = await startMirror();
  try {
    m.script = ['wrong'];
    const r = await runCli([...GENOA, '--fetch', '--kds', m.url, '--at', AT], tempDir());
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^Error: http:\/\/127\.0\.0\.1:\d+\/vcek\/v1\/Genoa\/b1e24a27[^ ]*/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  } finally {
    await m.close();
  }
  const files = kdsFiles();
  const genoaPath = [...files.keys()].find((k) => k.startsWith('/vcek/v1/Genoa/b1e2'))!;
  files.set(genoaPath, read(VEC('virtee_milan_vcek.der'))); // a real VCEK, but of another chip and product
  files.set('/vcek/v1/Milan/crl', read(VEC('../kds/genoa_crl_9.der')));
  const m2 = await startMirror(files);
  try {
    const r = await runCli([...GENOA, '--fetch', '--kds', m2.url, '--at', AT], tempDir());
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\/vcek\/v1\/Genoa\/b1e24a27.*: is a VCEK for Milan-B0, not Genoa/);
    const c = await runCli([...MILAN, '--fetch', '--kds', m2.url, '--at', AT], tempDir());
    assert.equal(c.status, 1, c.stdout);
    assert.match(line(c.stdout, 'revocation'), /^FAIL .*\/vcek\/v1\/Milan\/crl: issued by 'ARK-Genoa', not by ARK-Milan/);
  } finally {
    await m2.close();
  }
});

test('nothing touches the network without --fetch; --check-revocation without a CRL at hand fails', { skip: needsShared, timeout: 60_000 }, async () => {
  const m = await startMirror();
  try {
    const base = [...GENOA, '--cert', VEC('mstav_genoa_vcek.pem'), '--kds', m.url, '--at', AT];
    const plain = await runCli(base, tempDir());
    assert.equal(plain.status, 0, plain.stdout + plain.stderr);
    assert.equal(line(plain.stdout, 'revocation'), '');
    const cr = await runCli([...base, '--check-revocation'], tempDir(), { SNP_LAUNCH_KDS_URL: m.url });
    assert.equal(cr.status, 1);
    assert.match(line(cr.stdout, 'revocation'), /^FAIL .*no CRL for Genoa is at hand/);
    assert.equal(m.hits.length, 0, JSON.stringify(m.hits));
    const nocert = await runCli([...GENOA, '--kds', m.url], tempDir());
    assert.equal(nocert.status, 2, 'without --cert or --fetch verify still refuses to run');
  } finally {
    await m.close();
  }
});

test('kds fetch writes vcek.der, cert_chain.pem and crl.der (byte-identical to the mirror\'s); a VLEK report gets the chain and CRL only', { skip: needsShared, timeout: 60_000 }, async () => {
  const files = kdsFiles();
  files.set('/vlek/v1/Milan/crl', read(VEC('../kds/milan_crl_9.der'))); // stand-in: the same ARK signs both lists
  const m = await startMirror(files);
  const cache = tempDir();
  try {
    const out = tempDir();
    const r = await runCli(['kds', 'fetch', VEC('virtee_milan_report.bin'), '--product', 'Milan', '-o', out, '--kds', m.url], cache);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(read(join(out, 'vcek.der')), read(VEC('virtee_milan_vcek.der')));
    assert.deepEqual(read(join(out, 'crl.der')), read(VEC('../kds/milan_crl_9.der')));
    const pem = (t: string) => t.replace(/\s+/g, '');
    assert.equal(pem(readFileSync(join(out, 'cert_chain.pem'), 'utf8')), pem(readFileSync(AMD('milan_ask_ark.pem'), 'utf8')));
    assert.match(r.stdout, /CRL: ARK-Milan #9, 2026-06-22T05:53:52\.000Z \.\. 2026-08-08T00:00:00\.000Z/);
    const vlekOut = tempDir();
    const v = await runCli(['kds', 'fetch', VEC('trustee_milan_vlek_report.bin'), '-o', vlekOut, '--kds', m.url], cache);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /no vcek\.der: .* is signed by a VLEK, which comes from the host/);
    assert.equal(pem(readFileSync(join(vlekOut, 'cert_chain.pem'), 'utf8')), pem(readFileSync(AMD('milan_asvk_ark.pem'), 'utf8')));
    assert.ok(m.hits.some((h) => h.path === '/vlek/v1/Milan/cert_chain'));
    const v2 = await runCli(['kds', 'fetch', VEC('virtee_milan_report.bin'), '-o', tempDir(), '--kds', m.url], cache);
    assert.equal(v2.status, 2, 'a version 2 report needs --product');
    assert.match(v2.stderr, /--product/);
  } finally {
    await m.close();
  }
});
