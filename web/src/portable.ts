/**
 * Worker side of the "make portable" button: `snp-launch portability --fix` on the chosen IGVM
 * file (src/portable/fix.ts), in the browser — the edits in words, the digests on the rewritten
 * file, and the rewritten bytes for download; or the conflict, as the CLI words it.
 */
import { blobSource } from '../../src/core/source.js';
import { igvmLayoutBytes } from '../../src/images/igvm/stream-write.js';
import { conflictLine } from '../../src/portable/conflicts.js';
import { fixIgvm } from '../../src/portable/fix.js';
import { parseTargets } from '../../src/portable/targets.js';
import { vcpuTypeSignature } from '../../src/vmsa/vcpu-types.js';
import type { PortableData } from './protocol.js';

export async function makePortable(image: File, names: string[], vcpus: number, vcpuType?: string): Promise<PortableData> {
  const targets = parseTargets(names);
  const sig = vcpuType ? vcpuTypeSignature(vcpuType) : undefined;
  const r = await fixIgvm(blobSource(image.name, image), targets, { vcpus, ...(sig !== undefined ? { vcpuSig: sig } : {}) });
  const fileName = image.name.replace(/(\.igvm)?$/, '-portable.igvm');
  const rows = r.measurement.rows.map((x) => ({ target: x.target, ...(x.digest ? { digest: x.digest } : {}), ...(x.error ? { error: x.error } : {}) }));
  const edits = r.edits.map((e) => e.text);
  if (!r.ok) return { edits, rows, conflict: conflictLine(r.conflict), reasons: r.conflict.reasons, subsets: r.conflict.subsets, fileName };
  return { edits, rows, bytes: await igvmLayoutBytes(r.layout), fileName };
}
