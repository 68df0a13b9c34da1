// Independent OVMF launch digests for the launch-space tests: the QEMU launch of mode snp (firmware
// pages, SEV metadata sections, BSP VMSA from the decoded bytes of the spec, test/portable/_ovmf-chain.ts)
// extended by N−1 AP VMSAs built here byte by byte (CS.base = EIP & 0xFFFF0000 at 0x18, RIP = EIP &
// 0xFFFF at 0x178) and folded by the test chain (test/platforms/_ref.ts). The library only parses
// the OVMF file (where the sections and the reset block are); it measures nothing here.
import { readFileSync } from 'node:fs';
import { bytesSource } from '../../src/core/source.js';
import { parseOvmf, requireResetEip } from '../../src/images/ovmf/parse.js';
import { ovmfSteps, type Step } from '../portable/_ovmf-chain.js';
import { qemuResetVmsaFromSpec, RefChain, T } from '../platforms/_ref.js';

export interface IndependentLaunch {
  vcpus: number;
  sig: number;
  features?: bigint;
  legacy?: boolean;
  vmsaGpa?: number;
  table?: Uint8Array;
}

export async function apEip(path: string): Promise<number> {
  return requireResetEip(await parseOvmf(bytesSource(path, new Uint8Array(readFileSync(path)))));
}

function apVmsa(eip: number, features: bigint, sig: number, legacy: boolean): Uint8Array {
  const v = Buffer.from(qemuResetVmsaFromSpec(features, sig));
  v.writeBigUInt64LE(BigInt((eip & 0xffff0000) >>> 0), 0x18);
  v.writeBigUInt64LE(BigInt(eip & 0xffff), 0x178);
  if (legacy) v.fill(0, 0x408, 0x40c).fill(0, 0x410, 0x412);
  return new Uint8Array(v);
}

/**
 * Digests (hex) for vCPU counts 1..max of one QEMU launch variant. zeroAsData: the metadata's zero
 * pages measured as NORMAL pages of zeros, as every IGVM platform measures an IGVM file's pages;
 * apAtResetVector: the APs start at 0xFFFFFFF0 (QEMU's IGVM loader on KVM).
 */
export async function independentDigests(path: string, l: Omit<IndependentLaunch, 'vcpus'> & { zeroAsData?: boolean; apAtResetVector?: boolean }, max: number): Promise<string[]> {
  const steps: Step[] = await ovmfSteps(path, { ...(l.table ? { table: l.table } : {}), features: l.features ?? 1n, sig: l.sig, ...(l.legacy ? { legacy: true } : {}) });
  const c = new RefChain();
  for (const s of steps) {
    if (s.type === T.VMSA) c.step(T.VMSA, l.vmsaGpa ?? s.gpa, s.page);
    else if (s.zero && l.zeroAsData) c.step(T.NORMAL, s.gpa);
    else c.step(s.type, s.gpa, s.page);
  }
  const out = [c.hex];
  // IGVM on qemu-kvm: KVM's AP reset VMSAs start at the reset vector, not at OVMF's AP entry.
  const ap = apVmsa(l.apAtResetVector ? 0xfffffff0 : await apEip(path), l.features ?? 1n, l.sig, l.legacy === true);
  const gpa = l.vmsaGpa ?? steps[steps.length - 1]!.gpa;
  for (let n = 2; n <= max; n++) out.push(c.step(T.VMSA, gpa, ap).hex);
  return out;
}
