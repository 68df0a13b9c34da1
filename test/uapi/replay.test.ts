// Trace parsing and replay (docs/trace-format.md) through each KVM UAPI model, with digests from the
// independent chain in test/platforms/_ref.ts; and the `snp-launch replay` CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { openFileSource } from '../../src/node/file-source.js';
import { parseTrace } from '../../src/uapi/trace.js';
import { replayTrace } from '../../src/uapi/replay.js';
import { cliBuilt, runCli } from '../cli/_cli.js';
import { filled, hex, KVM_GPA, RefChain, T, testVmsa } from '../platforms/_ref.js';

setHashProvider(nodeHashProvider);

const dir = mkdtempSync(join(tmpdir(), 'snp-replay-'));
const fw = new Uint8Array(3 * 4096).map((_, i) => (i * 13) & 0xff);
writeFileSync(join(dir, 'fw.bin'), Buffer.concat([Buffer.alloc(100), fw]));
const vmsa0 = testVmsa({ marker: 1 });
const vmsa1 = testVmsa({ marker: 2 });
writeFileSync(join(dir, 'vmsa0.bin'), vmsa0);

function upstreamTrace(extra: object[] = []): object {
  return {
    uapi: 'upstream',
    vm: { vcpus: 2, vmsa_features: '0x1' },
    calls: [
      { cmd: 'SNP_LAUNCH_START', policy: '0x30000' },
      { cmd: 'SNP_LAUNCH_UPDATE', gfn_start: '0xffffd', len: 3 * 4096, type: 'NORMAL', data: { file: 'fw.bin', offset: 100 } },
      { cmd: 'KVM_SEV_SNP_LAUNCH_UPDATE', gfn_start: 0x800, len: '0x2000', type: 3 },
      { id: 101, gpa: '0x80d000', len: 4096, type: 'SECRETS' },
      { cmd: 'SNP_LAUNCH_UPDATE', gfn_start: 0x900, len: 4096, type: 'normal', data: { hex: 'aabb' } },
      ...extra,
      { cmd: 'SET_VCPU_REGS', vcpu: 1, vmsa: { base64: Buffer.from(vmsa1).toString('base64') } },
      { cmd: 'SET_VCPU_REGS', vcpu: 0, vmsa: { file: 'vmsa0.bin' } },
      { cmd: 'SNP_LAUNCH_FINISH', host_data: '00'.repeat(32) },
    ],
  };
}

const openFile = (f: string) => openFileSource(join(dir, f), f);

function upstreamRef(): RefChain {
  const small = new Uint8Array(4096);
  small.set([0xaa, 0xbb]);
  return new RefChain().range(T.NORMAL, 0xffffd000, 3, fw).range(T.ZERO, 0x800000, 2).step(T.SECRETS, 0x80d000).step(T.NORMAL, 0x900000, small).step(T.VMSA, KVM_GPA, vmsa0).step(T.VMSA, KVM_GPA, vmsa1);
}

test('replay upstream: hex, base64 and file data; VMSAs at FINISH in vCPU order', async () => {
  const t = parseTrace(JSON.stringify(upstreamTrace()), 't.json');
  const r = await replayTrace(t, 'upstream', { openFile, log: true });
  assert.equal(r.finished, true);
  assert.equal(hex(r.digest), upstreamRef().hex);
  assert.equal(r.log!.length, 9);
  assert.deepEqual(r.calls.map((c) => c.steps), [0, 3, 2, 1, 1, 0, 0, 2]);
});

