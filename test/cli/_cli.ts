/**
 * Helpers for tests of the built CLI: a POSIX shell-words splitter (for reference.tsv's quoted
 * argument strings), a child-process runner and a small concurrency pool.
 *
 * The runner uses a snapshot of dist/ taken once per test file, so a rebuild running at the same
 * time (several people share one working tree) cannot hand a child a half-written module.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { CLI, REPO } from '../_shared.js';

/** Splits like a POSIX shell (without expansions): whitespace, '...', "...", and backslash escapes. */
export function shellWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${line}`);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      for (; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && i + 1 < line.length && '$`"\\\n'.includes(line[i + 1]!)) i++;
        cur += line[i];
      }
      if (i >= line.length) throw new Error(`unterminated " in: ${line}`);
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cliBuilt(): void {
  assert.ok(existsSync(join(REPO, 'dist', 'cli', 'main.js')), 'dist/ is missing: run `npm run build` before the CLI tests');
}

let snapshot: string | undefined;

/** bin/snp-launch.js of a private copy of the build (dependencies through a node_modules link). */
function cliPath(): string {
  if (snapshot === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'snp-launch-cli-'));
    cpSync(join(REPO, 'dist'), join(dir, 'dist'), { recursive: true });
    cpSync(join(REPO, 'bin'), join(dir, 'bin'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    snapshot = join(dir, 'bin', 'snp-launch.js');
  }
  return snapshot;
}

/** Runs `node bin/snp-launch.js <args>` in `cwd`. */
export function runCli(args: readonly string[], cwd: string, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [existsSync(join(REPO, 'dist', 'cli', 'main.js')) ? cliPath() : CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Maps `items` through `fn` with at most `limit` in flight, keeping the order. */
export async function pool<T, R>(items: readonly T[], fn: (t: T, i: number) => Promise<R>, limit = Math.min(4, availableParallelism() + 1)): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Exactly one stderr line, no stack frame, nothing on stdout; returns the line. */
export function assertOneLineError(r: CliResult, what: string): string {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `${what}: expected one stderr line, got:\n${r.stderr}`);
  assert.ok(!/^\s+at /m.test(r.stderr), `${what}: stack trace on stderr:\n${r.stderr}`);
  assert.equal(r.stdout, '', `${what}: unexpected stdout: ${r.stdout}`);
  return lines[0]!;
}
