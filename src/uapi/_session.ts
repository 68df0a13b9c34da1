/**
 * Shared mechanics of the KVM-style UAPI models: the START → UPDATE* → FINISH state machine, the
 * argument checks every KVM variant makes (specs/kvm-snp-launch.md §1.4–§1.6), and feeding pages to
 * the firmware model one PAGE_INFO per 4 KiB page in ascending GFN order.
 * Variants override `checkUpdate`, `onVcpuState` and `beforeFinish`.
 */
import { bytesEqual, toHex } from '../core/bytes.js';
import { LaunchRejectedError } from '../core/errors.js';
import { STREAM_CHUNK } from '../core/source.js';
import { SnpFirmware } from '../firmware/launch-digest.js';
import { hasContents, PAGE_SIZE, PageType, PAGE_TYPE_NAMES } from '../firmware/page-types.js';
import { policyRejection } from './policy.js';
import { RangeSet } from './_ranges.js';
import type {
  LaunchFinishParams,
  LaunchResult,
  LaunchSession,
  LaunchStartParams,
  LaunchUpdateParams,
  PageData,
  SessionOptions,
} from './types.js';

/** Largest guest physical address SNP can describe (52-bit physical address space). */
export const MAX_GPA = 2 ** 52;
/** 2^64: GPAs are u64 in PAGE_INFO. */
const U64_END = 2 ** 64;
/** KVM_SEV_SNP_ID_BLOCK_SIZE and KVM_SEV_SNP_ID_AUTH_SIZE (kvm-snp-launch.md §1.6). */
export const ID_BLOCK_SIZE = 96;
export const ID_AUTH_SIZE = 4096;
/** KVM_SEV_SNP_FINISH_DATA_SIZE (host_data). */
export const HOST_DATA_SIZE = 32;
/** SVM_SEV_FEAT_SNP_ACTIVE: KVM ORs it into vmsa_features for every SNP VM (kvm-snp-launch.md §1.3). */
export const SNP_ACTIVE = 1n;
/** ID block offsets used by the firmware's FINISH checks (attestation.md §5): ld, version, policy. */
const ID_BLOCK = { LD: 0x00, VERSION: 0x50, POLICY: 0x58 } as const;

export const hex = (v: number | bigint): string => '0x' + v.toString(16);

export abstract class KvmSessionBase implements LaunchSession {
  abstract readonly uapi: string;
  protected readonly fw: SnpFirmware;
  protected params: LaunchStartParams | undefined;
  protected finished = false;
  protected readonly warnings: string[] = [];
  /** GFN ranges already made private (byte addresses). */
  private readonly populated = new RangeSet();
  constructor(protected readonly opts: SessionOptions = {}) {
    this.fw = new SnpFirmware({ ...(opts.seed ? { seed: opts.seed } : {}), ...(opts.log !== undefined ? { log: opts.log } : {}) });
  }

  /** vmsa_features as KVM stores it after KVM_SEV_INIT2: the VMM's value with SNP_ACTIVE ORed in. */
  get vmsaFeatures(): bigint {
    return (this.params?.vmsaFeatures ?? 0n) | SNP_ACTIVE;
  }

  /**
   * The launch digest so far, before anything LAUNCH_FINISH adds: what the launch-space layer
   * forks configurations from (a copy).
   */
  get launchDigest(): Uint8Array {
    return this.fw.digest;
  }

  start(p: LaunchStartParams): void {
    if (this.params) throw new LaunchRejectedError('EINVAL', 'SNP_LAUNCH_START issued twice (KVM allows one SNP context per VM)');
    if (!Number.isInteger(p.vcpus) || p.vcpus < 1) throw new LaunchRejectedError('EINVAL', `a VM needs at least one vCPU (got ${p.vcpus})`);
    if (p.vmsaFeatures < 0n || p.vmsaFeatures >= 1n << 64n) throw new LaunchRejectedError('EINVAL', `KVM_SEV_INIT2: vmsa_features ${hex(p.vmsaFeatures)} is not a u64`);
    if (p.supportedVmsaFeatures !== undefined && (p.vmsaFeatures & ~p.supportedVmsaFeatures) !== 0n) {
      throw new LaunchRejectedError('EINVAL', `KVM_SEV_INIT2: vmsa_features ${hex(p.vmsaFeatures)} sets bits ${hex(p.vmsaFeatures & ~p.supportedVmsaFeatures)} outside KVM_X86_SEV_VMSA_FEATURES ${hex(p.supportedVmsaFeatures)}`, { field: 'vmsa_features' });
    }
    if (p.flags) throw new LaunchRejectedError('EINVAL', `SNP_LAUNCH_START flags must be 0 (got ${hex(p.flags)})`, { field: 'flags' });
    const why = this.policyRejection(p);
    if (why && this.opts.softChecks) this.warnings.push(`${this.uapi} would reject SNP_LAUNCH_START with EINVAL: ${why}`);
    else if (why) throw new LaunchRejectedError('EINVAL', why, { field: 'policy' });
    this.params = p;
  }

