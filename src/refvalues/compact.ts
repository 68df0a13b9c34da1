/**
 * The compact launch description (issue 18 item 5; docs/refvalues.md "Compact"): per VMSA variant of
 * an OVMF image, the launch digest just before the VMSAs and the SHA-384 of the BSP and AP VMSA
 * pages. Under upstream KVM the VMSAs are the last PAGE_INFO steps of a launch (one per vCPU, BSP
 * first, all at the VMSA GPA; specs/kvm-snp-launch.md §1.7), so these three values give the
 * MEASUREMENT of every vCPU count: `extendCompact`. JSON "snp-launch.compact/1", each variant also
 * as the profile draft's CBOR launch-configuration map (launch-config.ts). Browser-safe.
 */
import { fromHex, toHex } from '../core/bytes.js';
import { inputError, usageError } from '../core/errors.js';
import { SnpFirmware } from '../firmware/launch-digest.js';
import { KVM_VMSA_GPA, PageType } from '../firmware/page-types.js';
import { forEachDigest, type LaunchSpace, type SpaceImage } from '../launch-space/index.js';
import { KVM_GENERATIONS, type KvmGeneration } from '../vmsa/profiles/_profile.js';
import { referenceValuesFromJson, referenceValuesToJson } from './json.js';
import type { MatrixCpu } from './matrix.js';
import { MAX_REFVALUE_CELLS, type PinnedFields, type RefCell, type ReferenceValues } from './types.js';

export const COMPACT_FORMAT = 'snp-launch.compact/1';
/** VMSA GPA bound checks and the `report verify` default bound (match's default range). */
export const DEFAULT_COMPACT_MAX_VCPUS = 512;
const MAX_VCPUS = 4096;

export interface CompactVariant {
  platform: string;
  vcpuType?: string;
  /** The signature asked for (QEMU: RDX; ec2/gce write 0x600 whatever it is, as `measure`). */
  vcpuSig: number;
  guestFeatures: bigint;
  kvm: KvmGeneration;
  vmsaGpa: number;
  /** Launch digest after every page update, before the first VMSA (48 bytes). */
  baseline: Uint8Array;
  /** PAGE_INFO contents of the BSP's and of every AP's VMSA page (SHA-384, 48 bytes each). */
  bspVmsa: Uint8Array;
  apVmsa: Uint8Array;
  /** The VMSA pages themselves (for the CBOR register maps); not in the JSON. */
  pages?: { bsp: Uint8Array; ap: Uint8Array };
}

export interface CompactLaunch {
  tool: string;
  inputs: Record<string, string>;
  pinned: PinnedFields;
  variants: CompactVariant[];
}

/** The MEASUREMENT of `v` launched with `vcpus` vCPUs (BSP, then vcpus − 1 APs at the VMSA GPA). */
export function extendCompact(v: CompactVariant, vcpus: number): Uint8Array {
  if (!Number.isSafeInteger(vcpus) || vcpus < 1 || vcpus > MAX_VCPUS) throw usageError('BAD_VCPUS', `argument --vcpus: a vCPU count is 1..${MAX_VCPUS}, got ${vcpus}`, '--vcpus');
  const fw = new SnpFirmware({ seed: v.baseline });
  fw.step(PageType.VMSA, v.vmsaGpa, v.bspVmsa, 'VMSA vCPU 0 (BSP)');
  fw.repeatStep(PageType.VMSA, v.vmsaGpa, v.apVmsa, vcpus - 1, 'AP VMSA');
  return fw.digest;
}

/** Every count of an ascending list in one pass; `visit` gets each count's digest (valid during the call). */
export function extendCompactRange(v: CompactVariant, counts: readonly number[], visit: (vcpus: number, digest: Uint8Array) => void): void {
  const fw = new SnpFirmware({ seed: v.baseline });
  fw.step(PageType.VMSA, v.vmsaGpa, v.bspVmsa, 'VMSA vCPU 0 (BSP)');
  let n = 1;
  for (const want of counts) {
    if (want < n || want > MAX_VCPUS) throw usageError('BAD_VCPUS', `argument --vcpus: counts must be ascending and at most ${MAX_VCPUS}`, '--vcpus');
    fw.repeatStep(PageType.VMSA, v.vmsaGpa, v.apVmsa, want - n, 'AP VMSA');
    n = want;
    visit(n, fw.current);
  }
}

export interface CompactMatrix {
  platforms: readonly string[];
  cpus?: readonly MatrixCpu[];
  guestFeatures?: readonly bigint[];
  kvm?: readonly KvmGeneration[];
}

