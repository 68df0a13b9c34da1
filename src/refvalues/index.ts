/**
 * Reference values (docs/refvalues.md): a launch matrix of one image as snp-launch JSON, a CoRIM of
 * the AMD SEV-SNP profile (optionally COSE_Sign1 ES384), and the check of a report against them.
 * Browser-safe.
 */
export type { PinnedFields, RefCell, ReferenceValues, PinnedField } from './types.js';
export { PINNED_FIELDS, MAX_REFVALUE_CELLS } from './types.js';
export { matrixCells, matrixSize, type MatrixCpu, type RefMatrix } from './matrix.js';
export { referenceValuesFromJson, referenceValuesToJson } from './json.js';
export { encodeCorim, decodeCorim, CORIM_FLAVORS, type CorimFlavor } from './corim.js';
export { signCorim, verifySignedCorim, isSignedCorim } from './cose.js';
export { checkReportAgainstRefValues, describeRefCell, type RefValuesResult, type RefValuesFailure } from './check.js';
export { decodeReferenceValues } from './decode.js';
export { encodeRvps, RVPS_NAMES, RVPS_MESSAGE_VERSION, RVPS_PROVENANCE_TYPE, type RvpsOutput, type RvpsOptions } from './rvps.js';
export { encodeGsg, gsgConfigText, gsgFileName, GSG_PERMISSIVE_POLICY, GSG_POLICY_FIELDS } from './gsg.js';
export {
  compactFromJson,
  compactToJson,
  compactToReferenceValues,
  compactVariants,
  extendCompact,
  extendCompactRange,
  isCompactJson,
  COMPACT_FORMAT,
  DEFAULT_COMPACT_MAX_VCPUS,
  type CompactLaunch,
  type CompactMatrix,
  type CompactVariant,
} from './compact.js';
export { encodeLaunchConfig, encodeLaunchConfigs, launchConfigValue, LAUNCH_CONFIG, FMS_MASK } from './launch-config.js';
export { mapToVmsa, vmsaToMap, TAG_VMSA_MAP } from './vmsa-map.js';
