/**
 * The launch-space engine: the digest of every configuration of a space, with shared work.
 *
 *   firmware pages            — once per image (an upstream-KVM session, as every OVMF launch)
 *   metadata + kernel hashes  — once per prefix (platform rules × kernel-hashes gate), seeded
 *   BSP / AP VMSA page hashes — once per VMSA variant
 *   vCPU count N → N + 1      — one PAGE_INFO step (an AP VMSA at KVM's VMSA GPA)
 *
 * Pages go through the same OVMF loaders (planOvmfSnpLaunch with the QEMU/EC2/GCE rules) and
 * UpstreamKvmSession as `measure`; the per-count VMSA steps go through the firmware model
 * (SnpFirmware.step). That the chained steps equal what the UAPI model does at LAUNCH_FINISH is
 * not assumed: for every prefix a complete 2-vCPU session is run once and compared (anchor).
 */
import { bytesEqual, u64 } from '../core/bytes.js';
import { hashProvider } from '../core/hash.js';
import { SnpFirmware } from '../firmware/launch-digest.js';
import { KVM_VMSA_GPA, PageType } from '../firmware/page-types.js';
import { buildKernelHashTable } from '../images/ovmf/kernel-hashes.js';
import { initrdGiven, kernelGiven, kernelHashesOf } from '../measure/by-hash.js';
import type { IgvmMeasureOptions, MeasureResult } from '../measure/types.js';
import { parseOvmf, requireResetEip, type OvmfImage } from '../images/ovmf/parse.js';
import { firmwareUpdate, ovmfVcpuStates, planOvmfSnpLaunch, requirePageAligned, runLaunchPlan, type OvmfVmmRules } from '../loaders/ovmf/common.js';
import { EC2_RULES } from '../loaders/ovmf/ec2.js';
import { GCE_RULES } from '../loaders/ovmf/gce.js';
import { QEMU_RULES } from '../loaders/ovmf/qemu.js';
import { measureIgvm } from '../measure/igvm.js';
import type { IgvmPlatform } from '../core/platforms.js';
import { UpstreamKvmSession } from '../uapi/kvm-upstream.js';
import { buildQemuResetVmsa } from '../vmsa/profiles/build.js';
import { VMSA } from '../vmsa/layout.js';
import { SnpLaunchError } from '../core/errors.js';
import { describeSignature, KVM_DEFAULT_RDX } from './signatures.js';
import { krunSpace } from './krun-space.js';
import { variantsFor, type VmsaVariant } from './space.js';
import type { CellVisitor, LaunchCell, LaunchSpace, OvmfPlatform, SpaceImage } from './types.js';

const RULES: Record<OvmfPlatform, OvmfVmmRules> = { 'qemu-kvm': QEMU_RULES, ec2: EC2_RULES, gce: GCE_RULES };

export interface EnumerateOptions {
  /** Called after each prefix with the configurations done so far (progress). */
  onProgress?: (done: number) => void;
  /**
   * OVMF: called once per VMSA variant with the digest before the VMSAs (`prefix`) and the SHA-384 of
   * its BSP and AP VMSA pages, the three values every vCPU count is chained from (refvalues/compact.ts);
   * `pages` are the two VMSA pages themselves.
   */
  onVariant?: (cell: Omit<LaunchCell, 'vcpus'>, prefix: Uint8Array, bspHash: Uint8Array, apHash: Uint8Array, pages: { bsp: Uint8Array; ap: Uint8Array }) => void;
}

/** What an enumeration did: configurations visited, platforms skipped (they cannot launch the image) and why. */
export interface EnumerateSummary {
  configurations: number;
  stopped: boolean;
  skipped: { platform: string; reason: string }[];
}

/**
 * Calls `visit(cell, digest)` for every configuration of `space` (ascending vCPU count within each
 * VMSA variant); `visit` returning false stops early. Both arguments are only valid during the
 * call (the engine reuses them): copy what you keep (`{ ...cell }`, `digest.slice()`).
 */
export async function forEachDigest(image: SpaceImage, space: LaunchSpace, visit: CellVisitor, opts: EnumerateOptions = {}): Promise<EnumerateSummary> {
  if (image.kind === 'krun') return krunSpace(image, space, visit, opts);
  return image.kind === 'ovmf' ? ovmfSpace(image, space, visit, opts) : igvmSpace(image, space, visit, opts);
}

