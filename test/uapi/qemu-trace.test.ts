// Issue 18 item 6: QEMU's own SEV-SNP traces. The two real traces of ../shared/vectors/qemu-trace
// (no image came with them) are parsed and folded, and checked against the ranges read by hand from
// the files. Then a trace is written here, as QEMU prints it, from the launch calls snp-launch
// predicts for a reference firmware (with retry lines, PID@TIME prefixes, and the older AMD
// format): its replay reproduces measure's digest, and a trace with one page dropped names it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { openFileSource } from '../../src/node/file-source.js';
import { measureOvmf } from '../../src/measure/ovmf.js';
import { ovmfLaunchPlan } from '../../src/measure/launch-plan.js';
import { parseQemuTrace } from '../../src/uapi/qemu-trace.js';
import { replayQemuTrace } from '../../src/uapi/qemu-replay.js';
import type { LaunchUpdateParams } from '../../src/uapi/types.js';
import { PageType } from '../../src/firmware/page-types.js';
import { CLI, needsShared, shared } from '../_shared.js';

const N = 1; // NORMAL
const Z = 3; // ZERO
const S = 5; // SECRETS
const C = 6; // CPUID

test('the two real QEMU traces parse and fold into the ranges they print', { skip: needsShared }, () => {
  const up = parseQemuTrace(readFileSync(shared('vectors', 'qemu-trace', 'amd-sev-utils-issue-17-trace.txt'), 'utf8'), 'issue-17');
  assert.equal(up.format, 'upstream');
  assert.equal(up.policy, 0x30000n);
  assert.equal(up.startLine, 5);
  assert.equal(up.finishLine, 15);
  assert.equal(up.retries, 0);
  assert.deepEqual(
    up.updates.map((u) => [u.gpa, u.len, u.type, u.lines[0]]),
    [
      [0xffc00000, 0x400000, N, 7],
      [0x800000, 0x9000, Z, 8],
      [0x80a000, 0x3000, Z, 9],
      [0x80d000, 0x1000, S, 10],
      [0x80e000, 0x1000, C, 11],
      [0x80f000, 0x1000, Z, 12],
      [0x810000, 0x1000, N, 13],
      [0x811000, 0xf000, Z, 14],
    ],
  );
  assert.equal(up.updates[0]!.src, 0x7b8e38400000n);
  const amd = parseQemuTrace(readFileSync(shared('vectors', 'qemu-trace', 'amdsev-issue-195-trace.txt'), 'utf8'), 'issue-195');
  assert.equal(amd.format, 'amd');
  assert.equal(amd.policy, 0x30000n);
  assert.equal(amd.finishLine, 20); // its id_block value is cut short in the issue; the line still counts
  assert.deepEqual(
    amd.updates.map((u) => [u.gpa, u.len, u.type, u.lines[0]]),
    [
      [0xffc00000, 0x400000, N, 13],
      [0x800000, 0x9000, Z, 14],
      [0x80a000, 0x3000, Z, 15],
      [0x80d000, 0x1000, S, 16],
      [0x80e000, 0x1000, C, 17],
      [0x80f000, 0x1000, N, 18],
      [0x810000, 0x10000, Z, 19],
    ],
  );
});

test('retry lines fold into one update; prefixes are accepted; bad lines are located errors', () => {
  const t = parseQemuTrace(
    [
      '4242@1694358000.123456:kvm_sev_snp_launch_start policy 0x30000 gosvw (null)',
      '4242@1694358000.123500:kvm_sev_snp_launch_update src 0x7f0000000000 gpa 0xffc00000 len 0x400000 (Normal page)',
      '4242@1694358000.123600:kvm_sev_snp_launch_update src 0x7f0000100000 gpa 0xffd00000 len 0x300000 (Normal page)',
      '4242@1694358000.123700:kvm_sev_snp_launch_update src 0x7f0000100000 gpa 0xffd00000 len 0x300000 (Normal page)',
      '4242@1694358000.123800:kvm_sev_snp_launch_update src 0x7f0000200000 gpa 0x800000 len 0x9000 (Zero page)',
      'kvm_sev_snp_launch_finish id_block (null) id_auth (null) host_data (null)',
    ].join('\n'),
    't',
  );
  assert.deepEqual(
    t.updates.map((u) => [u.gpa, u.len, u.lines]),
    [
      [0xffc00000, 0x400000, [2, 3, 4]],
      [0x800000, 0x9000, [5]],
    ],
  );
  assert.equal(t.retries, 2);
  assert.throws(() => parseQemuTrace('kvm_sev_snp_launch_update src 0x1 gpa 0x800000 len 0x9000 (Weird page)', 'w'), /w: line 1: names page type 'Weird'/);
  assert.throws(() => parseQemuTrace('kvm_sev_snp_launch_update src 0x1 gpa 0x800800 len 0x9000 (Zero page)', 'w'), /not whole 4 KiB pages/);
  assert.throws(() => parseQemuTrace('nothing here\n', 'w'), /no kvm_sev_snp_launch_update line/);
});

const TYPE_TEXT: Record<number, string> = { 1: 'Normal', 3: 'Zero', 4: 'Unmeasured', 5: 'Secrets', 6: 'Cpuid' };

