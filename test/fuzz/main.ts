/**
 * `npm run fuzz -- --target NAME|all [--runs N | --seconds N] [--seed N]`: the fuzzing harness
 * (docs/fuzzing.md). Each target runs in a worker thread; a watchdog here saves the current input
 * when a case makes no progress for --hang-ms. Exit 0: nothing found; 1: a finding (the saved
 * input's path is printed); 2: usage.
 */
import { Worker } from 'node:worker_threads';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding, FuzzStats } from './engine.js';
import { TARGETS } from './targets.js';
import { isLocated } from './target.js';

const HELP = `usage: npm run fuzz -- --target NAME|all [--runs N | --seconds N] [--seed N] [--stack N] [--out DIR] [--hang-ms N]
       npm run fuzz -- --list
       npm run fuzz -- --target NAME --replay FILE
  --runs N      inputs per target (default: no limit when --seconds is given, else 100000)
  --seconds N   time budget per target (default: no limit when --runs is given)
  --seed N      PRNG seed (default: time-based, printed)
  --stack N     at most N stacked mutations per input (default 4)
  --out DIR     where a finding's input is written (default fuzz-out)
  --hang-ms N   a case running longer than this is a finding (default 10000)`;

const SAB_BYTES = 8 + (4 << 20);

function usage(msg: string): never {
  process.stderr.write(`fuzz: ${msg}\n${HELP}\n`);
  process.exit(2);
}

function options(argv: string[]) {
  const o = { target: '', runs: NaN, seconds: NaN, seed: Date.now() % 2 ** 31, stack: 4, out: 'fuzz-out', hangMs: 10_000, list: false, replay: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => argv[++i] ?? usage(`${a} needs a value`);
    const num = () => {
      const n = Number(v());
      if (!Number.isFinite(n) || n < 0) usage(`${a} must be a non-negative number`);
      return n;
    };
    if (a === '-h' || a === '--help') {
      process.stdout.write(HELP + '\n');
      process.exit(0);
    } else if (a === '--list') o.list = true;
    else if (a === '--target') o.target = v();
    else if (a === '--runs') o.runs = num();
    else if (a === '--seconds') o.seconds = num();
    else if (a === '--seed') o.seed = num();
    else if (a === '--stack') o.stack = num();
    else if (a === '--out') o.out = v();
    else if (a === '--hang-ms') o.hangMs = num();
    else if (a === '--replay') o.replay = v();
    else usage(`unknown option ${a}`);
  }
  if (Number.isNaN(o.runs)) o.runs = Number.isNaN(o.seconds) ? 100_000 : Infinity;
  if (Number.isNaN(o.seconds)) o.seconds = Infinity;
  return o;
}

type Opts = ReturnType<typeof options>;

function line(s: FuzzStats): string {
  const rate = s.ms > 0 ? Math.round((s.cases * 1000) / s.ms) : 0;
  const codes = Object.entries(s.codes).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, n]) => `${k}:${n}`).join(' ');
  const heap = s.heapMiB.length ? ` heap ${s.heapMiB[0]}..${s.heapMiB[s.heapMiB.length - 1]} MiB` : '';
  return `${s.target}: ${s.cases} inputs in ${(s.ms / 1000).toFixed(1)} s (${rate}/s), seed ${s.seed}, ${s.accepted} accepted${heap} | ${codes}`;
}

function save(o: Opts, name: string, ext: string, f: Finding): string {
  mkdirSync(o.out, { recursive: true });
  const p = join(o.out, `${f.kind === 'slow' ? 'hang' : f.kind === 'heap' ? 'heap' : 'fail'}-${name}-seed${o.seed}-case${f.index}.${ext}`);
  writeFileSync(p, f.input);
  return p;
}

function runOne(o: Opts, name: string, ext: string): Promise<boolean> {
  const shared = new SharedArrayBuffer(SAB_BYTES);
  const meta = new Int32Array(shared, 0, 2);
  const w = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
    workerData: { name, runs: o.runs, seconds: o.seconds, seed: o.seed, stack: o.stack, hangMs: o.hangMs, shared },
  });
  return new Promise((resolve) => {
    let last = -1;
    let since = Date.now();
    const finish = (ok: boolean) => {
      clearInterval(dog);
      void w.terminate();
      resolve(ok);
    };
    const dog = setInterval(() => {
      const n = Atomics.load(meta, 0);
      if (n !== last) {
        last = n;
        since = Date.now();
      } else if (n > 0 && Date.now() - since > o.hangMs) {
        const input = new Uint8Array(shared, 8, Atomics.load(meta, 1)).slice();
        const p = save(o, name, ext, { kind: 'slow', detail: '', input, index: n - 1 });
        console.log(`${name}: HANG — case ${n - 1} made no progress for ${o.hangMs} ms; input saved to ${p}`);
        finish(false);
      }
    }, 250);
    w.on('message', (m: { type: string; stats: FuzzStats; finding?: Finding }) => {
      if (m.type === 'progress') console.log(`  ${line(m.stats)}`);
      if (m.type !== 'done') return;
      console.log(line(m.stats));
      if (m.finding) {
        const p = save(o, name, ext, m.finding);
        console.log(`${name}: FINDING (${m.finding.kind}) at case ${m.finding.index}; input saved to ${p}\n${m.finding.detail}`);
      }
      finish(!m.finding);
    });
    w.on('error', (e) => {
      console.log(`${name}: the worker died: ${e instanceof Error ? e.stack : JSON.stringify(e)}`);
      finish(false);
    });
  });
}

async function replay(name: string, file: string): Promise<boolean> {
  const t = TARGETS.find((x) => x.name === name)!;
  try {
    await t.check(t.decode(new Uint8Array(readFileSync(file))));
    console.log(`${name}: ${file} is accepted and re-validates`);
    return true;
  } catch (e) {
    if (isLocated(e) && (!t.located || t.located(e))) {
      console.log(`${name}: ${file} is rejected as expected: ${e.code}: ${e.message}`);
      return true;
    }
    console.log(`${name}: ${file} is a finding:\n${e instanceof Error ? e.stack : String(e)}`);
    return false;
  }
}

const o = options(process.argv.slice(2));
if (o.list) {
  for (const t of TARGETS) console.log(t.name);
  process.exit(0);
}
if (!o.target) usage('--target NAME (or all) is required; --list shows the names');
const chosen = o.target === 'all' ? TARGETS : TARGETS.filter((t) => t.name === o.target);
if (chosen.length === 0) usage(`unknown target '${o.target}' (try --list)`);
if (o.replay) process.exit((await replay(o.target, o.replay)) ? 0 : 1);
let ok = true;
for (const t of chosen) {
  if (!(await runOne(o, t.name, t.ext))) {
    ok = false;
    break;
  }
}
process.exit(ok ? 0 : 1);
