// Acceptance of `portability --fix` (issue #9) over every IGVM file the repository's tests build:
// the conformance cases (test/conformance, written with the independent writer) and the demo image.
// For each: the rewritten file parses, the listed platforms agree (or the conflict is reported),
// and fixing the output again changes nothing (byte-identical). Where no edit moved the VMSA, the
// common digest must equal the independent reference (test/conformance/_rules.ts) of the ORIGINAL
// file on cloud-hypervisor-mshv, whose digest none of the other edits can change (it sorts by GPA,
// ignores the shared flag and measures one page per parameter area) — so the edits are checked
// against a computation that does not use the library.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesSource } from '../../src/core/source.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { parseIgvm } from '../../src/images/igvm/parse.js';
import { igvmLayoutBytes } from '../../src/images/igvm/stream-write.js';
import { measureIgvm } from '../../src/measure/igvm.js';
import { fixIgvm } from '../../src/portable/fix.js';
import { parseTargets } from '../../src/portable/targets.js';
import { buildDemoIgvm } from '../../src/cli/demo-igvm.js';
import { encode, fixCrc } from '../conformance/_igvm.js';
import { CASES, type Case } from '../conformance/_cases.js';
import { MORE_CASES } from '../conformance/_cases-more.js';
import { PARSE_CASES } from '../conformance/_cases-parse.js';
import { reference } from '../conformance/_rules.js';
import { assertOneLineError, cliBuilt, runCli } from '../cli/_cli.js';

setHashProvider(nodeHashProvider);

const SIX = parseTargets([]);
const LAUNCH = { vcpus: 1, vcpuSig: 0x800f12 };

function bytesOf(c: Case): Uint8Array {
  const e = encode(c.file);
  if (!c.patch) return e.bytes;
  c.patch(e);
  return fixCrc(e.bytes);
}

async function parses(b: Uint8Array): Promise<boolean> {
  try {
    await parseIgvm(bytesSource('x.igvm', b));
    return true;
  } catch (e) {
    if (e instanceof SnpLaunchError) return false;
    throw e;
  }
}

/** Every TLV of a file with its header index and raw bytes (padding included). */
function splitTlvs(f: Uint8Array): { index: number; bytes: Uint8Array }[] {
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const start = dv.getUint32(8, true);
  const end = start + dv.getUint32(12, true);
  const out: { index: number; bytes: Uint8Array }[] = [];
  for (let p = start; p < end; ) {
    const next = (p + 8 + dv.getUint32(p + 4, true) + 7) & ~7;
    out.push({ index: out.length, bytes: f.subarray(p, next) });
    p = next;
  }
  return out;
}

