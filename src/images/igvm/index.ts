/** IGVM files (specs/igvm.md): parsed model, parser, writer, builder and inspection report. */
export * from './types.js';
export { parseIgvm, MAX_VARIABLE_HEADER_SIZE } from './parse.js';
export {
  snpPlatform,
  snpMask,
  appliesTo,
  readPageData,
  readVpContext,
  readVpContextRaw,
  readParameterAreaData,
  readCorimData,
  toIgvmModel,
  readIgvmModel,
} from './access.js';
export { crc32 } from './crc32.js';
export { HEADER_TYPES, IGVM_MAGIC, typeName } from './defs.js';
export { writeIgvm } from './write.js';
export { layoutIgvm, writeIgvmLayout, layoutSource, igvmLayoutBytes, sealHead, type IgvmLayout, type IgvmSegment, type IgvmSourcePage, type IgvmStreamModel, type StreamHeaderSpec, type StreamPageDataSpec } from './stream-write.js';
export { igvmBuilder, type IgvmBuilder, type BuilderOptions, type PageOptions, type PlatformOptions } from './builder.js';
export { inspectIgvm, type IgvmInspectReport, type InspectPageRange, type InspectVpContext, type InspectParameterArea } from './inspect.js';
export { igvmIdBlockToFirmware, igvmKeyToFirmware, igvmSignatureToFirmware, igvmKeyDigest } from './id-block.js';
