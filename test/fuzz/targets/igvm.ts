/**
 * IGVM target: the existing structure-aware mutator (src/images/igvm/mutate.ts) over the same
 * built-in seeds as scripts/fuzz-igvm.mjs, with the same invariant (docs/fuzzing.md): a rejection
 * is an IGVM_ error with a byte offset; an accepted file inspects and its model round-trips
 * through the writer, parse(write(x)) == x and write(parse(w)) == w.
 */
import { isDeepStrictEqual } from 'node:util';
import { SnpLaunchError } from '../../../src/core/errors.js';
import { bytesSource } from '../../../src/core/source.js';
import { igvmBuilder, inspectIgvm, parseIgvm, toIgvmModel, writeIgvm } from '../../../src/images/igvm/index.js';
import { mutate } from '../../../src/images/igvm/mutate.js';
import { type FuzzTarget, bytesCodec, invariant } from '../target.js';

export function igvmSeeds(): Uint8Array[] {
  const vmsa = new Uint8Array(4096);
  vmsa[0x3b0] = 1;
  const vbs = new Uint8Array(36);
  vbs[0] = 1;
  return [
    igvmBuilder().platform('SEV_SNP').policy(0x30000n).pageData(0, new Uint8Array([1])).zeroPages(0x1000, 2).parameterArea(0, 0x2000).parameter('VP_COUNT_PARAMETER', 0, 0).parameter('MEMORY_MAP', 0, 8).parameterInsert(0x10000, 0).vpContext(0xfffffffff000n, 0, vmsa).requiredMemory(0x100000, 0x1000).build(),
    igvmBuilder({ formatVersion: 2 }).platform('SEV_SNP').platform('NATIVE').platform('VSM_ISOLATION').policy(0x3001fn).pageData(0x200000, new Uint8Array([2]), { is2MiB: true, mask: 3 }).vpContext(0, 0, vbs, 4).idBlock().build(),
    igvmBuilder({ formatVersion: 2, architecture: 'aarch64' }).platform('CCA').header({ kind: 'CCA_POLICY', compatibilityMask: 1, attributesRequiredZeroes: 0n, attributesRequiredOnes: 0n, hashAlgorithm: 2, lfaPolicy: 0 }).header({ kind: 'CORIM_DOCUMENT', compatibilityMask: 1, data: new Uint8Array([1, 2, 3]) }).pageData(0, null).parameterArea(1, 4096, new Uint8Array(4096).fill(7)).parameter('COMMAND_LINE', 1, 0).parameterInsert(0x5000, 1).build(),
    igvmBuilder().platform('SEV_SNP').platform('TDX').header({ kind: 'PAGE_TABLE_RELOCATION_REGION', compatibilityMask: 1, vpIndex: 0, vtl: 0, gpa: 0x800000n, size: 0x4000n, usedSize: 0x1000n }).header({ kind: 'RELOCATABLE_REGION', compatibilityMask: 1, vpIndex: 0, vtl: 0, flags: { isVtl2: false, applyRip: true, applyGdtr: false }, relocationAlignment: 0x1000n, relocationRegionGpa: 0x100000n, relocationRegionSize: 0x10000n, minimumRelocationGpa: 0n, maximumRelocationGpa: 0x10000000n }).vpContext(0x3000, 0, vmsa).header({ kind: 'ERROR_RANGE', gpa: 0x9000n, compatibilityMask: 2, sizeBytes: 0x1000 }).build(),
  ];
}

export const igvmTarget: FuzzTarget<Uint8Array> = {
  name: 'igvm',
  about: 'IGVM files (src/images/igvm: parse, inspect, model, writer round-trip)',
  ext: 'igvm',
  seeds: async () => igvmSeeds(),
  mutate: (f, rnd) => mutate(f, rnd),
  located: (e) => e.code.startsWith('IGVM_') && typeof e.location.offset === 'number',
  async check(f) {
    const src = bytesSource('fuzz.igvm', f);
    const file = await parseIgvm(src);
    await inspectIgvm(src, file);
    const model = await toIgvmModel(src, file);
    let w: Uint8Array;
    try {
      w = writeIgvm(model);
    } catch (e) {
      // Models with no file data left cannot be written; that is the writer's documented refusal.
      if (e instanceof SnpLaunchError && ['IGVM_NO_FILE_DATA', 'IGVM_WRITE_DATA'].includes(e.code)) return;
      throw new Error(`writer: ${e instanceof Error ? e.message : String(e)}`);
    }
    const wsrc = bytesSource('rewritten.igvm', w);
    const back = await toIgvmModel(wsrc, await parseIgvm(wsrc).catch((e: unknown) => {
      throw new Error(`rewritten file does not parse: ${String(e)}`);
    }));
    invariant(isDeepStrictEqual(back, model), 'parse(write(x)) != x');
    const w2 = writeIgvm(back);
    invariant(w2.length === w.length && w2.every((v, i) => v === w[i]), 'write(parse(w)) != w');
  },
  ...bytesCodec,
};
