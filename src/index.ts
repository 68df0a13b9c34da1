/**
 * snp-launch, browser-safe core: parsers, the digest engine, VMM loaders, kernel UAPI models and
 * attestation checks. No node: imports below this entry point.
 */
export * from './core/errors.js';
export * from './core/bytes.js';
export { hashProvider, setHashProvider, nobleHashProvider, type HashProvider, type IncrementalHash } from './core/hash.js';
export { bytesSource, blobSource, type ByteSource } from './core/source.js';
export { PageType, PAGE_TYPE_NAMES, KVM_VMSA_GPA, PAGE_SIZE } from './firmware/page-types.js';
export { PAGE_INFO, pageInfo } from './firmware/page-info.js';
export { SnpFirmware, type FirmwareOptions } from './firmware/launch-digest.js';
export type { MeasurementLogEntry, LogSink } from './firmware/log.js';
export type * from './uapi/types.js';
export { UpstreamKvmSession } from './uapi/kvm-upstream.js';
