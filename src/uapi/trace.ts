/**
 * The replay trace: a JSON list of KVM SNP launch calls (docs/trace-format.md). This module only
 * parses and validates the JSON into typed calls; replay.ts runs them through a UAPI model. Numbers
 * may be JSON numbers or strings ("4096", "0x1000"); u64 fields become bigint. Page data is inline
 * hex/base64 or a file reference resolved by the caller (so the module stays browser-safe).
 */
import { fromBase64, fromHex } from '../core/bytes.js';
import { inputError, oneLineReason, type SnpLaunchError } from '../core/errors.js';
import { PAGE_TYPE_NAMES } from '../firmware/page-types.js';

/** Page data in a trace: inline bytes, or `length` bytes of a file from `offset` (length defaults to the call's len). */
export type TraceData = { bytes: Uint8Array } | { file: string; offset: number; length?: number };

/** KVM_SEV_* command ids (kvm-snp-launch.md §1.2). */
export const SEV_CMD_IDS: Readonly<Record<string, number>> = {
  INIT: 0, ES_INIT: 1, LAUNCH_START: 2, LAUNCH_UPDATE_DATA: 3, LAUNCH_UPDATE_VMSA: 4, LAUNCH_SECRET: 5, LAUNCH_MEASURE: 6,
  LAUNCH_FINISH: 7, SEND_START: 8, SEND_UPDATE_DATA: 9, SEND_UPDATE_VMSA: 10, SEND_FINISH: 11, RECEIVE_START: 12,
  RECEIVE_UPDATE_DATA: 13, RECEIVE_UPDATE_VMSA: 14, RECEIVE_FINISH: 15, GUEST_STATUS: 16, DBG_DECRYPT: 17, DBG_ENCRYPT: 18,
  CERT_EXPORT: 19, GET_ATTESTATION_REPORT: 20, SEND_CANCEL: 21, INIT2: 22,
  SNP_LAUNCH_START: 100, SNP_LAUNCH_UPDATE: 101, SNP_LAUNCH_FINISH: 102,
};

export interface TraceVm {
  vcpus: number;
  vmsaFeatures: bigint;
  guestMemory?: number;
  supportedVmsaFeatures?: bigint;
  supportedPolicyBits?: bigint;
}

export type TraceCall =
  | { cmd: 'SNP_LAUNCH_START'; index: number; policy: bigint; flags: number; padNonZero: boolean }
  | {
      cmd: 'SNP_LAUNCH_UPDATE';
      index: number;
      gpa: number;
      len: number;
      type: number;
      uaddr?: bigint;
      data?: TraceData;
      vcpu?: number;
      flags: number;
      padNonZero: boolean;
    }
  | {
      cmd: 'SNP_LAUNCH_FINISH';
      index: number;
      idBlockEn: boolean;
      idBlock?: TraceData;
      idAuth?: TraceData;
      authKeyEn: boolean;
      vcekDisabled: boolean;
      hostData?: Uint8Array;
      flags: number;
      padNonZero: boolean;
    }
  | { cmd: 'SET_VCPU_REGS'; index: number; vcpu: number; vmsa: TraceData }
  | { cmd: 'SNP_SET_VCPU_STATE'; index: number; vcpu: number; vmsaGpa?: number; ghcbGpa?: number; validFields?: number; padNonZero: boolean }
  | { cmd: 'LEGACY'; index: number; name: string; id: number };

export interface Trace {
  name: string;
  uapi?: string;
  vm: TraceVm;
  calls: TraceCall[];
}

type Obj = Record<string, unknown>;

