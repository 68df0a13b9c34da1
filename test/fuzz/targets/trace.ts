/**
 * Launch trace target (src/uapi/trace.ts): JSON-structure mutations of traces shaped like the
 * test/uapi ones and docs/trace-format.md. An accepted trace must be deterministic (parsing its
 * text again gives an equal trace) and every call must carry a known command.
 */
import { isDeepStrictEqual } from 'node:util';
import { parseTrace } from '../../../src/uapi/trace.js';
import { mutateJson } from '../json-mutate.js';
import { type FuzzTarget, invariant, textCodec } from '../target.js';

export function traceSeeds(): string[] {
  const docs = [
    {
      uapi: 'upstream',
      vm: { vcpus: 2, vmsa_features: '0x1' },
      calls: [
        { cmd: 'SNP_LAUNCH_START', policy: '0x30000' },
        { cmd: 'SNP_LAUNCH_UPDATE', gfn_start: '0xffffd', len: 3 * 4096, type: 'NORMAL', data: { file: 'fw.bin', offset: 100 } },
        { cmd: 'KVM_SEV_SNP_LAUNCH_UPDATE', gfn_start: 0x800, len: '0x2000', type: 3 },
        { id: 101, gpa: '0x80d000', len: 4096, type: 'SECRETS' },
        { cmd: 'SNP_LAUNCH_UPDATE', gfn_start: 0x900, len: 4096, type: 'normal', data: { hex: 'aabb' } },
        { cmd: 'SET_VCPU_REGS', vcpu: 1, vmsa: { base64: 'AAECAw==' } },
        { cmd: 'SET_VCPU_REGS', vcpu: 0, vmsa: { file: 'vmsa0.bin' } },
        { cmd: 'SNP_LAUNCH_FINISH', host_data: '00'.repeat(32) },
      ],
    },
    {
      uapi: 'direct-vmsa',
      vm: { vcpus: 4, vmsa_features: 1 },
      calls: [
        { cmd: 'SNP_LAUNCH_START', policy: 196608 },
        { cmd: 'SNP_LAUNCH_UPDATE', gfn_start: '0xffc00', len: '0x400000', type: 'NORMAL', data: { file: 'OVMF.fd', offset: 0, length: 4096 } },
        { cmd: 'SNP_LAUNCH_UPDATE', gfn_start: '0x80e', len: 4096, type: 'CPUID', data: { bytes: 'AA==' } },
        { cmd: 'SNP_LAUNCH_UPDATE', gfn_start: '0x80f', len: 4096, type: 'VMSA', data: { file: 'vmsa.bin' } },
        { cmd: 'SNP_SET_VCPU_STATE', vcpu: 2, gfn: '0x80f' },
        { cmd: 'SNP_LAUNCH_FINISH', id_block: { file: 'id.bin' }, id_auth: { hex: '00' }, host_data: 'ff'.repeat(32) },
      ],
    },
    { vm: {}, calls: [] },
  ];
  return docs.map((d, i) => JSON.stringify(d, null, i === 1 ? 2 : undefined));
}

export const traceTarget: FuzzTarget<string> = {
  name: 'trace',
  about: 'launch trace JSON (src/uapi/trace.ts)',
  ext: 'json',
  seeds: async () => traceSeeds(),
  mutate: mutateJson,
  check(text) {
    const t = parseTrace(text, 'fuzz.json');
    invariant(Array.isArray(t.calls) && t.calls.every((c) => typeof c.cmd === 'string'), 'call without a command');
    invariant(isDeepStrictEqual(parseTrace(text, 'fuzz.json'), t), 'parsing is not deterministic');
  },
  ...textCodec,
};
