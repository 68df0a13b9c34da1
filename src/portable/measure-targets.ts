/**
 * Measures one IGVM file on every target (parse once, then each platform's loader on its UAPI
 * model — src/loaders/igvm) and groups the targets that agree. `igvm build` and `portability
 * --fix` use it before writing (to find conflicts) and after (as the printed proof).
 */
import { toHex } from '../core/bytes.js';
import { SnpLaunchError } from '../core/errors.js';
import { memoPageDigests, type ByteSource } from '../core/source.js';
import { parseIgvm } from '../images/igvm/parse.js';
import { prepareIgvm } from '../loaders/igvm/_common.js';
import { measureParsedIgvm } from '../measure/igvm.js';
import type { IdBlockCheck } from '../measure/types.js';
import type { PortableTarget } from './targets.js';

export interface LaunchOptions {
  vcpus?: number;
  vcpuSig?: number;
  guestFeatures?: bigint;
}

export interface TargetRow {
  target: string;
  /** Lowercase hex, when the platform launches the file. */
  digest?: string;
  /** Why it cannot (the platform's one-sentence error). */
  error?: string;
  idBlock?: IdBlockCheck;
}

export interface TargetMeasurement {
  rows: TargetRow[];
  /** Targets with the same digest, in target order. */
  groups: { digest: string; targets: string[] }[];
  /** True when every target launches the file and all digests are equal. */
  agree: boolean;
}

export async function measureTargets(input: ByteSource, targets: readonly PortableTarget[], o: LaunchOptions = {}): Promise<TargetMeasurement> {
  // Every target streams the same pages: hash them once.
  const src = memoPageDigests(input);
  const file = await parseIgvm(src);
  const prepared = prepareIgvm(file, src);
  const rows: TargetRow[] = [];
  for (const t of targets) {
    try {
      const r = await measureParsedIgvm(
        file,
        {
          igvm: src,
          platform: t.platform,
          vcpus: o.vcpus ?? 1,
          ...(t.nativeZero ? { nativeZero: true } : {}),
          ...(o.vcpuSig !== undefined ? { vcpuSig: o.vcpuSig } : {}),
          ...(o.guestFeatures !== undefined ? { guestFeatures: o.guestFeatures } : {}),
        },
        prepared,
      );
      rows.push({ target: t.label, digest: toHex(r.digest), ...(r.idBlock ? { idBlock: r.idBlock } : {}) });
    } catch (e) {
      if (!(e instanceof SnpLaunchError) || e.kind === 'usage') throw e;
      rows.push({ target: t.label, error: e.reason });
    }
  }
  const groups: TargetMeasurement['groups'] = [];
  for (const r of rows) {
    if (r.digest === undefined) continue;
    const g = groups.find((x) => x.digest === r.digest);
    if (g) g.targets.push(r.target);
    else groups.push({ digest: r.digest, targets: [r.target] });
  }
  return { rows, groups, agree: groups.length === 1 && rows.every((r) => r.digest !== undefined) };
}
