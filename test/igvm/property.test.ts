/**
 * Property test: 100,000+ deterministic mutations of small valid IGVM files (byte flips,
 * truncations, extensions, TLV length/type edits, field edits, TLV swaps and duplications, half of
 * them re-sealed with a correct CRC). Every case must either parse or fail with an IGVM
 * SnpLaunchError that names the file and an offset — never another exception, never a hang. Files
 * that still parse must also inspect cleanly, and their model x must satisfy parse(write(x)) == x
 * with write(parse(w)) == w for the rewritten canonical file w.
 * The longer, open-ended version is scripts/fuzz-igvm.mjs (docs/fuzzing.md).
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { SnpLaunchError } from '../../src/core/errors.js';
import { bytesSource } from '../../src/core/source.js';
import { toIgvmModel } from '../../src/images/igvm/access.js';
import { igvmBuilder } from '../../src/images/igvm/builder.js';
import { inspectIgvm } from '../../src/images/igvm/inspect.js';
import { mutate, prng } from '../../src/images/igvm/mutate.js';
import { parseIgvm } from '../../src/images/igvm/parse.js';
import { writeIgvm } from '../../src/images/igvm/write.js';

const CASES = Number(process.env.IGVM_PROPERTY_CASES ?? 100_000);
const SEED = 0x1657;

/** Small seed files; pages are short (zero-padded by the builder) but the files stay a few KiB. */
function corpus(): Uint8Array[] {
  const vmsa = new Uint8Array(4096);
  vmsa[0x3b0] = 1;
  const vbs = new Uint8Array(4 + 32);
  vbs[0] = 1;
  return [
    igvmBuilder().platform('SEV_SNP').policy(0x30000n).pageData(0, new Uint8Array([1])).zeroPages(0x1000, 2).parameterArea(0, 0x2000).parameter('VP_COUNT_PARAMETER', 0, 0).parameter('MEMORY_MAP', 0, 8).parameterInsert(0x10000, 0).vpContext(0xfffffffff000n, 0, vmsa).requiredMemory(0x100000, 0x1000).build(),
    igvmBuilder({ formatVersion: 2 }).platform('SEV_SNP').platform('NATIVE').platform('VSM_ISOLATION').policy(0x3001fn).pageData(0x200000, new Uint8Array([2]), { is2MiB: true, mask: 3 }).vpContext(0, 0, vbs, 4).idBlock().build(),
    igvmBuilder({ formatVersion: 2, architecture: 'aarch64' }).platform('CCA').header({ kind: 'CCA_POLICY', compatibilityMask: 1, attributesRequiredZeroes: 0n, attributesRequiredOnes: 0n, hashAlgorithm: 2, lfaPolicy: 0 }).header({ kind: 'CORIM_DOCUMENT', compatibilityMask: 1, data: new Uint8Array([1, 2, 3]) }).pageData(0, null).parameterArea(1, 4096, new Uint8Array(4096).fill(7)).parameter('COMMAND_LINE', 1, 0).parameterInsert(0x5000, 1).build(),
  ];
}

test(`IGVM parser: ${CASES} mutated files → parse or a typed error, nothing else`, { timeout: 120_000 }, async () => {
  const seeds = corpus();
  for (const s of seeds) await parseIgvm(bytesSource('seed.igvm', s)); // the seeds are valid
  const rnd = prng(SEED);
  const codes = new Map<string, number>();
  let parsed = 0;
  for (let i = 0; i < CASES; i++) {
    let f = seeds[i % seeds.length]!;
    // Usually one mutation, sometimes a few stacked.
    for (let k = rnd() < 0.8 ? 1 : 2 + Math.floor(rnd() * 3); k > 0; k--) f = mutate(f, rnd);
    const src = bytesSource('m.igvm', f);
    let file;
    try {
      file = await parseIgvm(src);
    } catch (e) {
      if (!(e instanceof SnpLaunchError) || !e.code.startsWith('IGVM_') || e.location.file !== 'm.igvm' || typeof e.location.offset !== 'number') {
        assert.fail(`case ${i}: untyped or unlocated error ${e instanceof SnpLaunchError ? `${e.code} ${e.message}` : String(e)}`);
      }
      codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      continue;
    }
    parsed++;
    // A file that parses must inspect and re-serialise without surprises.
    await inspectIgvm(src, file);
    const model = await toIgvmModel(src, file);
    let rewritten: Uint8Array;
    try {
      rewritten = writeIgvm(model);
    } catch (e) {
      assert.ok(e instanceof SnpLaunchError && ['IGVM_NO_FILE_DATA', 'IGVM_WRITE_DATA'].includes(e.code), `case ${i}: writer failed with ${String(e)}`);
      continue;
    }
    // parse(write(x)) == x, and the canonical form is a fixed point: write(parse(w)) == w.
    const wsrc = bytesSource('w.igvm', rewritten);
    const back = await toIgvmModel(wsrc, await parseIgvm(wsrc));
    if (parsed % 4 === 0) assert.deepEqual(back, model, `case ${i}: parse(write(x)) != x`); // sampled: deepEqual is the slow part
    assert.deepEqual(writeIgvm(back), rewritten, `case ${i}: write(parse(w)) != w`);
  }
  if (process.env.IGVM_PROPERTY_STATS) console.log({ parsed, codes });
  // The mutations must reach deep into the parser, not stop at the magic or the CRC.
  assert.ok(parsed > CASES / 50, `only ${parsed} mutated files parsed`);
  assert.ok(codes.size >= 15, `only ${codes.size} distinct error codes: ${[...codes.keys()].join(' ')}`);
  for (const c of ['IGVM_BAD_CHECKSUM', 'IGVM_BAD_LENGTH', 'IGVM_UNKNOWN_TYPE', 'IGVM_SECTION_ORDER', 'IGVM_OFFSET_PAST_END', 'IGVM_SIZE_MISMATCH', 'IGVM_TRUNCATED']) {
    assert.ok(codes.has(c), `never hit ${c}`);
  }
});
