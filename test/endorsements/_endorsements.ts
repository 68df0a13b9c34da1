/**
 * Shared helpers of the endorsement tests: the vector folders, a temporary directory, the CLI, and
 * a synthetic report (a real ACI report with chosen fields patched; its signature no longer holds,
 * so CLI tests use --no-cert and say so).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shared, SHARED } from '../_shared.js';
import { runCli } from '../cli/_cli.js';

export const ACI = (f: string): string => shared('vectors', 'aci', f);
export const HCL = (f: string): string => shared('vectors', 'azure-hcl', f);
export const GCE = (f: string): string => shared('vectors', 'gce', f);
export const KATA = (f: string): string => shared('vectors', 'kata', f);
export const read = (p: string): Uint8Array => new Uint8Array(readFileSync(p));

let dir = '';
export function tmp(name: string, data: Uint8Array | string): string {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'snp-launch-endorse-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

export const cli = (...args: string[]) => runCli(args, SHARED);

/** The real ACI report (1184 bytes), decoded from its base64 file in the test itself. */
export function aciReport(): Uint8Array {
  return new Uint8Array(Buffer.from(readFileSync(ACI('snp-report-base64'), 'utf8').trim(), 'base64'));
}

/** Report field offsets used by the tests (specs/attestation.md §1.2). */
export const OFF = { POLICY: 0x08, FAMILY_ID: 0x10, IMAGE_ID: 0x20, REPORT_DATA: 0x50, MEASUREMENT: 0x90, HOST_DATA: 0xc0 } as const;

/** A copy of the ACI report with fields replaced. */
export function patchedReport(fields: Partial<Record<keyof typeof OFF, Uint8Array>>): Uint8Array {
  const r = aciReport();
  for (const [k, v] of Object.entries(fields)) r.set(v, OFF[k as keyof typeof OFF]);
  return r;
}