  async update(p: LaunchUpdateParams): Promise<void> {
    this.requireStarted('SNP_LAUNCH_UPDATE');
    // GPAs are numbers: every page-aligned u64 is exact as a double (at most 52 significant bits).
    if (!Number.isInteger(p.gpa) || p.gpa < 0 || p.gpa % PAGE_SIZE !== 0 || p.gpa >= U64_END) {
      throw new LaunchRejectedError('EINVAL', `gfn_start: GPA ${hex(p.gpa)} is not a page-aligned guest address`, { field: p.origin });
    }
    if (!Number.isSafeInteger(p.length) || p.length <= 0 || p.length % PAGE_SIZE !== 0) {
      throw new LaunchRejectedError('EINVAL', `len ${p.length} is not a positive multiple of 4096`, { field: p.origin });
    }
    if (p.gpa + p.length > U64_END) throw new LaunchRejectedError('EINVAL', `range ${hex(p.gpa)}+${hex(p.length)} wraps past the 64-bit address space`, { field: p.origin });
    if (p.gpa + p.length > MAX_GPA) {
      const why = `range ${hex(p.gpa)}+${hex(p.length)} ends past the 52-bit guest physical address space (no memslot can cover it)`;
      if (!this.opts.softChecks) throw new LaunchRejectedError('EINVAL', why, { field: p.origin });
      this.warnings.push(`the launch would fail with EINVAL: ${why}`);
    }
    if (p.flags) throw new LaunchRejectedError('EINVAL', `SNP_LAUNCH_UPDATE flags must be 0 (got ${hex(p.flags)})`, { field: p.origin });
    if (!Number.isInteger(p.type) || p.type < 0 || p.type > 0xff) throw new LaunchRejectedError('EINVAL', `page type ${p.type} is not a u8`);
    await this.checkUpdate(p);
    this.markPrivate(p.gpa, p.length);
    await this.measureUpdate(p);
  }

  setVcpuState(vcpu: number, vmsa: Uint8Array, origin: string): void {
    this.requireStarted('vCPU state');
    this.checkVcpu(vcpu);
    if (vmsa.length !== PAGE_SIZE) throw new LaunchRejectedError('EINVAL', `vCPU ${vcpu} state must be a 4096-byte VMSA`);
    this.onVcpuState(vcpu, vmsa, origin);
  }

  async finish(p: LaunchFinishParams = {}): Promise<LaunchResult> {
    this.requireStarted('SNP_LAUNCH_FINISH');
    if (p.flags) throw new LaunchRejectedError('EINVAL', `SNP_LAUNCH_FINISH flags must be 0 (got ${hex(p.flags)})`, { field: 'flags' });
    if (p.idBlock && p.idBlock.length !== ID_BLOCK_SIZE) throw new LaunchRejectedError('EFAULT', `ID block must be ${ID_BLOCK_SIZE} bytes, got ${p.idBlock.length}`);
    // KVM copies id_auth only when id_block_en is set, and then always (kvm-snp-launch.md §1.6).
    if (p.idBlock && !p.idAuth) throw new LaunchRejectedError('EFAULT', `id_block_en is set but no ${ID_AUTH_SIZE}-byte ID auth structure was given`);
    if (p.idAuth && p.idAuth.length !== ID_AUTH_SIZE) throw new LaunchRejectedError('EFAULT', `ID auth must be ${ID_AUTH_SIZE} bytes, got ${p.idAuth.length}`);
    if (p.idAuth && !p.idBlock) this.warnings.push('ID auth given without an ID block: KVM ignores id_auth when id_block_en is 0');
    if (p.hostData && p.hostData.length !== HOST_DATA_SIZE) throw new LaunchRejectedError('EINVAL', `host data must be ${HOST_DATA_SIZE} bytes, got ${p.hostData.length}`);
    await this.beforeFinish();
    // The launch is over whether or not the firmware accepts the ID block.
    this.finished = true;
    if (p.idBlock) this.checkIdBlock(p.idBlock);
    return { digest: this.fw.digest, steps: this.fw.steps, ...(this.fw.log ? { log: this.fw.log } : {}), warnings: this.warnings, finish: p };
  }

