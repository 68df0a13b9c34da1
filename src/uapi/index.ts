/** Kernel UAPI models: the KVM SNP launch variants, isolated import, and trace replay. */
export * from './types.js';
export { KvmSessionBase, MAX_GPA, SNP_ACTIVE, ID_BLOCK_SIZE, ID_AUTH_SIZE, HOST_DATA_SIZE } from './_session.js';
export { UpstreamKvmSession, UPSTREAM_PAGE_TYPES } from './kvm-upstream.js';
export { VmsaPageKvmSession } from './kvm-vmsa-page.js';
export { DirectVmsaKvmSession, VCPU_STATE_VMSA_VALID, VCPU_STATE_GHCB_VALID, type VcpuStateParams } from './kvm-direct-vmsa.js';
export { IsolatedImportSession } from './isolated-import.js';
export { SnpPolicy, LEGACY_ALLOWED_POLICY_BITS, policyRejection, checkPolicy } from './policy.js';
export { createKvmSession } from './create.js';
export { parseTrace, SEV_CMD_IDS, type Trace, type TraceCall, type TraceData, type TraceVm } from './trace.js';
export { replayTrace, type ReplayOptions, type ReplayResult, type ReplayCallResult } from './replay.js';
