/**
 * Shared mechanics of the KVM-style UAPI models: the START → UPDATE* → FINISH state machine, the
 * argument checks every KVM variant makes on SNP_LAUNCH_UPDATE (specs/kvm-snp-launch.md §1.5), and
 * feeding pages to the firmware model one PAGE_INFO per 4 KiB page in ascending GFN order.
 * Variants override `checkUpdate`, `onVcpuState` and `beforeFinish`.
 */
import { LaunchRejectedError } from '../core/errors.js';
import { STREAM_CHUNK } from '../core/source.js';
import { SnpFirmware } from '../firmware/launch-digest.js';
import { hasContents, PAGE_SIZE, PageType, PAGE_TYPE_NAMES } from '../firmware/page-types.js';
import type {
  LaunchFinishParams,
  LaunchResult,
  LaunchSession,
  LaunchStartParams,
  LaunchUpdateParams,
  SessionOptions,
} from './types.js';

/** Largest guest physical address SNP can describe (52-bit physical address space). */
export const MAX_GPA = 2 ** 52;
/** KVM_SEV_SNP_LAUNCH_START policy bit 17 must be one (RSVD_MBO). */
const POLICY_RSVD_MBO = 1n << 17n;

export abstract class KvmSessionBase implements LaunchSession {
  abstract readonly uapi: string;
  protected fw: SnpFirmware;
  protected params: LaunchStartParams | undefined;
  protected finished = false;
  protected readonly warnings: string[] = [];

  constructor(protected readonly opts: SessionOptions = {}) {
    this.fw = new SnpFirmware({ log: opts.log, seed: opts.seed });
  }

  start(p: LaunchStartParams): void {
    if (this.params) throw new LaunchRejectedError('EINVAL', 'SNP_LAUNCH_START issued twice');
    if (!Number.isInteger(p.vcpus) || p.vcpus < 1) throw new LaunchRejectedError('EINVAL', `a VM needs at least one vCPU (got ${p.vcpus})`);
    if ((p.policy & POLICY_RSVD_MBO) === 0n) {
      throw new LaunchRejectedError('EINVAL', `policy 0x${p.policy.toString(16)} has reserved bit 17 clear (must be one)`, { field: 'policy' });
    }
    this.params = p;
  }

  async update(p: LaunchUpdateParams): Promise<void> {
    this.requireStarted('SNP_LAUNCH_UPDATE');
    if (!Number.isSafeInteger(p.gpa) || p.gpa < 0 || p.gpa % PAGE_SIZE !== 0 || p.gpa >= MAX_GPA) {
      throw new LaunchRejectedError('EINVAL', `gfn_start: GPA 0x${p.gpa.toString(16)} is not a page-aligned guest address`, { field: p.origin });
    }
    if (!Number.isSafeInteger(p.length) || p.length <= 0 || p.length % PAGE_SIZE !== 0) {
      throw new LaunchRejectedError('EINVAL', `len ${p.length} is not a positive multiple of 4096`, { field: p.origin });
    }
    if (p.gpa + p.length > MAX_GPA) {
      throw new LaunchRejectedError('EINVAL', `range 0x${p.gpa.toString(16)}+0x${p.length.toString(16)} ends past the 52-bit guest address space`);
    }
    this.checkUpdate(p);
    await this.measureUpdate(p);
  }

  setVcpuState(vcpu: number, vmsa: Uint8Array, origin: string): void {
    this.requireStarted('vCPU state');
    if (!Number.isInteger(vcpu) || vcpu < 0 || vcpu >= this.params!.vcpus) {
      throw new LaunchRejectedError('EINVAL', `vCPU ${vcpu} does not exist (the VM has ${this.params!.vcpus})`);
    }
    if (vmsa.length !== PAGE_SIZE) throw new LaunchRejectedError('EINVAL', `vCPU ${vcpu} state must be a 4096-byte VMSA`);
    this.onVcpuState(vcpu, vmsa, origin);
  }

  async finish(p: LaunchFinishParams = {}): Promise<LaunchResult> {
    this.requireStarted('SNP_LAUNCH_FINISH');
    if (p.idBlock && p.idBlock.length !== 96) throw new LaunchRejectedError('EINVAL', `ID block must be 96 bytes, got ${p.idBlock.length}`);
    if (p.idAuth && p.idAuth.length !== 4096) throw new LaunchRejectedError('EINVAL', `ID auth must be 4096 bytes, got ${p.idAuth.length}`);
    if (p.idAuth && !p.idBlock) throw new LaunchRejectedError('EINVAL', 'ID auth given without an ID block (id_block_en is 0)');
    if (p.hostData && p.hostData.length !== 32) throw new LaunchRejectedError('EINVAL', `host data must be 32 bytes, got ${p.hostData.length}`);
    await this.beforeFinish();
    this.finished = true;
    return { digest: this.fw.digest, steps: this.fw.steps, log: this.fw.log, warnings: this.warnings, finish: p };
  }

  /** Variant-specific acceptance of an update (page types, VMSA rules). Throw LaunchRejectedError. */
  protected abstract checkUpdate(p: LaunchUpdateParams): void;
  /** Variant-specific handling of vCPU register state. */
  protected abstract onVcpuState(vcpu: number, vmsa: Uint8Array, origin: string): void;
  /** Variant-specific measurements at LAUNCH_FINISH (e.g. upstream's VMSAs). */
  protected abstract beforeFinish(): Promise<void>;

  protected requireStarted(what: string): void {
    if (!this.params) throw new LaunchRejectedError('EINVAL', `${what} before SNP_LAUNCH_START`);
    if (this.finished) throw new LaunchRejectedError('EINVAL', `${what} after SNP_LAUNCH_FINISH`);
  }

  /** One PAGE_INFO per 4 KiB page, ascending GFN; data streamed in chunks, zero-padded when short. */
  protected async measureUpdate(p: LaunchUpdateParams): Promise<void> {
    if (!hasContents(p.type)) {
      await this.fw.measureRange(p.type, p.gpa, p.length, p.origin);
      return;
    }
    const data = p.data;
    if (data === undefined) {
      throw new LaunchRejectedError('EFAULT', `${PAGE_TYPE_NAMES[p.type]} update at 0x${p.gpa.toString(16)} has no uaddr data`);
    }
    if (data instanceof Uint8Array) {
      await this.fw.measureRange(p.type, p.gpa, padTo(data, p.length), p.origin);
      return;
    }
    const avail = Math.min(data.length, p.length);
    const whole = avail - (avail % PAGE_SIZE);
    if (whole > 0) await this.fw.measureSource(p.type, p.gpa, data.source, data.offset, whole, p.origin);
    for (let o = whole; o < p.length; o += STREAM_CHUNK) {
      const n = Math.min(STREAM_CHUNK, p.length - o);
      const have = Math.max(0, Math.min(n, avail - o));
      const chunk = new Uint8Array(n);
      if (have > 0) chunk.set(await data.source.read(data.offset + o, have));
      await this.fw.measureRange(p.type, p.gpa + o, chunk, p.origin);
    }
  }
}

function padTo(data: Uint8Array, length: number): Uint8Array {
  if (data.length === length) return data;
  const out = new Uint8Array(length);
  out.set(data.subarray(0, length));
  return out;
}

export { PageType };
