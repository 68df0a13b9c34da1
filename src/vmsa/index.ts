/** VMSA page layout, SEV_FEATURES names, vCPU signatures and the OVMF/SVSM register profiles. */
export * from './layout.js';
export * from './sev-features.js';
export * from './vcpu-types.js';
export * from './profiles/index.js';
export * from './kvm-vcpu.js';
