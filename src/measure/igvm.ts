/** IGVM measurement entry point — placeholder until the IGVM platforms land (issue 3). */
import { inputError } from '../core/errors.js';
import type { IgvmMeasureOptions, MeasureResult } from './types.js';

export async function measureIgvm(_opts: IgvmMeasureOptions): Promise<MeasureResult> {
  throw inputError('NOT_IMPLEMENTED', 'IGVM measurement is not implemented yet');
}
