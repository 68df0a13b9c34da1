/** OVMF firmware images: GUIDs, footer table, SEV metadata, kernel hashes table, parser and builder. */
export * from './guids.js';
export * from './footer.js';
export * from './metadata.js';
export * from './kernel-hashes.js';
export * from './parse.js';
export * from './builder.js';
export * from './inspect.js';
