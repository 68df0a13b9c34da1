/**
 * What a fuzz target is (docs/fuzzing.md): seeds, a structure-aware mutation, and a check that
 * either returns (the input parsed and its result re-validated or round-tripped), throws a typed
 * SnpLaunchError that `located` accepts, or throws anything else — which is a finding.
 */
import { SnpLaunchError } from '../../src/core/errors.js';
import type { Rnd } from './mutators.js';

export interface FuzzTarget<T = unknown> {
  name: string;
  /** One line for --list --verbose and the docs. */
  about: string;
  /** File extension of saved inputs. */
  ext: string;
  seeds(): Promise<T[]>;
  mutate(x: T, rnd: Rnd, seeds: readonly T[]): T;
  /** Resolves when the input is accepted and re-validates; throws otherwise. */
  check(x: T): Promise<void> | void;
  /** Extra condition on a rejection (e.g. an IGVM_ code with an offset); default: any located error. */
  located?(e: SnpLaunchError): boolean;
  encode(x: T): Uint8Array;
  decode(b: Uint8Array): T;
}

/** A broken invariant on an accepted input (never a SnpLaunchError, so it is always a finding). */
export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

export function invariant(ok: unknown, what: string): asserts ok {
  if (!ok) throw new InvariantError(what);
}

/** A rejection is fine when it is a SnpLaunchError with a one-line message and some location. */
export function isLocated(e: unknown): e is SnpLaunchError {
  if (!(e instanceof SnpLaunchError) || e.message.includes('\n') || e.code === '') return false;
  const l = e.location;
  return typeof l.file === 'string' || typeof l.offset === 'number' || typeof l.field === 'string' || typeof l.index === 'number';
}

const enc = new TextEncoder();
const dec = new TextDecoder();
export const bytesCodec = { encode: (b: Uint8Array) => b, decode: (b: Uint8Array) => b };
export const textCodec = { encode: (s: string) => enc.encode(s), decode: (b: Uint8Array) => dec.decode(b) };
