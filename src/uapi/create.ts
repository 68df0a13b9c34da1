/** Picks the session class for a KVM UAPI variant name (`--uapi upstream|vmsa-page|direct-vmsa`). */
import { usageError } from '../core/errors.js';
import { DirectVmsaKvmSession } from './kvm-direct-vmsa.js';
import { UpstreamKvmSession } from './kvm-upstream.js';
import { VmsaPageKvmSession } from './kvm-vmsa-page.js';
import { KVM_UAPIS, type KvmUapi, type SessionOptions } from './types.js';
import type { KvmSessionBase } from './_session.js';

export function createKvmSession(uapi: KvmUapi, opts: SessionOptions = {}): KvmSessionBase {
  switch (uapi) {
    case 'upstream':
      return new UpstreamKvmSession(opts);
    case 'vmsa-page':
      return new VmsaPageKvmSession(opts);
    case 'direct-vmsa':
      return new DirectVmsaKvmSession(opts);
    default:
      throw usageError('BAD_UAPI', `unknown UAPI variant '${String(uapi)}' (choose from ${KVM_UAPIS.join(', ')})`, '--uapi');
  }
}
