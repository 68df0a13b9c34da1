/**
 * Runs a validated measure request (src/measure/request.ts, resolved from the command line by
 * src/cli/measure-options.ts): opens its files as streamed ByteSources (errors name the path),
 * calls measureOvmf / measureIgvm with the options the request maps to, optionally describes the
 * inputs (size, SHA-256) for --json, and always closes the files again.
 */
import type { ByteSource } from '../core/source.js';
import type { MeasureResult } from '../measure/types.js';
import { describeInput, type InputInfo } from '../measure/json.js';
import { measureCall, withRequestWarnings, type CallOptions, type FileRole, type MeasureRequest, type RequestFiles } from '../measure/request.js';
import { openFileSource } from '../node/file-source.js';
import { isOvmfMetadataSource } from '../images/ovmf/metadata-doc.js';
import { openOvmfMetadataFile } from './ovmf-metadata-file.js';

/** The metadata document itself (its bytes), for --json's inputs. */
async function describedFile(path: string): Promise<ByteSource> {
  const { bytesSource } = await import('../core/source.js');
  const { readSmallFile } = await import('../node/file-source.js');
  return bytesSource(path, await readSmallFile(path, 1 << 20));
}

export { requestJsonOptions } from '../measure/request.js';

/** What a measurement needs beyond the request. */
export interface RunOptions extends CallOptions {
  /** Also return each input's path, size and streamed SHA-256 (for --json). */
  describeInputs?: boolean;
}

export interface MeasureRun {
  request: MeasureRequest;
  result: MeasureResult;
  /** By role (ovmf, kernel, initrd, svsm, varsFile, igvm), when describeInputs was set. */
  inputs?: Record<string, InputInfo>;
}

/** Opens the request's files, measures, and closes the files again (also on error). */
export async function runMeasureRequest(request: MeasureRequest, run: RunOptions = {}): Promise<MeasureRun> {
  const opened: RequestFiles = {};
  try {
    await openRequestFiles(request, opened);
    const call = measureCall(request, opened, run);
    // Loaded on demand: `report` resolves image options without always measuring.
    const raw =
      call.kind === 'ovmf'
        ? await (await import('../measure/ovmf.js')).measureOvmf(call.options)
        : call.kind === 'igvm'
          ? await (await import('../measure/igvm.js')).measureIgvm(call.options)
          : await (await import('../measure/krun.js')).measureKrun(call.options);
    const out: MeasureRun = { request, result: withRequestWarnings(request, raw) };
    if (run.describeInputs) {
      out.inputs = {};
      for (const [role, src] of Object.entries(opened) as [FileRole, ByteSource][]) out.inputs[role] = await describeInput(isOvmfMetadataSource(src) ? await describedFile(src.name) : src);
    }
    return out;
  } finally {
    for (const src of Object.values(opened)) await src.close?.().catch(() => undefined);
  }
}

/** Opens the request's files into `opened` (by role); the caller closes them, also on error. */
export async function openRequestFiles(request: MeasureRequest, opened: RequestFiles): Promise<void> {
  for (const [role, path] of Object.entries(request.paths) as [FileRole, string | undefined][]) {
    // Synchronous reads for everything but IGVM page data, whose asynchronous reads overlap the
    // worker pool's hashing (bench row 5: 0.64 against 0.60 when synchronous). The kernel is
    // read on this thread while a worker hashes the initrd (row 9).
    if (path !== undefined && role === 'ovmf' && request.kind === 'ovmf' && request.ovmfMetadata) opened.ovmf = await openOvmfMetadataFile(path);
    else if (path !== undefined) opened[role] = await openFileSource(path, undefined, { sync: role === 'igvm' ? undefined : true });
  }
}
