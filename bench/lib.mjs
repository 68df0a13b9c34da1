// Benchmark helpers: timing, medians, child-process wall time and peak RSS, and the result table.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export const MiB = 1 << 20;

/** Milliseconds since an arbitrary origin, high resolution. */
export const now = () => Number(process.hrtime.bigint()) / 1e6;

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs an async or sync function and returns its duration in ms. */
export async function timed(fn) {
  globalThis.gc?.();
  const t0 = now();
  await fn();
  return now() - t0;
}

const HAVE_GNU_TIME = existsSync('/usr/bin/time');

/**
 * Runs a command to completion and returns { code, wallMs, maxRssKiB, stderr, stdout }. Peak RSS
 * comes from GNU time -v when available, else from polling VmHWM in /proc/<pid>/status (a
 * high-water mark, so the last sample before exit is the peak up to that moment).
 */
export async function runMeasured(cmd, args) {
  if (HAVE_GNU_TIME) {
    const t0 = now();
    const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 * MiB });
    const wallMs = now() - t0;
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    const stderr = r.stderr.split('\n\tCommand being timed')[0];
    return { code: r.status, wallMs, maxRssKiB: m ? Number(m[1]) : NaN, stderr, stdout: r.stdout, rssSource: 'GNU time -v' };
  }
  return new Promise((resolve) => {
    const t0 = now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hwm = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwm = Math.max(hwm, Number(m[1]));
      } catch {
        /* exited */
      }
    }, 2);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, wallMs: now() - t0, maxRssKiB: hwm || NaN, stderr, stdout, rssSource: '/proc VmHWM polling' });
    });
  });
}

/** Whole-process wall time of a synchronous spawn, in ms. */
export function wallOf(cmd, args) {
  const t0 = now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${String(r.stderr).split('\n')[0]}`);
  return ms;
}

export const fmtRate = (bytes, ms) => `${((bytes / 1e6) / (ms / 1e3)).toFixed(0)} MB/s`;
export const fmtMs = (ms) => `${ms.toFixed(1)} ms`;
export const fmtMiB = (kib) => `${(kib / 1024).toFixed(1)} MiB`;

/** Collects rows and prints them as an aligned table. */
export class Table {
  rows = [];
  notes = [];
  add(metric, value, baseline, ratio, target, pass) {
    const verdict = pass === undefined ? 'info' : pass ? 'PASS' : 'FAIL';
    this.rows.push([metric, value, baseline, ratio, target, verdict]);
    return pass;
  }
  skip(metric, why) {
    this.rows.push([metric, `skipped: ${why}`, '', '', '', 'SKIP']);
  }
  render() {
    const head = ['metric', 'value', 'baseline', 'ratio', 'target', 'result'];
    const all = [head, ...this.rows];
    const w = head.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
    const line = (r) => r.map((c, i) => String(c).padEnd(w[i])).join(' | ').trimEnd();
    return [line(head), w.map((n) => '-'.repeat(n)).join('-|-'), ...this.rows.map(line)].join('\n');
  }
}