/**
 * The variants of an OVMF image (platform × vCPU model × SEV_FEATURES × KVM generation, as the
 * refvalues matrix orders cells). The values come from the launch-space engine, which checks its
 * chain against a full launch through the loader and the KVM model for every prefix.
 */
export async function compactVariants(image: SpaceImage, m: CompactMatrix): Promise<CompactVariant[]> {
  if (image.kind !== 'ovmf') {
    throw usageError('COMPACT_IGVM', 'the compact form needs the VMSAs at the end of the launch (OVMF on qemu-kvm, ec2 or gce); IGVM platforms measure their VMSAs inside the launch (docs/refvalues.md)', '--format');
  }
  const cpus = m.cpus?.length ? m.cpus : [{ sig: 0 }];
  const features = m.guestFeatures?.length ? m.guestFeatures : [1n];
  const kvms = m.kvm?.length ? m.kvm : (['init2'] as const);
  const found = new Map<string, Omit<CompactVariant, 'vcpuType'>>();
  const keyOf = (platform: string, sig: number, f: bigint, kvm: string) => (platform === 'qemu-kvm' ? `${platform}|${sig}|${f}|${kvm}` : `${platform}|${f}`);
  for (const platform of m.platforms) {
    if (!['qemu-kvm', 'ec2', 'gce'].includes(platform)) throw usageError('BAD_CHOICE', `argument --platform: invalid choice for --ovmf: '${platform}' (choose from qemu-kvm, ec2, gce)`, '--platform');
    const space: LaunchSpace = {
      platforms: [platform as 'qemu-kvm'],
      vcpus: [2],
      vcpuSigs: [...new Set(cpus.map((c) => c.sig))],
      guestFeatures: features,
      kvm: kvms,
      vmsaGpas: [KVM_VMSA_GPA],
      kernelHashes: [image.kernel !== undefined || image.kernelSha256 !== undefined],
      cloudRdx: [0x600],
    };
    await forEachDigest(image, space, () => undefined, {
      onVariant: (cell, prefix, bspHash, apHash, pages) => {
        found.set(keyOf(cell.platform, cell.vcpuSig, cell.guestFeatures, cell.kvm), {
          platform: cell.platform,
          vcpuSig: cell.vcpuSig,
          guestFeatures: cell.guestFeatures,
          kvm: cell.kvm,
          vmsaGpa: cell.vmsaGpa,
          baseline: prefix.slice(),
          bspVmsa: bspHash.slice(),
          apVmsa: apHash.slice(),
          pages: { bsp: pages.bsp.slice(), ap: pages.ap.slice() },
        });
      },
    });
  }
  const out: CompactVariant[] = [];
  for (const platform of m.platforms) {
    for (const cpu of cpus) {
      for (const f of features) {
        for (const kvm of kvms) {
          const v = found.get(keyOf(platform, cpu.sig, f, kvm));
          if (!v) throw new Error(`compact: the launch-space engine gave no variant for ${platform} (internal error)`);
          out.push({ ...v, ...(cpu.type !== undefined ? { vcpuType: cpu.type } : {}), vcpuSig: cpu.sig, kvm });
        }
      }
    }
  }
  return out;
}

const hexInt = (v: number | bigint, width = 0): string => '0x' + v.toString(16).padStart(width, '0');

export function compactToJson(c: CompactLaunch, launchConfig?: (v: CompactVariant) => Uint8Array): unknown {
  // The refvalues head carries its own format tag; the compact document's tag replaces it.
  const { cells: _none, format: _rv, ...head } = referenceValuesToJson({ tool: c.tool, inputs: c.inputs, pinned: c.pinned, cells: [] }) as Record<string, unknown>;
  return {
    format: COMPACT_FORMAT,
    ...head,
    variants: c.variants.map((v) => ({
      platform: v.platform,
      ...(v.vcpuType !== undefined ? { vcpuType: v.vcpuType } : {}),
      vcpuSig: hexInt(v.vcpuSig, 8),
      guestFeatures: hexInt(v.guestFeatures),
      kvm: v.kvm,
      vmsaGpa: hexInt(v.vmsaGpa),
      baseline: toHex(v.baseline),
      bspVmsa: toHex(v.bspVmsa),
      apVmsa: toHex(v.apVmsa),
      ...(launchConfig ? { launchConfiguration: toHex(launchConfig(v)) } : {}),
    })),
  };
}

/** Whether a parsed JSON value is a compact document (by its format tag). */
export function isCompactJson(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && (doc as Record<string, unknown>).format === COMPACT_FORMAT;
}