test('portability --fix on every conformance IGVM file: agree or conflict reported, idempotent, edits checked independently', async () => {
  const stats = { fixed: 0, unchanged: 0, conflicts: 0, invalid: 0, checkedIndependently: 0 };
  for (const c of [...CASES, ...MORE_CASES, ...PARSE_CASES]) {
    const input = bytesOf(c);
    if (!(await parses(input))) {
      stats.invalid++;
      continue; // a file the parser rejects has nothing to fix (exit 1 with the parse error)
    }
    let r;
    try {
      r = await fixIgvm(bytesSource('in.igvm', input), SIX, LAUNCH);
    } catch (e) {
      // e.g. no SEV-SNP platform header: an input error, as for measure.
      assert.ok(e instanceof SnpLaunchError && e.kind === 'input', `${c.name}: ${String(e)}`);
      stats.invalid++;
      continue;
    }
    if (!r.ok) {
      stats.conflicts++;
      assert.ok(r.conflict.reasons.length > 0, `${c.name}: a conflict says why`);
      continue;
    }
    const out = await igvmLayoutBytes(r.layout);
    assert.ok(await parses(out), `${c.name}: the rewritten file parses`);
    const digests = new Set<string>();
    for (const t of SIX) digests.add(Buffer.from((await measureIgvm({ igvm: bytesSource('out.igvm', out), platform: t.platform, ...LAUNCH })).digest).toString('hex'));
    assert.equal(digests.size, 1, `${c.name}: the six platforms agree on the rewritten file`);
    // Unedited headers keep their exact TLV bytes; the file data is copied unchanged (igvm.md §3.1, §6).
    const before = splitTlvs(input);
    const afterSet = new Set(splitTlvs(out).map((t) => Buffer.from(t.bytes).toString('hex')));
    const edited = new Set(r.edits.flatMap((e) => e.headers));
    for (const t of before) if (!edited.has(t.index)) assert.ok(afterSet.has(Buffer.from(t.bytes).toString('hex')), `${c.name}: header ${t.index} unchanged`);
    const dataStart = new DataView(input.buffer, input.byteOffset).getUint32(8, true) + new DataView(input.buffer, input.byteOffset).getUint32(12, true);
    assert.deepEqual(out.subarray(dataStart, input.length), input.subarray(dataStart), `${c.name}: file data byte-identical`);
    if (!r.changed) {
      stats.unchanged++;
      assert.deepEqual(out, input, `${c.name}: no edit → byte-identical`);
    } else stats.fixed++;
    // Idempotence.
    const again = await fixIgvm(bytesSource('out.igvm', out), SIX, LAUNCH);
    assert.ok(again.ok && !again.changed, `${c.name}: fixing the output again changes nothing`);
    assert.deepEqual(await igvmLayoutBytes(again.layout), out, `${c.name}: second fix is byte-identical`);
    // Independent check (see the header comment).
    if (!r.edits.some((e) => e.text.includes('VP_CONTEXT') && e.text.includes('gpa 0x') && e.text.includes('→'))) {
      const ref = reference(c.file, encode(c.file), 'cloud-hypervisor-mshv', { vcpus: 1, vcpuSig: 0x800f12n });
      if ('digest' in ref && !c.patch) {
        assert.equal([...digests][0], ref.digest, `${c.name}: fixed digest = independent cloud-hypervisor-mshv digest of the original`);
        stats.checkedIndependently++;
      }
    }
  }
  console.log(`fix over the conformance files: ${JSON.stringify(stats)}`);
  // The table must exercise every outcome, or the test proves little.
  assert.ok(stats.fixed >= 5, `fixed ${stats.fixed}`);
  assert.ok(stats.unchanged >= 1, `unchanged ${stats.unchanged}`);
  assert.ok(stats.conflicts >= 3, `conflicts ${stats.conflicts}`);
  assert.ok(stats.checkedIndependently >= 5, `checked independently ${stats.checkedIndependently}`);
});

test('portability --fix on the other IGVM files the repository builds (demo, explorer example): agree or conflict, idempotent', async () => {
  const { buildIgvmExample } = await import('../../web/src/examples.js');
  const four = parseTargets(['openvmm,qemu-kvm,kvm-vmsa-page,kvm-direct-vmsa']);
  for (const [name, bytes] of [['demo', buildDemoIgvm().bytes], ['explorer example', buildIgvmExample()]] as const) {
    for (const targets of [SIX, four, parseTargets(['cloud-hypervisor-mshv,igvmmeasure,igvmmeasure-native-zero'])]) {
      const r = await fixIgvm(bytesSource(name, bytes), targets, LAUNCH);
      if (!r.ok) {
        assert.ok(r.conflict.subsets.length > 0 && r.conflict.reasons.length > 0, name);
        continue;
      }
      const out = await igvmLayoutBytes(r.layout);
      assert.ok(r.measurement.agree, name);
      const again = await fixIgvm(bytesSource(name, out), targets, LAUNCH);
      assert.ok(again.ok && !again.changed, `${name}: idempotent`);
      assert.deepEqual(await igvmLayoutBytes(again.layout), out);
    }
  }
});

