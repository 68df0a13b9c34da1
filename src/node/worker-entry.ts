/**
 * Where a worker thread starts from: the compiled module beside this one (dist/node/), the same
 * module seen from a bundled CLI (dist/cli/bundle/*.cjs → dist/node/), or — running from the
 * TypeScript sources through tsx — a bootstrap that registers tsx inside the worker (Node 20
 * workers do not inherit the loader) before importing the TypeScript module. `ext` is the compiled
 * extension: '.js' (an ES module) or '.cjs' (a CommonJS worker, from a .cts source).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type WorkerEntry = URL | { script: string };

export function workerEntry(base: string, from: string = import.meta.url, ext: '.js' | '.cjs' = '.js'): WorkerEntry {
  for (const rel of [`./${base}${ext}`, `../../node/${base}${ext}`]) {
    const js = new URL(rel, from);
    if (existsSync(fileURLToPath(js))) return js;
  }
  const ts = new URL(`./${base}${ext === '.cjs' ? '.cts' : '.ts'}`, from).href;
  return { script: `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(ts)}); })` };
}
