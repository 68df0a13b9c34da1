/**
 * `refvalues --format compact|compact-cbor` (src/refvalues/compact.ts, launch-config.ts): the
 * compact launch description of an OVMF image for the matrix's platforms, vCPU models, SEV_FEATURES
 * and KVM generations; `--vcpus` is not needed (the form covers every count).
 */
import type { SpaceImage } from '../launch-space/index.js';
import { compactToJson, compactVariants, type CompactMatrix } from '../refvalues/compact.js';
import { encodeLaunchConfig, encodeLaunchConfigs } from '../refvalues/launch-config.js';
import type { PinnedFields } from '../refvalues/types.js';
import type { ParsedArgs } from './args.js';
import { writeOutput } from './refvalues-output.js';

export async function writeCompact(
  args: ParsedArgs,
  image: SpaceImage,
  matrix: CompactMatrix,
  head: { tool: string; inputs: Record<string, string>; pinned: PinnedFields },
  format: 'compact' | 'compact-cbor',
): Promise<number> {
  if (args.values.has('vcpus')) process.stderr.write('snp-launch refvalues: note: --vcpus is not used by the compact form (it extends to any vCPU count)\n');
  const variants = await compactVariants(image, matrix);
  if (format === 'compact-cbor') {
    await writeOutput(args, encodeLaunchConfigs(variants), true);
    return 0;
  }
  const doc = compactToJson({ ...head, variants }, encodeLaunchConfig);
  await writeOutput(args, new TextEncoder().encode(JSON.stringify(doc, null, 2) + '\n'), false);
  return 0;
}
