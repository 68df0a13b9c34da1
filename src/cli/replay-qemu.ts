/**
 * `snp-launch replay --qemu-trace LOG (--ovmf F [--kernel ...] | --igvm F) --vcpus N --vcpu-type T`:
 * reads QEMU's own `kvm_sev_snp*` trace (src/uapi/qemu-trace.ts), names every place where it
 * departs from the launch snp-launch predicts for the image, and replays it under each KVM UAPI
 * model with the image's page contents (src/uapi/qemu-replay.ts). Without an image it prints the
 * folded updates only. Exit 0 when the trace matches the prediction (or no image was given), 1 when
 * it departs from it or cannot be read, 2 on usage errors.
 */
import { formatJsonDoc } from './output.js';
import { toHex } from '../core/bytes.js';
import { usageError } from '../core/errors.js';
import { PAGE_TYPE_NAMES } from '../firmware/page-types.js';
import { igvmQemuLaunchPlan, ovmfLaunchPlan } from '../measure/launch-plan.js';
import { measureCall, resolveMeasureInputs, type RequestFiles } from '../measure/request.js';
import { readSmallFile } from '../node/file-source.js';
import { parseQemuTrace, type QemuTrace } from '../uapi/qemu-trace.js';
import { replayQemuTrace, type QemuReplayResult } from '../uapi/qemu-replay.js';
import { formatHelp, get, parseArgs, type CommandSpec } from './args.js';
import { MEASURE_OPTIONS, measureInputs } from './measure-options.js';
import { openRequestFiles } from './measure-run.js';
import { writeStdout } from './stdout.js';

const SPEC: CommandSpec = {
  usage: 'snp-launch replay --qemu-trace LOG [(--ovmf F [--kernel K ...] | --igvm F) --vcpus N --vcpu-type T] [--json]',
  summary: "Compare QEMU's own SEV-SNP launch trace (qemu -trace 'kvm_sev_snp*') with the launch snp-launch predicts for the image, and replay it under each KVM UAPI model.",
  options: [
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
    { name: 'qemu-trace', type: 'string', metavar: 'LOG', help: 'the trace: upstream (src ... gpa ... len ... (Type page)) or older AMD (addr ...) lines, with or without PID@TIME: prefixes' },
    { name: 'json', type: 'flag', help: 'print one JSON object (format "snp-launch.qemu-replay/1")' },
    ...MEASURE_OPTIONS.filter((o) => !['mode', 'svsm', 'vars-size', 'vars-file', 'native-zero', 'ovmf-metadata', 'snp-ovmf-hash'].includes(o.name)),
  ],
  epilog: 'The trace format and what is compared: docs/trace-format.md ("QEMU traces").',
};

const MAX_TRACE = 64 << 20;
const hx = (v: number) => '0x' + v.toString(16);

export async function runQemuReplay(argv: string[]): Promise<number> {
  const args = argv.some((a) => a === '-h' || a === '--help') ? undefined : parseArgs(SPEC, argv);
  if (args === undefined || get.flag(args, 'help')) {
    writeStdout(formatHelp(SPEC));
    return 0;
  }
  if (args.positionals.length > 0) throw usageError('UNEXPECTED_ARGUMENT', `unrecognized arguments: ${args.positionals.join(' ')} (--qemu-trace takes the trace as its value)`);
  const path = get.str(args, 'qemu-trace')!;
  const inputs = measureInputs(args);
  if (inputs.igvm !== undefined) {
    if (inputs.platform !== undefined && inputs.platform !== 'qemu-kvm') throw usageError('OPTION_CONFLICT', `argument --platform: a QEMU trace is a qemu-kvm launch, not '${inputs.platform}'`, '--platform');
    inputs.platform = 'qemu-kvm';
  }
  const req = resolveMeasureInputs(inputs, { defaultMode: 'snp' });
  if (req?.kind === 'krun') throw usageError('OPTION_CONFLICT', 'argument --krun: a QEMU trace is a QEMU launch (--ovmf or --igvm)', '--krun');
  if (req?.kind === 'ovmf' && req.mode !== 'snp') throw usageError('OPTION_CONFLICT', `argument --mode: a QEMU SNP trace is mode snp, not ${req.mode}`, '--mode');
  const trace = parseQemuTrace(new TextDecoder('utf-8', { fatal: false }).decode(await readSmallFile(path, MAX_TRACE)), path);
  if (req === undefined) {
    writeStdout(get.flag(args, 'json') ? formatJsonDoc('qemu-replay', 1, { trace: traceJson(trace) }) : traceText(trace).join('\n') + '\n');
    return 0;
  }
  const opened: RequestFiles = {};
  try {
    await openRequestFiles(req, opened);
    const call = measureCall(req, opened);
    if (call.kind === 'krun') throw usageError('OPTION_CONFLICT', 'a QEMU trace is a QEMU launch (--ovmf or --igvm)', '--krun');
    const plan =
      call.kind === 'ovmf'
        ? await ovmfLaunchPlan({ ...call.options, ...(req.kind === 'ovmf' ? { vmm: req.vmm } : {}) })
        : await igvmQemuLaunchPlan(call.options.igvm, call.options.vcpus ?? 1, call.options.vcpuSig);
    const r = await replayQemuTrace(trace, plan);
    writeStdout(get.flag(args, 'json') ? formatJsonDoc('qemu-replay', 1, resultJson(trace, r)) : resultText(trace, r).join('\n') + '\n');
    return r.departures.length === 0 && r.replays[0]!.matches ? 0 : 1;
  } finally {
    for (const s of Object.values(opened)) await s.close?.().catch(() => undefined);
  }
}

