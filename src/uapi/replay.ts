/**
 * Replays a parsed trace (trace.ts) through one KVM UAPI model, call by call, the way a VMM would:
 * KVM_SEV_INIT2 + vCPU creation from `vm`, then each call in order. The first rejected call stops
 * the replay (a VMM aborts the launch), and its errno and reason are reported. Legacy SEV command
 * ids (< 100) are refused with EPERM once the VM is an SNP VM (kvm-snp-launch.md §1.2).
 */
import { LaunchRejectedError, inputError } from '../core/errors.js';
import type { ByteSource } from '../core/source.js';
import type { MeasurementLogEntry } from '../firmware/log.js';
import type { PageType } from '../firmware/page-types.js';
import { createKvmSession } from './create.js';
import { DirectVmsaKvmSession } from './kvm-direct-vmsa.js';
import type { TraceCall, TraceData, Trace } from './trace.js';
import type { KvmUapi, PageData } from './types.js';

export interface ReplayOptions {
  /** Opens a data file named in the trace (the CLI resolves it relative to the trace). */
  openFile?: (path: string) => Promise<ByteSource>;
  /** Keep the measurement log. */
  log?: boolean;
}

export interface ReplayCallResult {
  index: number;
  cmd: string;
  ok: boolean;
  /** PAGE_INFO steps this call added. */
  steps: number;
  errno?: string;
  reason?: string;
}

export interface ReplayResult {
  uapi: KvmUapi;
  /** True when every call was accepted and SNP_LAUNCH_FINISH ran. */
  finished: boolean;
  /** The launch digest after FINISH, or the firmware's digest when the replay stopped. */
  digest: Uint8Array;
  steps: number;
  calls: ReplayCallResult[];
  /** The rejected call, when the replay stopped early. */
  rejected?: ReplayCallResult;
  log?: MeasurementLogEntry[];
  warnings: string[];
}

export async function replayTrace(trace: Trace, uapi: KvmUapi, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const log: MeasurementLogEntry[] | undefined = opts.log ? [] : undefined;
  let steps = 0;
  let digest: Uint8Array = new Uint8Array(48);
  const session = createKvmSession(uapi, {
    log: (e) => {
      steps++;
      digest = e.digest;
      log?.push(e);
    },
  });
  const files = new Map<string, ByteSource>();
  const calls: ReplayCallResult[] = [];
  const warnings: string[] = [];
  let finished = false;
  let finishWarnings: string[] = [];
  try {
    for (const c of trace.calls) {
      const before = steps;
      const res: ReplayCallResult = { index: c.index, cmd: c.cmd === 'LEGACY' ? c.name : c.cmd, ok: true, steps: 0 };
      calls.push(res);
      try {
        const r = await runCall(session, c, trace, { files, opts, warnings });
        if (r) {
          finished = true;
          finishWarnings = r;
        }
      } catch (e) {
        if (!(e instanceof LaunchRejectedError)) throw e;
        res.ok = false;
        res.errno = e.errno;
        res.reason = e.reason.replace(/^[A-Z]+: /, '');
        res.steps = steps - before;
        return { uapi, finished: false, digest, steps, calls, rejected: res, ...(log ? { log } : {}), warnings: [...warnings, ...finishWarnings] };
      }
      res.steps = steps - before;
    }
  } finally {
    for (const f of files.values()) await f.close?.();
  }
  if (!finished) warnings.push('the trace has no SNP_LAUNCH_FINISH; the digest is the firmware state after the last call');
  return { uapi, finished, digest, steps, calls, ...(log ? { log } : {}), warnings: [...warnings, ...finishWarnings] };
}

interface Ctx {
  files: Map<string, ByteSource>;
  opts: ReplayOptions;
  warnings: string[];
}