/** QEMU's trace text for launch calls; `retry` splits the first update into two attempts. */
function traceText(updates: LaunchUpdateParams[], o: { amd?: boolean; prefix?: boolean; retry?: boolean } = {}): string {
  const pre = (i: number) => (o.prefix ? `1234@1700000000.${String(100000 + i)}:` : '');
  const lines = [`${pre(0)}kvm_sev_snp_launch_start policy 0x30000 gosvw (null)`];
  let src = 0x7f1c21800000;
  const line = (gpa: number, len: number, type: number) =>
    lines.push(`${pre(lines.length)}kvm_sev_snp_launch_update ${o.amd ? 'addr' : 'src'} 0x${src.toString(16)} gpa 0x${gpa.toString(16)} len 0x${len.toString(16)} (${TYPE_TEXT[type]} page)`);
  updates.forEach((u, i) => {
    line(u.gpa, u.length, u.type);
    if (o.retry && i === 0 && u.length > 0x1000) {
      src += 0x1000;
      line(u.gpa + 0x1000, u.length - 0x1000, u.type);
    }
    src += 0x200000;
  });
  lines.push(`${pre(lines.length)}kvm_sev_snp_launch_finish id_block (null) id_auth (null) host_data (null)`);
  return lines.join('\n') + '\n';
}

test('a trace written from the predicted launch replays to measure\'s digest; one dropped page is named', { skip: needsShared }, async () => {
  setHashProvider(nodeHashProvider);
  const dir = shared('vectors', 'sev-snp-measure', 'inputs');
  const ovmf = await openFileSource(join(dir, 'ovmf_AmdSev_4M.bin'));
  const kernel = await openFileSource(join(dir, 'kernel_1M.bin'));
  try {
    const opts = { ovmf, kernel, append: 'console=ttyS0', vcpus: 4, vcpuSig: 0xa00f11 };
    const plan = await ovmfLaunchPlan(opts);
    const want = Buffer.from((await measureOvmf({ mode: 'snp', ...opts })).digest).toString('hex');
    for (const form of [{}, { retry: true, prefix: true }, { amd: true }]) {
      const r = await replayQemuTrace(parseQemuTrace(traceText(plan.updates, form), 'synth'), plan);
      assert.deepEqual(r.departures, [], JSON.stringify(form));
      assert.equal(Buffer.from(r.replays.find((x) => x.uapi === 'upstream')!.digest!).toString('hex'), want, JSON.stringify(form));
      assert.equal(Buffer.from(r.predicted.digest).toString('hex'), want);
    }
    // Drop the page at 0x804000 (inside the first SNP_SEC_MEM range 0x800000 + 0x9000).
    const dropped = plan.updates.flatMap((u): LaunchUpdateParams[] =>
      u.gpa === 0x800000 ? [{ ...u, length: 0x4000 }, { ...u, gpa: 0x805000, length: 0x4000 }] : [u],
    );
    const r = await replayQemuTrace(parseQemuTrace(traceText(dropped), 'drop'), plan);
    assert.equal(r.departures.length, 1, JSON.stringify(r.departures));
    assert.equal(r.departures[0]!.kind, 'missing');
    assert.equal(r.departures[0]!.gpa, 0x804000);
    assert.match(r.departures[0]!.text, /^1 page 0x804000-0x804fff \(ZERO, OVMF SNP_SEC_MEM section #0\) missing from the trace/);
    assert.notEqual(Buffer.from(r.replays[0]!.digest!).toString('hex'), want);
    // A firmware page dropped, the kernel-hashes page as ZERO, two ranges swapped.
    const fw = plan.updates[0]!;
    const edited = [{ ...fw, length: 0x3ff000 }, ...plan.updates.slice(1).map((u) => (u.gpa === 0x810000 ? { ...u, type: PageType.ZERO } : u))];
    [edited[2], edited[3]] = [edited[3]!, edited[2]!];
    const e = await replayQemuTrace(parseQemuTrace(traceText(edited), 'edit'), plan);
    const kinds = e.departures.map((d) => `${d.kind} 0x${d.gpa.toString(16)}`);
    assert.ok(kinds.includes('missing 0xfffff000'), kinds.join());
    assert.ok(kinds.includes('type 0x810000'), kinds.join());
    assert.ok(kinds.some((k) => k.startsWith('order ')), kinds.join());
  } finally {
    await ovmf.close?.();
    await kernel.close?.();
  }
});

test('CLI: replay --qemu-trace with --ovmf: exit 0 on the predicted trace, 1 naming a dropped page', { skip: needsShared }, async () => {
  setHashProvider(nodeHashProvider);
  const dir = shared('vectors', 'sev-snp-measure', 'inputs');
  const ovmf = await openFileSource(join(dir, 'ovmf_AmdSev_4M.bin'));
  const plan = await ovmfLaunchPlan({ ovmf, vcpus: 2, vcpuSig: 0x800f12 });
  await ovmf.close?.();
  const tmp = mkdtempSync(join(tmpdir(), 'qemu-trace-'));
  writeFileSync(join(tmp, 'ok.log'), traceText(plan.updates, { prefix: true }));
  writeFileSync(join(tmp, 'drop.log'), traceText(plan.updates.map((u) => (u.gpa === 0x811000 ? { ...u, length: u.length - 0x1000 } : u))));
  const base = ['replay', '--ovmf', join(dir, 'ovmf_AmdSev_4M.bin'), '--vcpus', '2', '--vcpu-type', 'EPYC-v4'];
  const measure = spawnSync(process.execPath, [CLI, 'measure', '--mode', 'snp', ...base.slice(1)], { encoding: 'utf8' }).stdout.trim();
  const ok = spawnSync(process.execPath, [CLI, ...base, '--qemu-trace', join(tmp, 'ok.log'), '--json'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  const doc = JSON.parse(ok.stdout);
  assert.equal(doc.format, 'snp-launch.qemu-replay/1');
  assert.equal(doc.replays[0].digest, measure);
  const bad = spawnSync(process.execPath, [CLI, ...base, '--qemu-trace', join(tmp, 'drop.log')], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /departure \(missing\): 1 page 0x81f000-0x81ffff \(ZERO, OVMF SNP_SEC_MEM section #6\) missing from the trace/);
});
