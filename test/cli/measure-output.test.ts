/**
 * `snp-launch measure` additions through the built CLI: --json (checked against the reference
 * digest, node:crypto hashes of the inputs and an independent replay of the PAGE_INFO chain,
 * launch-digest.md §2), --log / --log-full tables, --dump-vmsa / --dump-vmsa-dir (the dumped
 * VMSA is the log's VMSA contents and has the register bytes of ovmf.md §7.1), --version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED, needsShared, shared } from '../_shared.js';
import { parseMeasureJson, type MeasureJson } from '../../src/measure/json.js';
import { cliBuilt, runCli, shellWords } from './_cli.js';

const A = 'fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin';
/** reference.tsv rows (sev-snp-measure 0.0.13 outputs). */
const ROW_DEFAULT = `--mode snp --vcpus 1 --vcpu-type EPYC-v4 --ovmf ${A} --guest-features 0x21 --kernel /dev/null --initrd /dev/null --append 'console=ttyS0 loglevel=7'`;
const ROW_DEFAULT_DIGEST = '803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977';
const ROW_4M = '--mode snp --vcpus 1 --vcpu-type EPYC-v4 --ovmf vectors/sev-snp-measure/inputs/ovmf_AmdSev_4M.bin --kernel vectors/sev-snp-measure/inputs/kernel_1M.bin --append \'console=ttyS0 loglevel=7\'';

const sha = (alg: string, d: Uint8Array) => createHash(alg).update(d).digest('hex');
const PAGE_TYPE: Record<string, number> = { NORMAL: 1, VMSA: 2, ZERO: 3, UNMEASURED: 4, SECRETS: 5, CPUID: 6 };

/** LD := SHA-384(PAGE_INFO(LD, contents, type, gpa)), written here from launch-digest.md §2.1. */
function replay(log: NonNullable<MeasureJson['log']>, seed = new Uint8Array(48)): string[] {
  let ld = Buffer.from(seed);
  return log.map((e) => {
    const info = Buffer.alloc(0x70);
    ld.copy(info, 0x00);
    Buffer.from(e.contents, 'hex').copy(info, 0x30);
    info.writeUInt16LE(0x70, 0x60);
    info.writeUInt8(PAGE_TYPE[e.type]!, 0x62);
    info.writeBigUInt64LE(BigInt(e.gpa), 0x68);
    ld = createHash('sha384').update(info).digest();
    return ld.toString('hex');
  });
}

async function measure(args: string, cwd = SHARED) {
  const r = await runCli(['measure', ...shellWords(args)], cwd);
  assert.equal(r.code, 0, `measure ${args}: exit ${r.code}: ${r.stderr}`);
  return r;
}

test('--json --log: reference digest, input hashes, options and a log whose chain replays', { skip: needsShared }, async () => {
  cliBuilt();
  const r = await measure(`${ROW_DEFAULT} --json --log`);
  const doc = parseMeasureJson(r.stdout, 'stdout');
  assert.equal(doc.format, 'snp-launch.measure/1');
  assert.deepEqual([doc.tool, doc.image, doc.mode, doc.platform, doc.algorithm], ['snp-launch', 'ovmf', 'snp', 'qemu-kvm', 'sha384']);
  assert.equal(doc.digest, ROW_DEFAULT_DIGEST);
  const ovmf = readFileSync(shared(A));
  assert.deepEqual(doc.inputs.ovmf, { path: A, size: 4096, sha256: sha('sha256', ovmf) });
  assert.deepEqual(doc.inputs.kernel, { path: '/dev/null', size: 0, sha256: sha('sha256', new Uint8Array()) });
  assert.deepEqual(doc.options, { vcpus: 1, vcpuType: 'EPYC-v4', vcpuSig: '0x00800f12', guestFeatures: '0x21', append: 'console=ttyS0 loglevel=7' });
  const log = doc.log!;
  assert.ok(log.length > 2);
  log.forEach((e, i) => assert.equal(e.index, i));
  // The firmware page (the whole 4 KiB file) at 4 GiB - 4 KiB, hashed independently.
  assert.deepEqual([log[0]!.gpa, log[0]!.type, log[0]!.contents], ['0xfffff000', 'NORMAL', sha('sha384', ovmf)]);
  const chain = replay(log);
  log.forEach((e, i) => assert.equal(e.digest, chain[i], `step ${i}`));
  assert.equal(chain[chain.length - 1], doc.digest);
  assert.equal(log[log.length - 1]!.type, 'VMSA');
  assert.equal(log[log.length - 1]!.gpa, '0xfffffffff000');
  // Each log entry is one line (diff-friendly).
  assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('    {"index":')).length, log.length);
});

