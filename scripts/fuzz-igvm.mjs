#!/usr/bin/env node
// Long-running fuzzer for the IGVM parser (docs/fuzzing.md). Mutates seed files with the same
// structure-aware mutator as test/igvm/property.test.ts (src/images/igvm/mutate.ts), stacks up to
// --stack mutations, and checks that every input either parses or fails with an IGVM
// SnpLaunchError that names an offset; files that parse must also inspect, and their model x must
// satisfy parse(write(x)) == x and write(parse(w)) == w for the rewritten file w. A watchdog
// thread catches hangs. Failing inputs are saved to --out.
//
//   npm run build && node scripts/fuzz-igvm.mjs --seconds 600 --seed 7 --out fuzz-out [--corpus DIR]
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';

const HELP = `usage: node scripts/fuzz-igvm.mjs [--seconds N] [--cases N] [--seed N] [--stack N] [--out DIR] [--corpus DIR] [--hang-ms N]
  --seconds N   stop after N seconds (default 60)
  --cases N     stop after N cases (default: no limit)
  --seed N      PRNG seed (default: time-based; printed so a run can be repeated)
  --stack N     at most N stacked mutations per case (default 4)
  --out DIR     where failing inputs are written (default fuzz-out)
  --corpus DIR  extra seed files (*.igvm) besides the built-in ones; they must parse
  --hang-ms N   a single case running longer than this is a hang (default 10000)
Needs the compiled library: run \`npm run build\` first.`;

const SHARED_BYTES = 1 << 22; // the current input, for the watchdog (inputs are capped to this)

function parseOptions(argv) {
  const o = { seconds: 60, cases: Infinity, seed: Date.now() % 2 ** 31, stack: 4, out: 'fuzz-out', corpus: undefined, hangMs: 10_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (argv[i + 1] === undefined) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '-h' || a === '--help') {
      console.log(HELP);
      process.exit(0);
    } else if (a === '--seconds') o.seconds = Number(v());
    else if (a === '--cases') o.cases = Number(v());
    else if (a === '--seed') o.seed = Number(v());
    else if (a === '--stack') o.stack = Number(v());
    else if (a === '--out') o.out = v();
    else if (a === '--corpus') o.corpus = v();
    else if (a === '--hang-ms') o.hangMs = Number(v());
    else throw new Error(`unknown option ${a}\n${HELP}`);
  }
  for (const k of ['seconds', 'cases', 'seed', 'stack', 'hangMs']) {
    if (!(o[k] >= 0)) throw new Error(`--${k} must be a non-negative number`);
  }
  return o;
}

async function lib() {
  const dist = new URL('../dist/images/igvm/', import.meta.url);
  if (!existsSync(fileURLToPath(new URL('index.js', dist)))) throw new Error('dist/images/igvm is missing: run `npm run build` first');
  const [igvm, mut, errors, source] = await Promise.all([
    import(new URL('index.js', dist).href),
    import(new URL('mutate.js', dist).href),
    import(new URL('../../core/errors.js', dist).href),
    import(new URL('../../core/source.js', dist).href),
  ]);
  return { ...igvm, ...mut, SnpLaunchError: errors.SnpLaunchError, bytesSource: source.bytesSource };
}

/** Built-in seeds: small files covering most header types (same spirit as the property test). */
function builtinSeeds(L) {
  const vmsa = new Uint8Array(4096);
  vmsa[0x3b0] = 1;
  const vbs = new Uint8Array(36);
  vbs[0] = 1;
  return [
    L.igvmBuilder().platform('SEV_SNP').policy(0x30000n).pageData(0, new Uint8Array([1])).zeroPages(0x1000, 2).parameterArea(0, 0x2000).parameter('VP_COUNT_PARAMETER', 0, 0).parameter('MEMORY_MAP', 0, 8).parameterInsert(0x10000, 0).vpContext(0xfffffffff000n, 0, vmsa).requiredMemory(0x100000, 0x1000).build(),
    L.igvmBuilder({ formatVersion: 2 }).platform('SEV_SNP').platform('NATIVE').platform('VSM_ISOLATION').policy(0x3001fn).pageData(0x200000, new Uint8Array([2]), { is2MiB: true, mask: 3 }).vpContext(0, 0, vbs, 4).idBlock().build(),
    L.igvmBuilder({ formatVersion: 2, architecture: 'aarch64' }).platform('CCA').header({ kind: 'CCA_POLICY', compatibilityMask: 1, attributesRequiredZeroes: 0n, attributesRequiredOnes: 0n, hashAlgorithm: 2, lfaPolicy: 0 }).header({ kind: 'CORIM_DOCUMENT', compatibilityMask: 1, data: new Uint8Array([1, 2, 3]) }).pageData(0, null).parameterArea(1, 4096, new Uint8Array(4096).fill(7)).parameter('COMMAND_LINE', 1, 0).parameterInsert(0x5000, 1).build(),
    L.igvmBuilder().platform('SEV_SNP').platform('TDX').header({ kind: 'PAGE_TABLE_RELOCATION_REGION', compatibilityMask: 1, vpIndex: 0, vtl: 0, gpa: 0x800000n, size: 0x4000n, usedSize: 0x1000n }).header({ kind: 'RELOCATABLE_REGION', compatibilityMask: 1, vpIndex: 0, vtl: 0, flags: { isVtl2: false, applyRip: true, applyGdtr: false }, relocationAlignment: 0x1000n, relocationRegionGpa: 0x100000n, relocationRegionSize: 0x10000n, minimumRelocationGpa: 0n, maximumRelocationGpa: 0x10000000n }).vpContext(0x3000, 0, vmsa).header({ kind: 'ERROR_RANGE', gpa: 0x9000n, compatibilityMask: 2, sizeBytes: 0x1000 }).build(),
  ];
}

