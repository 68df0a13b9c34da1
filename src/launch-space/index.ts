/**
 * The launch-space layer (docs/launch-space.md): enumerate every configuration of an image's
 * launches with shared work, search them for a MEASUREMENT, and say which launch produced it.
 */
export type { CellVisitor, IgvmLaunchOptions, LaunchCell, LaunchSpace, OvmfPlatform, SpaceImage } from './types.js';
export { OVMF_SPACE_PLATFORMS } from './types.js';
export { forEachDigest, digestsOf, type EnumerateOptions, type EnumerateSummary } from './engine.js';
export { searchMeasurement, type SearchOptions, type SearchResult } from './search.js';
export { describeCell, explainNoMatch, featureWords } from './explain.js';
export { measureCommand, referenceCommand, shellQuote, type ImagePaths } from './command.js';
export {
  checkSpaceSize,
  defaultSpace,
  parseList,
  parseVcpuList,
  range,
  spaceSize,
  variantsFor,
  DEFAULT_MAX_VCPUS,
  KVM_VMSA_GPA_52,
  MAX_SPACE_CONFIGURATIONS,
  MAX_SPACE_VCPUS,
  type VmsaVariant,
} from './space.js';
export { defaultSignatures, describeSignature, hostSignature, qemuModelsFor, KVM_DEFAULT_RDX, type SignatureCandidate } from './signatures.js';
export { narrowSpace, parseIntText, type NarrowText } from './narrow.js';
export { idBlockLaunches, idBlockLaunchLines, rangesText, type IdBlockLaunches, type IdBlockPlatformLaunches } from './id-block-launches.js';
export { ovmfFacts, type OvmfFacts } from './ovmf-facts.js';