test('--json without --log has no log; sev/seves report sha256', { skip: needsShared }, async () => {
  const r = await measure(`--mode seves --vcpus 1 --vcpu-type EPYC-v4 --ovmf ${A} --kernel /dev/null --initrd /dev/null --json`);
  const doc = parseMeasureJson(r.stdout, 'stdout');
  assert.equal(doc.log, undefined);
  assert.equal(doc.algorithm, 'sha256');
  assert.equal(doc.digest, '13810ae661ea11e2bb205621f582fee268f0367c8f97bc297b7fadef3e12002c'); // ovmf.md §11 "seves"
  assert.equal(doc.options.guestFeatures, undefined, 'seves ignores guest features');
});

test('--log and --log-full: the digest line first, then an aligned table covering every step', { skip: needsShared }, async () => {
  const json = parseMeasureJson((await measure(`${ROW_4M} --json --log`)).stdout, 'stdout');
  const steps = json.log!.length;
  const folded = (await measure(`${ROW_4M} --log`)).stdout.trimEnd().split('\n');
  assert.equal(folded[0], json.digest);
  assert.match(folded[1]!, /^\s*step\s+gpa\s+pages\s+type\s+contents\s+digest after\s+origin$/);
  const rows = folded.slice(2);
  assert.ok(rows.length < 30, `folded table has ${rows.length} rows`);
  // The "pages" column adds up to every step, and the columns line up under the header.
  const pagesAt = folded[1]!.indexOf('pages') + 'pages'.length;
  assert.equal(rows.reduce((n, l) => n + Number(l.slice(0, pagesAt).trim().split(/\s+/).pop()), 0), steps);
  const typeAt = folded[1]!.indexOf('type');
  for (const l of rows) assert.match(l.slice(typeAt), /^(NORMAL|VMSA|ZERO|UNMEASURED|SECRETS|CPUID)\s/);
  assert.match(rows[0]!, /^\s*0-1023\s+0xffc00000-0xfffff000\s+1024\s+NORMAL/);
  const full = (await measure(`${ROW_4M} --log-full`)).stdout.trimEnd().split('\n');
  assert.equal(full.length, steps + 2);
  assert.match(full[full.length - 1]!, new RegExp(`^\\s*${steps - 1}\\s+0xfffffffff000\\s+1\\s+VMSA\\s+[0-9a-f]{12}…\\s+${json.digest.slice(0, 12)}…\\s+VMSA vCPU 0`));
});

test('--log in a SHA-256 mode: the digest line only, and a note on stderr', { skip: needsShared }, async () => {
  const r = await measure(`--mode sev --ovmf fixtures/sev-snp-measure/ovmf_OvmfX64_suffix.bin --log`);
  assert.equal(r.stdout, 'b4c021e085fb83ceffe6571a3d357b4a98773c83c474e47f76c876708fe316da\n'); // ovmf.md §11
  assert.match(r.stderr, /no per-page log/);
});

/** ovmf.md §7.1: the non-zero bytes of the BSP VMSA (QEMU, EPYC-v4, features 0x1). */
const BSP_BYTES =
  '0x002:93 0x004:ffff 0x011:f09b 0x014:ffff 0x01a:ffff 0x022:93 0x024:ffff 0x032:93 0x034:ffff ' +
  '0x042:93 0x044:ffff 0x052:93 0x054:ffff 0x064:ffff 0x072:82 0x074:ffff 0x084:ffff 0x092:8b ' +
  '0x094:ffff 0x0d1:10 0x148:40 0x158:10 0x161:04 0x168:f00fffff 0x170:02 0x178:f0ff ' +
  '0x268:060407 0x26c:060407 0x310:120f80 0x3b0:01 0x3e8:01 0x408:801f 0x410:7f03';

