#!/usr/bin/env node
// `npm run fuzz -- --target NAME|all [--runs N | --seconds N] [--seed N] [--out DIR] [--hang-ms N]`,
// `npm run fuzz -- --list`. Runs the compiled harness (dist/node/fuzz); docs/fuzzing.md.
// Exit 0: no finding; 1: a finding (the input is saved, its path printed); 2: usage.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
const o = { target: undefined, runs: undefined, seconds: undefined, seed: 1, out: 'fuzz-out', hangMs: 5000, heapMiB: 64, list: false };
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
  else usage(`unknown option ${a} (see --help)`);
}
const dist = join(REPO, 'dist', 'node', 'fuzz');
if (!existsSync(join(dist, 'harness.js'))) usage('dist/node/fuzz is missing: run `npm run build` first');
const { TARGETS } = await import(join(dist, 'targets.js'));
const { fuzzTarget } = await import(join(dist, 'harness.js'));
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
if (typeof globalThis.gc !== 'function') process.stderr.write('fuzz: note: run node with --expose-gc (npm run fuzz does) to check heap growth\n');
let found = false;
for (const t of targets) {
  const budget = Number.isFinite(opts.runs) ? `${opts.runs} inputs` : `${opts.seconds} s`;
  console.log(`fuzz ${t.name}: ${t.what}; seed ${opts.seed}, ${budget}`);
  let s;
  try {
    s = await fuzzTarget(t, opts, (n, acc) => process.stdout.isTTY && process.stdout.write(`\r  ${n} inputs, ${acc} accepted`));
  } catch (e) {
    console.error(`fuzz ${t.name}: error: ${e?.message ?? e}`);
    process.exit(1);
  }
  if (process.stdout.isTTY) process.stdout.write('\r');
  const rate = Math.round((s.cases / Math.max(1, s.ms)) * 1000);
  const top = Object.entries(s.codes).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, n]) => `${k}=${n}`).join(' ');
  if (s.finding) {
    found = true;
    console.log(`fuzz ${t.name}: FINDING (${s.finding.kind}) at input ${s.finding.case}: ${s.finding.why.split('\n').slice(0, 6).join('\n  ')}\n  input saved to ${s.finding.path}`);
    if (o.target !== 'all') break;
  } else {
    console.log(`fuzz ${t.name}: ok — ${s.cases} inputs in ${(s.ms / 1000).toFixed(1)} s (${rate}/s), ${s.accepted} accepted, heap growth ${(s.heapGrowth / 2 ** 20).toFixed(1)} MiB; ${top}`);
  }
}
process.exit(found ? 1 : 0);
