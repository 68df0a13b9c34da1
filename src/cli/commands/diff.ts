/** `snp-launch diff` — placeholder until its issue lands. */
import { inputError } from '../../core/errors.js';

export async function run(_argv: string[]): Promise<number> {
  throw inputError('NOT_IMPLEMENTED', 'snp-launch diff is not implemented yet');
}
