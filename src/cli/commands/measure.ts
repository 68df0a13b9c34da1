/**
 * `snp-launch measure`: the sev-snp-measure 0.0.13 command line (specs/sev-snp-measure-cli.md) with
 * byte-identical stdout, plus snp-launch's additions: --platform, --igvm (IGVM images on the
 * platforms of specs/platforms.md §4), --log / --log-full (the measurement log as a table),
 * --json (docs/json-output.md) and --dump-vmsa-dir.
 *
 * `measure --version` prints the reference tool's version line ("sev-snp-measure 0.0.13"): the
 * command is a drop-in replacement and scripts check that line; `snp-launch --version` gives
 * snp-launch's own version.
 */
import { hashProvider } from '../../core/hash.js';
import { join } from 'node:path';
import { toBase64, toHex } from '../../core/bytes.js';
import { buildMeasureJson, formatMeasureJson } from '../../measure/json.js';
import { formatLogTable } from '../../measure/log-format.js';
import { formatHelp, get, parseArgs, type CommandSpec } from '../args.js';
import { MEASURE_OPTIONS, resolveMeasureRequest, type MeasureRequest } from '../measure-options.js';
import { requestJsonOptions, runMeasureRequest } from '../measure-run.js';
import { inputError, usageError } from '../../core/errors.js';
import type { MeasureResult } from '../../measure/types.js';
import { SNP_LAUNCH_VERSION } from '../version.js';
import { takeVcpuList } from '../measure-range.js';
import { writeStdout } from '../stdout.js';

/** The reference tool and version whose interface this command reproduces (§1). */
export const REFERENCE_VERSION_LINE = 'sev-snp-measure 0.0.13';

/** `-v` names (the reference's SevMode enum names, §4). */
const VERBOSE_MODE: Record<string, string> = { sev: 'SEV', seves: 'SEV_ES', snp: 'SEV_SNP', 'snp:svsm': 'SEV_SNP_SVSM' };

const byName = new Map(MEASURE_OPTIONS.map((o) => [o.name, o]));
const opt = (n: string) => byName.get(n)!;

export const MEASURE_SPEC: CommandSpec = {
  usage: 'snp-launch measure --mode MODE --ovmf PATH [options]\n       snp-launch measure --igvm FILE --platform PLATFORM [options]\n       snp-launch measure --vmm-type krun --qboot BIOS --kernel VMLINUX [--initrd F] --ram MIB --vcpus N',
  summary: 'Predict the SEV-SNP (or SEV/SEV-ES) launch digest of an OVMF or IGVM image. Accepts every sev-snp-measure 0.0.13 option with identical output.',
  options: [
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
    { name: 'version', type: 'flag', help: `print "${REFERENCE_VERSION_LINE}" (the reference this command is compatible with) and exit` },
    { name: 'verbose', short: 'v', type: 'flag', help: 'print "Calculated <MODE> guest measurement: <digest>"' },
    ...['mode', 'vcpus', 'vcpu-type', 'vcpu-sig', 'vcpu-family', 'vcpu-model', 'vcpu-stepping', 'vmm-type', 'ovmf', 'kernel', 'initrd', 'append', 'guest-features'].map(opt),
    { name: 'output-format', type: 'choice', choices: ['hex', 'base64'], help: 'digest encoding (default hex; snp:ovmf-hash always prints hex)' },
    opt('snp-ovmf-hash'),
    { name: 'dump-vmsa', type: 'flag', help: 'write each measured VMSA page to vmsa<i>.bin in the current directory' },
    opt('svsm'),
    opt('vars-size'),
    opt('vars-file'),
    // snp-launch additions.
    opt('igvm'),
    opt('platform'),
    opt('native-zero'),
    opt('kvm'),
    opt('vmsa-gpa'),
    opt('rdx'),
    opt('kernel-sha256'),
    opt('initrd-sha256'),
    opt('ovmf-metadata'),
    { name: 'compact', type: 'string', metavar: 'FILE', extension: true, help: 'a compact launch description (refvalues --format compact) instead of an image: the MEASUREMENT for each --vcpus count' },
    opt('krun'),
    opt('qboot'),
    opt('ram'),
    opt('kernel-gpa'),
    { name: 'dump-vmsa-dir', type: 'string', metavar: 'DIR', extension: true, help: 'like --dump-vmsa, into DIR (created if missing)' },
    { name: 'log', type: 'flag', extension: true, help: 'after the digest, print the measurement log (runs of pages folded into one row)' },
    { name: 'log-full', type: 'flag', extension: true, help: 'like --log, one row per measured page' },
    { name: 'json', type: 'flag', extension: true, help: 'print one JSON object (docs/json-output.md); with --log it includes every log entry' },
    // --vcpus also takes a list or range (1-64,96,128): one "N<TAB>digest" line per count, one pass.
  ],
  epilog: [
    'modes: sev, seves (SHA-256); snp, snp:svsm (SHA-384); snp:ovmf-hash (hash of the firmware pages only).',
    '',
    'examples:',
    '  snp-launch measure --mode snp --vcpus 4 --vcpu-type EPYC-Milan --ovmf OVMF.fd --kernel vmlinuz --append "console=ttyS0"',
    '  snp-launch measure --mode snp --vcpus 2 --platform gce --ovmf OVMF.fd --log',
    '  snp-launch measure --igvm coconut-qemu.igvm --platform qemu-kvm --vcpus 4 --vcpu-type EPYC-v4 --json --log > a.json',
    '  snp-launch measure --vmm-type krun --qboot bios.bin --kernel vmlinux --initrd initrd.gz --ram 2048 --vcpus 2',
    '',
    'Exit status: 0 ok, 1 input error (file, image, digest), 2 usage error. JSON schema: docs/json-output.md.',
  ].join('\n'),
};