function traceJson(t: QemuTrace): unknown {
  return {
    file: t.name,
    format: t.format ?? null,
    policy: t.policy !== undefined ? '0x' + t.policy.toString(16) : null,
    finished: t.finishLine !== undefined,
    retries: t.retries,
    updates: t.updates.map((u) => ({ gpa: hx(u.gpa), len: hx(u.len), type: PAGE_TYPE_NAMES[u.type], lines: u.lines })),
    warnings: t.warnings,
  };
}

function traceText(t: QemuTrace): string[] {
  const L = [`${t.name}: ${t.updates.length} SNP_LAUNCH_UPDATE ranges (${t.format === 'amd' ? 'older AMD "addr" format' : 'upstream QEMU format'}${t.retries ? `, ${t.retries} retry lines folded` : ''})`];
  if (t.policy !== undefined) L.push(`  LAUNCH_START policy 0x${t.policy.toString(16)} (line ${t.startLine})`);
  for (const u of t.updates) L.push(`  line ${String(u.lines[0]).padStart(4)}  gpa ${hx(u.gpa).padStart(12)}  len ${hx(u.len).padStart(9)}  ${PAGE_TYPE_NAMES[u.type]}${u.lines.length > 1 ? `  (${u.lines.length} attempts: lines ${u.lines.join(', ')})` : ''}`);
  L.push(t.finishLine !== undefined ? `  LAUNCH_FINISH (line ${t.finishLine})` : '  no LAUNCH_FINISH line');
  for (const w of t.warnings) L.push(`warning: ${w}`);
  return L;
}

function resultJson(t: QemuTrace, r: QemuReplayResult): object {
  return {
    trace: traceJson(t),
    predicted: { digest: toHex(r.predicted.digest), pages: r.predicted.pages, vcpus: r.predicted.vcpus },
    departures: r.departures.map((d) => ({ kind: d.kind, gpa: hx(d.gpa), pages: d.pages, lines: d.lines, text: d.text })),
    replays: r.replays.map((x) => ({ uapi: x.uapi, finished: x.finished, digest: x.digest ? toHex(x.digest) : null, matchesPrediction: x.matches, ...(x.errno ? { errno: x.errno, reason: x.reason } : {}) })),
    warnings: r.warnings,
  };
}

function resultText(t: QemuTrace, r: QemuReplayResult): string[] {
  const L = traceText(t).filter((l) => !l.startsWith('warning: '));
  L.push('', `predicted: ${r.predicted.pages} pages, then ${r.predicted.vcpus} VMSAs; MEASUREMENT ${toHex(r.predicted.digest)}`);
  if (r.departures.length === 0) L.push('the trace has exactly the predicted pages, types and order');
  for (const d of r.departures) L.push(`departure (${d.kind}): ${d.text}`);
  L.push('', 'replayed with the image\'s page contents:');
  for (const x of r.replays) {
    L.push(x.finished ? `  ${x.uapi.padEnd(11)} ${toHex(x.digest!)}${x.matches ? '  = the prediction' : ''}` : `  ${x.uapi.padEnd(11)} REJECTED ${x.errno}: ${x.reason}`);
  }
  for (const w of r.warnings) L.push(`warning: ${w}`);
  return L;
}
