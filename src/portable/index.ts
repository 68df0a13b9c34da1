/**
 * Portable IGVM images (issue #9): build an IGVM file from an OVMF launch, or fix an existing one,
 * so that every listed platform measures the same launch digest (specs/platforms.md §5, §6).
 * Browser-safe; the CLI's file edges are src/cli/commands/{igvm-build,portability-fix}.ts.
 */
export { parseTargets, target, TARGET_NAMES, NATIVE_ZERO_TARGET, type PortableTarget } from './targets.js';
export { rulesFor, type RuleSet } from './rules.js';
export { measureTargets, type LaunchOptions, type TargetRow, type TargetMeasurement } from './measure-targets.js';
export { describeConflict, conflictLine, ruleConflicts, type PortabilityConflict } from './conflicts.js';
export { ovmfContent, type OvmfContentOptions, type OvmfContent, type ContentPage, type VmmProfile } from './from-ovmf.js';
export { signIgvmIdBlock, placeholderIdBlock, type IdBlockRequest } from './id-block.js';
export { buildPortableIgvm, planPortableIgvm, type PortableBuildOptions, type PortableBuildResult, type PortablePlan } from './build.js';
export { fixIgvm, type FixEdit, type FixResult } from './fix.js';
export { planMoves, type Movable, type MovePlan } from './reorder.js';
export { proveIgvm, type IgvmProof, type IdBlockProof } from './proof.js';