export async function run(argv: string[]): Promise<number> {
  // Help wins over any other mistake on the line (argparse acts on -h as soon as it sees it).
  const wantsHelp = argv.some((a) => a === '-h' || a === '--help');
  // `--vcpus 1-64,96`: one digest per count (src/cli/measure-range.ts); the parser sees the largest.
  const taken = wantsHelp ? { argv: [...argv] } : takeVcpuList(argv);
  const args = wantsHelp ? undefined : parseArgs(MEASURE_SPEC, taken.argv);
  if (args === undefined || get.flag(args, 'help')) {
    writeStdout(formatHelp(MEASURE_SPEC));
    return 0;
  }
  if (get.flag(args, 'version')) {
    writeStdout(REFERENCE_VERSION_LINE + '\n');
    return 0;
  }
  const compact = get.str(args, 'compact');
  if (compact !== undefined) {
    writeStdout(await (await import('../measure-compact.js')).measureCompact(args, compact, taken.counts));
    return 0;
  }
  const dumpDir = get.str(args, 'dump-vmsa-dir');
  const dump = get.flag(args, 'dump-vmsa') || dumpDir !== undefined;
  if (dumpDir === '') throw usageError('BAD_VALUE', 'argument --dump-vmsa-dir: the directory name is empty', '--dump-vmsa-dir');
  const req = resolveMeasureRequest(args, { dumpVmsa: dump });
  if (req === undefined) throw usageError('MISSING_OPTION', 'the following arguments are required: --mode, --ovmf (or use --igvm FILE --platform P)', '--ovmf');
  const wantLog = get.flag(args, 'log') || get.flag(args, 'log-full');
  const json = get.flag(args, 'json');
  if (taken.counts) {
    for (const o of ['log', 'log-full', 'verbose']) if (get.flag(args, o)) throw usageError('OPTION_CONFLICT', `--${o} measures one launch; not allowed with a list of --vcpus`, `--${o}`);
    if (dump) throw usageError('OPTION_CONFLICT', '--dump-vmsa measures one launch; not allowed with a list of --vcpus', '--dump-vmsa');
    const { measureRange } = await import('../measure-range.js');
    writeStdout(await measureRange(req, taken.counts, { json, base64: get.str(args, 'output-format') === 'base64' }));
    return 0;
  }
  void warmUpForLargeIgvm(req);
  // snp:ovmf-hash ignores every other option, --dump-vmsa included (§3 step 1).
  const dumping = dump && !(req.kind === 'ovmf' && req.mode === 'snp:ovmf-hash');
  const { result, inputs } = await runMeasureRequest(req, { log: wantLog, keepVmsas: dumping, describeInputs: json });

  if (dumping) await dumpVmsas(result.vmsas ?? [], dumpDir ?? '.');
  for (const w of result.warnings) process.stderr.write(`snp-launch measure: warning: ${w}\n`);
  // On stderr only: stdout must stay byte-identical to the reference tool's (conformance tests).
  const idNote = idBlockNote(result);
  if (idNote) process.stderr.write(`snp-launch measure: note: ${idNote}\n`);

  if (json) {
    const doc = buildMeasureJson({ version: SNP_LAUNCH_VERSION, image: req.kind, result, inputs: inputs ?? {}, options: requestJsonOptions(req), includeLog: wantLog });
    writeStdout(formatMeasureJson(doc));
    return 0;
  }
  let out = digestLine(req, result.digest, get.str(args, 'output-format') === 'base64', get.flag(args, 'verbose')) + '\n';
  if (wantLog) {
    if (result.log) out += formatLogTable(result.log, { full: get.flag(args, 'log-full') }).join('\n') + '\n';
    else process.stderr.write(`snp-launch measure: note: mode ${result.mode} has no per-page log (SEV and SEV-ES hash the concatenated inputs with SHA-256)\n`);
  }
  writeStdout(out);
  return 0;
}

