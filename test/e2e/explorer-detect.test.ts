/**
 * The explorer's DOM-free picture helpers, in Node: digest groups (one letter and one colour per
 * distinct digest), the edit summary of "make portable", and what a dropped file is
 * (web/src/detect.ts) on the shared fixtures and reports and on files built here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { needsShared, shared } from '../_shared.js';
import { blockDigest, groupColour, groupDigests, groupLetter, legendText, shortDigest, summarizeEdits } from '../../web/src/groups.js';
import { detectFile } from '../../web/src/detect.js';
import { buildExample } from '../../web/src/examples.js';

const d = (c: string) => c.repeat(96);

describe('explorer digest groups', () => {
  it('gives equal digests one letter and colour, and different digests different ones', () => {
    const g = groupDigests([
      { id: 'openvmm', digest: d('a') },
      { id: 'igvmmeasure', digest: d('b') },
      { id: 'qemu-kvm', digest: d('A') },
      { id: 'svsm' },
      { id: 'kvm-vmsa-page', digest: d('c') },
    ]);
    assert.deepEqual(g.groups.map((x) => [x.letter, x.members]), [['A', ['openvmm', 'qemu-kvm']], ['B', ['igvmmeasure']], ['C', ['kvm-vmsa-page']]]);
    assert.equal(g.of.get('svsm'), undefined);
    assert.equal(legendText(g.groups), '3 groups: A = openvmm, qemu-kvm · B = igvmmeasure · C = kvm-vmsa-page');
    assert.equal(new Set(g.groups.map((x) => x.colour)).size, 3);
  });

  it('keeps letters and colours distinct past the palette', () => {
    assert.deepEqual([0, 25, 26, 27, 701, 702].map(groupLetter), ['A', 'Z', 'AA', 'AB', 'ZZ', 'AAA']);
    const colours = Array.from({ length: 40 }, (_, i) => groupColour(i));
    assert.equal(new Set(colours).size, 40);
  });

  it('shortens a digest to its ends and blocks the full value by 8', () => {
    const hex = '0123456789abcdef'.repeat(6);
    assert.equal(shortDigest(hex), '01234567…89abcdef');
    assert.equal(blockDigest(hex).length, 12);
    assert.equal(blockDigest(hex).join(''), hex);
  });

  it('summarises portability --fix edits in one line', () => {
    const why = 'cloud-hypervisor-mshv measures in ascending GPA order, the others in file order';
    const edits = [
      'header 22 (PAGE_DATA): shared flag cleared, so the page is private — openvmm skips shared pages',
      ...[18, 19, 20, 21, 25, 26, 29].map((h) => `header ${h} (PAGE_DATA gpa 0x${h.toString(16)}000) moved after header 3 (gpa 0x0) — ${why}`),
    ];
    assert.equal(summarizeEdits(edits), `header 22 (PAGE_DATA): shared flag cleared, so the page is private; 7 headers moved (headers 18-21, 25-26, 29): ${why}`);
    assert.equal(summarizeEdits([]), 'no edit needed');
  });
});

describe('explorer: what a dropped file is', { skip: needsShared }, () => {
  const file = (path: string, name = basename(path)) => new File([readFileSync(path)], name);
  const att = (n: string) => shared('vectors', 'attestation', n);

  it('recognises firmware, IGVM, reports, certificates, CRLs, reference values and kernels', async () => {
    const kind = async (f: File) => (await detectFile(f)).kind;
    assert.equal(await kind(file(shared('vectors', 'sev-snp-measure', 'inputs', 'ovmf_AmdSev_4M.bin'))), 'ovmf');
    assert.equal(await kind(new File([(await buildExample('igvm')).bytes as Uint8Array<ArrayBuffer>], 'x.igvm')), 'igvm');
    assert.equal(await kind(new File([(await buildExample('ovmf')).bytes as Uint8Array<ArrayBuffer>], 'x.fd')), 'ovmf');
    for (const r of ['virtee_milan_report.bin', 'mstav_genoa_report.bin', 'trustee_milan_vlek_report.bin']) assert.equal(await kind(file(att(r))), 'report', r);
    // The same report as hex text.
    assert.equal(await kind(new File([readFileSync(att('virtee_milan_report.bin')).toString('hex')], 'r.hex')), 'report');
    assert.deepEqual(await detectFile(file(att('virtee_milan_vcek.der'))), { kind: 'cert', what: 'a VCEK certificate (Milan-B0)' });
    assert.equal(await kind(file(att('mstav_genoa_vcek.pem'))), 'cert');
    assert.equal(await kind(file(att('trustee_milan_vlek.der'))), 'cert');
    for (const crl of ['milan_crl_9.der', 'genoa_crl_9.der']) assert.equal(await kind(file(shared('vectors', 'kds', crl))), 'crl', crl);
    const pem = `-----BEGIN X509 CRL-----\n${readFileSync(shared('vectors', 'kds', 'milan_crl_9.der')).toString('base64')}\n-----END X509 CRL-----\n`;
    assert.equal(await kind(new File([pem], 'crl.pem')), 'crl');
    assert.equal(await kind(new File([Buffer.alloc(0x300).fill(0).fill(0x48, 0x202, 0x203).fill(0x64, 0x203, 0x204).fill(0x72, 0x204, 0x205).fill(0x53, 0x205, 0x206)], 'vmlinuz')), 'kernel');
    assert.equal(await kind(new File([JSON.stringify({ tool: 'x', inputs: {}, cells: [] })], 'rv.json')), 'refvalues');
  });

  it('refuses in words what no panel takes, and measures an unknown binary as a raw image', async () => {
    assert.deepEqual(await detectFile(new File([], 'empty')), { kind: 'refused', what: 'an empty file' });
    assert.match((await detectFile(new File(['hello\n'], 'a.txt'))).what, /^a text file that is none of/);
    assert.match((await detectFile(new File(['{"a": 1}'], 'a.json'))).what, /^JSON, but not reference values/);
    assert.match((await detectFile(new File(['-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n'], 'k.pem'))).what, /^a private key/);
    assert.equal((await detectFile(file(shared('vectors', 'sev-snp-measure', 'inputs', 'ovmf_nofooter.bin')))).kind, 'raw');
  });
});
