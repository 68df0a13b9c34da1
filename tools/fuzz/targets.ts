/**
 * The fuzzing targets (docs/fuzzing.md): every parser of untrusted input, with its seeds (shared
 * fixtures and vectors, repository files, or inputs built here), a structure-aware mutator
 * (src/fuzz/mutate.ts, src/images/igvm/mutate.ts) and the invariant it must keep: `run` either
 * returns (the input was accepted, and whatever can be re-derived from it was checked) or throws an
 * SnpLaunchError; anything else, a case over the time bound or heap growth is a finding (harness.ts).
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { bytesSource } from '../../src/core/source.js';
import { mutateArgv, mutateBytes, mutateDer, mutateDerValue, mutateJson, type Rnd } from './mutate.js';
import { wellFormedDer } from './der-oracle.js';
import { parseOvmf, hashTableArea, resetEip, sevHashesSupported } from '../../src/images/ovmf/parse.js';
import { kernelHashesPage } from '../../src/images/ovmf/kernel-hashes.js';
import { planOvmfSnpLaunch } from '../../src/loaders/ovmf/common.js';
import { QEMU_RULES } from '../../src/loaders/ovmf/qemu.js';
import { EC2_RULES } from '../../src/loaders/ovmf/ec2.js';
import { GCE_RULES } from '../../src/loaders/ovmf/gce.js';
import { igvmBuilder, inspectIgvm, parseIgvm, toIgvmModel, writeIgvm } from '../../src/images/igvm/index.js';
import { mutate as mutateIgvm } from '../../src/images/igvm/mutate.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { decodeReportInput } from '../../src/attestation/input.js';
import { parseReport } from '../../src/attestation/report.js';
import { loadCertificates, parseCertificate } from '../../src/attestation/cert.js';
import { parseVek } from '../../src/attestation/vek.js';
import { parseTrace } from '../../src/uapi/trace.js';
import { readMeasuredDoc, diffMeasuredDocs } from '../../src/explain/measure-json.js';
import { parseMeasureJson } from '../../src/measure/json.js';
import { parseArgs } from '../../src/cli/args.js';
import { MEASURE_SPEC } from '../../src/cli/commands/measure.js';
import { MATCH_SPEC, parseMeasurement } from '../../src/cli/commands/match.js';
import { resolveMeasureRequest } from '../../src/cli/measure-options.js';
import { takeVcpuList } from '../../src/cli/measure-range.js';
import { narrowSpace } from '../../src/launch-space/narrow.js';
import { p384FromPem } from '../../src/cli/commands/id-block.js';
import { MORE_TARGETS } from './targets-more.js';
import { ENDORSEMENT_TARGETS } from './targets-endorsements.js';
import { crlTarget } from './targets-crl.js';

export interface FuzzTarget {
  name: string;
  what: string;
  /** Seed inputs (each accepted or rejected by `run`, never a finding). */
  seeds(ctx: SeedContext): Uint8Array[];
  mutate(input: Uint8Array, rnd: Rnd): Uint8Array;
  /** Returns when the input is accepted (after checking what follows from it); throws SnpLaunchError when rejected. */
  run(input: Uint8Array): Promise<void> | void;
}

export interface SeedContext {
  /** The shared material (../shared), when present. */
  shared?: string;
  /** The repository root. */
  repo: string;
}

const read = (p: string): Uint8Array => new Uint8Array(readFileSync(p));
const files = (dir: string, re: RegExp): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => join(dir, f)) : []);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** An invariant that failed on an accepted input (a finding, not a rejection). */
export class InvariantError extends Error {}
function check(ok: boolean, what: string): void {
  if (!ok) throw new InvariantError(what);
}

const ovmf: FuzzTarget = {
  name: 'ovmf',
  what: 'OVMF image: footer GUID table, SEV metadata, reset block, kernel-hashes table area; then the QEMU/EC2/GCE launch plans',
  seeds: (c) => (c.shared ? files(join(c.shared, 'fixtures', 'sev-snp-measure'), /^ovmf_.*\.bin$/).map(read) : []),
  // The footer table and the metadata live in the last 4 KiB: aim most edits there.
  mutate: (f, rnd) => mutateBytes(f, rnd, { region: [f.length - 4096, f.length], maxLength: 1 << 20 }),
  async run(f) {
    const img = await parseOvmf(bytesSource('fuzz.fd', f));
    // What the parser found must be where it says: every footer entry inside the file, its data
    // the file's bytes at its offset, every metadata descriptor inside the file.
    for (const e of img.footer.entries) {
      check(e.offset >= 0 && e.offset + e.data.length <= f.length && e.data.length === e.size - 18, `footer entry ${e.guid} outside the file`);
      check(e.data.every((v, i) => v === f[e.offset + i]), `footer entry ${e.guid} differs from the file bytes`);
    }
    for (const d of img.metadata?.sections ?? []) check(d.offset >= 0 && d.offset + 12 <= f.length, `metadata descriptor ${d.index} outside the file`);
    resetEip(img);
    sevHashesSupported(img);
    const area = hashTableArea(img);
    if (area) kernelHashesPage(new Uint8Array(176), area.gpa & 0xfff, 'fuzz.fd');
    for (const rules of [QEMU_RULES, EC2_RULES, GCE_RULES]) {
      try {
        planOvmfSnpLaunch({ ovmf: img, vcpus: 2, guestFeatures: 1n, vcpuSig: 0x800f12, kernelHashTable: new Uint8Array(176) }, rules);
      } catch (e) {
        if (!(e instanceof SnpLaunchError)) throw e;
      }
    }
  },
};