class Reader {
  constructor(readonly file: string) {}
  err(field: string, why: string): SnpLaunchError {
    return inputError('BAD_TRACE', why, { file: this.file, field });
  }
  obj(v: unknown, field: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw this.err(field, 'must be a JSON object');
    return v as Obj;
  }
  big(v: unknown, field: string, max = 64): bigint {
    let b: bigint | undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
    else if (typeof v === 'string' && /^(0[xX][0-9a-fA-F]+|\d+)$/.test(v.trim())) b = BigInt(v.trim());
    if (b === undefined) throw this.err(field, `must be a non-negative integer (a JSON number, or a string such as "4096" or "0x1000"), got ${JSON.stringify(v)}`);
    if (b < 0n) throw this.err(field, `must be a non-negative integer, got ${v}`);
    if (b >= 1n << BigInt(max)) throw this.err(field, `${v} does not fit in ${max} bits`);
    return b;
  }
  num(v: unknown, field: string, max = 64): number {
    const b = this.big(v, field, max);
    if (b > BigInt(Number.MAX_SAFE_INTEGER)) throw this.err(field, `${v} is too large for this model (above 2^53)`);
    return Number(b);
  }
  optNum(o: Obj, key: string, field: string, max = 64): number | undefined {
    return o[key] === undefined ? undefined : this.num(o[key], `${field}.${key}`, max);
  }
  bool(v: unknown, field: string): boolean {
    if (v === undefined) return false;
    if (typeof v === 'boolean') return v;
    if (v === 0 || v === 1) return v === 1;
    throw this.err(field, 'must be true/false or 0/1');
  }
  /** Non-zero pads: pads are numbers or arrays of numbers; anything non-zero counts. */
  pads(o: Obj, keys: string[], field: string): boolean {
    let nz = false;
    for (const k of keys) {
      const v = o[k];
      if (v === undefined) continue;
      const list = Array.isArray(v) ? v : [v];
      list.forEach((x, i) => {
        if (this.big(x, `${field}.${k}${Array.isArray(v) ? `[${i}]` : ''}`) !== 0n) nz = true;
      });
    }
    return nz;
  }
  data(v: unknown, field: string): TraceData {
    const o = this.obj(v, field);
    const kinds = ['hex', 'base64', 'file'].filter((k) => o[k] !== undefined);
    if (kinds.length !== 1) throw this.err(field, 'page data must have exactly one of "hex", "base64" or "file"');
    if (typeof o.hex === 'string') {
      const b = fromHex(o.hex.replace(/\s+/g, ''));
      if (!b) throw this.err(`${field}.hex`, 'is not valid hex (even number of 0-9a-f digits)');
      return { bytes: b };
    }
    if (typeof o.base64 === 'string') {
      const b = fromBase64(o.base64.replace(/\s+/g, ''));
      if (!b) throw this.err(`${field}.base64`, 'is not valid base64');
      return { bytes: b };
    }
    if (typeof o.file === 'string' && o.file.length > 0) {
      const offset = o.offset === undefined ? 0 : this.num(o.offset, `${field}.offset`);
      const length = o.length === undefined ? undefined : this.num(o.length, `${field}.length`);
      return length === undefined ? { file: o.file, offset } : { file: o.file, offset, length };
    }
    throw this.err(field, '"hex", "base64" and "file" must be non-empty strings');
  }
}

const TYPE_BY_NAME: Readonly<Record<string, number>> = Object.fromEntries(Object.entries(PAGE_TYPE_NAMES).map(([v, n]) => [n, Number(v)]));

/** Parses a trace from its JSON text. `name` is used in errors. */
export function parseTrace(text: string, name: string): Trace {
  const r = new Reader(name);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw inputError('BAD_TRACE', `is not valid JSON (${oneLineReason(e)})`, { file: name });
  }
  const top = r.obj(json, 'trace');
  const vmo = top.vm === undefined ? {} : r.obj(top.vm, 'vm');
  const vm: TraceVm = {
    vcpus: vmo.vcpus === undefined ? 1 : r.num(vmo.vcpus, 'vm.vcpus', 16),
    vmsaFeatures: vmo.vmsa_features === undefined ? 0n : r.big(vmo.vmsa_features, 'vm.vmsa_features'),
  };
  if (vmo.guest_memory !== undefined) vm.guestMemory = r.num(vmo.guest_memory, 'vm.guest_memory');
  if (vmo.supported_vmsa_features !== undefined) vm.supportedVmsaFeatures = r.big(vmo.supported_vmsa_features, 'vm.supported_vmsa_features');
  if (vmo.snp_policy_bits !== undefined) vm.supportedPolicyBits = r.big(vmo.snp_policy_bits, 'vm.snp_policy_bits');
  if (!Array.isArray(top.calls)) throw r.err('calls', 'must be an array of call objects');
  const calls = top.calls.map((c, i) => parseCall(r, c, i));
  const t: Trace = { name, vm, calls };
  if (typeof top.uapi === 'string') t.uapi = top.uapi;
  return t;
}

