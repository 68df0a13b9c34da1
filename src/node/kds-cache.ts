/**
 * The on-disk KDS cache (docs/kds.md): one file per URL, named by the SHA-256 of the URL, in
 * $SNP_LAUNCH_CACHE_DIR, else $XDG_CACHE_HOME/snp-launch/kds, else ~/.cache/snp-launch/kds. The
 * library decides what a cached response is still good for (a VCEK and a cert_chain forever, a
 * CRL until its nextUpdate) and stores only responses it validated. Writes are atomic (temporary
 * file + rename); an unreadable cache is treated as empty, an unwritable one is reported once.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KdsStore } from '../attestation/endorsements.js';
import { MAX_KDS_RESPONSE } from './kds-http.js';

/** The cache directory for this environment. */
export function kdsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SNP_LAUNCH_CACHE_DIR) return env.SNP_LAUNCH_CACHE_DIR;
  const xdg = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(xdg, 'snp-launch', 'kds');
}

const keyOf = (url: string): string => createHash('sha256').update(url).digest('hex');

export function diskStore(dir: string, warn?: (line: string) => void): KdsStore {
  let warned = false;
  return {
    async get(url) {
      try {
        const b = await readFile(join(dir, `${keyOf(url)}.bin`));
        return b.length > 0 && b.length <= MAX_KDS_RESPONSE ? new Uint8Array(b) : undefined;
      } catch {
        return undefined;
      }
    },
    async put(url, bytes) {
      const key = keyOf(url);
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        const tmp = join(dir, `${key}.${process.pid}.tmp`);
        await writeFile(tmp, bytes);
        await rename(tmp, join(dir, `${key}.bin`));
        // The URL beside it, so that a person can see what a cache file is.
        await writeFile(join(dir, `${key}.url`), url + '\n');
      } catch (e) {
        if (!warned) warn?.(`warning: cannot write the KDS cache in ${dir} (${(e as { code?: string }).code ?? (e as Error).message}); continuing without it`);
        warned = true;
      }
    },
  };
}