  /** Why the kernel would refuse this policy at SNP_LAUNCH_START (KVM's rules by default). */
  protected policyRejection(p: LaunchStartParams): string | undefined {
    return policyRejection(p.policy, p.supportedPolicyBits);
  }

  /** Variant-specific acceptance of an update (page types, VMSA rules). Throw LaunchRejectedError. */
  protected abstract checkUpdate(p: LaunchUpdateParams): void | Promise<void>;
  /** Variant-specific handling of vCPU register state. */
  protected abstract onVcpuState(vcpu: number, vmsa: Uint8Array, origin: string): void;
  /** Variant-specific measurements at LAUNCH_FINISH (e.g. upstream's VMSAs). */
  protected abstract beforeFinish(): Promise<void>;

  protected requireStarted(what: string): void {
    if (this.finished) throw new LaunchRejectedError('EINVAL', `${what} after SNP_LAUNCH_FINISH`);
    if (!this.params) throw new LaunchRejectedError('EINVAL', `${what} before SNP_LAUNCH_START (no SNP context)`);
  }

  protected checkVcpu(vcpu: number): void {
    if (!Number.isInteger(vcpu) || vcpu < 0 || vcpu >= this.params!.vcpus) {
      throw new LaunchRejectedError('EINVAL', `vCPU ${vcpu} does not exist (the VM has ${this.params!.vcpus})`);
    }
  }

  /** The firmware refuses to assign a page twice: sev_gmem_post_populate returns EEXIST. */
  protected markPrivate(gpa: number, length: number): void {
    const dup = this.populated.overlap(gpa, gpa + length);
    if (dup !== undefined) {
      const why = `GPA ${hex(dup)} was already made private by an earlier SNP_LAUNCH_UPDATE (its RMP entry is assigned)`;
      if (!this.opts.softChecks) throw new LaunchRejectedError('EEXIST', why);
      this.warnings.push(`the launch would fail with EEXIST: ${why}`);
    }
    this.populated.add(gpa, gpa + length);
  }

  /** The firmware's SNP_LAUNCH_FINISH checks on the ID block: its digest and policy must match (else EIO). */
  private checkIdBlock(idBlock: Uint8Array): void {
    const ld = idBlock.subarray(ID_BLOCK.LD, ID_BLOCK.LD + 48);
    const dv = new DataView(idBlock.buffer, idBlock.byteOffset, idBlock.byteLength);
    const policy = dv.getBigUint64(ID_BLOCK.POLICY, true);
    const problems: string[] = [];
    if (!bytesEqual(ld, this.fw.digest)) problems.push(`the ID block's launch digest ${toHex(ld)} differs from the measured ${toHex(this.fw.digest)} (BAD_MEASUREMENT)`);
    if (dv.getUint32(ID_BLOCK.VERSION, true) !== 1) problems.push(`the ID block version is ${dv.getUint32(ID_BLOCK.VERSION, true)}, not 1`);
    if (policy !== this.params!.policy) problems.push(`the ID block's policy ${hex(policy)} differs from the launch policy ${hex(this.params!.policy)}`);
    if (problems.length === 0) return;
    const why = `firmware SNP_LAUNCH_FINISH failed: ${problems.join('; ')}`;
    if (!this.opts.softChecks) throw new LaunchRejectedError('EIO', why, { field: 'id_block' });
    this.warnings.push(why);
  }

  /** One PAGE_INFO per 4 KiB page, ascending GFN; data streamed in chunks, zero-padded when short. */
  protected async measureUpdate(p: LaunchUpdateParams): Promise<void> {
    if (!hasContents(p.type)) {
      await this.fw.measureRange(p.type, p.gpa, p.length, p.origin);
      return;
    }
    const data = p.data;
    if (data === undefined) {
      throw new LaunchRejectedError('EFAULT', `${PAGE_TYPE_NAMES[p.type]} update at ${hex(p.gpa)} has no uaddr data`);
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

/** The first 4096 bytes of an update's data (zero-padded), for the VMSA checks. */
export async function firstPage(data: PageData | undefined): Promise<Uint8Array | undefined> {
  if (data === undefined) return undefined;
  if (data instanceof Uint8Array) return padTo(data.subarray(0, PAGE_SIZE), PAGE_SIZE);
  const n = Math.min(PAGE_SIZE, data.length);
  return padTo(n > 0 ? await data.source.read(data.offset, n) : new Uint8Array(0), PAGE_SIZE);
}

export { PageType };
