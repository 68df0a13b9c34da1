/**
 * Shared helpers of the endorsement tests: the vector folders, a temporary directory, the CLI, a
 * synthetic report (a real ACI report with chosen fields patched; its signature no longer holds,
 * so CLI tests use --no-cert and say so), and a GCE launch endorsement signed with the development
 * key (also used by test/cli/json-schemas.test.ts).
 */
import { constants, createHash, createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shared, SHARED } from '../_shared.js';
import { runCli } from '../cli/_cli.js';
import { pbBytes, pbInt } from '../../tools/fuzz/protobuf-writer.js';

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

// The GCE bytes are built with a wire-format writer outside the library (tools/fuzz/protobuf-writer.ts),
// with the field numbers of shared/vectors/gce/proto_endorsement.proto.
const fVarint = pbInt;
const fBytes = pbBytes;

export const GCE_OVMF = 'vectors/sev-snp-measure/inputs/ovmf_AmdSev_4M.bin';
/** The gce rows for GCE_OVMF in reference.tsv: VMSA count → expected MEASUREMENT. */
export function referenceGce(): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  for (const line of readFileSync(shared('vectors', 'sev-snp-measure', 'reference.tsv'), 'utf8').split('\n')) {
    const [args, hex] = line.split('\t');
    const m = /^--mode snp --vcpus (\d+) --vmm-type gce --ovmf (\S+)$/.exec(args ?? '');
    if (m && m[2] === GCE_OVMF) out.set(Number(m[1]), Buffer.from(hex!, 'hex'));
  }
  return out;
}

export const GCE_FAMILY = Buffer.alloc(16, 0xfa);
export const GCE_IMAGE = Buffer.alloc(16, 0x1e);
export const GCE_POLICY = 0x30000n;

/** A VMLaunchEndorsement for GCE_OVMF with these MEASUREMENTs (family, image and policy overridable), signed (RSA-PSS SHA-256, salt 32) with gce-tcb-verifier's development key. */
export function buildGceEndorsement(measurements: Map<number, Uint8Array>, opts: { signer?: string; family?: Uint8Array; image?: Uint8Array; policy?: bigint } = {}): Uint8Array {
  const certDer = new X509Certificate(readFileSync(GCE('testing_devkeys_primarySigningKey.crt'))).raw;
  const digest = createHash('sha384').update(readFileSync(shared(GCE_OVMF))).digest();
  const snp = [
    ...fVarint(1, 3),
    ...[...measurements].flatMap(([n, m]) => fBytes(2, [...fVarint(1, n), ...fBytes(2, m)])),
    ...fBytes(3, opts.family ?? GCE_FAMILY),
    ...fBytes(4, opts.image ?? GCE_IMAGE),
    ...fVarint(5, opts.policy ?? GCE_POLICY),
  ];
  const golden = new Uint8Array([
    ...fBytes(1, [...fVarint(1, 1725386510), ...fVarint(2, 5)]), // timestamp
    ...fVarint(2, 123456),
    ...fBytes(3, Buffer.from('0123456789abcdef0123', 'hex')),
    ...fBytes(4, certDer),
    ...fBytes(5, digest),
    ...fBytes(7, snp),
  ]);
  const keyPem = readFileSync(GCE(opts.signer ?? 'testing_devkeys_primarySigningKey.pem'));
  const sig = sign('sha256', golden, { key: createPrivateKey(keyPem), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  return new Uint8Array([...fBytes(1, golden), ...fBytes(2, sig)]);
}
