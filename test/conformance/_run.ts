/**
 * Runs the BUILT CLI (`node bin/snp-launch.js ...`; `npm run build` first) on a file written to a
 * temporary directory, and the assertions shared by the conformance tests: a digest line with exit 0,
 * or exactly one error line (no stack trace) with exit 1.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CLI } from '../_shared.js';

/** bin/snp-launch.js is a launcher for dist/cli/main.js, which only `npm run build` creates. */
const DIST_MAIN = join(dirname(CLI), '..', 'dist', 'cli', 'main.js');
export const BUILT = existsSync(CLI) && existsSync(DIST_MAIN);
export const needsBuild: string | false = BUILT ? false : `built CLI not found (${DIST_MAIN}; run npm run build)`;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A temporary directory removed at process exit. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let seq = 0;
export function writeTemp(dir: string, bytes: Uint8Array, name = 'case'): string {
  const p = join(dir, `${name}-${seq++}.igvm`);
  writeFileSync(p, bytes);
  return p;
}

const show = (r: CliResult) => `exit ${r.code}\nstdout: ${JSON.stringify(r.stdout)}\nstderr: ${JSON.stringify(r.stderr)}`;

/** Exit 0 and stdout exactly `digest\n`. */
export function assertDigest(r: CliResult, digest: string): void {
  assert.equal(r.stdout, digest + '\n', `expected digest ${digest}\n${show(r)}`);
  assert.equal(r.code, 0, show(r));
}

/** Exit `code` (default 1), nothing on stdout, exactly one stderr line and no stack trace. */
export function assertOneLineError(r: CliResult, code: number | number[] = 1): string {
  const codes = Array.isArray(code) ? code : [code];
  assert.ok(codes.includes(r.code ?? -1), `expected exit ${codes.join(' or ')}\n${show(r)}`);
  assert.equal(r.stdout, '', show(r));
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one stderr line\n${show(r)}`);
  assert.ok(r.stderr.endsWith('\n'), show(r));
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'stack trace on stderr');
  return lines[0]!;
}
