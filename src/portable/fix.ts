/**
 * `portability --fix`: the construction rules (rules.ts) applied to an existing IGVM file with the
 * fewest edits, each said in words, and the platforms measured again on the result.
 *
 * Edits never change the size of a header, so the variable header keeps its size and every
 * file_offset stays valid: unchanged headers are copied byte for byte, edited ones are patched in
 * place, moved ones are copied to their new place, and the file data is copied unchanged (plus one
 * zero page at the end when zero pages must become data). A file that needs no edit is returned
 * byte-identical, so applying the fix twice changes nothing.
 *
 * What is edited (platforms.md §5.2, §6):
 *  - shared flag cleared (openvmm skips shared pages, the others measure them);
 *  - data-less NORMAL pages pointed at one zero page (igvmmeasure --native-zero with others);
 *  - an empty parameter area grown to one page (one-page vs whole-area platforms);
 *  - the single SNP VP context moved to 0xFFFFFFFFF000 (qemu-kvm; kvm-direct-vmsa not 2 MiB-aligned);
 *  - directives moved into ascending GPA order (cloud-hypervisor-mshv) / the VP context last (qemu-kvm).
 * Not edited, reported as conflicts: parameter areas larger than a page, more than one VP context
 * where a platform loads only one, VMSA contents (vmpl, SEV_FEATURES), 2 MiB pages, the vCPU count.
 */
import { u32 } from '../core/bytes.js';
import type { ByteSource } from '../core/source.js';
import { KVM_VMSA_GPA, PAGE_SIZE } from '../firmware/page-types.js';
import { appliesTo, snpMask } from '../images/igvm/access.js';
import { align8, FIXED, HEADER_TYPES, PA, PD, TLV_HEADER_SIZE, VP } from '../images/igvm/defs.js';
import { parseIgvm } from '../images/igvm/parse.js';
import { layoutSource, sealHead, type IgvmLayout, type IgvmSegment } from '../images/igvm/stream-write.js';
import type { IgvmDirective } from '../images/igvm/types.js';
import { describeConflict, ruleConflicts, type PortabilityConflict } from './conflicts.js';
import { measureTargets, type LaunchOptions, type TargetMeasurement } from './measure-targets.js';
import { planMoves, type Movable } from './reorder.js';
import { rulesFor } from './rules.js';
import type { PortableTarget } from './targets.js';

export interface FixEdit {
  /** Header indexes in the input file. */
  headers: number[];
  /** What changed and why, in words. */
  text: string;
}

export type FixResult =
  | { ok: true; changed: boolean; edits: FixEdit[]; layout: IgvmLayout; measurement: TargetMeasurement; rules: string[] }
  | { ok: false; edits: FixEdit[]; conflict: PortabilityConflict; measurement: TargetMeasurement; rules: string[] };

const hex = (v: number | bigint) => '0x' + v.toString(16);
const gpaOf = (d: IgvmDirective): number | undefined => ('gpa' in d ? Number(d.gpa) : undefined);

/** "header 7" / "headers 7-9, 12" for a list of indexes. */
export function headerList(ix: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ix.length; ) {
    let j = i;
    while (j + 1 < ix.length && ix[j + 1] === ix[j]! + 1) j++;
    parts.push(i === j ? `${ix[i]}` : `${ix[i]}-${ix[j]}`);
    i = j + 1;
  }
  return `header${ix.length === 1 ? '' : 's'} ${parts.join(', ')}`;
}

