/**
 * Writing an output file so that a failure never leaves a partial one behind: the bytes go to a
 * temporary file next to the destination (same directory, so the final rename is atomic), which
 * is renamed over the destination only when everything was written, and removed otherwise.
 */
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { inputError } from '../core/errors.js';
import { fileError } from './file-source.js';

export interface OutputFile {
  /** The temporary file being written (readable while open). */
  readonly tempPath: string;
  write(chunk: Uint8Array): Promise<void>;
  /** Writes bytes at a position already written (patching a header in place). */
  writeAt(position: number, bytes: Uint8Array): Promise<void>;
  /** Flushes, closes and renames into place. */
  commit(): Promise<void>;
  /** Closes and removes the temporary file (safe to call after commit: then it does nothing). */
  discard(): Promise<void>;
}

export async function createOutputFile(path: string): Promise<OutputFile> {
  try {
    if ((await stat(path)).isDirectory()) throw inputError('IS_DIRECTORY', 'is a directory, not a file', { file: path });
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw fileError(e, path);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(tmp, 'wx');
  } catch (e) {
    throw writeError(e, path);
  }
  let pos = 0;
  let done = false;
  const writeAll = async (bytes: Uint8Array, at: number) => {
    let n = 0;
    while (n < bytes.length) n += (await fh.write(bytes, n, bytes.length - n, at + n)).bytesWritten;
  };
  return {
    tempPath: tmp,
    async write(chunk) {
      try {
        await writeAll(chunk, pos);
      } catch (e) {
        throw writeError(e, path);
      }
      pos += chunk.length;
    },
    async writeAt(position, bytes) {
      try {
        await writeAll(bytes, position);
      } catch (e) {
        throw writeError(e, path);
      }
    },
    async commit() {
      try {
        await fh.sync();
        await fh.close();
        await rename(tmp, path);
        done = true;
      } catch (e) {
        throw writeError(e, path);
      }
    },
    async discard() {
      if (done) return;
      done = true;
      await fh.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
    },
  };
}

function writeError(e: unknown, path: string) {
  const code = (e as { code?: string }).code;
  const why =
    code === 'ENOENT' || code === 'ENOTDIR' ? 'cannot create the output file: the directory does not exist' :
    code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'cannot write the output file: permission denied' :
    code === 'ENOSPC' ? 'cannot write the output file: no space left on the device' :
    `cannot write the output file (${code ?? (e as Error).message})`;
  return inputError(`WRITE_${code ?? 'ERROR'}`, why, { file: path });
}
