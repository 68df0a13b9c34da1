/**
 * Running the CLI against the local mirror: asynchronously (the mirror lives in the test's own
 * event loop, so spawnSync would starve it), with a private cache directory and no inherited KDS
 * settings, so a test can never reach AMD.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../_shared.js';

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function tempDir(prefix = 'snp-kds-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function runCli(args: string[], cacheDir: string, env: Record<string, string> = {}): Promise<Run> {
  const t0 = Date.now();
  const e: NodeJS.ProcessEnv = { ...process.env, SNP_LAUNCH_CACHE_DIR: cacheDir, ...env };
  if (!('SNP_LAUNCH_KDS_URL' in env)) delete e.SNP_LAUNCH_KDS_URL;
  return new Promise((done) => {
    const c = spawn(process.execPath, [CLI, ...args], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    c.on('close', (status) => done({ status, stdout, stderr, ms: Date.now() - t0 }));
  });
}

/** The TEE-Attestation-Verification Genoa report with its bytes changed into a Turin report. */
export function turinReport(genoa: Uint8Array, t: { hwId: string; fmc: number; bl: number; tee: number; snp: number; ucode: number }, dir: string): string {
  const r = new Uint8Array(genoa);
  // specs/attestation.md §1.2 offsets; §1.3 Turin TCB layout fmc, bl, tee, snp, -, -, -, ucode.
  r[0x188] = 0x1a; // CPUID_FAM_ID: Turin
  r[0x189] = 0x02; // CPUID_MOD_ID
  const tcb = [t.fmc, t.bl, t.tee, t.snp, 0, 0, 0, t.ucode];
  for (const off of [0x038, 0x180, 0x1e0, 0x1f0]) r.set(tcb, off); // CURRENT, REPORTED, COMMITTED, LAUNCH
  r.fill(0, 0x1a0, 0x1e0);
  r.set(Buffer.from(t.hwId, 'hex'), 0x1a0); // CHIP_ID: 8 bytes, the rest zero
  const p = join(dir, 'turin-synthetic.bin');
  writeFileSync(p, r);
  return p;
}
