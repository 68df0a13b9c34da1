/**
 * snp-launch command-line entry. Commands are loaded lazily (one dynamic import per run) so that
 * `measure` pays only for what it uses; startup time is part of the benchmark.
 * Exit statuses: 0 ok, 1 input/runtime error or failed check, 2 usage error.
 */
import { SnpLaunchError } from '../core/errors.js';
import { setHashProvider } from '../core/hash.js';
// node:crypto plus a worker pool for page hashing that starts only after 8 MiB of pages, so small
// runs never pay for it (docs/benchmarks.md).
import { nodeParallelHashProvider } from '../node/parallel-hash.js';
import { limitHeapGrowthForLargeFiles, readSmallFilesSynchronously } from '../node/file-source.js';
import { SNP_LAUNCH_VERSION } from './version.js';
import { writeStdout } from './stdout.js';
import { wrapText } from './output.js';

export interface Command {
  /** Runs with the arguments after the command name; resolves to the exit status. */
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  measure: { summary: 'predict a launch digest (sev-snp-measure compatible; OVMF or IGVM)', load: () => import('./commands/measure.js') },
  'id-block': { summary: 'build and sign an SNP ID block and ID auth structure', load: () => import('./commands/id-block.js') },
  demo: { summary: 'build example images and show how their digests differ per mode, platform and vCPU count', load: () => import('./commands/demo.js') },
  ovmf: { summary: 'OVMF images: `ovmf metadata FILE` prints the facts a launch needs, to measure without the file', load: () => import('./commands/ovmf.js') },
  igvm: { summary: 'IGVM files: `igvm inspect FILE`, `igvm build --ovmf F -o OUT --for P1,P2`', load: () => import('./commands/igvm.js') },
  replay: { summary: 'replay a JSON trace of KVM SNP launch calls through a UAPI model', load: () => import('./commands/replay.js') },
  match: { summary: 'find which launch configuration of an image produced a measurement (or a report)', load: () => import('./commands/match.js') },
  refvalues: { summary: 'reference values of an image for a launch matrix: JSON, CoRIM (signed or not) for verifiers', load: () => import('./commands/refvalues.js') },
  portability: { summary: 'measure one IGVM image on every platform and explain the differences', load: () => import('./commands/portability.js') },
  diff: { summary: 'compare two `measure --log --json` outputs and explain the first divergence', load: () => import('./commands/diff.js') },
  report: { summary: 'attestation reports: `report show FILE`, `report verify FILE --cert ...`', load: () => import('./commands/report.js') },
  gce: { summary: 'GCE launch endorsements: `gce endorsement show|verify FILE [--root PEM]`', load: () => import('./commands/gce.js') },
  kds: { summary: "AMD KDS: `kds fetch REPORT [-o DIR]` writes the report's vcek.der, cert_chain.pem and crl.der", load: () => import('./commands/kds.js') },
  explore: { summary: 'serve the local-only explorer web page on 127.0.0.1', load: () => import('./commands/explore.js') },
};

const VERSION = SNP_LAUNCH_VERSION;

function mainHelp(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length)) + 2;
  return [
    'usage: snp-launch <command> [options]',
    '',
    'Predict, explain and verify AMD SEV-SNP launch measurements.',
    '',
    'commands:',
    ...Object.entries(COMMANDS).flatMap(([k, v]) => wrapText(v.summary, `  ${k.padEnd(w)}`, ' '.repeat(w + 2))),
    '',
    'Run `snp-launch <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

/** Prints an error as one line and returns its exit status. Never prints a stack trace. */
export function reportError(cmd: string, e: unknown): number {
  if (e instanceof SnpLaunchError) {
    // argparse-style reasons already name the option ("argument --vcpus: ..."); don't repeat it.
    const { field, file, offset, index } = e.location;
    // argparse-style reasons ("argument --x: ...") name their option themselves.
    const named = field !== undefined && file === undefined && offset === undefined && index === undefined && (e.reason.includes(field) || e.reason.startsWith('argument '));
    const text = named ? e.reason : e.message;
    if (e.kind === 'usage') {
      process.stderr.write(`snp-launch ${cmd}: error: ${text}\n`);
      return 2;
    }
    process.stderr.write(`Error: ${text}\n`);
    return 1;
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`Error: internal error in snp-launch ${cmd}: ${msg.split('\n')[0]}\n`);
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  setHashProvider(nodeParallelHashProvider);
  limitHeapGrowthForLargeFiles();
  readSmallFilesSynchronously();
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    writeStdout(mainHelp());
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === '--version' || cmd === '-V') {
    writeStdout(`snp-launch ${VERSION}\n`);
    return 0;
  }
  const entry = COMMANDS[cmd];
  if (!entry) {
    process.stderr.write(`snp-launch: error: unknown command '${cmd}' (run snp-launch --help)\n`);
    return 2;
  }
  try {
    const mod = await entry.load();
    return await mod.run(rest);
  } catch (e) {
    return reportError(cmd, e);
  }
}

/** Flushes stdout/stderr before exiting so piped output is never cut short. */
export function exitWith(code: number): void {
  process.exitCode = code;
}