test('replay: rejections carry KVM errnos and stop the launch', async () => {
  const cases: [object, string, string, RegExp][] = [
    [{ cmd: 'SNP_LAUNCH_UPDATE', gfn_start: 0x1000, len: 4096, type: 'VMSA', data: { file: 'vmsa0.bin' } }, 'upstream', 'EINVAL', /VMSA \(0x2\) is not accepted/],
    [{ cmd: 'LAUNCH_UPDATE_DATA' }, 'upstream', 'EPERM', /legacy SEV command/],
    [{ id: 3 }, 'upstream', 'EPERM', /LAUNCH_UPDATE_DATA \(id 3\)/],
    [{ cmd: 'SNP_LAUNCH_UPDATE', gfn_start: 0x800, len: 4096, type: 'ZERO' }, 'upstream', 'EEXIST', /0x800000 was already made private/],
    [{ cmd: 'SNP_LAUNCH_UPDATE', gfn_start: 0x2000, len: 4096, type: 'ZERO', flags: 1 }, 'upstream', 'EINVAL', /flags must be 0/],
    [{ cmd: 'SNP_LAUNCH_UPDATE', gfn_start: 0x2000, len: 4096, type: 9 }, 'upstream', 'EINVAL', /page type 9/],
    [{ cmd: 'SNP_SET_VCPU_STATE', vcpu: 0, vmsa_gpa: '0x5000' }, 'vmsa-page', 'ENOTTY', /does not exist on the vmsa-page UAPI/],
    [{ cmd: 'SNP_LAUNCH_START', policy: '0x30000' }, 'upstream', 'EINVAL', /issued twice/],
  ];
  for (const [call, uapi, errno, re] of cases) {
    const t = parseTrace(JSON.stringify(upstreamTrace([call])), 't.json');
    const r = await replayTrace(t, uapi as 'upstream', { openFile });
    assert.equal(r.finished, false, JSON.stringify(call));
    assert.equal(r.rejected?.errno, errno, JSON.stringify(call));
    assert.match(r.rejected!.reason!, re);
    assert.equal(r.rejected!.index, 5);
    assert.equal(r.calls.length, 6, 'the replay stops at the rejected call');
  }
});

test('replay vmsa-page and direct-vmsa: VMSA pages inline', async () => {
  const calls = [
    { cmd: 'SNP_LAUNCH_START', policy: '0x30000' },
    { cmd: 'SNP_LAUNCH_UPDATE', gfn_start: 1, len: 4096, type: 'NORMAL', data: { hex: Buffer.from(filled(7)).toString('hex') } },
    { cmd: 'SNP_LAUNCH_UPDATE', gfn_start: 2, len: 4096, type: 'VMSA', data: { file: 'vmsa0.bin' }, vcpu: 0 },
  ];
  const expect = new RefChain().step(T.NORMAL, 0x1000, filled(7)).step(T.VMSA, 0x2000, vmsa0);
  const vp = await replayTrace(parseTrace(JSON.stringify({ vm: { vcpus: 4, vmsa_features: 1 }, calls: [...calls, { cmd: 'SNP_LAUNCH_FINISH' }] }), 't'), 'vmsa-page', { openFile });
  assert.equal(hex(vp.digest), expect.hex);
  const direct = await replayTrace(
    parseTrace(
      JSON.stringify({
        vm: { vcpus: 2, vmsa_features: 1, guest_memory: '0x10000000' },
        calls: [...calls, { cmd: 'SNP_LAUNCH_UPDATE', gpa: '0x3000', len: 4096, type: 'VMSA', data: { base64: Buffer.from(vmsa1).toString('base64') } }, { cmd: 'SNP_SET_VCPU_STATE', vcpu: 1, vmsa_gpa: '0x3000' }, { cmd: 'SNP_LAUNCH_FINISH' }],
      }),
      't',
    ),
    'direct-vmsa',
    { openFile },
  );
  assert.equal(direct.finished, true, JSON.stringify(direct.rejected));
  assert.equal(hex(direct.digest), expect.step(T.VMSA, 0x3000, vmsa1).hex);
  // The same trace is rejected by upstream at the first VMSA page.
  const up = await replayTrace(parseTrace(JSON.stringify({ calls }), 't'), 'upstream', { openFile });
  assert.equal(up.rejected?.errno, 'EINVAL');
});

