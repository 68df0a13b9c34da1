#!/usr/bin/env node
// Thin launcher, CommonJS (bin/package.json): an ES module entry point costs ~7 ms of loader
// start-up that a CommonJS one does not (docs/benchmarks.md, row 4).
//
// `npm run build` bundles the CLI per command into dist/cli/bundle/<command>.cjs
// (scripts/bundle-cli.mjs); a run compiles only the bundle of its command, through node:vm so that
// V8's code cache applies: Node 20 has no compile cache for user code (Node 22's
// module.enableCompileCache), and compiling the bundle plus the functions a run calls is ~10 ms.
// The cache is written beside the bundle after a run when it is missing or was rejected, and only
// if that directory is writable; it is keyed by the bundle's identity (device, inode, size, mtime,
// ctime), because V8 itself only checks the source length. SNP_LAUNCH_NO_CODE_CACHE=1 turns it off.
// Without the bundles (tsc only), dist/cli/main.js is imported as an ES module.
'use strict';

const fs = process.getBuiltinModule('node:fs');
const { join } = process.getBuiltinModule('node:path');
const { pathToFileURL } = process.getBuiltinModule('node:url');

const argv = process.argv.slice(2);
const dir = join(__dirname, '..', 'dist', 'cli', 'bundle');
const cmd = argv[0];
const pick = (name) => join(dir, `${name}.cjs`);
const file = cmd !== undefined && /^[a-z][a-z-]*$/.test(cmd) && fs.existsSync(pick(cmd)) ? pick(cmd) : pick('main');

const finish = (run) =>
  run.then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`Error: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );

if (!fs.existsSync(file)) {
  finish(import(pathToFileURL(join(__dirname, '..', 'dist', 'cli', 'main.js')).href).then((m) => m.main(argv)));
} else {
  const { main, saveCodeCache } = loadBundle(file);
  finish(main(argv)).then(saveCodeCache).then(exitWhenIdle);
}

/**
 * With nothing left to do (no handle, request or timer: output written, files closed, workers
 * gone), exit now. Left alone, Node would first wait for V8's background jobs, e.g. optimizing
 * compilations of the hashing loops the run no longer needs: ~10 ms of a 4 MiB `measure`.
 */
function exitWhenIdle() {
  if (process.getActiveResourcesInfo().length === 0) process.exit();
}

/** Compiles a bundle with its code cache, runs its top level, and returns its exports. */
function loadBundle(path) {
  const vm = process.getBuiltinModule('node:vm');
  const source = fs.readFileSync(path, 'utf8');
  const useCache = !process.env.SNP_LAUNCH_NO_CODE_CACHE;
  const cachePath = `${path}.v8cache`;
  const st = fs.statSync(path, { bigint: true });
  const key = Buffer.from(`snp-launch code cache ${process.version} ${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}\n`);
  let cachedData;
  if (useCache) {
    try {
      const raw = fs.readFileSync(cachePath);
      if (raw.length > key.length && raw.subarray(0, key.length).equals(key)) cachedData = raw.subarray(key.length);
    } catch {
      // No cache yet (or unreadable): compile from source.
    }
  }
  // The bundle is a function body (scripts/bundle-cli.mjs); its first line stays line 1.
  const script = new vm.Script(`(function (module, exports, require, __snpBundleUrl) {${source}\n})`, { filename: path, cachedData });
  const mod = { exports: {} };
  script.runInThisContext()(mod, mod.exports, (id) => process.getBuiltinModule(id), pathToFileURL(path).href);
  const saveCodeCache = () => {
    if (!useCache || (cachedData && !script.cachedDataRejected)) return;
    // After the run, so the functions it compiled are in the cache too. Best effort: a read-only
    // install simply runs without one.
    const tmp = `${cachePath}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, Buffer.concat([key, script.createCachedData()]));
      fs.renameSync(tmp, cachePath);
    } catch {
      fs.rmSync(tmp, { force: true });
    }
  };
  return { main: mod.exports.main, saveCodeCache };
}