async function worker() {
  const { opts, shared } = workerData;
  const L = await lib();
  const cur = new Uint8Array(shared, 8);
  const meta = new Int32Array(shared, 0, 2); // [length, case number low bits]
  const seeds = builtinSeeds(L);
  if (opts.corpus) {
    for (const n of readdirSync(opts.corpus).filter((x) => x.endsWith('.igvm')).sort()) {
      const b = new Uint8Array(readFileSync(join(opts.corpus, n)));
      await L.parseIgvm(L.bytesSource(n, b)); // seeds must be valid
      seeds.push(b);
    }
  }
  for (const s of seeds) await L.parseIgvm(L.bytesSource('seed', s));
  const rnd = L.prng(opts.seed);
  const stats = { cases: 0, parsed: 0, codes: {} };
  const end = Date.now() + opts.seconds * 1000;
  const fail = (why, f) => parentPort.postMessage({ type: 'fail', why, input: f, stats, case: stats.cases });
  for (let i = 0; i < opts.cases && Date.now() < end; i++) {
    let f = seeds[Math.floor(rnd() * seeds.length)];
    for (let k = 1 + Math.floor(rnd() * opts.stack); k > 0; k--) f = L.mutate(f, rnd);
    if (f.length > SHARED_BYTES - 8) f = f.subarray(0, SHARED_BYTES - 8);
    cur.set(f);
    Atomics.store(meta, 0, f.length);
    Atomics.store(meta, 1, i);
    stats.cases++;
    const src = L.bytesSource('fuzz.igvm', f);
    let file;
    try {
      file = await L.parseIgvm(src);
    } catch (e) {
      if (!(e instanceof L.SnpLaunchError) || !e.code.startsWith('IGVM_') || typeof e.location.offset !== 'number') {
        fail(`untyped or unlocated error: ${e instanceof Error ? e.stack : String(e)}`, f);
        return;
      }
      stats.codes[e.code] = (stats.codes[e.code] ?? 0) + 1;
      if (i % 5000 === 0) parentPort.postMessage({ type: 'progress', stats });
      continue;
    }
    stats.parsed++;
    try {
      await L.inspectIgvm(src, file);
      const model = await L.toIgvmModel(src, file);
      let w;
      try {
        w = L.writeIgvm(model);
      } catch (e) {
        if (!(e instanceof L.SnpLaunchError && ['IGVM_NO_FILE_DATA', 'IGVM_WRITE_DATA'].includes(e.code))) throw e;
        continue;
      }
      // parse(write(x)) == x, and the canonical file is a fixed point: write(parse(w)) == w.
      const wsrc = L.bytesSource('rewritten.igvm', w);
      const back = await L.toIgvmModel(wsrc, await L.parseIgvm(wsrc));
      if (!isDeepStrictEqual(back, model)) throw new Error('parse(write(x)) != x');
      if (Buffer.compare(L.writeIgvm(back), w) !== 0) throw new Error('write(parse(w)) != w');
    } catch (e) {
      fail(`a file that parses failed later: ${e instanceof Error ? e.stack : String(e)}`, f);
      return;
    }
    if (i % 5000 === 0) parentPort.postMessage({ type: 'progress', stats });
  }
  parentPort.postMessage({ type: 'done', stats });
}

async function main() {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error(`fuzz-igvm: ${e.message}`);
    process.exit(2);
  }
  const shared = new SharedArrayBuffer(SHARED_BYTES);
  const meta = new Int32Array(shared, 0, 2);
  console.log(`fuzz-igvm: seed ${opts.seed}, ${opts.seconds} s, stack ≤ ${opts.stack}${opts.corpus ? `, corpus ${opts.corpus}` : ''}`);
  const started = Date.now();
  const w = new Worker(fileURLToPath(import.meta.url), { workerData: { opts, shared } });
  const save = (name, bytes) => {
    mkdirSync(opts.out, { recursive: true });
    const p = join(opts.out, name);
    writeFileSync(p, bytes);
    return p;
  };
  const show = (s) => {
    const rate = Math.round(s.cases / ((Date.now() - started) / 1000));
    const top = Object.entries(s.codes).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}=${n}`).join(' ');
    return `${s.cases} cases (${rate}/s), ${s.parsed} parsed; ${top}`;
  };
  let lastCase = -1;
  let lastChange = Date.now();
  const watchdog = setInterval(() => {
    const c = Atomics.load(meta, 1);
    if (c !== lastCase) {
      lastCase = c;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > opts.hangMs) {
      const len = Atomics.load(meta, 0);
      const p = save(`hang-seed${opts.seed}-case${c}.igvm`, new Uint8Array(shared, 8, len).slice());
      console.error(`fuzz-igvm: HANG at case ${c} (no progress for ${opts.hangMs} ms); input saved to ${p}`);
      void w.terminate();
      process.exit(1);
    }
  }, 250);
  w.on('message', (m) => {
    if (m.type === 'progress') console.log(`  ${show(m.stats)}`);
    else if (m.type === 'done') {
      clearInterval(watchdog);
      console.log(`fuzz-igvm: OK — ${show(m.stats)}`);
      process.exit(0);
    } else if (m.type === 'fail') {
      clearInterval(watchdog);
      const p = save(`fail-seed${opts.seed}-case${m.case}.igvm`, m.input);
      console.error(`fuzz-igvm: FAILURE at case ${m.case}: ${m.why}\ninput saved to ${p}`);
      process.exit(1);
    }
  });
  w.on('error', (e) => {
    clearInterval(watchdog);
    console.error(`fuzz-igvm: worker crashed: ${e.stack ?? e}`);
    process.exit(1);
  });
}

if (isMainThread) await main();
else await worker();