/** Small IGVM files covering most header types (the same spirit as test/igvm/property.test.ts). */
function igvmSeeds(): Uint8Array[] {
  const vmsa = new Uint8Array(4096);
  vmsa[0x3b0] = 1;
  return [
    igvmBuilder().platform('SEV_SNP').policy(0x30000n).pageData(0, new Uint8Array([1])).zeroPages(0x1000, 2).parameterArea(0, 0x2000).parameter('VP_COUNT_PARAMETER', 0, 0).parameter('MEMORY_MAP', 0, 8).parameterInsert(0x10000, 0).vpContext(0xfffffffff000n, 0, vmsa).requiredMemory(0x100000, 0x1000).build(),
    igvmBuilder({ formatVersion: 2 }).platform('SEV_SNP').platform('NATIVE').policy(0x3001fn).pageData(0x200000, new Uint8Array([2]), { is2MiB: true, mask: 3 }).vpContext(0x3000, 0, vmsa).idBlock().build(),
  ];
}

const igvm: FuzzTarget = {
  name: 'igvm',
  what: 'IGVM file: fixed header, CRC, every header type, cross-header rules; accepted files inspect and round-trip through the writer',
  seeds: () => igvmSeeds(),
  mutate: (f, rnd) => mutateIgvm(f, rnd),
  async run(f) {
    const src = bytesSource('fuzz.igvm', f);
    const file = await parseIgvm(src);
    await inspectIgvm(src, file);
    const model = await toIgvmModel(src, file);
    let w: Uint8Array;
    try {
      w = writeIgvm(model);
    } catch (e) {
      if (e instanceof SnpLaunchError && ['IGVM_NO_FILE_DATA', 'IGVM_WRITE_DATA'].includes(e.code)) return;
      throw new InvariantError(`an accepted file's model cannot be written: ${(e as Error).message}`);
    }
    const wsrc = bytesSource('rewritten.igvm', w);
    const back = await toIgvmModel(wsrc, await parseIgvm(wsrc));
    check(isDeepStrictEqual(back, model), 'parse(write(x)) != x');
    check(Buffer.compare(writeIgvm(back), w) === 0, 'write(parse(w)) != w');
  },
};

const report: FuzzTarget = {
  name: 'report',
  what: 'attestation report (binary, MSG_REPORT_RSP, Azure HCL, hex/base64 text), every version',
  seeds: (c) => {
    if (!c.shared) return [];
    const bins = files(join(c.shared, 'vectors', 'attestation'), /report\.bin$|attestation\.bin$/).map(read);
    return bins.length > 0 ? [...bins, bytes(Buffer.from(bins[0]!).toString('hex')), bytes(Buffer.from(bins[0]!).toString('base64'))] : [];
  },
  mutate: (f, rnd) => mutateBytes(f, rnd, { maxLength: 8192 }),
  run(f) {
    const { bytes: b } = decodeReportInput(f);
    const r = parseReport(b, { name: 'fuzz-report.bin' });
    // What the parser returns is a view of the input: the signed region and the measurement are those bytes.
    check(r.bytes.length === 0x4a0 && Buffer.compare(r.signed, r.bytes.subarray(0, 0x2a0)) === 0, 'signed region is not the report prefix');
    check(Buffer.compare(r.measurement, r.bytes.subarray(0x90, 0xc0)) === 0, 'MEASUREMENT is not bytes 0x90..0xBF');
  },
};

