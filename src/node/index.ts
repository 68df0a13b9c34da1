/**
 * The Node entry point: everything the browser-safe core exports, with node:crypto installed as the
 * hash provider, plus file-path helpers.
 */
import { setHashProvider } from '../core/hash.js';
import { nodeHashProvider } from './hash.js';

setHashProvider(nodeHashProvider);

export * from '../index.js';
export { nodeHashProvider } from './hash.js';
export { openFileSource, readSmallFile } from './file-source.js';
export { createOutputFile, type OutputFile } from './output-file.js';
