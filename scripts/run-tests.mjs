#!/usr/bin/env node
// Runs every test/**/*.test.ts through node's test runner (via tsx) with an explicit file list:
// Node 20's --test has no glob support, and an empty list would silently run nothing.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.ts') ? [p] : [];
    });
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : walk('test');
if (files.length === 0) {
  console.error('run-tests: no test files found under test/');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
