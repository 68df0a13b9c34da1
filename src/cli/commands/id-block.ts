/** `snp-launch id-block` — placeholder until its issue lands. */
import { inputError } from '../../core/errors.js';

export async function run(_argv: string[]): Promise<number> {
  throw inputError('NOT_IMPLEMENTED', 'snp-launch id-block is not implemented yet');
}