export async function fixIgvm(src: ByteSource, targets: readonly PortableTarget[], o: LaunchOptions = {}): Promise<FixResult> {
  const file = await parseIgvm(src);
  const rules = rulesFor(targets);
  const mask = snpMask(file);
  const head = (await src.read(0, file.fileDataOffset)).slice();
  const dirs = file.directives;
  const snp = (d: IgvmDirective) => appliesTo(d, mask) && 'compatibilityMask' in d;
  const edits: FixEdit[] = [];
  const known: string[] = [];
  const payload = (d: IgvmDirective) => d.offset + TLV_HEADER_SIZE;
  const dv = new DataView(head.buffer);
  let appendZeroPage = false;

  const pages = dirs.filter((d) => d.kind === 'PAGE_DATA' && snp(d)) as Extract<IgvmDirective, { kind: 'PAGE_DATA' }>[];
  if (rules.noShared) {
    const shared = pages.filter((p) => p.flags.shared);
    for (const p of shared) dv.setUint32(payload(p) + PD.flags, u32(head, payload(p) + PD.flags) & ~4, true);
    if (shared.length) edits.push({ headers: shared.map((p) => p.index), text: `${headerList(shared.map((p) => p.index))} (PAGE_DATA): shared flag cleared, so the page is private and measured everywhere — openvmm skips shared pages, the other platforms measure them` });
  }
  if (rules.zeroAsData) {
    const zero = pages.filter((p) => p.fileOffset === 0 && p.dataType === 'NORMAL' && !p.flags.unmeasured);
    if (zero.length) {
      appendZeroPage = true;
      for (const p of zero) dv.setUint32(payload(p) + PD.fileOffset, file.fixed.totalFileSize, true);
      edits.push({ headers: zero.map((p) => p.index), text: `${headerList(zero.map((p) => p.index))} (PAGE_DATA without data): pointed at one zero-filled page appended at file offset ${file.fixed.totalFileSize} — igvmmeasure --native-zero measures data-less pages as ZERO, the others as SHA-384 of zeros` });
    }
  }
  // Parameter areas inserted for SEV-SNP.
  const inserts = dirs.filter((d) => d.kind === 'PARAMETER_INSERT' && snp(d)) as Extract<IgvmDirective, { kind: 'PARAMETER_INSERT' }>[];
  const areas = new Map(dirs.filter((d) => d.kind === 'PARAMETER_AREA').map((a) => [(a as Extract<IgvmDirective, { kind: 'PARAMETER_AREA' }>).parameterAreaIndex, a as Extract<IgvmDirective, { kind: 'PARAMETER_AREA' }>]));
  if (rules.onePageAreas) {
    for (const ins of inserts) {
      const a = areas.get(ins.parameterAreaIndex);
      if (!a || a.size === PAGE_SIZE) continue;
      if (a.size === 0 && a.initialData === null) {
        dv.setBigUint64(payload(a) + PA.numberOfBytes, BigInt(PAGE_SIZE), true);
        edits.push({ headers: [a.index], text: `header ${a.index} (PARAMETER_AREA ${a.parameterAreaIndex}): size 0 → 4096 — igvmmeasure and cloud-hypervisor-mshv measure one page per inserted area, the others none for an empty one` });
      } else {
        known.push(`parameter area ${a.parameterAreaIndex} (header ${a.index}) is ${a.size / PAGE_SIZE} pages: igvmmeasure and cloud-hypervisor-mshv measure one UNMEASURED page, the other platforms every page; shrinking or splitting it would change what the loader writes there, so it is not edited`);
      }
    }
  }
  // The VMSA's GPA.
  const vps = dirs.filter((d) => d.kind === 'VP_CONTEXT' && snp(d)) as Extract<IgvmDirective, { kind: 'VP_CONTEXT' }>[];
  const vpGpa = new Map(vps.map((v) => [v.index, Number(v.gpa)]));
  if (vps.length === 1) {
    const v = vps[0]!;
    const g = Number(v.gpa);
    const wrong = (rules.vmsaGpa !== undefined && g !== rules.vmsaGpa) || (rules.vmsaNot2MiB && g % 0x200000 === 0);
    const taken = dirs.some((d) => d !== v && snp(d) && (d.kind === 'PAGE_DATA' || d.kind === 'PARAMETER_INSERT') && gpaOf(d) === KVM_VMSA_GPA);
    if (wrong && !taken && g !== KVM_VMSA_GPA) {
      dv.setBigUint64(payload(v) + VP.gpa, BigInt(KVM_VMSA_GPA), true);
      vpGpa.set(v.index, KVM_VMSA_GPA);
      const why = rules.vmsaGpa !== undefined ? 'the only GPA qemu-kvm accepts' : 'kvm-direct-vmsa rejects a 2 MiB-aligned VMSA GPA';
      edits.push({ headers: [v.index], text: `header ${v.index} (VP_CONTEXT vp ${v.vpIndex}): gpa ${hex(g)} → 0xfffffffff000 — ${why}` });
    }
  }
  // Order of the measured directives.
  const measured = dirs.filter((d) => snp(d) && (d.kind === 'PAGE_DATA' || d.kind === 'PARAMETER_INSERT' || d.kind === 'VP_CONTEXT'));
  const gpa = (d: IgvmDirective) => (d.kind === 'VP_CONTEXT' ? vpGpa.get(d.index)! : gpaOf(d)!);
  let wanted = measured.map((d, i) => ({ d, i }));
  if (rules.sortByGpa) wanted = [...wanted].sort((a, b) => gpa(a.d) - gpa(b.d) || a.i - b.i);
  if (rules.vmsaLast) wanted = [...wanted.filter((x) => x.d.kind !== 'VP_CONTEXT'), ...wanted.filter((x) => x.d.kind === 'VP_CONTEXT')];
  const rankOf = new Map(wanted.map((x, r) => [x.d.index, r]));
  const posOf = new Map(dirs.map((d, p) => [d.index, p]));
  const companions = (d: IgvmDirective): number[] => {
    if (d.kind !== 'PARAMETER_INSERT') return [];
    const k = d.parameterAreaIndex;
    return dirs.flatMap((x, p) => (x.index < d.index && ((x.kind === 'PARAMETER_AREA' && x.parameterAreaIndex === k) || ('byteOffset' in x && x.parameterAreaIndex === k)) ? [p] : []));
  };
  const items: Movable[] = measured.map((d) => ({ pos: posOf.get(d.index)!, rank: rankOf.get(d.index)!, companions: companions(d) }));
  const plan = planMoves(dirs.length, items);
  for (const m of plan.moved) {
    const d = dirs[m.pos]!;
    const where = m.after < 0 ? 'before the first measured directive' : `after header ${dirs[m.after]!.index} (gpa ${hex(gpa(dirs[m.after]!))})`;
    const why = d.kind === 'VP_CONTEXT' && rules.vmsaLast ? 'qemu-kvm measures the VMSA after every page, the others where the directive is' : 'cloud-hypervisor-mshv measures in ascending GPA order, the others in file order';
    const extra = companions(d).length ? ` with its PARAMETER_AREA and parameter headers` : '';
    edits.push({ headers: [d.index], text: `header ${d.index} (${d.kind} gpa ${hex(gpa(d))}) moved${extra} ${where} — ${why}` });
  }

  // Assemble: the fixed header (+ any gap), the directives' TLVs in the new order, the data.
  const out = head.slice();
  const firstDir = dirs.length ? dirs[0]!.offset : head.length;
  let at = firstDir;
  for (const p of plan.order) {
    const d = dirs[p]!;
    const len = align8(TLV_HEADER_SIZE + HEADER_TYPES[d.kind].size);
    out.set(head.subarray(d.offset, d.offset + len), at);
    at += len;
  }
  const segments: IgvmSegment[] = [{ source: src, offset: file.fileDataOffset, length: file.fixed.totalFileSize - file.fileDataOffset }];
  if (appendZeroPage) segments.push({ bytes: new Uint8Array(PAGE_SIZE) });
  const totalSize = file.fixed.totalFileSize + (appendZeroPage ? PAGE_SIZE : 0);
  const fixedSize = file.fixed.formatVersion === 2 ? 32 : 24;
  if (edits.length > 0) {
    new DataView(out.buffer).setUint32(FIXED.totalFileSize, totalSize, true);
    // The CRC covers the fixed header and the variable header only (igvm.md §2.1).
    const crcPart = out.subarray(0, file.fixed.variableHeaderOffset + file.fixed.variableHeaderSize);
    const region = new Uint8Array(fixedSize + file.fixed.variableHeaderSize);
    region.set(crcPart.subarray(0, fixedSize));
    region.set(crcPart.subarray(file.fixed.variableHeaderOffset), fixedSize);
    sealHead(region, fixedSize);
    out.set(region.subarray(0, fixedSize));
  }
  const layout: IgvmLayout = { head: out, segments, totalSize, tlvOffsets: [] };
  const measurement = await measureTargets(layoutSource(src.name, layout), targets, o);
  if (!measurement.agree) return { ok: false, edits, conflict: describeConflict(measurement, [...ruleConflicts(targets, o.vcpus ?? 1), ...known]), measurement, rules: rules.notes };
  return { ok: true, changed: edits.length > 0, edits, layout, measurement, rules: rules.notes };
}
