/**
 * `igvm inspect`: a JSON-able report of an IGVM file (specs/igvm.md) — platforms and masks, the
 * guest policy decoded (attestation.md §1.4), directive counts, GPA ranges with page types, VP
 * contexts with key VMSA fields (launch-digest.md §3–4), parameter areas and what the loader
 * inserts where (§4.10), the SNP ID block — and validation warnings for things that parse but will
 * not launch or measure as intended (platforms.md §5). Browser-safe; u64 values are hex strings.
 */
import { hex64, isAllZero, toHex } from '../../core/bytes.js';
import type { ByteSource } from '../../core/source.js';
import { decodePolicy, policyFlagNames, policyProblems } from '../../attestation/policy.js';
import { decodeVmsa } from '../../vmsa/layout.js';
import { decodeSevFeatures } from '../../vmsa/sev-features.js';
import { readVpContext, snpPlatform } from './access.js';
import { igvmIdBlockToFirmware, igvmKeyDigest } from './id-block.js';
import { verifyIdAuth } from '../../idblock/sign.js';
import { parseIgvm } from './parse.js';
import { portabilityWarnings } from './inspect-portability.js';
import type { IgvmFile, IgvmPageData, ParameterKind, SnpIdBlockFields } from './types.js';

/** KVM's fixed VMSA GPA (launch-digest.md §2.4), required by qemu-kvm (platforms.md §5.2). */
const KVM_VMSA_GPA = 0xfffffffff000n;

/** What the loader writes for each parameter-usage header (igvm.md §4.10). */
const PARAMETER_MEANING: Record<ParameterKind, string> = {
  VP_COUNT_PARAMETER: 'u32 vCPU count',
  ENVIRONMENT_INFO_PARAMETER: 'u32 environment bits (bit 0 memory_is_shared)',
  MEMORY_MAP: 'MEMORY_MAP_ENTRY array, ended by an entry with 0 pages',
  COMMAND_LINE: 'NUL-terminated ASCII command line',
  MMIO_RANGES: '2 MEMORY_RANGE entries (32 bytes)',
  SRAT: 'ACPI SRAT table',
  MADT: 'ACPI MADT table',
  SLIT: 'ACPI SLIT table',
  PPTT: 'ACPI PPTT table',
  DEVICE_TREE: 'device tree blob (DTB)',
};

export interface InspectPageRange {
  firstIndex: number;
  lastIndex: number;
  mask: string;
  gpaStart: string;
  /** Exclusive end. */
  gpaEnd: string;
  pages: number;
  dataType: string;
  flags: string[];
  /** Pages with file data / without (zero pages). */
  withData: number;
  zeroPages: number;
}

export interface InspectVpContext {
  index: number;
  offset: number;
  gpa: string;
  vpIndex: number;
  mask: string;
  platform: string;
  format: string;
  fileOffset: number;
  length: number;
  vmsa?: {
    vmpl: number;
    cpl: number;
    rip: string;
    rsp: string;
    cr0: string;
    cr3: string;
    cr4: string;
    efer: string;
    rflags: string;
    gPat: string;
    xcr0: string;
    cs: { selector: string; attrib: string; limit: string; base: string };
    sevFeatures: string;
    sevFeatureNames: string[];
    virtualTom: string;
  };
}

export interface InspectParameterArea {
  areaIndex: number;
  headerIndex: number;
  size: number;
  initialData: { fileOffset: number } | null;
  usages: { headerIndex: number; kind: string; byteOffset: number; writes: string }[];
  insert: { headerIndex: number; gpa: string; mask: string } | null;
}

export interface IgvmInspectReport {
  file: string;
  size: number;
  formatVersion: number;
  architecture: string;
  variableHeaderOffset: number;
  variableHeaderSize: number;
  fileDataOffset: number;
  checksum: string;
  headerCount: number;
  platforms: { index: number; offset: number; platformType: string; mask: string; highestVtl: number; platformVersion: number; sharedGpaBoundary: string }[];
  snpMask: string | null;
  policies: { index: number; mask: string; policy: string; flags: string[]; abi: string; problems: string[] }[];
  initialization: { index: number; kind: string; mask: string; detail: string }[];
  directiveCounts: Record<string, number>;
  pageRanges: InspectPageRange[];
  vpContexts: InspectVpContext[];
  parameterAreas: InspectParameterArea[];
  requiredMemory: { index: number; gpa: string; size: number; mask: string; vtl2Protectable: boolean }[];
  idBlocks: {
    index: number;
    mask: string;
    authorKeyEnabled: number;
    ld: string;
    familyId: string;
    imageId: string;
    version: number;
    guestSvn: number;
    idKeyAlgorithm: number;
    authorKeyAlgorithm: number;
    idKeyCurve: number;
    idKeyDigest: string;
    authorKeyDigest: string | null;
    /** The ID key's signature over the firmware ID block QEMU builds from this header and GUEST_POLICY. */
    signature: 'valid' | 'invalid';
    /** The author key's signature over the ID key; null without an author key. */
    authorSignature: 'valid' | 'invalid' | null;
  }[];
  warnings: string[];
}

