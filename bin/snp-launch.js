#!/usr/bin/env node
// Thin launcher. `npm run build` compiles the CLI to dist/ (tsc) and bundles it per command into
// dist/cli/bundle/<command>.js (scripts/bundle-cli.mjs): a run loads the one file of its command,
// which starts much faster than ~50 separate modules. Without the bundles (tsc only), dist/cli/main.js.
// process.getBuiltinModule (Node ≥ 20.16) skips the ESM facade of node:fs, whose lazy getters
// (fs.ReadStream ...) would load the stream modules.
const { existsSync } = process.getBuiltinModule('node:fs');

const cmd = process.argv[2];
const bundle = (name) => new URL(`../dist/cli/bundle/${name}.js`, import.meta.url);
const which = cmd !== undefined && /^[a-z][a-z-]*$/.test(cmd) && existsSync(bundle(cmd)) ? bundle(cmd) : bundle('main');
const entry = existsSync(which) ? which : new URL('../dist/cli/main.js', import.meta.url);
const { main } = await import(entry.href);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`Error: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
