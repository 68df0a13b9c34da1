/**
 * A working directory holding the files the README's examples and the JSON-schema test name:
 * OVMF.fd, vmlinuz, initrd.img, id.pem, author.pem, report.bin, vcek.der, crl.der, vlek.pem from the shared
 * fixtures; signer.pem / signer-pub.pem generated here; guest.igvm built by `igvm build`;
 * old.igvm the demo's IGVM image; trace.json a complete launch trace. Built once per test file.
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { shared } from '../_shared.js';
import { buildDemoIgvm } from '../../src/cli/demo-igvm.js';
import { runCli } from './_cli.js';

let ready: Promise<string> | undefined;

export function workspace(): Promise<string> {
  ready ??= build();
  return ready;
}

async function build(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'snp-launch-ws-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const copy = (from: string[], to: string) => copyFileSync(shared(...from), join(dir, to));
  copy(['fixtures', 'sev-snp-measure', 'ovmf_AmdSev_suffix.bin'], 'OVMF.fd');
  copy(['vectors', 'sev-snp-measure', 'inputs', 'kernel_4097.bin'], 'vmlinuz');
  copy(['vectors', 'sev-snp-measure', 'inputs', 'initrd_1M.bin'], 'initrd.img');
  copy(['fixtures', 'sev-snp-measure', 'id_key_test.pem'], 'id.pem');
  copy(['fixtures', 'sev-snp-measure', 'author_key_test.pem'], 'author.pem');
  copy(['vectors', 'attestation', 'virtee_milan_report.bin'], 'report.bin');
  copy(['vectors', 'attestation', 'virtee_milan_vcek.der'], 'vcek.der');
  copy(['vectors', 'kds', 'milan_crl_9.der'], 'crl.der');
  copy(['vectors', 'qemu-trace', 'amd-sev-utils-issue-17-trace.txt'], 'qemu.log');
  // An empty KDS cache of its own, so no example depends on what this machine downloaded before.
  process.env.SNP_LAUNCH_CACHE_DIR = join(dir, 'kds-cache');
  writeFileSync(join(dir, 'vlek.pem'), new X509Certificate(readFileSync(shared('vectors', 'attestation', 'trustee_milan_vlek.der'))).toString());
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  writeFileSync(join(dir, 'signer.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'signer-pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(dir, 'old.igvm'), buildDemoIgvm().bytes);
  const b = await runCli(['igvm', 'build', '--ovmf', 'OVMF.fd', '--vcpu-type', 'EPYC-v4', '--id-key', 'id.pem', '--author-key', 'author.pem', '-o', 'guest.igvm'], dir);
  assert.equal(b.code, 0, `workspace: igvm build failed: ${b.stderr}`);
  // A complete launch: the firmware page and the BSP VMSA that `measure` builds for it.
  const v = await runCli(['measure', '--mode', 'snp', '--vcpus', '1', '--vcpu-type', 'EPYC-v4', '--ovmf', 'OVMF.fd', '--dump-vmsa-dir', '.'], dir);
  assert.equal(v.code, 0, v.stderr);
  const trace = {
    uapi: 'upstream',
    vm: { vcpus: 1, vmsa_features: '0x1' },
    calls: [
      { cmd: 'SNP_LAUNCH_START', policy: '0x30000' },
      { cmd: 'SNP_LAUNCH_UPDATE', gpa: '0xfffff000', len: 4096, type: 'NORMAL', data: { file: 'OVMF.fd', offset: 0 } },
      { cmd: 'SET_VCPU_REGS', vcpu: 0, vmsa: { file: 'vmsa0.bin' } },
      { cmd: 'SNP_LAUNCH_FINISH' },
    ],
  };
  writeFileSync(join(dir, 'trace.json'), JSON.stringify(trace, null, 2));
  // The same without the vCPU's register state: upstream KVM rejects LAUNCH_FINISH (EINVAL).
  writeFileSync(join(dir, 'trace-rejected.json'), JSON.stringify({ ...trace, calls: trace.calls.filter((c) => c.cmd !== 'SET_VCPU_REGS') }, null, 2));
  return dir;
}
