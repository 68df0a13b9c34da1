/**
 * Measurement portability of one IGVM image: its launch digest on every platform of
 * specs/platforms.md §4 (or why a platform cannot launch it), the groups of platforms that agree,
 * and for each pair of disagreeing groups the first diverging measurement-log step with the reason
 * in words. Also whether the file's SNP_ID_BLOCK matches each platform's digest. Browser-safe; the
 * explorer page reuses it.
 *
 * Memory stays bounded by measuring without logs first and re-measuring with a log only one
 * platform per group.
 */
import { toHex } from '../core/bytes.js';
import { SnpLaunchError } from '../core/errors.js';
import type { ByteSource } from '../core/source.js';
import { parseIgvm } from '../images/igvm/parse.js';
import { prepareIgvm } from '../loaders/igvm/_common.js';
import { measureParsedIgvm } from '../measure/igvm.js';
import { IGVM_PLATFORMS, type IgvmPlatform } from '../core/platforms.js';
import type { IdBlockCheck, IgvmMeasureOptions } from '../measure/types.js';
import { firstDivergence, type Divergence } from './divergence.js';
import { fromLogEntry } from './entries.js';

export interface PortabilityOptions {
  igvm: ByteSource;
  vcpus?: number;
  vcpuSig?: number;
  guestFeatures?: bigint;
  /** Also measure `igvmmeasure --native-zero` as an extra row "igvmmeasure --native-zero". */
  nativeZero?: boolean;
  /** Platforms to include (default: all six). */
  platforms?: readonly IgvmPlatform[];
}

export interface PortabilityRow {
  /** Platform id, or "igvmmeasure --native-zero". */
  platform: string;
  /** Lowercase hex digest, when the platform can launch the file. */
  digest?: string;
  /** Why it cannot, in one sentence (the platform's error). */
  error?: string;
  warnings: string[];
  idBlock?: IdBlockCheck;
}

export interface PortabilityGroup {
  digest: string;
  platforms: string[];
}

export interface PortabilityDifference {
  /** Representative platforms of the two groups. */
  a: string;
  b: string;
  divergence: Divergence;
}

export interface PortabilityReport {
  file: string;
  vcpus: number;
  rows: PortabilityRow[];
  groups: PortabilityGroup[];
  differences: PortabilityDifference[];
  /** The file's ID block digest (hex), when it has one. */
  idBlock?: string;
}

interface Target {
  label: string;
  opts: Omit<IgvmMeasureOptions, 'igvm'>;
}

export async function analyzePortability(o: PortabilityOptions): Promise<PortabilityReport> {
  const file = await parseIgvm(o.igvm);
  const prepared = prepareIgvm(file, o.igvm);
  const vcpus = o.vcpus ?? 1;
  const base = {
    vcpus,
    ...(o.vcpuSig !== undefined ? { vcpuSig: o.vcpuSig } : {}),
    ...(o.guestFeatures !== undefined ? { guestFeatures: o.guestFeatures } : {}),
  };
  const targets: Target[] = (o.platforms ?? IGVM_PLATFORMS).map((p) => ({ label: p, opts: { ...base, platform: p } }));
  if (o.nativeZero) targets.push({ label: 'igvmmeasure --native-zero', opts: { ...base, platform: 'igvmmeasure', nativeZero: true } });

  const run = (t: Target, log: boolean) => measureParsedIgvm(file, { igvm: o.igvm, ...t.opts, ...(log ? { log: true } : {}) }, prepared);
  const rows: PortabilityRow[] = [];
  for (const t of targets) {
    try {
      const r = await run(t, false);
      const row: PortabilityRow = { platform: t.label, digest: toHex(r.digest), warnings: r.warnings };
      if (r.idBlock) row.idBlock = r.idBlock;
      rows.push(row);
    } catch (e) {
      if (!(e instanceof SnpLaunchError)) throw e;
      rows.push({ platform: t.label, error: e.reason, warnings: [] });
    }
  }

  const groups: PortabilityGroup[] = [];
  for (const r of rows) {
    if (!r.digest) continue;
    const g = groups.find((x) => x.digest === r.digest);
    if (g) g.platforms.push(r.platform);
    else groups.push({ digest: r.digest, platforms: [r.platform] });
  }

  const differences: PortabilityDifference[] = [];
  if (groups.length > 1) {
    const logs = new Map<string, ReturnType<typeof fromLogEntry>[]>();
    for (const g of groups) {
      const t = targets.find((x) => x.label === g.platforms[0])!;
      const r = await run(t, true);
      logs.set(g.platforms[0]!, (r.log ?? []).map(fromLogEntry));
    }
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        const a = groups[i]!.platforms[0]!;
        const b = groups[j]!.platforms[0]!;
        const d = firstDivergence(logs.get(a)!, logs.get(b)!, a, b);
        if (d) differences.push({ a, b, divergence: d });
      }
    }
  }
  const rep: PortabilityReport = { file: o.igvm.name, vcpus, rows, groups, differences };
  if (prepared.idBlock) rep.idBlock = toHex(prepared.idBlock.ld);
  return rep;
}
