/** OVMF measurement entry point — placeholder until the OVMF loaders land (issue 2). */
import { inputError } from '../core/errors.js';
import type { MeasureResult, OvmfMeasureOptions } from './types.js';

export async function measureOvmf(_opts: OvmfMeasureOptions): Promise<MeasureResult> {
  throw inputError('NOT_IMPLEMENTED', 'OVMF measurement is not implemented yet');
}
