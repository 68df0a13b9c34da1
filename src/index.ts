/**
 * snp-launch, browser-safe core: image parsers, the digest engine, VMM loaders, kernel UAPI models,
 * explanations and attestation checks. No node: imports below this entry point; the Node entry
 * (src/node/index.ts) re-exports all of this with node:crypto installed as the hash provider.
 */
// Foundations
export * from './core/errors.js';
export * from './core/bytes.js';
export { hashProvider, setHashProvider, nobleHashProvider, type HashProvider, type IncrementalHash } from './core/hash.js';
export { bytesSource, blobSource, chunks, hashSource, type ByteSource } from './core/source.js';

// Measuring: one call per image kind
export { measureOvmf } from './measure/ovmf.js';
export { measureIgvm } from './measure/igvm.js';
export * from './measure/types.js';
export * from './measure/json.js';
export * from './measure/log-format.js';
// Inputs by hash: kernel/initrd SHA-256, OVMF metadata documents (issue 18 item 4)
export { kernelGiven, initrdGiven, kernelHashesOf, parseSha256Hex, ovmfMetadataOf, type KernelInputs } from './measure/by-hash.js';
export * from './images/ovmf/metadata-doc.js';

// Firmware model
export { PageType, PAGE_TYPE_NAMES, KVM_VMSA_GPA, PAGE_SIZE } from './firmware/page-types.js';
export { PAGE_INFO, pageInfo } from './firmware/page-info.js';
export { SnpFirmware, type FirmwareOptions } from './firmware/launch-digest.js';
export type { MeasurementLogEntry, LogSink } from './firmware/log.js';
export { sevLaunchDigest, sevEsLaunchDigest } from './firmware/sev-legacy.js';

// Images, VMSAs, loaders, kernel UAPI models
export * from './images/ovmf/index.js';
export * from './images/igvm/index.js';
export * from './vmsa/index.js';
export * from './loaders/ovmf/index.js';
export * from './loaders/igvm/index.js';
export * from './uapi/index.js';

// Explanations (portability, log diff)
export * from './explain/index.js';
// Both IGVM and explain name a 'typeName'; the package root keeps the IGVM header one.
export { typeName } from './images/igvm/index.js';

// Portable IGVM images: igvm build, portability --fix
export * from './portable/index.js';

// Attestation and ID blocks
export * from './attestation/index.js';
export * from './idblock/index.js';

// Reference values for verifiers: JSON, CoRIM (SEV-SNP profile), COSE_Sign1; report check
export * from './refvalues/index.js';

// Cloud and container-stack endorsements beside a report (docs/endorsements.md)
export * from './endorsements/index.js';
