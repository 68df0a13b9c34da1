/**
 * bin/snp-launch.js: the per-command bundles run through node:vm with a V8 code cache kept beside
 * them. The cache is written once, then reused; a rebuilt bundle of the same length (which V8's own
 * check, the source length, would accept) never runs the stale cache; a damaged cache is replaced;
 * SNP_LAUNCH_NO_CODE_CACHE=1 writes none; without bundles the launcher runs dist/cli/main.js.
 * Also: stdout closed by its reader (`| head`) ends a long `measure --log-full` quietly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needsShared, REPO, shared } from '../_shared.js';

const built = existsSync(join(REPO, 'dist', 'cli', 'bundle', 'measure.cjs'));

/** A private copy of bin/ and dist/ (the cache files are written into it). */
function copyBuild(): { dir: string; bin: string; bundle: string; cache: string } {
  const dir = mkdtempSync(join(tmpdir(), 'snp-launch-launcher-'));
  cpSync(join(REPO, 'dist'), join(dir, 'dist'), { recursive: true, filter: (s) => !s.endsWith('.v8cache') });
  cpSync(join(REPO, 'bin'), join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const bundle = join(dir, 'dist', 'cli', 'bundle', 'measure.cjs');
  return { dir, bin: join(dir, 'bin', 'snp-launch.js'), bundle, cache: `${bundle}.v8cache` };
}

function run(bin: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('code cache: written after the first run, reused unchanged, never used for a rebuilt bundle of the same length', { skip: !built && 'run `npm run build` first' }, () => {
  const b = copyBuild();
  try {
    assert.ok(!existsSync(b.cache));
    const first = run(b.bin, ['measure', '--version']);
    assert.deepEqual([first.code, first.stdout, first.stderr], [0, 'sev-snp-measure 0.0.13\n', '']);
    assert.ok(existsSync(b.cache), 'the first run writes the cache');
    const head = readFileSync(b.cache).subarray(0, 64).toString('latin1');
    assert.match(head, new RegExp(`^snp-launch code cache ${process.version.replace(/\./g, '\\.')} \\d+:\\d+:`));
    const written = statSync(b.cache).mtimeMs;

    const second = run(b.bin, ['measure', '--version']);
    assert.deepEqual([second.code, second.stdout], [0, 'sev-snp-measure 0.0.13\n']);
    assert.equal(statSync(b.cache).mtimeMs, written, 'an accepted cache is not rewritten');

    // Same length, other content: a stale cache would still print the old line.
    const src = readFileSync(b.bundle, 'utf8');
    assert.ok(src.includes('sev-snp-measure 0.0.13'));
    const edited = src.replace('sev-snp-measure 0.0.13', 'sev-snp-measure 9.9.99');
    assert.equal(edited.length, src.length);
    writeFileSync(b.bundle, edited);
    const third = run(b.bin, ['measure', '--version']);
    assert.deepEqual([third.code, third.stdout], [0, 'sev-snp-measure 9.9.99\n']);
    assert.notEqual(statSync(b.cache).mtimeMs, written, 'the cache of the old bundle was replaced');
  } finally {
    rmSync(b.dir, { recursive: true, force: true });
  }
});

test('code cache: a damaged cache is replaced; SNP_LAUNCH_NO_CODE_CACHE=1 writes none', { skip: !built && 'run `npm run build` first' }, () => {
  const b = copyBuild();
  try {
    assert.equal(run(b.bin, ['measure', '--version']).code, 0);
    const good = readFileSync(b.cache);
    const key = good.subarray(0, good.indexOf(0x0a) + 1);
    writeFileSync(b.cache, Buffer.concat([key, Buffer.alloc(4096, 0x5a)]));
    const r = run(b.bin, ['measure', '--version']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'sev-snp-measure 0.0.13\n', '']);
    assert.notEqual(readFileSync(b.cache).subarray(key.length, key.length + 16).toString('hex'), '5a'.repeat(16), 'V8 rejected the damaged data and the launcher replaced it');

    rmSync(b.cache);
    const off = run(b.bin, ['measure', '--version'], { SNP_LAUNCH_NO_CODE_CACHE: '1' });
    assert.deepEqual([off.code, off.stdout], [0, 'sev-snp-measure 0.0.13\n']);
    assert.ok(!existsSync(b.cache));
  } finally {
    rmSync(b.dir, { recursive: true, force: true });
  }
});

test('without the bundles (tsc only) the launcher runs dist/cli/main.js', { skip: !built && 'run `npm run build` first' }, () => {
  const b = copyBuild();
  try {
    rmSync(join(b.dir, 'dist', 'cli', 'bundle'), { recursive: true });
    const r = run(b.bin, ['measure', '--version']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'sev-snp-measure 0.0.13\n', '']);
    const bad = run(b.bin, ['nonsense']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^snp-launch: error: unknown command 'nonsense'/);
  } finally {
    rmSync(b.dir, { recursive: true, force: true });
  }
});

test('stdout closed by its reader: measure --log-full stops quietly with exit 0', { skip: needsShared }, async () => {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'snp-launch.js'), 'measure', '--mode', 'snp', '--vcpus', '4', '--vcpu-type', 'EPYC-v4', '--ovmf', shared('vectors', 'sev-snp-measure', 'inputs', 'ovmf_AmdSev_4M.bin'), '--log-full'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy(); // the reader goes away before the ~90 KB table is written
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(stderr, '');
  assert.equal(code, 0);
});

/**
 * EAGAIN on a non-blocking stdout: writeStdout queues the rest on process.stdout, and every later
 * write goes behind it. A Python parent makes the non-blocking pipe (Node's spawn gives children a
 * blocking one), lets the first 1 MiB fill it, frees some room while the child waits, then reads.
 */
const havePython = spawnSync('python3', ['-c', 'pass']).status === 0;
test('stdout that would block (EAGAIN): later writes stay in order behind the queued bytes', { skip: (!built && 'run `npm run build` first') || (!havePython && 'python3 not found') }, () => {
  const child = `
    const { writeStdout } = await import(${JSON.stringify(join(REPO, 'dist', 'cli', 'stdout.js'))});
    const { readSync, writeSync } = await import('node:fs');
    writeStdout('a'.repeat(1 << 20));
    writeSync(2, 'A\\n');
    readSync(0, Buffer.alloc(1));
    writeStdout('b'.repeat(16) + '\\n');`;
  const parent = `
import os, subprocess, sys
r, w = os.pipe()
os.set_blocking(w, False)
p = subprocess.Popen([sys.argv[1], '--input-type=module', '-e', sys.argv[2]], stdout=w, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
os.close(w)
assert p.stderr.readline() == b'A\\n'
data = os.read(r, 65536)
p.stdin.write(b'g'); p.stdin.flush()
while True:
    c = os.read(r, 1 << 20)
    if not c: break
    data += c
p.wait()
sys.stdout.write('%d %d %s' % (p.returncode, len(data), 'ordered' if data == b'a' * (1 << 20) + b'b' * 16 + b'\\n' else 'OUT OF ORDER'))`;
  const r = spawnSync('python3', ['-c', parent, process.execPath, child], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, `0 ${(1 << 20) + 17} ordered`);
});