const m = (v: number) => '0x' + v.toString(16);

function flagNames(d: IgvmPageData): string[] {
  return [d.flags.is2MiB ? '2MiB' : '', d.flags.unmeasured ? 'unmeasured' : '', d.flags.shared ? 'shared' : ''].filter(Boolean);
}

/** Coalesces PAGE_DATA directives that follow each other with contiguous GPAs and equal attributes. */
function pageRanges(file: IgvmFile): InspectPageRange[] {
  type Open = InspectPageRange & { next: bigint };
  const out: Open[] = [];
  let cur: Open | undefined;
  for (const d of file.directives) {
    if (d.kind !== 'PAGE_DATA') {
      cur = undefined;
      continue;
    }
    const size = d.flags.is2MiB ? 0x20_0000n : 0x1000n;
    const flags = flagNames(d);
    const same = cur && cur.next === d.gpa && cur.mask === m(d.compatibilityMask) && cur.dataType === d.dataType && cur.flags.join() === flags.join();
    if (!cur || !same) {
      cur = <Open>{ firstIndex: d.index, lastIndex: d.index, mask: m(d.compatibilityMask), gpaStart: hex64(d.gpa), gpaEnd: '', pages: 0, dataType: d.dataType, flags, withData: 0, zeroPages: 0, next: d.gpa };
      out.push(cur);
    }
    cur.lastIndex = d.index;
    cur.pages++;
    if (d.fileOffset === 0) cur.zeroPages++;
    else cur.withData++;
    cur.next = d.gpa + size;
    cur.gpaEnd = hex64(cur.next);
  }
  return out.map(({ next: _n, ...r }) => r);
}

/** The SNP GUEST_POLICY (the ID block signature covers it), default 0x30000. */
function snpPolicy(file: IgvmFile, mask: number | undefined): bigint {
  const p = file.initialization.find((h) => h.kind === 'GUEST_POLICY' && mask !== undefined && (h.compatibilityMask & mask) !== 0);
  return p?.kind === 'GUEST_POLICY' ? p.policy : 0x30000n;
}

/** Verifies the ID block's signatures as SNP_LAUNCH_FINISH would; malformed keys are 'invalid'. */
function idBlockSignatures(d: SnpIdBlockFields, policy: bigint): { signature: 'valid' | 'invalid'; authorSignature: 'valid' | 'invalid' | null } {
  const fw = igvmIdBlockToFirmware(d, policy);
  let v: ReturnType<typeof verifyIdAuth> | undefined;
  try {
    v = verifyIdAuth(fw.idBlock, fw.idAuth);
  } catch {
    v = undefined;
  }
  const ok = (b: boolean | undefined) => (b ? 'valid' : 'invalid');
  return { signature: ok(v?.idBlockSignatureValid), authorSignature: d.authorKeyEnabled ? ok(v?.idKeySignatureValid) : null };
}