/** Reads the JSON (already parsed); strict, errors name the key. */
export function compactFromJson(doc: unknown, file: string): CompactLaunch {
  const bad = (field: string, why: string) => inputError('BAD_COMPACT', why, { file, field });
  if (!isCompactJson(doc)) throw bad('format', `must be "${COMPACT_FORMAT}" (written by snp-launch refvalues --format compact)`);
  const o = doc as Record<string, unknown>;
  if (!Array.isArray(o.variants) || o.variants.length === 0) throw bad('variants', 'missing, empty or not an array');
  if (o.variants.length > MAX_REFVALUE_CELLS) throw bad('variants', `has more than ${MAX_REFVALUE_CELLS} entries`);
  const { format: _tag, ...rest } = o;
  const head = referenceValuesFromJson({ ...rest, cells: [] }, file);
  const digest = (v: unknown, field: string) => {
    const b = typeof v === 'string' ? fromHex(v) : undefined;
    if (!b || b.length !== 48) throw bad(field, 'must be 48 bytes of hex (96 digits)');
    return b;
  };
  const int = (v: unknown, field: string, bits: number): bigint => {
    if (typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v) && v.length <= 2 + bits / 4) return BigInt(v);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < 2 ** bits) return BigInt(v);
    throw bad(field, `must be a ${bits}-bit unsigned integer (0x-hex string)`);
  };
  const variants = o.variants.map((raw, i): CompactVariant => {
    const at = `variants[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw bad(at, 'is not an object');
    const r = raw as Record<string, unknown>;
    if (typeof r.platform !== 'string') throw bad(`${at}.platform`, 'missing or not a string');
    const kvm = r.kvm ?? 'init2';
    if (!(KVM_GENERATIONS as readonly unknown[]).includes(kvm)) throw bad(`${at}.kvm`, "must be 'init2' or 'legacy'");
    const v: CompactVariant = {
      platform: r.platform,
      vcpuSig: Number(int(r.vcpuSig ?? 0, `${at}.vcpuSig`, 32)),
      guestFeatures: int(r.guestFeatures ?? '0x1', `${at}.guestFeatures`, 64),
      kvm: kvm as KvmGeneration,
      vmsaGpa: Number(int(r.vmsaGpa ?? KVM_VMSA_GPA, `${at}.vmsaGpa`, 52)),
      baseline: digest(r.baseline, `${at}.baseline`),
      bspVmsa: digest(r.bspVmsa, `${at}.bspVmsa`),
      apVmsa: digest(r.apVmsa, `${at}.apVmsa`),
    };
    if (v.vmsaGpa % 4096 !== 0) throw bad(`${at}.vmsaGpa`, 'must be page aligned');
    if (typeof r.vcpuType === 'string') v.vcpuType = r.vcpuType;
    return v;
  });
  return { tool: head.tool, inputs: head.inputs, pinned: head.pinned, variants };
}

/**
 * The reference values of every variant at 1..maxVcpus vCPUs (for `report verify --refvalues`):
 * one cell per count, so the check names the vCPU count that matched.
 */
export function compactToReferenceValues(c: CompactLaunch, maxVcpus = DEFAULT_COMPACT_MAX_VCPUS): ReferenceValues {
  if (!Number.isSafeInteger(maxVcpus) || maxVcpus < 1 || maxVcpus > MAX_VCPUS) throw usageError('BAD_VCPUS', `argument --max-vcpus: must be 1..${MAX_VCPUS}, got ${maxVcpus}`, '--max-vcpus');
  if (c.variants.length * maxVcpus > MAX_REFVALUE_CELLS) {
    throw usageError('MATRIX_TOO_LARGE', `${c.variants.length} variants × ${maxVcpus} vCPU counts is more than ${MAX_REFVALUE_CELLS} cells; lower --max-vcpus`, '--max-vcpus');
  }
  const counts = Array.from({ length: maxVcpus }, (_, i) => i + 1);
  const cells: RefCell[] = [];
  for (const v of c.variants) {
    extendCompactRange(v, counts, (vcpus, d) =>
      cells.push({ platform: v.platform, vcpus, ...(v.vcpuType !== undefined ? { vcpuType: v.vcpuType } : {}), vcpuSig: v.vcpuSig, guestFeatures: v.guestFeatures, kvm: v.kvm, measurement: d.slice() }),
    );
  }
  return { tool: c.tool, inputs: c.inputs, pinned: c.pinned, cells };
}
