/** Every fuzz target, in `--list` order (docs/fuzzing.md). */
import type { FuzzTarget } from './target.js';
import { argsTarget } from './targets/args.js';
import { igvmTarget } from './targets/igvm.js';
import { measureJsonTarget } from './targets/measure-json.js';
import { ovmfTarget } from './targets/ovmf.js';
import { pemKeyTarget } from './targets/pem-key.js';
import { reportTarget } from './targets/report.js';
import { traceTarget } from './targets/trace.js';
import { x509Target } from './targets/x509.js';

export const TARGETS: readonly FuzzTarget<never>[] = [ovmfTarget, igvmTarget, reportTarget, x509Target, pemKeyTarget, traceTarget, measureJsonTarget, argsTarget] as unknown as FuzzTarget<never>[];