/** Collects every configuration's digest (small spaces; prefer forEachDigest for large ones). */
export async function digestsOf(image: SpaceImage, space: LaunchSpace): Promise<{ cell: LaunchCell; digest: Uint8Array }[]> {
  const out: { cell: LaunchCell; digest: Uint8Array }[] = [];
  await forEachDigest(image, space, (cell, digest) => void out.push({ cell: { ...cell }, digest: digest.slice() }));
  return out;
}

class Stop extends Error {}

async function ovmfSpace(image: Extract<SpaceImage, { kind: 'ovmf' }>, space: LaunchSpace, visit: CellVisitor, opts: EnumerateOptions): Promise<EnumerateSummary> {
  const ovmf = await parseOvmf(image.ovmf);
  if (!image.snpOvmfHash) requirePageAligned(ovmf, 'firmware');
  const apEip = requireResetEip(ovmf);
  const hashes = await kernelHashesOf(image);
  const table = hashes && buildKernelHashTable(hashes);
  const fwDigest = image.snpOvmfHash ?? (await firmwareDigest(ovmf));
  const summary: EnumerateSummary = { configurations: 0, stopped: false, skipped: [] };
  const sha384 = hashProvider().sha384;
  try {
    for (const platform of space.platforms as OvmfPlatform[]) {
      const rules = RULES[platform];
      const variants = variantsFor(space, platform);
      if (variants.length === 0) continue;
      for (const kernelHashes of space.kernelHashes) {
        const kht = kernelHashes ? table : undefined;
        if (kernelHashes && !kht) continue;
        const prefix = await prefixDigest(ovmf, rules, kht, fwDigest);
        await anchor(ovmf, rules, kht, fwDigest, prefix, apEip, variants[0]!);
        for (const v of variants) {
          const [bsp, ap] = ovmfVcpuStates(rules.profile, 2, apEip, v.guestFeatures, v.rdx, { kvm: v.kvm, rdx: platform === 'qemu-kvm' ? undefined : v.rdx });
          const cell: Omit<LaunchCell, 'vcpus'> = {
            platform,
            vcpuSig: v.rdx,
            vcpuTypes: platform === 'qemu-kvm' ? describeSignature(v.rdx).qemuModels : [],
            guestFeatures: v.guestFeatures,
            kvm: v.kvm,
            vmsaGpa: v.vmsaGpa,
            kernelHashes,
          };
          const bspHash = sha384(bsp!.vmsa);
          const apHash = sha384(ap!.vmsa);
          opts.onVariant?.(cell, prefix, bspHash, apHash, { bsp: bsp!.vmsa, ap: ap!.vmsa });
          chain(prefix, bspHash, apHash, v.vmsaGpa, space.vcpus, cell, visit, summary);
        }
        opts.onProgress?.(summary.configurations);
      }
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    summary.stopped = true;
  }
  return summary;
}

/** Extends `prefix` by the BSP VMSA and then one AP VMSA per further vCPU, visiting the listed counts. */
function chain(prefix: Uint8Array, bspHash: Uint8Array, apHash: Uint8Array, gpa: number, counts: readonly number[], cell: Omit<LaunchCell, 'vcpus'>, visit: CellVisitor, summary: EnumerateSummary): void {
  const fw = new SnpFirmware({ seed: prefix });
  fw.step(PageType.VMSA, gpa, bspHash, 'VMSA vCPU 0 (BSP)');
  let n = 1;
  // One cell object per variant, its vcpus updated in place (visitors copy what they keep).
  const c: LaunchCell = { ...cell, vcpus: 1 };
  for (const want of counts) {
    fw.repeatStep(PageType.VMSA, gpa, apHash, want - n, 'AP VMSA');
    n = Math.max(n, want);
    c.vcpus = n;
    summary.configurations++;
    if (visit(c, fw.current) === false) throw new Stop();
  }
}

/** The firmware pages (the loaders' first update) through an upstream KVM session. */
async function firmwareDigest(ovmf: OvmfImage): Promise<Uint8Array> {
  const s = new UpstreamKvmSession({ softChecks: true });
  s.start({ policy: 0x30000n, vmsaFeatures: 1n, vcpus: 1 });
  await s.update(firmwareUpdate(ovmf, 'OVMF firmware'));
  return s.launchDigest;
}

/** The metadata pages of one VMM's plan (firmware skipped: the session is seeded with its digest). */
async function prefixDigest(ovmf: OvmfImage, rules: OvmfVmmRules, table: Uint8Array | undefined, fwDigest: Uint8Array): Promise<Uint8Array> {
  const plan = planOvmfSnpLaunch({ ovmf, vcpus: 1, guestFeatures: 1n, vcpuSig: 0, ...(table ? { kernelHashTable: table } : {}), skipFirmware: true }, rules);
  const s = new UpstreamKvmSession({ softChecks: true, seed: fwDigest });
  s.start(plan.start);
  for (const u of plan.updates) await s.update(u);
  return s.launchDigest;
}

/**
 * Runs one complete 2-vCPU launch of the variant through the loader and the UAPI model and checks
 * the chained digest against it, so the engine can never drift from `measure`.
 */
async function anchor(ovmf: OvmfImage, rules: OvmfVmmRules, table: Uint8Array | undefined, fwDigest: Uint8Array, prefix: Uint8Array, apEip: number, v: VmsaVariant): Promise<void> {
  const rdx = rules.vmm === 'QEMU' ? undefined : v.rdx;
  const plan = planOvmfSnpLaunch(
    { ovmf, vcpus: 2, guestFeatures: v.guestFeatures, vcpuSig: v.rdx, kvm: v.kvm, ...(rdx !== undefined ? { rdx } : {}), ...(table ? { kernelHashTable: table } : {}), skipFirmware: true },
    rules,
  );
  const full = await runLaunchPlan(new UpstreamKvmSession({ softChecks: true, seed: fwDigest, vmsaGpa: v.vmsaGpa }), plan);
  const sha384 = hashProvider().sha384;
  const fw = new SnpFirmware({ seed: prefix });
  fw.step(PageType.VMSA, v.vmsaGpa, sha384(plan.vcpuStates[0]!.vmsa), 'BSP');
  fw.step(PageType.VMSA, v.vmsaGpa, sha384(plan.vcpuStates[1]!.vmsa), 'AP');
  if (!bytesEqual(fw.digest, full.digest)) {
    throw new Error(`launch-space engine: the chained digest differs from the ${rules.vmm} launch through the KVM model (internal error)`);
  }
}

/** The IGVM counterpart of `anchor`: the chain's 2-vCPU digest must equal the qemu-kvm loader's. */
async function anchorIgvm(o: IgvmMeasureOptions, sig: number, chained: Uint8Array): Promise<void> {
  const r = await measureIgvm({ ...o, vcpus: 2, vcpuSig: sig });
  if (!bytesEqual(r.digest, chained)) throw new Error('launch-space engine: the chained digest differs from the qemu-kvm IGVM launch (internal error)');
}

/**
 * cloud-hypervisor-kvm: vCPU i's KVM-built VMSA does not depend on the vCPU count, so one launch at
 * the largest count gives every VMSA; the digest at N is the 1-vCPU digest extended by VMSAs 1..N−1.
 * Returns true when the visitor stopped the enumeration.
 */
async function chKvmCounts(o: IgvmMeasureOptions, space: LaunchSpace, one: Uint8Array, base: Omit<LaunchCell, 'vcpus' | 'vcpuSig' | 'vcpuTypes'>, summary: EnumerateSummary, visit: CellVisitor): Promise<boolean> {
  const max = Math.max(...space.vcpus);
  const all = max > 1 ? await measureIgvm({ ...o, vcpus: max, keepVmsas: true }) : undefined;
  const sha384 = hashProvider().sha384;
  const fw = new SnpFirmware({ seed: one });
  let n = 1;
  for (const want of space.vcpus) {
    for (; n < want; n++) fw.step(PageType.VMSA, KVM_VMSA_GPA, sha384(all!.vmsas![n]!), `vCPU ${n} VMSA`);
    summary.configurations++;
    if (visit({ ...base, vcpus: n, vcpuSig: KVM_DEFAULT_RDX, vcpuTypes: [] }, fw.current) === false) return true;
  }
  if (all && n === max && !bytesEqual(fw.current, all.digest)) throw new Error('launch-space engine: the chained digest differs from the cloud-hypervisor-kvm IGVM launch (internal error)');
  return false;
}

/**
 * IGVM: every platform but qemu-kvm measures the file's own VMSAs, so its digest does not depend on
 * the vCPU count or signature; qemu-kvm adds N−1 AP reset VMSAs (QEMU profile, the file's
 * sev_features, RDX = the signature) at KVM's VMSA GPA after the BSP's. `image.launch` goes to
 * every launch, its kernel only to cloud-hypervisor-kvm's (with its block and without, as
 * space.kernelHashes lists).
 */
async function igvmSpace(image: Extract<SpaceImage, { kind: 'igvm' }>, space: LaunchSpace, visit: CellVisitor, opts: EnumerateOptions): Promise<EnumerateSummary> {
  const summary: EnumerateSummary = { configurations: 0, stopped: false, skipped: [] };
  const { kernel, initrd, append, kernelSha256, initrdSha256, ...common } = image.launch ?? {};
  const boot = { kernel, initrd, append, kernelSha256, initrdSha256 };
  const booted = kernelGiven(boot) || initrdGiven(boot) || append !== undefined;
  try {
    for (const platform of space.platforms as IgvmPlatform[]) {
      // Only cloud-hypervisor-kvm boots a kernel beside the file: it measures its kernel-hashes block
      // or not (the kernelHashes axis). The other platforms launch the file alone, and their cells
      // say so (kernelHashes false); `match` and `measure` refuse a kernel for them up front.
      const ch = platform === 'cloud-hypervisor-kvm';
      for (const gate of ch && booted ? space.kernelHashes : [false]) {
        const o: IgvmMeasureOptions = { igvm: image.igvm, platform, ...defined(common), ...(gate ? defined(boot) : {}) };
        let r;
        try {
          r = await measureIgvm({ ...o, vcpus: 1, keepVmsas: true });
        } catch (e) {
          if (!(e instanceof SnpLaunchError) || e.kind === 'usage') throw e;
          // A kernel or initrd at fault is named; the IGVM file is the one every reason is about otherwise.
          const other = e.location.file !== undefined && e.location.file !== image.igvm.name;
          summary.skipped.push({ platform, reason: other ? `${e.location.file}: ${e.reason}` : e.reason });
          continue;
        }
        if (await igvmCounts(o, r, gate, space, summary, visit)) throw new Stop();
      }
      opts.onProgress?.(summary.configurations);
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    summary.stopped = true;
  }
  return summary;
}

/** The members of `o` that are not undefined (exactOptionalPropertyTypes). */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Every vCPU count (and, on qemu-kvm, signature) of one IGVM launch `o` whose 1-vCPU result is `r`; true when the visitor stopped. */
async function igvmCounts(o: IgvmMeasureOptions, r: MeasureResult, kernelHashes: boolean, space: LaunchSpace, summary: EnumerateSummary, visit: CellVisitor): Promise<boolean> {
  const sha384 = hashProvider().sha384;
  const platform = o.platform;
  const features = r.vmsas?.[0] ? u64(r.vmsas[0], VMSA.SEV_FEATURES) : 1n;
  const base = { platform, guestFeatures: features, kvm: 'init2' as const, vmsaGpa: KVM_VMSA_GPA, kernelHashes };
  if (platform === 'cloud-hypervisor-kvm') return chKvmCounts(o, space, r.digest, base, summary, visit);
  if (platform !== 'qemu-kvm') {
    for (const vcpus of space.vcpus) {
      summary.configurations++;
      if (visit({ ...base, vcpus, vcpuSig: 0, vcpuTypes: [] }, r.digest) === false) return true;
    }
    return false;
  }
  let anchored = false;
  for (const sig of space.vcpuSigs) {
    const apHash = sha384(buildQemuResetVmsa(features, sig));
    if (!anchored) {
      const two = new SnpFirmware({ seed: r.digest });
      two.step(PageType.VMSA, KVM_VMSA_GPA, apHash, 'AP VMSA');
      await anchorIgvm(o, sig, two.digest);
      anchored = true;
    }
    const fw = new SnpFirmware({ seed: r.digest });
    let n = 1;
    const c: LaunchCell = { ...base, vcpus: 1, vcpuSig: sig, vcpuTypes: describeSignature(sig).qemuModels };
    for (const want of space.vcpus) {
      fw.repeatStep(PageType.VMSA, KVM_VMSA_GPA, apHash, want - n, 'AP VMSA');
      n = Math.max(n, want);
      c.vcpus = n;
      summary.configurations++;
      if (visit(c, fw.current) === false) return true;
    }
  }
  return false;
}
