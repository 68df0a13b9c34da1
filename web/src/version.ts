/** The version the exported JSON carries: the CLI's own constant, so `measure --json` and the page agree. */
export { SNP_LAUNCH_VERSION as VERSION } from '../../src/cli/version.js';