/** Builds the inspection report; reads only the VP context pages besides the headers. */
export async function inspectIgvm(src: ByteSource, parsed?: IgvmFile): Promise<IgvmInspectReport> {
  const file = parsed ?? (await parseIgvm(src));
  const warnings: string[] = [];
  const snp = snpPlatform(file);
  const snpMask = snp?.compatibilityMask;
  const platformOfMask = (mask: number) => file.platforms.find((p) => p.compatibilityMask === mask)?.platformType ?? '?';
  if (!snp) warnings.push('no SEV_SNP platform: the file cannot be measured or launched as an SNP guest');
  if (file.nonZeroPadding.length > 0) warnings.push(`non-zero TLV padding after header(s) ${file.nonZeroPadding.join(', ')} (accepted; old igvm-tooling pads with '0')`);

  const policies: IgvmInspectReport['policies'] = [];
  const initialization: IgvmInspectReport['initialization'] = [];
  for (const h of file.initialization) {
    if (h.kind === 'GUEST_POLICY') {
      const isSnp = snpMask !== undefined && (h.compatibilityMask & snpMask) !== 0;
      const p = decodePolicy(h.policy);
      const problems = isSnp ? policyProblems(p) : [];
      for (const pr of problems) warnings.push(`GUEST_POLICY (header ${h.index}): ${pr}`);
      policies.push({ index: h.index, mask: m(h.compatibilityMask), policy: hex64(h.policy), flags: isSnp ? policyFlagNames(p) : [], abi: isSnp ? `${p.abiMajor}.${p.abiMinor}` : '', problems });
    } else {
      const detail =
        h.kind === 'RELOCATABLE_REGION'
          ? `vp ${h.vpIndex} vtl ${h.vtl} region ${hex64(h.relocationRegionGpa)}+${hex64(h.relocationRegionSize)} within [${hex64(h.minimumRelocationGpa)}, ${hex64(h.maximumRelocationGpa)}]`
          : h.kind === 'PAGE_TABLE_RELOCATION_REGION'
            ? `vp ${h.vpIndex} vtl ${h.vtl} ${hex64(h.gpa)}+${hex64(h.size)} used ${hex64(h.usedSize)}`
            : h.kind === 'CCA_POLICY'
              ? `hash ${h.hashAlgorithm} lfa ${h.lfaPolicy}`
              : `${h.sizeBytes} bytes at file offset ${h.fileOffset}`;
      initialization.push({ index: h.index, kind: h.kind, mask: m(h.compatibilityMask), detail });
    }
  }
  if (snpMask !== undefined && !policies.some((p) => (Number.parseInt(p.mask, 16) & snpMask) !== 0)) {
    warnings.push('no GUEST_POLICY for the SEV_SNP platform (the launch needs a policy; it does not change the digest)');
  }

  const directiveCounts: Record<string, number> = {};
  for (const d of file.directives) directiveCounts[d.kind] = (directiveCounts[d.kind] ?? 0) + 1;

  for (const d of file.directives) {
    if (d.kind === 'PAGE_DATA' && d.flags.is2MiB && snpMask !== undefined && (d.compatibilityMask & snpMask) !== 0) {
      warnings.push(`PAGE_DATA (header ${d.index}): 2 MiB page for SEV_SNP; snp-launch's measurement rules reject 2 MiB pages`);
      break;
    }
  }

  const vpContexts: InspectVpContext[] = [];
  const areas = new Map<number, InspectParameterArea>();
  const requiredMemory: IgvmInspectReport['requiredMemory'] = [];
  const idBlocks: IgvmInspectReport['idBlocks'] = [];
  for (const d of file.directives) {
    switch (d.kind) {
      case 'VP_CONTEXT': {
        const v: InspectVpContext = { index: d.index, offset: d.offset, gpa: hex64(d.gpa), vpIndex: d.vpIndex, mask: m(d.compatibilityMask), platform: platformOfMask(d.compatibilityMask), format: d.format, fileOffset: d.fileOffset, length: d.length };
        if (d.format === 'snp-vmsa') {
          const x = decodeVmsa(await readVpContext(src, d));
          const cs = x.segments.CS;
          v.vmsa = {
            vmpl: x.vmpl, cpl: x.cpl, rip: hex64(x.rip), rsp: hex64(x.rsp), cr0: hex64(x.cr0), cr3: hex64(x.cr3), cr4: hex64(x.cr4), efer: hex64(x.efer),
            rflags: hex64(x.rflags), gPat: hex64(x.g_pat), xcr0: hex64(x.xcr0),
            cs: { selector: m(cs.selector), attrib: m(cs.attrib), limit: m(cs.limit), base: hex64(cs.base) },
            sevFeatures: hex64(x.sev_features), sevFeatureNames: decodeSevFeatures(x.sev_features), virtualTom: hex64(x.virtual_tom),
          };
          if (v.platform === 'SEV_SNP') {
            const at = `VP_CONTEXT (header ${d.index}, vp ${d.vpIndex})`;
            if ((x.sev_features & 1n) === 0n) warnings.push(`${at}: sev_features bit 0 (SNPActive) is clear; KVM-based platforms reject it`);
            if (x.vmpl !== 0) warnings.push(`${at}: VMSA vmpl ${x.vmpl} is not 0; QEMU/KVM cannot load it`);
            if (d.gpa !== KVM_VMSA_GPA) warnings.push(`${at}: gpa ${hex64(d.gpa)} is not KVM's VMSA GPA 0xfffffffff000 (required by qemu-kvm)`);
          }
        }
        vpContexts.push(v);
        break;
      }
      case 'PARAMETER_AREA':
        areas.set(d.parameterAreaIndex, { areaIndex: d.parameterAreaIndex, headerIndex: d.index, size: d.size, initialData: d.initialData, usages: [], insert: null });
        break;
      case 'PARAMETER_INSERT': {
        const a = areas.get(d.parameterAreaIndex);
        if (a) a.insert = { headerIndex: d.index, gpa: hex64(d.gpa), mask: m(d.compatibilityMask) };
        break;
      }
      case 'REQUIRED_MEMORY':
        requiredMemory.push({ index: d.index, gpa: hex64(d.gpa), size: d.numberOfBytes, mask: m(d.compatibilityMask), vtl2Protectable: d.vtl2Protectable });
        break;
      case 'SNP_ID_BLOCK': {
        idBlocks.push({
          index: d.index, mask: m(d.compatibilityMask), authorKeyEnabled: d.authorKeyEnabled, ld: toHex(d.ld), familyId: toHex(d.familyId), imageId: toHex(d.imageId),
          version: d.version, guestSvn: d.guestSvn, idKeyAlgorithm: d.idKeyAlgorithm, authorKeyAlgorithm: d.authorKeyAlgorithm, idKeyCurve: d.idPublicKey.curve,
          idKeyDigest: toHex(igvmKeyDigest(d.idPublicKey)), authorKeyDigest: d.authorKeyEnabled ? toHex(igvmKeyDigest(d.authorPublicKey)) : null,
          ...idBlockSignatures(d, snpPolicy(file, snpMask)),
        });
        if (isAllZero(d.ld)) warnings.push(`SNP_ID_BLOCK (header ${d.index}): ld is all zero (the firmware rejects an ID block whose ld differs from the digest)`);
        break;
      }
      case 'PAGE_DATA':
      case 'ERROR_RANGE':
      case 'VBS_MEASUREMENT':
        break;
      default: {
        const a = areas.get(d.parameterAreaIndex);
        a?.usages.push({ headerIndex: d.index, kind: d.kind, byteOffset: d.byteOffset, writes: PARAMETER_MEANING[d.kind] });
      }
    }
  }
  for (const a of areas.values()) if (!a.insert) warnings.push(`PARAMETER_AREA ${a.areaIndex} (header ${a.headerIndex}) is never inserted`);
  if (snpMask !== undefined) {
    const snpVps = vpContexts.filter((v) => Number.parseInt(v.mask, 16) === snpMask);
    if (snpVps.length === 0) warnings.push('no VP_CONTEXT for SEV_SNP: only openvmm and igvmmeasure can measure it (pages only)');
    if (snpVps.length > 1) warnings.push(`${snpVps.length} SEV_SNP VP contexts: qemu-kvm and kvm-vmsa-page accept exactly one`);
    // Platform differences that change the digest (platforms.md §5.2, §6).
    const snpDirs = file.directives.filter((d) => 'compatibilityMask' in d && (d.compatibilityMask & snpMask) !== 0);
    const firstVp = snpDirs.findIndex((d) => d.kind === 'VP_CONTEXT');
    const pagesAfter = firstVp < 0 ? [] : snpDirs.slice(firstVp + 1).filter((d) => d.kind === 'PAGE_DATA' || d.kind === 'PARAMETER_INSERT');
    if (pagesAfter.length > 0) {
      warnings.push(`${pagesAfter.length} page directive(s) after the first SEV_SNP VP_CONTEXT (header ${snpDirs[firstVp]!.index}): qemu-kvm measures the VMSA after all pages, so its digest differs from openvmm and igvmmeasure`);
    }
    const shared = snpDirs.filter((d) => d.kind === 'PAGE_DATA' && d.flags.shared).length;
    if (shared > 0) warnings.push(`${shared} SEV_SNP PAGE_DATA with the shared flag: openvmm skips them, the other platforms measure them`);
    warnings.push(...portabilityWarnings(file, snpMask));
  }

  return {
    file: file.name,
    size: file.fixed.totalFileSize,
    formatVersion: file.fixed.formatVersion,
    architecture: file.fixed.architecture,
    variableHeaderOffset: file.fixed.variableHeaderOffset,
    variableHeaderSize: file.fixed.variableHeaderSize,
    fileDataOffset: file.fileDataOffset,
    checksum: m(file.fixed.checksum),
    headerCount: file.headers.length,
    platforms: file.platforms.map((p) => ({ index: p.index, offset: p.offset, platformType: p.platformType, mask: m(p.compatibilityMask), highestVtl: p.highestVtl, platformVersion: p.platformVersion, sharedGpaBoundary: hex64(p.sharedGpaBoundary) })),
    snpMask: snpMask === undefined ? null : m(snpMask),
    policies,
    initialization,
    directiveCounts,
    pageRanges: pageRanges(file),
    vpContexts,
    parameterAreas: [...areas.values()],
    requiredMemory,
    idBlocks,
    warnings,
  };
}