test('portability --fix on the demo image: edits in words; six platforms conflict on the 8 KiB parameter area', async () => {
  const demo = buildDemoIgvm().bytes;
  const six = await fixIgvm(bytesSource('demo.igvm', demo), SIX, LAUNCH);
  assert.equal(six.ok, false);
  if (!six.ok) assert.ok(six.conflict.reasons.some((x) => /parameter area 0 .* 2 pages/.test(x)), six.conflict.reasons.join('\n'));
  // Without the one-page platforms the area is no problem: shared flag cleared, VMSA moved last.
  const four = parseTargets(['openvmm,qemu-kvm,kvm-vmsa-page,kvm-direct-vmsa']);
  const r = await fixIgvm(bytesSource('demo.igvm', demo), four, LAUNCH);
  assert.ok(r.ok, r.ok ? '' : r.conflict.reasons.join('; '));
  assert.ok(r.edits.some((e) => /shared flag cleared/.test(e.text)));
  assert.ok(r.edits.some((e) => /VP_CONTEXT .* moved .* qemu-kvm measures the VMSA after every page/.test(e.text)));
  assert.equal(r.edits.length, 2, r.edits.map((e) => e.text).join('\n'));
});

test('portability --fix CLI: edits listed, file written and verified, idempotent; conflict exits 1 without a file', async () => {
  cliBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'snp-fix-'));
  writeFileSync(join(dir, 'demo.igvm'), buildDemoIgvm().bytes);
  const args = ['--for', 'openvmm,qemu-kvm,kvm-vmsa-page,kvm-direct-vmsa'];
  const r = await runCli(['portability', '--fix', '--igvm', 'demo.igvm', ...args, '-o', 'fixed.igvm'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /2 edits/);
  assert.match(r.stdout, /all 4 platforms agree/);
  const r2 = await runCli(['portability', '--fix', '--igvm', 'fixed.igvm', ...args, '-o', 'again.igvm'], dir);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, /already portable/);
  assert.deepEqual(readFileSync(join(dir, 'again.igvm')), readFileSync(join(dir, 'fixed.igvm')));
  const bad = await runCli(['portability', '--fix', '--igvm', 'demo.igvm', '-o', 'six.igvm'], dir);
  const line = assertOneLineError(bad, 'six-platform conflict');
  assert.equal(bad.code, 1);
  assert.match(line, /parameter area 0/);
  assert.match(line, /subsets that agree/);
  const usage = await runCli(['portability', '--fix', '--igvm', 'demo.igvm'], dir);
  assert.equal(usage.code, 2);
  const noFix = await runCli(['portability', '--igvm', 'demo.igvm', '--for', 'openvmm'], dir);
  assert.equal(noFix.code, 2);
  assert.match(assertOneLineError(noFix, '--for without --fix'), /apply to --fix only/);
  assert.deepEqual(readdirSync(dir).sort(), ['again.igvm', 'demo.igvm', 'fixed.igvm']);
});

test('igvm inspect warns about every construct the fix edits, and about none after the fix', async () => {
  const { inspectIgvm } = await import('../../src/images/igvm/inspect.js');
  // Pages out of GPA order, a data-less page, a shared page, an 8 KiB area, a 2 MiB-aligned VMSA not last.
  const c = CASES.find((x) => x.name.startsWith('pages in descending GPA order'))!;
  const w = (await inspectIgvm(bytesSource('in.igvm', bytesOf(c)))).warnings.join('\n');
  assert.match(w, /cloud-hypervisor-mshv measures in ascending GPA order/);
  assert.match(w, /igvmmeasure --native-zero measures them as ZERO/);
  const demo = (await inspectIgvm(bytesSource('demo.igvm', buildDemoIgvm().bytes))).warnings.join('\n');
  assert.match(demo, /shared flag/);
  assert.match(demo, /8192-byte area/);
  assert.match(demo, /after the first SEV_SNP VP_CONTEXT/);
  const r = await fixIgvm(bytesSource('in.igvm', bytesOf(c)), parseTargets(['openvmm,cloud-hypervisor-mshv,igvmmeasure-native-zero']), LAUNCH);
  assert.ok(r.ok);
  const after = (await inspectIgvm(bytesSource('out.igvm', await igvmLayoutBytes(r.layout)))).warnings.join('\n');
  assert.doesNotMatch(after, /ascending GPA order|native-zero/);
});
