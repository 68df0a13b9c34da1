/** OVMF reset-state VMSA profiles per VMM, the SVSM VMSA, and the builder. */
export * from './_profile.js';
export { QEMU_PROFILE } from './qemu.js';
export { EC2_PROFILE } from './ec2.js';
export { GCE_PROFILE } from './gce.js';
export * from './svsm.js';
export * from './build.js';
export * from './krun.js';
