/**
 * QEMU's own SEV-SNP launch trace (`qemu -trace 'kvm_sev_snp*'`), as users have it when a launch
 * does not measure as expected (docs/trace-format.md "QEMU traces"). Formats, from QEMU's
 * target/i386/trace-events:
 *   kvm_sev_snp_launch_start policy 0x%x gosvw %s
 *   kvm_sev_snp_launch_update src 0x%x gpa 0x%x len 0x%x (%s page)      upstream QEMU
 *   kvm_sev_snp_launch_update addr %p gpa 0x%x len 0x%x (%s page)       older AMD SNP branches
 *   kvm_sev_snp_launch_finish id_block %s id_auth %s host_data %s
 * optionally prefixed by the log backend's `PID@SECONDS.MICROS:`. QEMU prints one update line per
 * SNP_LAUNCH_UPDATE ioctl attempt with the range still to do (KVM may process part of it, or ask
 * for a retry with -EAGAIN), so the lines of one range are folded into one update here: a line
 * continues the previous one when it has the same page type and ends at the same GPA (an identical
 * line is an EAGAIN retry). Every other line is ignored. Browser-safe; the text is never executed.
 */
import { inputError } from '../core/errors.js';
import { PageType } from '../firmware/page-types.js';

/** `(%s page)` names → page types (QEMU's snp_page_type_to_str). */
const TYPE_NAMES: Readonly<Record<string, PageType>> = {
  normal: PageType.NORMAL,
  vmsa: PageType.VMSA,
  zero: PageType.ZERO,
  unmeasured: PageType.UNMEASURED,
  secrets: PageType.SECRETS,
  cpuid: PageType.CPUID,
};
/** 16 GiB of launch pages: far above any real launch, bounds what a hostile trace can make us do. */
export const MAX_TRACE_PAGES = 1 << 22;
const MAX_LINES = 1 << 20;

export interface QemuTraceUpdate {
  gpa: number;
  len: number;
  type: PageType;
  /** The host address of the first attempt (informational). */
  src: bigint | undefined;
  /** 1-based line numbers of every attempt folded into this update. */
  lines: number[];
}

export interface QemuTrace {
  name: string;
  /** Policy of kvm_sev_snp_launch_start, when present. */
  policy?: bigint;
  startLine?: number;
  updates: QemuTraceUpdate[];
  finishLine?: number;
  /** 'upstream' (src) or 'amd' (addr); undefined without update lines. */
  format?: 'upstream' | 'amd';
  /** Attempts folded into an earlier line of the same range. */
  retries: number;
  warnings: string[];
}

const PREFIX = String.raw`^\s*(?:\d+@\d+(?:\.\d+)?:\s*)?`;
const UPDATE = new RegExp(PREFIX + String.raw`kvm_sev_snp_launch_update\s+(src|addr)\s+(0x[0-9a-fA-F]+|\(nil\)|[0-9]+)\s+gpa\s+(0x[0-9a-fA-F]+)\s+len\s+(0x[0-9a-fA-F]+)\s+\((\w+) page\)`);
const START = new RegExp(PREFIX + String.raw`kvm_sev_snp_launch_start\s+policy\s+(0x[0-9a-fA-F]+)`);
const FINISH = new RegExp(PREFIX + String.raw`kvm_sev_snp_launch_finish\b`);

export function parseQemuTrace(text: string, name: string): QemuTrace {
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_LINES) throw inputError('BAD_QEMU_TRACE', `has ${lines.length} lines, more than ${MAX_LINES}`, { file: name });
  const t: QemuTrace = { name, updates: [], retries: 0, warnings: [] };
  let pages = 0;
  lines.forEach((line, i) => {
    const n = i + 1;
    const where = { file: name, field: `line ${n}` };
    if (START.test(line)) {
      if (t.startLine !== undefined) t.warnings.push(`line ${n}: a second kvm_sev_snp_launch_start (the first is line ${t.startLine})`);
      t.startLine ??= n;
      t.policy ??= BigInt(START.exec(line)![1]!);
      return;
    }
    if (FINISH.test(line)) {
      t.finishLine ??= n;
      return;
    }
    const m = UPDATE.exec(line);
    if (!m) {
      if (/kvm_sev_snp_launch_update/.test(line)) throw inputError('BAD_QEMU_TRACE', 'is a kvm_sev_snp_launch_update line in neither known format (src|addr 0x.. gpa 0x.. len 0x.. (Type page))', where);
      return;
    }
    const format = m[1] === 'src' ? 'upstream' : 'amd';
    if (t.format !== undefined && t.format !== format) t.warnings.push(`line ${n}: mixes the '${m[1]}' format with the other one`);
    t.format ??= format;
    const type = TYPE_NAMES[m[5]!.toLowerCase()];
    if (type === undefined) throw inputError('BAD_QEMU_TRACE', `names page type '${m[5]}' (QEMU prints Normal, Vmsa, Zero, Unmeasured, Secrets, Cpuid)`, where);
    const gpa = Number(BigInt(m[3]!));
    const len = Number(BigInt(m[4]!));
    if (!Number.isSafeInteger(gpa + len) || gpa % 4096 !== 0 || len % 4096 !== 0 || len === 0) throw inputError('BAD_QEMU_TRACE', `has gpa 0x${gpa.toString(16)} len 0x${len.toString(16)}, not whole 4 KiB pages`, where);
    const src = /^0x/i.test(m[2]!) ? BigInt(m[2]!) : undefined;
    const prev = t.updates[t.updates.length - 1];
    // A retry: same type, same end, starting at or after the previous attempt's start.
    if (prev && prev.type === type && gpa >= prev.gpa && gpa + len === prev.gpa + prev.len && gpa < prev.gpa + prev.len) {
      if (prev.src !== undefined && src !== undefined && src - prev.src !== BigInt(gpa - prev.gpa)) {
        t.warnings.push(`line ${n}: continues the range of line ${prev.lines[0]} but its host address moved by a different amount than its GPA`);
      }
      prev.lines.push(n);
      t.retries++;
      return;
    }
    pages += len / 4096;
    if (pages > MAX_TRACE_PAGES) throw inputError('BAD_QEMU_TRACE', `brings the launch to more than ${MAX_TRACE_PAGES} pages`, where);
    t.updates.push({ gpa, len, type, src, lines: [n] });
  });
  if (t.updates.length === 0) throw inputError('BAD_QEMU_TRACE', 'has no kvm_sev_snp_launch_update line (record with: qemu-system-x86_64 -trace "kvm_sev_snp*" ...)', { file: name });
  return t;
}