/**
 * A large IGVM file: start the page-hashing workers now, so their 35–100 ms boot overlaps the
 * parse of its headers (65,536 for 256 MiB) instead of the first pages being hashed on one core.
 */
async function warmUpForLargeIgvm(req: MeasureRequest): Promise<void> {
  if (req.kind !== 'igvm') return;
  const provider = hashProvider() as { warmUp?: () => Promise<void> };
  if (!provider.warmUp) return;
  // A missing file is reported by the open, with its own one-line error.
  const { stat } = await import('node:fs/promises');
  const size = (await stat(req.paths.igvm).catch(() => undefined))?.size ?? 0;
  if (size >= WARM_UP_BYTES) await provider.warmUp().catch(() => undefined);
}
const WARM_UP_BYTES = 32 << 20;

/**
 * One sentence on the image's SNP_ID_BLOCK (issue 3 item 7), or undefined without one. A mismatch
 * is fatal at launch: the firmware rejects SNP_LAUNCH_FINISH when ID_BLOCK.LD differs from the
 * launch digest it computed (specs/attestation.md §5.1).
 */
export function idBlockNote(result: MeasureResult): string | undefined {
  const b = result.idBlock;
  if (!b?.present) return undefined;
  if (b.matches) return `the file's SNP_ID_BLOCK launch digest matches the ${result.platform} digest`;
  return (
    `the file's SNP_ID_BLOCK launch digest does NOT match the ${result.platform} digest (ID block ld ${b.expected}): ` +
    `SNP_LAUNCH_FINISH with this ID block would fail on ${result.platform}, the firmware rejects a launch whose ID_BLOCK.LD differs from the digest it computed`
  );
}

/** The reference's output line (§4): hex or base64, optionally in the verbose sentence. */
export function digestLine(req: MeasureRequest, digest: Uint8Array, base64: boolean, verbose: boolean): string {
  if (req.kind === 'ovmf' && req.mode === 'snp:ovmf-hash') return toHex(digest);
  const value = base64 ? toBase64(digest) : toHex(digest);
  if (!verbose) return value;
  const name = req.kind !== 'ovmf' ? 'SEV_SNP' : VERBOSE_MODE[req.mode]!;
  return `Calculated ${name} guest measurement: ${value}`;
}

async function dumpVmsas(vmsas: readonly Uint8Array[], dir: string): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'exists and is not a directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : `cannot create the directory (${code ?? (e as Error).message})`;
    throw inputError('DUMP_DIR', why, { file: dir });
  }
  for (let i = 0; i < vmsas.length; i++) {
    const path = join(dir, `vmsa${i}.bin`);
    try {
      await writeFile(path, vmsas[i]!);
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw inputError('DUMP_WRITE', `cannot write the VMSA (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? (e as Error).message)})`, { file: path });
    }
  }
}
