/**
 * The CI budget of every fuzz target (docs/fuzzing.md): a fixed number of inputs from a fixed
 * seed, so a parser change that breaks the invariant (an untyped or unlocated error, a failed
 * round-trip, a case slower than the bound, heap growth) fails `npm test` deterministically.
 * About 20 s of CPU in total; the depth runs (1,000,000 inputs per target) are by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { needsShared } from '../_shared.js';
import { fuzz } from './engine.js';
import { TARGETS } from './targets.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Inputs per target: about 2-3 s each on the development machine. */
const BUDGET: Record<string, number> = {
  ovmf: 30_000,
  igvm: 15_000,
  report: 12_000,
  x509: 6_000,
  'pem-key': 1_500,
  trace: 8_000,
  'measure-json': 10_000,
  args: 60_000,
};
/** Targets whose seeds come from ../shared. */
const NEEDS_SHARED = new Set(['report', 'x509', 'pem-key']);

test('every fuzz target has a CI budget', () => {
  assert.deepEqual(TARGETS.map((t) => t.name).sort(), Object.keys(BUDGET).sort());
});

for (const t of TARGETS) {
  test(`fuzz ${t.name}: ${BUDGET[t.name]} inputs, seed 20261205`, { skip: NEEDS_SHARED.has(t.name) && needsShared, timeout: 120_000 }, async () => {
    const { stats, finding } = await fuzz(t, { runs: BUDGET[t.name]!, seconds: Infinity, seed: 20261205, hangMs: 2000, heapEvery: 5000, gc });
    assert.equal(finding, undefined, finding && `${finding.kind} at case ${finding.index}: ${finding.detail}\ninput (base64): ${Buffer.from(finding.input).toString('base64').slice(0, 2000)}`);
    assert.equal(stats.cases, BUDGET[t.name]);
    // The mutators must reach both outcomes, or the target tests nothing.
    assert.ok(stats.accepted > 0, 'no input was accepted');
    assert.ok(Object.keys(stats.codes).length > 0, 'no input was rejected');
  });
}