test('parseTrace: invalid traces are input errors naming the field', () => {
  const bad: [unknown, RegExp][] = [
    ['{', /not valid JSON/],
    [{ calls: 3 }, /calls: must be an array/],
    [{ calls: [{ cmd: 'SNP_LAUNCH_UPDATE', len: 4096, type: 'NORMAL' }] }, /calls\[0\]: needs "gfn_start"/],
    [{ calls: [{ cmd: 'SNP_LAUNCH_UPDATE', gfn_start: -1, len: 4096, type: 'ZERO' }] }, /calls\[0\]\.gfn_start: must be a non-negative integer/],
    [{ calls: [{ cmd: 'SNP_LAUNCH_UPDATE', gfn_start: 1, len: 4096, type: 'ZERO', data: { hex: 'zz' } }] }, /calls\[0\]\.data\.hex: is not valid hex/],
    [{ calls: [{ cmd: 'SNP_LAUNCH_UPDATE', gfn_start: 1, len: 4096, type: 'ZERO', data: { hex: '00', file: 'x' } }] }, /exactly one of/],
    [{ calls: [{ cmd: 'FROB' }] }, /unknown command 'FROB'/],
    [{ calls: [{ cmd: 'SNP_LAUNCH_FINISH', host_data: 'abcd' }] }, /host_data: must be 64 hex digits/],
  ];
  for (const [doc, re] of bad) {
    assert.throws(() => parseTrace(typeof doc === 'string' ? doc : JSON.stringify(doc), 'bad.json'), (e: Error) => {
      assert.match(e.message, /^bad\.json: /);
      assert.match(e.message, re);
      return true;
    });
  }
});

test('snp-launch replay CLI: text, --json, a rejected call (exit 1) and usage errors (exit 2)', async () => {
  cliBuilt();
  writeFileSync(join(dir, 'ok.json'), JSON.stringify(upstreamTrace()));
  const ok = await runCli(['replay', '--uapi', 'upstream', join(dir, 'ok.json')], dir);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`launch digest:\n  ${upstreamRef().hex}\n`));
  const js = await runCli(['replay', '--uapi', 'upstream', '--json', '--log', join(dir, 'ok.json')], dir);
  const doc = JSON.parse(js.stdout);
  assert.equal(doc.digest, upstreamRef().hex);
  assert.equal(doc.log.length, 9);
  assert.equal(doc.log[8].gpa, '0xfffffffff000');
  writeFileSync(join(dir, 'bad.json'), JSON.stringify(upstreamTrace([{ cmd: 'SNP_LAUNCH_UPDATE', gfn_start: 0x1000, len: 4096, type: 'VMSA', data: { file: 'vmsa0.bin' } }])));
  const bad = await runCli(['replay', '--uapi', 'upstream', 'bad.json'], dir);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /call {3}5 {2}SNP_LAUNCH_UPDATE +REJECTED EINVAL/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /^Error: bad\.json: call 5 \(SNP_LAUNCH_UPDATE\) rejected by the upstream UAPI with EINVAL: /);
  const dflt = await runCli(['replay', join(dir, 'ok.json')], dir); // the trace says "uapi": "upstream"
  assert.equal(dflt.code, 0, dflt.stderr);
  assert.match(dflt.stdout, /on the upstream KVM UAPI/);
  const other = await runCli(['replay', '--uapi', 'vmsa-page', join(dir, 'ok.json')], dir);
  assert.equal(other.code, 0, other.stderr);
  assert.match(other.stdout, /warning: the trace was recorded for the upstream UAPI; replayed on vmsa-page/);
  const u = await runCli(['replay', '--uapi', 'nope', 'bad.json'], dir);
  assert.equal(u.code, 2);
  const missing = await runCli(['replay', '--uapi', 'upstream', 'missing.json'], dir);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /missing\.json: no such file/);
});