function parseCall(r: Reader, raw: unknown, index: number): TraceCall {
  const f = `calls[${index}]`;
  const o = r.obj(raw, f);
  let cmd: string;
  if (typeof o.cmd === 'string') cmd = o.cmd.toUpperCase().replace(/^KVM_SEV_/, '');
  else if (o.id !== undefined) {
    const id = r.num(o.id, `${f}.id`, 32);
    cmd = Object.keys(SEV_CMD_IDS).find((k) => SEV_CMD_IDS[k] === id) ?? `UNKNOWN_${id}`;
  } else throw r.err(f, 'needs "cmd" (e.g. "SNP_LAUNCH_UPDATE") or a numeric "id"');
  switch (cmd) {
    case 'SNP_LAUNCH_START':
      return { cmd, index, policy: r.big(o.policy ?? 0, `${f}.policy`), flags: r.num(o.flags ?? 0, `${f}.flags`, 16), padNonZero: r.pads(o, ['pad0', 'pad1'], f) };
    case 'SNP_LAUNCH_UPDATE': {
      if (o.gfn_start === undefined && o.gpa === undefined) throw r.err(f, 'needs "gfn_start" (or "gpa")');
      const gpa = o.gfn_start !== undefined ? r.num(o.gfn_start, `${f}.gfn_start`, 40) * 4096 : r.num(o.gpa, `${f}.gpa`, 52);
      let type: number;
      if (typeof o.type === 'string' && TYPE_BY_NAME[o.type.toUpperCase()] !== undefined) type = TYPE_BY_NAME[o.type.toUpperCase()]!;
      else if (o.type === undefined) throw r.err(`${f}.type`, 'is required (NORMAL, VMSA, ZERO, UNMEASURED, SECRETS, CPUID or a number)');
      else type = r.num(o.type, `${f}.type`, 8);
      const c: TraceCall = {
        cmd,
        index,
        gpa,
        len: r.num(o.len ?? 0, `${f}.len`),
        type,
        flags: r.num(o.flags ?? 0, `${f}.flags`, 16),
        padNonZero: r.pads(o, ['pad0', 'pad1', 'pad2'], f),
      };
      if (o.uaddr !== undefined) c.uaddr = r.big(o.uaddr, `${f}.uaddr`);
      if (o.data !== undefined) c.data = r.data(o.data, `${f}.data`);
      if (o.vcpu !== undefined) c.vcpu = r.num(o.vcpu, `${f}.vcpu`, 32);
      return c;
    }
    case 'SNP_LAUNCH_FINISH': {
      const c: TraceCall = {
        cmd,
        index,
        idBlockEn: r.bool(o.id_block_en ?? (o.id_block !== undefined ? 1 : 0), `${f}.id_block_en`),
        authKeyEn: r.bool(o.auth_key_en, `${f}.auth_key_en`),
        vcekDisabled: r.bool(o.vcek_disabled, `${f}.vcek_disabled`),
        flags: r.num(o.flags ?? 0, `${f}.flags`, 16),
        padNonZero: r.pads(o, ['pad0', 'pad1'], f),
      };
      if (o.id_block !== undefined) c.idBlock = r.data(o.id_block, `${f}.id_block`);
      if (o.id_auth !== undefined) c.idAuth = r.data(o.id_auth, `${f}.id_auth`);
      if (o.host_data !== undefined) {
        const h = typeof o.host_data === 'string' ? fromHex(o.host_data) : undefined;
        if (!h || h.length !== 32) throw r.err(`${f}.host_data`, 'must be 64 hex digits (32 bytes)');
        c.hostData = h;
      }
      return c;
    }
    case 'SET_VCPU_REGS':
      if (o.vmsa === undefined) throw r.err(f, 'SET_VCPU_REGS needs "vmsa" (the 4096-byte VMSA KVM would build from the registers)');
      return { cmd, index, vcpu: r.num(o.vcpu ?? 0, `${f}.vcpu`, 32), vmsa: r.data(o.vmsa, `${f}.vmsa`) };
    case 'SNP_SET_VCPU_STATE': {
      const c: TraceCall = { cmd, index, vcpu: r.num(o.vcpu ?? 0, `${f}.vcpu`, 32), padNonZero: r.pads(o, ['pad'], f) };
      const vg = r.optNum(o, 'vmsa_gpa', f);
      const gg = r.optNum(o, 'ghcb_gpa', f);
      const vf = r.optNum(o, 'valid_fields', f, 64);
      if (vg !== undefined) c.vmsaGpa = vg;
      if (gg !== undefined) c.ghcbGpa = gg;
      if (vf !== undefined) c.validFields = vf;
      return c;
    }
    default: {
      const id = SEV_CMD_IDS[cmd];
      if (id !== undefined) return { cmd: 'LEGACY', index, name: cmd, id };
      throw r.err(`${f}.cmd`, `unknown command '${String(o.cmd ?? o.id)}' (SNP_LAUNCH_START, SNP_LAUNCH_UPDATE, SNP_LAUNCH_FINISH, SET_VCPU_REGS, SNP_SET_VCPU_STATE, or a legacy KVM_SEV_* name)`);
    }
  }
}
