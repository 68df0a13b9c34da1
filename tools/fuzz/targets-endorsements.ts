/**
 * Fuzz targets for the endorsement parsers (docs/endorsements.md, docs/fuzzing.md): GCE launch
 * endorsements (the bounded protobuf reader), Azure HCL blobs, ACI UVM endorsements (COSE_Sign1)
 * and Kata initdata. Same contract as targets.ts: `run` returns on an accepted input (after
 * checking what follows from it) or throws an SnpLaunchError.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { mutateBytes } from './mutate.js';
import { parseGceEndorsement } from '../../src/endorsements/gce.js';
import { parseHclReport, hclBindingCheck } from '../../src/endorsements/hcl.js';
import { parseUvmEndorsement } from '../../src/endorsements/aci.js';
import { initdataHostData } from '../../src/endorsements/kata.js';
import { InvariantError, type FuzzTarget } from './targets.js';
import { pbBytes, pbInt } from './protobuf-writer.js';

function check(ok: boolean, what: string): void {
  if (!ok) throw new InvariantError(what);
}
const read = (p: string): Uint8Array => new Uint8Array(readFileSync(p));
const sharedFile = (shared: string | undefined, ...p: string[]): Uint8Array[] => (shared && existsSync(join(shared, ...p)) ? [read(join(shared, ...p))] : []);

const fv = pbInt;
const fb = pbBytes;

function gceSeed(counts: number[]): Uint8Array {
  const snp = [...fv(1, 2), ...counts.flatMap((n) => fb(2, [...fv(1, n), ...fb(2, new Uint8Array(48).fill(n))])), ...fb(3, new Uint8Array(16).fill(1)), ...fb(4, new Uint8Array(16).fill(2)), ...fv(5, 0x30000)];
  const golden = [...fb(1, [...fv(1, 1725386510), ...fv(2, 7)]), ...fv(2, 42), ...fb(3, [1, 2, 3]), ...fb(4, [0x30, 0x03, 0x02, 0x01, 0x00]), ...fb(5, new Uint8Array(48).fill(9)), ...fb(7, snp)];
  return new Uint8Array([...fb(1, golden), ...fb(2, new Uint8Array(256).fill(0x5a))]);
}

const gceTarget: FuzzTarget = {
  name: 'gce-endorsement',
  what: 'GCE launch endorsement: VMLaunchEndorsement / VMGoldenMeasurement / VMSevSnp protobuf (bounded wire-format reader)',
  seeds: () => [gceSeed([1, 2, 4]), gceSeed([1, 2, 4, 8, 16, 32, 64, 128, 240])],
  mutate: (f, rnd) => mutateBytes(f, rnd, { maxLength: 1 << 14 }),
  run(f) {
    const e = parseGceEndorsement(f, 'fuzz.binarypb');
    check(e.golden.length > 0 && e.signature.length > 0, 'accepted without the signed bytes or the signature');
    for (const [n, m] of e.sevSnp?.measurements ?? []) check(m.length === 48 && n >= 1 && n <= 4096, `measurement entry ${n} is malformed`);
    check(e.digest === undefined || e.digest.length === 48, 'digest is not 48 bytes');
  },
};

const hclTarget: FuzzTarget = {
  name: 'hcl-report',
  what: 'Azure HCL attestation blob: header, IGVM request data, runtime data JSON; then the binding check',
  seeds: (c) => [...sharedFile(c.shared, 'vectors', 'azure-hcl', 'trustee', 'hcl-report.bin'), ...sharedFile(c.shared, 'vectors', 'azure-hcl', 'kinvolk', 'hcl-report-snp.bin')],
  // The request data and the start of the runtime data are where the lengths live.
  mutate: (f, rnd) => mutateBytes(f, rnd, { region: [0x4c0, 0x500], maxLength: 1 << 14 }),
  run(f) {
    const h = parseHclReport(f, 'fuzz.hcl');
    check(0x4d4 + h.runtimeData.length <= f.length, 'runtime data outside the blob');
    check(h.report.length === 1184, 'the report is not 1184 bytes');
    hclBindingCheck(h);
  },
};

const uvmTarget: FuzzTarget = {
  name: 'uvm-endorsement',
  what: 'ACI UVM endorsement: COSE_Sign1, protected header, x5chain certificates, JSON payload',
  seeds: (c) => sharedFile(c.shared, 'vectors', 'aci', 'reference-info-base64').map((b) => new Uint8Array(Buffer.from(new TextDecoder().decode(b).trim(), 'base64'))),
  mutate: (f, rnd) => mutateBytes(f, rnd, { region: [0, 512], maxLength: 1 << 15 }),
  run(f) {
    const e = parseUvmEndorsement(f, 'fuzz.cose');
    check(e.measurement.length === 48 && e.chain.length > 0, 'accepted without a measurement or a chain');
  },
};

const initdataTarget: FuzzTarget = {
  name: 'initdata',
  what: 'Kata initdata: TOML algorithm line, or the annotation form (base64 of gzip)',
  seeds: (c) => [...sharedFile(c.shared, 'vectors', 'kata', 'kata-oci-utils_test-initdata.toml'), ...sharedFile(c.shared, 'vectors', 'kata', 'kata-oci-utils_test-initdata-annotation.b64')],
  mutate: (f, rnd) => mutateBytes(f, rnd, { maxLength: 1 << 12 }),
  async run(f) {
    const d = await initdataHostData(f, 'fuzz.toml');
    check(d.hostData.length === 32, 'HOST_DATA is not 32 bytes');
  },
};

export const ENDORSEMENT_TARGETS: readonly FuzzTarget[] = [gceTarget, hclTarget, uvmTarget, initdataTarget];