const x509: FuzzTarget = {
  name: 'x509',
  what: 'X.509 certificates (DER or PEM bundles): strict DER, AMD VCEK/VLEK extensions',
  seeds: (c) => {
    if (!c.shared) return [];
    const pems = files(join(c.shared, 'certs', 'amd'), /\.pem$/).slice(0, 4).map(read);
    const ders = files(join(c.shared, 'vectors', 'attestation'), /\.der$/).map(read);
    return [...ders, ...pems];
  },
  mutate: (f, rnd) => (f[0] !== 0x30 ? mutateBytes(f, rnd, { maxLength: 1 << 16 }) : rnd() < 0.5 ? mutateDer(f, rnd) : mutateDerValue(f, rnd)),
  run(f) {
    const certs = loadCertificates(f, 'fuzz-cert');
    for (const cert of certs) {
      // An accepted certificate re-parses from its own DER to the same value.
      check(wellFormedDer(cert.der), 'an accepted certificate is not well-formed DER (independent oracle)');
      const again = parseCertificate(cert.der, 'fuzz-cert');
      check(isDeepStrictEqual(again.tbs, cert.tbs) && again.serial === cert.serial, 'certificate does not re-parse to itself');
      if (!cert.isCa) {
        try {
          parseVek(cert);
        } catch (e) {
          if (!(e instanceof SnpLaunchError)) throw e;
        }
      }
    }
  },
};

