/** Explanations: measurement-log alignment, first-divergence reasons, IGVM portability analysis. */
export * from './entries.js';
export * from './divergence.js';
export * from './ovmf-divergence.js';
export * from './portability.js';
export * from './measure-json.js';
