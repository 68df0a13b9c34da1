/**
 * Errors as values: a stable code, a location (file, offset, field, header index) and one sentence.
 * The CLI turns any SnpLaunchError into one stderr line and an exit status (input → 1, usage → 2).
 */

/** input: the data is wrong (exit 1); usage: the request is wrong (exit 2). */
export type ErrorKind = 'input' | 'usage';

export interface ErrorLocation {
  /** File name (or a label such as "kernel") the error is about. */
  file?: string;
  /** Byte offset inside that file. */
  offset?: number;
  /** Field, option or header name. */
  field?: string;
  /** IGVM header index, or other record index. */
  index?: number;
}

export class SnpLaunchError extends Error {
  override readonly name = 'SnpLaunchError';
  readonly code: string;
  readonly kind: ErrorKind;
  readonly location: ErrorLocation;
  /** The bare sentence, without location prefix. */
  readonly reason: string;

  constructor(code: string, reason: string, location: ErrorLocation = {}, kind: ErrorKind = 'input') {
    // Reasons quote user input (an option, a file name); a line break in it must not break the
    // one-line contract (found by the args fuzz target).
    reason = oneLine(reason);
    if (location.field !== undefined && /[\r\n\u2028\u2029]/.test(location.field)) location = { ...location, field: oneLine(location.field) };
    if (location.file !== undefined && /[\r\n\u2028\u2029]/.test(location.file)) location = { ...location, file: oneLine(location.file) };
    super(formatMessage(reason, location));
    this.code = code;
    this.kind = kind;
    this.location = location;
    this.reason = reason;
  }
}

/** Thrown by a kernel UAPI model when a launch call is rejected the way the kernel would. */
export class LaunchRejectedError extends SnpLaunchError {
  /** The errno name the kernel would return (EINVAL, EPERM, EIO, ...). */
  readonly errno: string;
  constructor(errno: string, reason: string, location: ErrorLocation = {}) {
    super(`KVM_${errno}`, `${errno}: ${reason}`, location, 'input');
    this.errno = errno;
  }
}

/** Line breaks (CR, LF, and the Unicode line/paragraph separators) become spaces. */
const oneLine = (s: string): string => s.replace(/[\r\n\u2028\u2029]/g, ' ');

function formatMessage(reason: string, loc: ErrorLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.file);
  if (loc.index !== undefined) parts.push(`header ${loc.index}`);
  if (loc.offset !== undefined) parts.push(`offset 0x${loc.offset.toString(16)}`);
  if (loc.field !== undefined) parts.push(loc.field);
  return parts.length > 0 ? `${parts.join(': ')}: ${reason}` : reason;
}

export function usageError(code: string, reason: string, field?: string): SnpLaunchError {
  return new SnpLaunchError(code, reason, field === undefined ? {} : { field }, 'usage');
}

export function inputError(code: string, reason: string, location: ErrorLocation = {}): SnpLaunchError {
  return new SnpLaunchError(code, reason, location, 'input');
}

/**
 * A foreign error message (JSON.parse, a runtime) made fit for a one-line error: first line only,
 * control and non-ASCII characters (e.g. from binary input quoted back) replaced, at most 120 chars.
 */
export function oneLineReason(e: unknown): string {
  const m = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
  const clean = m.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 120 ? clean.slice(0, 117) + '...' : clean;
}
