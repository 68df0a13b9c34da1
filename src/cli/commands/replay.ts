/**
 * `snp-launch replay --uapi upstream|vmsa-page|direct-vmsa TRACE.json`: runs a JSON trace of KVM
 * SNP launch calls (docs/trace-format.md) through one UAPI model and prints, per call, whether KVM
 * would accept it, then the launch digest (and the measurement log with --log). A rejected call
 * stops the replay with KVM's errno and a sentence saying why (exit status 1).
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { toHex } from '../../core/bytes.js';
import { inputError, usageError } from '../../core/errors.js';
import { logEntryToJson } from '../../measure/json.js';
import { formatLogTable } from '../../measure/log-format.js';
import { openFileSource, readSmallFile } from '../../node/file-source.js';
import { parseTrace } from '../../uapi/trace.js';
import { replayTrace, type ReplayResult } from '../../uapi/replay.js';
import { KVM_UAPIS, type KvmUapi } from '../../uapi/types.js';
import { formatHelp, get, parseArgs, type CommandSpec } from '../args.js';
import { writeStdout } from '../stdout.js';
import { fitLines, formatJsonDoc } from '../output.js';

const SPEC: CommandSpec = {
  usage: 'snp-launch replay --uapi {upstream,vmsa-page,direct-vmsa} TRACE.json [--log] [--json]\n       snp-launch replay --qemu-trace LOG (--ovmf F [--kernel ...] | --igvm F) --vcpus N --vcpu-type T (see replay --qemu-trace x --help)',
  summary: 'Replay a JSON trace of KVM SNP launch calls through a KVM UAPI model: each call is checked as KVM checks it, and the launch digest is computed.',
  positionals: ['TRACE.json'],
  options: [
    { name: 'uapi', type: 'choice', choices: KVM_UAPIS, help: 'the KVM UAPI variant: upstream (today), vmsa-page (June 2026 proposal), direct-vmsa (per-vCPU VMSA GPAs)' },
    { name: 'log', type: 'flag', help: 'print the measurement log (one row per run of pages)' },
    { name: 'log-full', type: 'flag', help: 'print the measurement log, one row per PAGE_INFO step' },
    { name: 'json', type: 'flag', help: 'print the result as JSON (format "snp-launch.replay/1")' },
    { name: 'wide', type: 'flag', help: 'do not fold long lines to 100 columns' },
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
  ],
  epilog: 'The trace format is described in docs/trace-format.md. File references in the trace are relative to the trace file.',
};

/** Traces are read whole (inline page data); page data in files is streamed. */
const MAX_TRACE = 256 << 20;

export async function run(argv: string[]): Promise<number> {
  // QEMU's own trace against an image: src/cli/replay-qemu.ts.
  if (argv.some((a) => a === '--qemu-trace' || a.startsWith('--qemu-trace='))) return (await import('../replay-qemu.js')).runQemuReplay(argv);
  const args = parseArgs(SPEC, argv);
  if (get.flag(args, 'help')) {
    writeStdout(formatHelp(SPEC));
    return 0;
  }
  const path = args.positionals[0];
  if (path === undefined) throw usageError('MISSING_ARGUMENT', 'the following arguments are required: TRACE.json', 'TRACE.json');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(await readSmallFile(path, MAX_TRACE));
  const trace = parseTrace(text, path);
  if (trace.uapi !== undefined && !(KVM_UAPIS as readonly string[]).includes(trace.uapi)) {
    throw inputError('BAD_TRACE', `"uapi" is '${trace.uapi}'; expected one of ${KVM_UAPIS.join(', ')}`, { file: path, field: 'uapi' });
  }
  // --uapi decides; without it, the trace's own "uapi" is used.
  const uapi = (get.str(args, 'uapi') ?? trace.uapi) as KvmUapi | undefined;
  if (uapi === undefined) throw usageError('MISSING_OPTION', 'the following arguments are required: --uapi (the trace names no "uapi")', '--uapi');
  const base = dirname(path);
  const log = get.flag(args, 'log') || get.flag(args, 'log-full');
  const r = await replayTrace(trace, uapi, { log, openFile: (f) => openFileSource(isAbsolute(f) ? f : resolve(base, f), f) });
  if (trace.uapi !== undefined && trace.uapi !== uapi) r.warnings.unshift(`the trace was recorded for the ${trace.uapi} UAPI; replayed on ${uapi}`);
  if (get.flag(args, 'json')) writeStdout(formatJsonDoc('replay', 1, replayJson(path, r)));
  else writeStdout(fitLines(replayText(path, r, get.flag(args, 'log-full')), get.flag(args, 'wide')).join('\n') + '\n');
  if (r.rejected) {
    process.stderr.write(`Error: ${path}: call ${r.rejected.index} (${r.rejected.cmd}) rejected by the ${uapi} UAPI with ${r.rejected.errno}: ${r.rejected.reason}\n`);
    return 1;
  }
  return 0;
}

function replayJson(path: string, r: ReplayResult): object {
  return {
    trace: path,
    uapi: r.uapi,
    finished: r.finished,
    digest: toHex(r.digest),
    steps: r.steps,
    calls: r.calls,
    ...(r.rejected ? { rejected: r.rejected } : {}),
    warnings: r.warnings,
    ...(r.log ? { log: r.log.map(logEntryToJson) } : {}),
  };
}

function replayText(path: string, r: ReplayResult, full: boolean): string[] {
  const lines = [`replay of ${path} on the ${r.uapi} KVM UAPI`];
  const w = Math.max(...r.calls.map((c) => c.cmd.length), 4);
  for (const c of r.calls) {
    const what = c.ok ? `ok${c.steps ? `, ${c.steps} PAGE_INFO step${c.steps === 1 ? '' : 's'}` : ''}` : `REJECTED ${c.errno}: ${c.reason}`;
    lines.push(`  call ${String(c.index).padStart(3)}  ${c.cmd.padEnd(w)}  ${what}`);
  }
  if (r.log) lines.push('', ...formatLogTable(r.log, { full }));
  lines.push('');
  if (r.finished) lines.push('launch digest:', `  ${toHex(r.digest)}`);
  else if (r.rejected) lines.push(`no launch digest: the launch stops at call ${r.rejected.index}; firmware digest so far (${r.steps} steps): ${toHex(r.digest)}`);
  else lines.push(`no SNP_LAUNCH_FINISH; firmware digest after ${r.steps} steps: ${toHex(r.digest)}`);
  for (const x of r.warnings) lines.push(`warning: ${x}`);
  return lines;
}
