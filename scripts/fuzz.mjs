#!/usr/bin/env node
// `npm run fuzz -- --target NAME|all [--runs N | --seconds N] [--seed N] [--out DIR] [--hang-ms N]`,
// `npm run fuzz -- --list`. Runs the harness in tools/fuzz from source through tsx (the library
// is not involved in building it); docs/fuzzing.md.
// Exit 0: no finding; 1: a finding (the input is saved, its path printed); 2: usage.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HELP = `usage: npm run fuzz -- --target NAME|all [--runs N | --seconds N] [--seed N] [--out DIR] [--hang-ms N]
       npm run fuzz -- --list
  --target NAME  a target from --list, or all (each in turn with the same budget)
  --runs N       inputs per target (default 100000 unless --seconds is given)
  --seconds N    time per target
  --seed N       PRNG seed (default 1; printed so a run can be repeated)
  --out DIR      where a finding's input is saved (default fuzz-out)
  --hang-ms N    one input running longer than this is a hang (default 5000)
  --heap-mib N   heap growth after GC that counts as a finding (default 64)`;

function usage(msg) {
  process.stderr.write(`fuzz: error: ${msg}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const o = { target: undefined, runs: undefined, seconds: undefined, seed: 1, out: 'fuzz-out', hangMs: 5000, heapMiB: 64, list: false, child: false, journal: undefined };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const num = () => {
    const v = argv[++i];
    if (v === undefined || !/^\d+$/.test(v)) usage(`${a} needs a non-negative integer`);
    return Number(v);
  };
  if (a === '-h' || a === '--help') {
    console.log(HELP);
    process.exit(0);
  } else if (a === '--list') o.list = true;
  else if (a === '--target') o.target = argv[++i] ?? usage('--target needs a name');
  else if (a === '--runs') o.runs = num();
  else if (a === '--seconds') o.seconds = num();
  else if (a === '--seed') o.seed = num();
  else if (a === '--out') o.out = argv[++i] ?? usage('--out needs a directory');
  else if (a === '--hang-ms') o.hangMs = num();
  else if (a === '--heap-mib') o.heapMiB = num();
  else if (a === '--child') o.child = true; // internal: run one target in this process, print its summary as JSON
  else if (a === '--journal') o.journal = argv[++i] ?? usage('--journal needs a file');
  else usage(`unknown option ${a} (see --help)`);
}
register();
const tools = join(REPO, 'tools', 'fuzz');
const { TARGETS } = await import(join(tools, 'targets.ts'));
const { fuzzTarget } = await import(join(tools, 'harness.ts'));
if (o.list) {
  for (const t of TARGETS) console.log(t.name);
  process.exit(0);
}
if (o.target === undefined) usage('--target NAME or --list is required');
const targets = o.target === 'all' ? TARGETS : TARGETS.filter((t) => t.name === o.target);
if (targets.length === 0) usage(`unknown target '${o.target}' (choose from ${TARGETS.map((t) => t.name).join(', ')}, all)`);
const shared = process.env.SNP_LAUNCH_SHARED ?? resolve(REPO, '..', 'shared');
const opts = {
  runs: o.runs ?? (o.seconds === undefined ? 100_000 : Infinity),
  seconds: o.seconds ?? Infinity,
  seed: o.seed,
  out: o.out,
  hangMs: o.hangMs,
  heapLimit: o.heapMiB * 2 ** 20,
  ctx: { repo: REPO, ...(existsSync(shared) ? { shared } : {}) },
};
if (o.journal) opts.journal = o.journal;

if (o.child) {
  // One target in this process; the parent reads the last line. Progress goes to stderr every
  // 100,000 inputs (a million-input run takes minutes to hours).
  const t0 = Date.now();
  const s = await fuzzTarget(targets[0], opts, (cases) => {
    if (cases % 100_000 === 0) process.stderr.write(`fuzz ${targets[0].name}: ${cases.toLocaleString('en-US')} inputs, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  });
  process.stdout.write(JSON.stringify(s) + '\n');
  process.exit(0);
}

/**
 * Runs a target in a child process, so that an abort in native code (OpenSSL, a Node assertion)
 * kills only the child. When the child dies from a signal, the same deterministic run is repeated
 * with a journal (each input written to a file before it runs) to save the input that kills it.
 */
function runChild(t, journal) {
  const args = ['--expose-gc', fileURLToPath(import.meta.url), '--child', '--target', t.name, '--seed', String(o.seed), '--out', o.out, '--hang-ms', String(o.hangMs), '--heap-mib', String(o.heapMiB)];
  if (Number.isFinite(opts.runs)) args.push('--runs', String(opts.runs));
  if (Number.isFinite(opts.seconds)) args.push('--seconds', String(opts.seconds));
  if (journal) args.push('--journal', journal);
  // stderr is shown as it comes (progress lines) and kept (the reason of a crash).
  return new Promise((done) => {
    const c = spawn(process.execPath, args, { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    c.stderr.setEncoding('utf8').on('data', (d) => {
      if (err.length < 1 << 20) err += d;
      process.stderr.write(d);
    });
    c.on('close', (status, signal) => done(status === 0 ? JSON.parse(out.trim().split('\n').pop()) : { died: signal ?? `exit ${status}`, stderr: err }));
  });
}

let found = false;
for (const t of targets) {
  const budget = Number.isFinite(opts.runs) ? `${opts.runs} inputs` : `${opts.seconds} s`;
  console.log(`fuzz ${t.name}: ${t.what}; seed ${opts.seed}, ${budget}`);
  let s = await runChild(t);
  if (s.died) {
    mkdirSync(o.out, { recursive: true });
    const journal = join(o.out, `crash-${t.name}-seed${o.seed}.bin`);
    console.log(`fuzz ${t.name}: the process died (${s.died}): ${String(s.stderr).split('\n').find((l) => l.trim()) ?? ''}; replaying with a journal`);
    const again = await runChild(t, journal);
    const why = again.died ? `the process died (${again.died})` : 'the run did not die again when replayed';
    s = { target: t.name, cases: 0, accepted: 0, rejected: 0, ms: 0, codes: {}, heapGrowth: 0, finding: { kind: 'crash', why: `${why}: ${String(again.stderr ?? s.stderr).split('\n').find((l) => /Assertion|Error|abort/i.test(l)) ?? ''}`, path: journal, case: -1 } };
  }
  const rate = Math.round((s.cases / Math.max(1, s.ms)) * 1000);
  const top = Object.entries(s.codes).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, n]) => `${k}=${n}`).join(' ');
  if (s.finding) {
    found = true;
    console.log(`fuzz ${t.name}: FINDING (${s.finding.kind})${s.finding.case >= 0 ? ` at input ${s.finding.case}` : ''}: ${s.finding.why.split('\n').slice(0, 6).join('\n  ')}\n  input saved to ${s.finding.path}`);
    if (o.target !== 'all') break;
  } else {
    console.log(`fuzz ${t.name}: ok — ${s.cases} inputs in ${(s.ms / 1000).toFixed(1)} s (${rate}/s), ${s.accepted} accepted, heap growth ${(s.heapGrowth / 2 ** 20).toFixed(1)} MiB; ${top}`);
  }
}
process.exit(found ? 1 : 0);
