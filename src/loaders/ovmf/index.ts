/** OVMF VMM loaders: QEMU, EC2, GCE and Coconut-SVSM under QEMU; what QEMU refuses to launch. */
export * from './common.js';
export * from './qemu.js';
export * from './ec2.js';
export * from './gce.js';
export * from './svsm.js';
export * from './qemu-launchable.js';
