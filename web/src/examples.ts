/**
 * The "example" buttons: images the project builds itself (src/images), so the page can be tried
 * without any firmware at hand. The OVMF example uses the AmdSev metadata layout of
 * specs/ovmf.md §5.3 in a 1 MiB image.
 */
import { buildOvmfImage } from '../../src/images/ovmf/builder.js';
import type { ImageKind } from './protocol.js';

export interface Example {
  name: string;
  bytes: Uint8Array;
  /** A vCPU type to preselect (QEMU rows need one). */
  vcpuType?: string;
}

const OVMF_EXAMPLE_SIZE = 1 << 20;

export async function buildExample(which: ImageKind): Promise<Example> {
  if (which === 'ovmf') return { name: 'example-ovmf.fd', bytes: buildOvmfImage({ size: OVMF_EXAMPLE_SIZE }), vcpuType: 'EPYC-v4' };
  throw new Error('the IGVM example needs the IGVM writer (src/images/igvm), which is not available yet');
}
