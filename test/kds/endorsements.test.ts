/**
 * The library side of KDS access with an injected fetcher and store (no network at all): cache
 * policy (a VCEK forever, a CRL until its nextUpdate, damaged entries replaced), URL building
 * from the published chip IDs, and the Node pieces that need no server (Retry-After, cache dir).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsShared } from '../_shared.js';
import { VEC, read } from '../attestation/_vectors.js';
import { parseReport } from '../../src/attestation/index.js';
import { atBase, obtainCertChain, obtainCrl, obtainVcek, vcekUrlFor, type KdsStore } from '../../src/attestation/endorsements.js';
import { retryAfterMs } from '../../src/node/kds-http.js';
import { kdsCacheDir } from '../../src/node/kds-cache.js';

function memStore(init: [string, Uint8Array][] = []): KdsStore & { m: Map<string, Uint8Array>; puts: string[] } {
  const m = new Map(init);
  const puts: string[] = [];
  return { m, puts, get: async (u) => m.get(u), put: async (u, b) => void (m.set(u, b), puts.push(u)) };
}

test('VCEK URL: the published one for the go-sev-guest report; a VLEK report and a masked CHIP_ID have none', { skip: needsShared }, () => {
  const r = parseReport(read(VEC('gosevguest_milan_attestation.bin')), { product: 'Milan' });
  // vectors/attestation/README.md, "Expected KDS VCEK URL".
  assert.equal(vcekUrlFor(r, 'Milan'), 'https://kdsintf.amd.com/vcek/v1/Milan/3ac3fe21e13fb0990eb28a802e3fb6a29483a6b0753590c951bdd3b8e53786184ca39e359669a2b76a1936776b564ea464cdce40c05f63c9b610c5068b006b5d?blSPL=2&teeSPL=0&snpSPL=5&ucodeSPL=68');
  assert.equal(atBase('https://kdsintf.amd.com/vcek/v1/Milan/crl', 'http://127.0.0.1:9/mirror/'), 'http://127.0.0.1:9/mirror/vcek/v1/Milan/crl');
  const vlek = parseReport(read(VEC('trustee_milan_vlek_report.bin')));
  assert.throws(() => vcekUrlFor(vlek, 'Milan'), /signed by a VLEK: VLEKs come from the host/);
  const masked = new Uint8Array(read(VEC('mstav_genoa_report.bin')));
  masked.fill(0, 0x1a0, 0x1e0);
  assert.throws(() => vcekUrlFor(parseReport(masked), 'Genoa'), /CHIP_ID is all zero/);
});

test('cache policy: a stored VCEK and chain are used offline forever; a damaged entry is refetched and replaced', { skip: needsShared }, async () => {
  const r = parseReport(read(VEC('virtee_milan_report.bin')), { product: 'Milan' });
  const url = vcekUrlFor(r, 'Milan');
  const vcek = read(VEC('virtee_milan_vcek.der'));
  const offline = await obtainVcek(r, 'Milan', { line: 'Milan', store: memStore([[url, vcek]]) });
  assert.equal(offline?.from, 'cache');
  assert.equal(await obtainVcek(r, 'Milan', { line: 'Milan', store: memStore() }), undefined, 'offline and not cached: nothing');
  const fetched: string[] = [];
  const store = memStore([[url, new Uint8Array([1, 2, 3])]]);
  const got = await obtainVcek(r, 'Milan', { line: 'Milan', store, fetch: async (u) => (fetched.push(u), vcek) });
  assert.equal(got?.from, 'network');
  assert.deepEqual(fetched, [url]);
  assert.deepEqual(store.m.get(url), vcek);
  // A wrong answer is not stored.
  const s2 = memStore();
  await assert.rejects(obtainVcek(r, 'Milan', { line: 'Milan', store: s2, fetch: async () => read(VEC('gosevguest_milan_vcek.der')) }), /is a VCEK for another chip/);
  assert.equal(s2.puts.length, 0);
  const chainUrl = 'https://kdsintf.amd.com/vcek/v1/Milan/cert_chain';
  await assert.rejects(obtainCertChain('Milan', 'VCEK', { line: 'Milan', fetch: async () => read(VEC('../../certs/amd/genoa_ask_ark.pem')) }), new RegExp(`${chainUrl}: its second certificate \\('ARK-Genoa'\\) is not AMD's ARK-Milan`));
  const chain = await obtainCertChain('Milan', 'VCEK', { line: 'Milan', fetch: async () => read(VEC('../../certs/amd/milan_ask_ark.pem')) });
  assert.deepEqual(chain?.value.map((c) => c.subjectCN), ['SEV-Milan', 'ARK-Milan']);
});

test('cache policy: a stored CRL is reused until its nextUpdate, then fetched again', { skip: needsShared }, async () => {
  const url = 'https://kdsintf.amd.com/vcek/v1/Genoa/crl';
  const crl = read(VEC('../kds/genoa_crl_9.der'));
  let calls = 0;
  const fetch = async () => (calls++, crl);
  const before = await obtainCrl('Genoa', 'VCEK', { line: 'Genoa', store: memStore([[url, crl]]), fetch }, new Date('2026-09-08T00:00:00Z'));
  assert.equal(before?.from, 'cache');
  assert.equal(calls, 0);
  const after = await obtainCrl('Genoa', 'VCEK', { line: 'Genoa', store: memStore([[url, crl]]), fetch }, new Date('2026-09-10T00:00:00Z'));
  assert.equal(after?.from, 'network');
  assert.equal(calls, 1);
  // Offline with only the out-of-date copy: it is returned, so that the verdict can name its nextUpdate.
  const stale = await obtainCrl('Genoa', 'VCEK', { line: 'Genoa', store: memStore([[url, crl]]) }, new Date('2026-09-10T00:00:00Z'));
  assert.equal(stale?.from, 'cache');
  // The Milan CRL offered as Genoa's is refused by URL.
  await assert.rejects(obtainCrl('Genoa', 'VCEK', { line: 'Genoa', fetch: async () => read(VEC('../kds/milan_crl_9.der')) }, new Date()), new RegExp(`${url}: issued by 'ARK-Milan', not by ARK-Genoa`));
});

test('Retry-After (seconds or HTTP date) and the cache directory rules', () => {
  assert.equal(retryAfterMs('1'), 1000);
  assert.equal(retryAfterMs(' 120 '), 120_000);
  assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:58 GMT')), 2000);
  assert.equal(retryAfterMs('soon'), undefined);
  assert.equal(retryAfterMs(null), undefined);
  assert.equal(kdsCacheDir({ SNP_LAUNCH_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' }), '/c');
  assert.equal(kdsCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/snp-launch/kds');
  assert.match(kdsCacheDir({ XDG_CACHE_HOME: 'relative' }), /\/\.cache\/snp-launch\/kds$/);
  assert.match(kdsCacheDir({}), /\/\.cache\/snp-launch\/kds$/);
});