/** Runs one call; returns the session's warnings when the call was SNP_LAUNCH_FINISH. */
async function runCall(s: ReturnType<typeof createKvmSession>, c: TraceCall, trace: Trace, ctx: Ctx): Promise<string[] | undefined> {
  const where = `call ${c.index}`;
  switch (c.cmd) {
    case 'LEGACY':
      throw new LaunchRejectedError('EPERM', `${c.name} (id ${c.id}) is a legacy SEV command; once the VM is an SNP VM, command ids below 100 are refused`);
    case 'SNP_LAUNCH_START':
      if (c.padNonZero) ctx.warnings.push(`${where}: non-zero pad bytes in SNP_LAUNCH_START (KVM does not look at them)`);
      s.start({
        policy: c.policy,
        vmsaFeatures: trace.vm.vmsaFeatures,
        vcpus: trace.vm.vcpus,
        flags: c.flags,
        ...(trace.vm.guestMemory !== undefined ? { guestMemory: trace.vm.guestMemory } : {}),
        ...(trace.vm.supportedPolicyBits !== undefined ? { supportedPolicyBits: trace.vm.supportedPolicyBits } : {}),
        ...(trace.vm.supportedVmsaFeatures !== undefined ? { supportedVmsaFeatures: trace.vm.supportedVmsaFeatures } : {}),
      });
      return undefined;
    case 'SNP_LAUNCH_UPDATE': {
      if (c.padNonZero) ctx.warnings.push(`${where}: non-zero pad bytes in SNP_LAUNCH_UPDATE (KVM does not look at them)`);
      const data = c.data ? await pageData(c.data, c.len, ctx, `calls[${c.index}].data`) : undefined;
      await s.update({
        gpa: c.gpa,
        length: c.len,
        type: c.type as PageType,
        flags: c.flags,
        origin: `trace call ${c.index}`,
        ...(data ? { data } : {}),
        ...(c.vcpu !== undefined ? { vcpu: c.vcpu } : {}),
      });
      return undefined;
    }
    case 'SET_VCPU_REGS': {
      const vmsa = await wholeData(c.vmsa, 4096, ctx, `calls[${c.index}].vmsa`);
      s.setVcpuState(c.vcpu, vmsa, `vCPU ${c.vcpu} state (trace call ${c.index})`);
      return undefined;
    }
    case 'SNP_SET_VCPU_STATE': {
      if (!(s instanceof DirectVmsaKvmSession)) throw new LaunchRejectedError('ENOTTY', `KVM_SEV_SNP_SET_VCPU_STATE does not exist on the ${s.uapi} UAPI (it comes with KVM_CAP_SNP_DIRECT_VMSA)`);
      s.setVcpuStateIoctl({
        vcpu: c.vcpu,
        padNonZero: c.padNonZero,
        ...(c.vmsaGpa !== undefined ? { vmsaGpa: c.vmsaGpa } : {}),
        ...(c.ghcbGpa !== undefined ? { ghcbGpa: c.ghcbGpa } : {}),
        ...(c.validFields !== undefined ? { validFields: c.validFields } : {}),
      });
      return undefined;
    }
    case 'SNP_LAUNCH_FINISH': {
      if (c.padNonZero) ctx.warnings.push(`${where}: non-zero pad bytes in SNP_LAUNCH_FINISH (KVM does not look at them)`);
      if (!c.idBlockEn && (c.idBlock || c.idAuth)) ctx.warnings.push(`${where}: id_block_en is 0, so KVM ignores id_block and id_auth`);
      const idBlock = c.idBlockEn ? (c.idBlock ? await wholeData(c.idBlock, 96, ctx, `calls[${c.index}].id_block`) : undefined) : undefined;
      const idAuth = c.idBlockEn && c.idAuth ? await wholeData(c.idAuth, 4096, ctx, `calls[${c.index}].id_auth`) : undefined;
      if (c.idBlockEn && !idBlock) throw new LaunchRejectedError('EFAULT', 'id_block_en is set but the call has no id_block');
      const r = await s.finish({
        authKeyEn: c.authKeyEn,
        vcekDisabled: c.vcekDisabled,
        flags: c.flags,
        ...(idBlock ? { idBlock } : {}),
        ...(idAuth ? { idAuth } : {}),
        ...(c.hostData ? { hostData: c.hostData } : {}),
      });
      return r.warnings;
    }
  }
}

async function openData(d: Extract<TraceData, { file: string }>, ctx: Ctx, field: string): Promise<ByteSource> {
  if (!ctx.opts.openFile) throw inputError('TRACE_FILE', `refers to file '${d.file}' but no file access is available here`, { field });
  let src = ctx.files.get(d.file);
  if (!src) {
    src = await ctx.opts.openFile(d.file);
    ctx.files.set(d.file, src);
  }
  return src;
}

/** Data for an update: inline bytes (shorter data is zero-padded to len) or a streamed file range. */
async function pageData(d: TraceData, len: number, ctx: Ctx, field: string): Promise<PageData> {
  if ('bytes' in d) {
    if (d.bytes.length > len) throw inputError('BAD_TRACE', `has ${d.bytes.length} bytes of data but len is ${len}`, { field });
    return d.bytes;
  }
  const src = await openData(d, ctx, field);
  const length = d.length ?? len;
  if (length > len) throw inputError('BAD_TRACE', `asks for ${length} bytes of '${d.file}' but len is ${len}`, { field });
  if (d.offset + length > src.size) {
    throw inputError('BAD_TRACE', `needs ${length} bytes of '${d.file}' from offset ${d.offset}, but the file has ${src.size} bytes`, { field });
  }
  return { source: src, offset: d.offset, length };
}

/** A small structure (VMSA, ID block, ID auth) that must be exactly `size` bytes. */
async function wholeData(d: TraceData, size: number, ctx: Ctx, field: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  if ('bytes' in d) bytes = d.bytes;
  else {
    const src = await openData(d, ctx, field);
    const length = d.length ?? size;
    if (d.offset + length > src.size) throw inputError('BAD_TRACE', `needs ${length} bytes of '${d.file}' from offset ${d.offset}, but the file has ${src.size} bytes`, { field });
    bytes = await src.read(d.offset, length);
  }
  if (bytes.length !== size) throw inputError('BAD_TRACE', `must be exactly ${size} bytes, got ${bytes.length}`, { field });
  return bytes;
}