const pemKey: FuzzTarget = {
  name: 'pem-key',
  what: 'ID/author private keys: unencrypted PEM (PKCS#8, SEC1), P-384 only',
  seeds: (c) => (c.shared ? [...files(join(c.shared, 'fixtures', 'sev-snp-measure'), /\.pem$/), ...files(join(c.shared, 'vectors', 'id-block'), /\.pem$/)].map(read) : []),
  // Mostly: decode the base64 body, make a well-formed DER edit (so OpenSSL's key decoding is
  // reached), encode again; otherwise text edits of the PEM framing.
  mutate: (f, rnd) => {
    const t = text(f);
    const m = /^(-----BEGIN [^-]+-----\r?\n)([\s\S]*?)(-----END [^-]+-----\s*)$/.exec(t);
    if (m && rnd() < 0.7) {
      const der = new Uint8Array(Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64'));
      const edited = rnd() < 0.7 ? mutateDerValue(der, rnd) : mutateDer(der, rnd);
      return bytes(`${m[1]}${Buffer.from(edited).toString('base64').replace(/(.{64})/g, '$1\n')}\n${m[3]}`);
    }
    return mutateBytes(f, rnd, { maxLength: 1 << 14 });
  },
  run(f) {
    const d = p384FromPem(text(f), 'fuzz-key.pem');
    check(d.length === 48, `P-384 scalar of ${d.length} bytes`);
  },
};

const TRACE_SEED = {
  uapi: 'upstream',
  vm: { vcpus: 2, vmsa_features: '0x1' },
  calls: [
    { cmd: 'SNP_LAUNCH_START', policy: '0x30000' },
    { cmd: 'SNP_LAUNCH_UPDATE', gfn_start: '0xfffff', len: 4096, type: 'NORMAL', data: { base64: Buffer.alloc(16, 7).toString('base64') } },
    { cmd: 'SNP_LAUNCH_UPDATE', gfn_start: '0x800', len: 36864, type: 'ZERO' },
    { cmd: 'SNP_LAUNCH_UPDATE', gfn_start: '0x80d', len: 4096, type: 'SECRETS' },
    { cmd: 'SET_VCPU_REGS', vcpu: 0, vmsa: { base64: Buffer.alloc(32, 1).toString('base64') } },
    { cmd: 'SNP_LAUNCH_FINISH', host_data: '00'.repeat(32) },
  ],
};

const trace: FuzzTarget = {
  name: 'trace',
  what: 'launch trace JSON (snp-launch replay, docs/trace-format.md)',
  seeds: (c) => [bytes(JSON.stringify(TRACE_SEED)), ...files(join(c.repo, 'test', 'uapi'), /\.json$/).map(read)],
  mutate: (f, rnd) => mutateJson(f, rnd),
  run(f) {
    const t = parseTrace(text(f), 'fuzz-trace.json');
    check(Array.isArray(t.calls), 'a parsed trace has calls');
  },
};

/** A `measure --json` document (docs/json-output.md), written here in its documented shape. */
function measureDocSeed(): Uint8Array {
  const entry = (i: number, type: string) => ({ index: i, gpa: `0x${(0x800000 + i * 4096).toString(16)}`, type, contents: '00'.repeat(48), digest: 'ab'.repeat(48), origin: 'fuzz' });
  return bytes(
    JSON.stringify({
      format: 'snp-launch.measure/1',
      tool: 'snp-launch 0.1.0',
      image: 'ovmf',
      mode: 'snp',
      platform: 'qemu-kvm',
      algorithm: 'sha384',
      digest: 'ab'.repeat(48),
      inputs: { ovmf: { path: 'OVMF.fd', size: 4096, sha256: '00'.repeat(32) } },
      options: { vcpus: 1, vcpuSig: '0x00800f12', guestFeatures: '0x1' },
      warnings: [],
      log: [entry(0, 'NORMAL'), entry(1, 'ZERO'), entry(2, 'VMSA')],
    }),
  );
}

const measureJson: FuzzTarget = {
  name: 'measure-json',
  what: '`measure --json` documents as `diff` reads them',
  seeds: () => [measureDocSeed()],
  mutate: (f, rnd) => mutateJson(f, rnd),
  run(f) {
    const t = text(f);
    let accepted = false;
    try {
      parseMeasureJson(t, 'a.json');
      accepted = true;
    } catch (e) {
      if (!(e instanceof SnpLaunchError)) throw e;
    }
    const doc = readMeasuredDoc(t, 'a.json');
    const d = diffMeasuredDocs(doc, doc);
    check(d !== undefined, 'a document compares with itself');
    void accepted;
  },
};

/** Argument vectors: the reference conformance table's rows plus the commands snp-launch added. */
function argvSeeds(c: SeedContext): Uint8Array[] {
  const rows: string[][] = [
    ['measure', '--mode', 'snp', '--vcpus', '1-64,96', '--vcpu-type', 'EPYC-v4', '--ovmf', 'OVMF.fd', '--kvm', 'legacy', '--vmsa-gpa', '0xffffffffff000'],
    ['measure', '--igvm', 'g.igvm', '--platform', 'qemu-kvm', '--vcpus', '4', '--vcpu-sig', '0xa00f11'],
    ['match', '--measurement', 'ab'.repeat(48), '--ovmf', 'OVMF.fd', '--vcpus', '1-8', '--guest-features', '0x1,0x21', '--vmsa-gpa', '0xfffffffff000'],
  ];
  const tsv = c.shared ? join(c.shared, 'vectors', 'sev-snp-measure', 'reference.tsv') : undefined;
  if (tsv && existsSync(tsv)) {
    for (const line of readFileSync(tsv, 'utf8').split('\n').slice(1, 120)) {
      const args = line.split('\t')[0];
      if (args) rows.push(['measure', ...(args.match(/'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^'|'$/g, ''))]);
    }
  }
  return rows.map((r) => bytes(JSON.stringify(r)));
}

function canonicalArgv(a: ReturnType<typeof parseArgs>): string[] {
  const out: string[] = [];
  for (const [k, v] of a.values) {
    if (v === true) out.push(`--${k}`);
    else for (const x of Array.isArray(v) ? v : [v]) out.push(`--${k}=${String(x)}`);
  }
  return a.positionals.length > 0 ? [...out, '--', ...a.positionals] : out;
}

const cliArgs: FuzzTarget = {
  name: 'cli-args',
  what: 'command-line parsing and option resolution of `measure` and `match` (no file is opened)',
  seeds: (c) => argvSeeds(c),
  mutate: (f, rnd) => {
    let argv: string[];
    try {
      argv = JSON.parse(text(f)) as string[];
    } catch {
      argv = [];
    }
    return bytes(JSON.stringify(mutateArgv(Array.isArray(argv) ? argv.map(String) : [], rnd)));
  },
  run(f) {
    const [cmd, ...argv] = JSON.parse(text(f)) as string[];
    if (cmd === 'match') {
      const a = parseArgs(MATCH_SPEC, argv);
      const m = a.values.get('measurement');
      if (typeof m === 'string') parseMeasurement(m);
      const get = (k: string) => (typeof a.values.get(k) === 'string' ? (a.values.get(k) as string) : undefined);
      const n: Record<string, string> = {};
      for (const [k, o] of [['platform', 'platform'], ['vcpus', 'vcpus'], ['vcpuType', 'vcpu-type'], ['vcpuSig', 'vcpu-sig'], ['guestFeatures', 'guest-features'], ['kvm', 'kvm'], ['vmsaGpa', 'vmsa-gpa']] as const) {
        const v = get(o);
        if (v !== undefined) n[k] = v;
      }
      narrowSpace(get('igvm') !== undefined ? 'igvm' : 'ovmf', get('kernel') !== undefined, n);
      return;
    }
    const t = takeVcpuList(argv);
    const a = parseArgs(MEASURE_SPEC, t.argv);
    // Accepted values round-trip through the canonical spelling --name=value ... -- positionals.
    check(isDeepStrictEqual(parseArgs(MEASURE_SPEC, canonicalArgv(a)), a), 'argv does not round-trip through --name=value');
    resolveMeasureRequest(a, {});
  },
};

export const TARGETS: readonly FuzzTarget[] = [ovmf, igvm, report, x509, pemKey, trace, measureJson, cliArgs, ...MORE_TARGETS, crlTarget, ...ENDORSEMENT_TARGETS];