test('--dump-vmsa-dir: the files are the measured VMSAs, with the register bytes of ovmf.md §7.1', { skip: needsShared }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'snp-vmsa-'));
  try {
    const out = join(dir, 'new', 'sub');
    const doc = parseMeasureJson((await measure(`--mode snp --vcpus 3 --vcpu-type EPYC-v4 --ovmf ${A} --dump-vmsa-dir ${out} --json --log`)).stdout, 'stdout');
    assert.deepEqual(readdirSync(out).sort(), ['vmsa0.bin', 'vmsa1.bin', 'vmsa2.bin']);
    const log = doc.log!;
    for (let i = 0; i < 3; i++) {
      const v = readFileSync(join(out, `vmsa${i}.bin`));
      assert.equal(v.length, 4096);
      const e = log[log.length - 3 + i]!;
      assert.deepEqual([e.type, e.contents], ['VMSA', sha('sha384', v)], `vmsa${i}.bin is step ${e.index}`);
    }
    const expected = Buffer.alloc(4096);
    for (const item of BSP_BYTES.split(' ')) {
      const [off, hex] = item.split(':');
      Buffer.from(hex!, 'hex').copy(expected, Number(off));
    }
    assert.ok(readFileSync(join(out, 'vmsa0.bin')).equals(expected), 'BSP VMSA bytes');
    // APs start at the reset block's EIP 0x0080B004: CS.base 0x00800000, RIP 0xB004 (§7.1).
    const ap = readFileSync(join(out, 'vmsa1.bin'));
    assert.equal(ap.readBigUInt64LE(0x10 + 8), 0x800000n);
    assert.equal(ap.readBigUInt64LE(0x178), 0xb004n);
    assert.equal(ap.readBigUInt64LE(0x310), 0x800f12n);
    assert.ok(ap.equals(readFileSync(join(out, 'vmsa2.bin'))), 'all APs identical');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--dump-vmsa writes vmsa<i>.bin into the current directory; stdout is the reference digest', { skip: needsShared }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'snp-vmsa-'));
  try {
    // ovmf.md §11 seves_with_multiple_vcpus.
    const r = await measure(`--mode seves --vcpus 4 --vcpu-type EPYC-v4 --ovmf ${shared(A)} --kernel /dev/null --initrd /dev/null --guest-features 0x21 --dump-vmsa`, dir);
    assert.equal(r.stdout, '0dccbcaba8e90b261bd0d2e1863a2f9da714768b7b2a19363cd6ae35aa90de91\n');
    assert.deepEqual(readdirSync(dir).sort(), ['vmsa0.bin', 'vmsa1.bin', 'vmsa2.bin', 'vmsa3.bin']);
    assert.equal(readFileSync(join(dir, 'vmsa0.bin')).readBigUInt64LE(0x3b0), 0n, 'seves writes SEV_FEATURES 0');
    rmSync(join(dir, 'vmsa0.bin'));
    // snp:ovmf-hash ignores --dump-vmsa (it ignores every other option).
    await measure(`--mode snp:ovmf-hash --ovmf ${shared(A)} --dump-vmsa`, dir);
    assert.ok(!existsSync(join(dir, 'vmsa0.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--version prints the reference-compatible line; --help exits 0', async () => {
  cliBuilt();
  const v = await runCli(['measure', '--version'], SHARED);
  assert.deepEqual([v.code, v.stdout], [0, 'sev-snp-measure 0.0.13\n']);
  const h = await runCli(['measure', '--help'], SHARED);
  assert.equal(h.code, 0);
  for (const o of ['--mode', '--snp-ovmf-hash', '--igvm', '--platform', '--log', '--json', '--dump-vmsa-dir']) assert.ok(h.stdout.includes(o), o);
});
