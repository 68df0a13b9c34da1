#!/usr/bin/env node
// Bundles the CLI for start-up time (docs/benchmarks.md, row 4): one self-contained script per
// command, dist/cli/bundle/<command>.cjs = src/cli/main.ts + that command, with the other commands'
// modules replaced by stubs (a process runs exactly one command, chosen by bin/snp-launch.js from
// argv), and dist/cli/bundle/main.cjs with every command stubbed (help, --version, unknown
// commands). One file instead of ~50 modules saves their resolution, reads and compilation; one
// command per file keeps the compiled source small (the report/id-block crypto is not parsed by
// `measure`). Each bundle holds a single copy of the core, so module state (the hash provider) and
// error classes are shared as in the unbundled dist/. Run by `npm run build` after tsc.
//
// The bundles are CommonJS-shaped function bodies, not ES modules: bin/snp-launch.js compiles them
// with node:vm and V8's code cache (Node 20 has no module compile cache), which needs a classic
// script. They see four parameters: module, exports, require (built-ins only) and __snpBundleUrl
// (what import.meta.url was). Nothing in them may stay external: the build fails if it does.
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const COMMANDS_DIR = join(REPO, 'src', 'cli', 'commands');
const OUT = join(REPO, 'dist', 'cli', 'bundle');
const commands = readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));

/** Replaces `import('./commands/<name>.js')` in main.ts by a stub for every command but `keep`. */
function onlyCommand(keep) {
  return {
    name: 'only-command',
    setup(b) {
      b.onResolve({ filter: /^\.\/commands\/[a-z-]+\.js$/ }, (a) => {
        const name = a.path.slice('./commands/'.length, -'.js'.length);
        return name === keep ? undefined : { path: name, namespace: 'stub-command' };
      });
      b.onLoad({ filter: /.*/, namespace: 'stub-command' }, (a) => ({
        contents: `export async function run() { throw new Error('command ${a.path} is not in this bundle'); }`,
        loader: 'js',
      }));
    },
  };
}

/**
 * `node:*` imports become `process.getBuiltinModule()` (Node >= 20.16): an ESM import of a
 * built-in builds its ESM facade, which reads every export, and lazy getters such as
 * fs.ReadStream or crypto.webcrypto then load modules a run never uses (~3 ms per `measure`).
 * Dynamic imports (node:worker_threads, node:v8) become lazy getBuiltinModule calls.
 */
const builtinsWithoutFacade = {
  name: 'builtins-without-esm-facade',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (a) => ({
      contents: `module.exports = process.getBuiltinModule(${JSON.stringify(a.path)});`,
      loader: 'js',
    }));
  },
};

// Stale bundles and their code caches (bin/snp-launch.js keys caches by file identity, but a
// rebuild is the moment to drop them).
rmSync(OUT, { recursive: true, force: true });

const results = await Promise.all(
  [...commands, 'main'].map((cmd) =>
    esbuild.build({
      entryPoints: [join(REPO, 'src', 'cli', 'main.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      legalComments: 'none',
      define: { 'import.meta.url': '__snpBundleUrl' },
      outfile: join(OUT, `${cmd}.cjs`),
      plugins: [onlyCommand(cmd), builtinsWithoutFacade],
      metafile: true,
      logLevel: 'warning',
    }),
  ),
);
for (const r of results) {
  for (const [file, out] of Object.entries(r.metafile.outputs)) {
    const external = out.imports.filter((i) => i.external).map((i) => i.path);
    if (external.length) throw new Error(`${file}: external imports ${external.join(', ')} cannot load inside node:vm`);
  }
}
