/**
 * Test helpers: where the read-only shared material lives (../shared beside the repository) and a
 * way to skip, with a clear message, the tests that need it when it is absent.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED = process.env.SNP_LAUNCH_SHARED ?? resolve(REPO, '..', 'shared');
export const HAVE_SHARED = existsSync(join(SHARED, 'specs', 'README.md'));

/** Path inside shared/. */
export function shared(...parts: string[]): string {
  return join(SHARED, ...parts);
}

/** Pass as the `skip` option of a test: false when shared/ is present, else the reason. */
export const needsShared: string | false = HAVE_SHARED ? false : `shared material not found at ${SHARED} (set SNP_LAUNCH_SHARED)`;

/** The built CLI launcher. */
export const CLI = join(REPO, 'bin', 'snp-launch.js');
