/**
 * Conformance of `snp-launch measure --igvm FILE --platform P` with specs/platforms.md §5: every
 * case of _cases.ts is written with the independent IGVM writer (_igvm.ts), measured by the built
 * CLI, and compared with the independent reference (_rules.ts): the digest line and exit 0, or one
 * stderr line and exit 1 where the rules say error. Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encode, fixCrc } from './_igvm.js';
import { CASES, cliArgs, type Case, type Run } from './_cases.js';
import { MORE_CASES } from './_cases-more.js';
import { PARSE_CASES } from './_cases-parse.js';
import { PLATFORMS, reference } from './_rules.js';
import { assertDigest, assertOneLineError, needsBuild, runCli, tempDir, writeTemp } from './_run.js';

const dir = tempDir('snp-conformance-');

function runsOf(c: Case): Run[] {
  return c.runs ?? PLATFORMS.map((platform) => ({ platform }));
}

function label(run: Run): string {
  return cliArgs(run).join(' ');
}

describe('measure --igvm conformance (platforms.md §5)', { concurrency: 4 }, () => {
  // CONFORMANCE_ONLY=text runs only the cases whose name contains it (for debugging one rule).
  const only = process.env.CONFORMANCE_ONLY;
  for (const c of [...CASES, ...MORE_CASES, ...PARSE_CASES].filter((x) => only === undefined || x.name.includes(only))) {
    describe(c.name, { concurrency: 4 }, () => {
      const enc = encode(c.file);
      if (c.patch) {
        c.patch(enc);
        fixCrc(enc.bytes);
      }
      let path: string | undefined;
      for (const run of runsOf(c)) {
        it(label(run), { skip: needsBuild, todo: c.todoOn === undefined || c.todoOn.includes(run.platform) ? c.todo : undefined }, async () => {
          const want = c.invalid !== undefined ? { error: c.invalid } : reference(c.file, enc, run.platform, run.opts);
          // The reference agrees with the hand-written error list of the case.
          assert.equal('error' in want, c.errs.includes(run.platform), `reference outcome ${JSON.stringify(want)} disagrees with errs [${c.errs.join(', ')}]`);
          path ??= writeTemp(dir, enc.bytes);
          const r = await runCli(['measure', '--igvm', path, ...cliArgs(run)]);
          if ('digest' in want) assertDigest(r, want.digest);
          else assertOneLineError(r, want.usage ? [1, 2] : 1);
        });
      }
    });
  }
});

describe('reference sanity: the cases distinguish the platforms', () => {
  // Digests that §6 says differ must differ in the reference, or the table would not test the rule.
  const digestOf = (name: string, p: (typeof PLATFORMS)[number], opts = {}) => {
    const c = CASES.find((x) => x.name.startsWith(name))!;
    const o = reference(c.file, encode(c.file), p, opts);
    assert.ok('digest' in o, `${name} ${p}: ${JSON.stringify(o)}`);
    return o.digest;
  };
  it('shared flag: openvmm differs from igvmmeasure; igvmmeasure equals qemu-kvm', () => {
    assert.notEqual(digestOf('shared flag', 'openvmm'), digestOf('shared flag', 'igvmmeasure'));
    assert.equal(digestOf('shared flag', 'igvmmeasure'), digestOf('shared flag', 'qemu-kvm'));
  });
  it('3-page parameter area: one page (igvmmeasure) vs all pages (openvmm)', () => {
    assert.notEqual(digestOf('parameter area of 3 pages (', 'openvmm'), digestOf('parameter area of 3 pages (', 'igvmmeasure'));
    assert.equal(digestOf('parameter area of 1 page', 'openvmm'), digestOf('parameter area of 1 page', 'igvmmeasure'));
  });
  it('--native-zero changes igvmmeasure only when a NORMAL page has no data', () => {
    assert.notEqual(digestOf('pages with no file data', 'igvmmeasure'), digestOf('pages with no file data', 'igvmmeasure', { nativeZero: true }));
  });
  it('GPA order: cloud-hypervisor differs from openvmm on descending pages, agrees on ascending ones', () => {
    assert.notEqual(digestOf('pages in descending', 'openvmm'), digestOf('pages in descending', 'cloud-hypervisor-mshv'));
    assert.equal(digestOf('KVM-shaped', 'openvmm'), digestOf('KVM-shaped', 'cloud-hypervisor-mshv'));
  });
  it('qemu-kvm: AP VMSAs change the digest; v1 and v2 headers give the same digest', () => {
    const c = 'qemu-kvm --vcpus 1, 2, 4';
    assert.notEqual(digestOf(c, 'qemu-kvm', { vcpus: 1 }), digestOf(c, 'qemu-kvm', { vcpus: 2, vcpuSig: 0x800f12n }));
    assert.notEqual(digestOf(c, 'qemu-kvm', { vcpus: 2, vcpuSig: 0x800f12n }), digestOf(c, 'qemu-kvm', { vcpus: 2, vcpuSig: 0n }));
    assert.equal(digestOf('v1 header', 'openvmm'), digestOf('v2 header', 'openvmm'));
  });
  it('cloud-hypervisor measures vp 0 contents at vp 1 gpa', () => {
    const c = 'two VP contexts, vp 1 first';
    assert.notEqual(digestOf(c, 'openvmm'), digestOf(c, 'cloud-hypervisor-mshv'));
  });
});
