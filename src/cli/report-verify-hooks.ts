/**
 * Extension points of `report verify`, so that other modules (AMD KDS fetching and revocation,
 * cloud endorsements) add options and checks without editing the command: a hook declares its
 * options, may supply certificates before verification, and may append checks after it. Every
 * check a hook appends is printed and counted like the built-in ones; `covers` names the report
 * fields a hook pinned, so they leave the "not checked" list.
 */
import type { AttestationReport, Certificate, Check, ProductLine, VerifyResult } from '../attestation/index.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import { KDS_HOOK } from './report-kds-hook.js';
import { ENDORSEMENTS_HOOK } from './report-endorsements.js';

export interface VerifyContext {
  args: ParsedArgs;
  /** The report file as given. */
  reportPath: string;
  report: AttestationReport;
  /** Time for certificate validity (--at or now). */
  now: Date;
  /** --product, if given. */
  product?: ProductLine;
  /** VCEK/VLEK candidates (from --cert; a hook may add one, e.g. fetched from KDS). */
  veks: Certificate[];
  /** The VCEK/VLEK chosen for verification (SIGNER_INFO picks among several). */
  vek?: Certificate;
  /** Intermediate and root certificates (--cert bundle, --chain; a hook may add). */
  chain: Certificate[];
  /** Set after the signature/chain verification ran (undefined with --no-cert). */
  verified?: VerifyResult;
  /** Every check, in print order; hooks append. */
  checks: Check[];
  /** Report fields pinned by some check (e.g. "MEASUREMENT"). */
  covers: Set<string>;
  /** One-line notes printed before the verdict. */
  notes: string[];
}

export interface VerifyHook {
  name: string;
  /** Extra options of `report verify`. */
  options: OptionSpec[];
  /** True when the hook will supply the VCEK/VLEK, so --cert is not required (e.g. --fetch). */
  suppliesCert?(args: ParsedArgs): boolean;
  /** After the report and --cert/--chain are read, before verification (may add certificates). */
  prepare?(ctx: VerifyContext): Promise<void>;
  /** After verification and validation (may append checks, e.g. revocation). */
  check?(ctx: VerifyContext): Promise<void>;
}

/** The registered hooks, run in this order. Add a hook by importing it here. */
export const VERIFY_HOOKS: VerifyHook[] = [KDS_HOOK, ENDORSEMENTS_HOOK];
