/**
 * HOST_DATA bindings of container stacks. ACI: HOST_DATA = SHA-256 of the container policy's exact
 * bytes (the CCE policy, Rego text). Kata / Confidential Containers: HOST_DATA = the digest of the
 * pod's initdata TOML document, SHA-256/384/512 of its exact bytes per its top-level `algorithm`,
 * cut or zero-padded to 32 bytes (guest-components `pad::<32>`, trustee `regularize_data`,
 * kata-types `adjust_digest`). The initdata may also be given as Kata's annotation value (base64 of
 * gzip of the TOML). Browser-safe (DecompressionStream exists in Node ≥ 18 and browsers).
 */
import { sha384 as nobleSha384, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { bytesEqual, fromBase64, toHex } from '../core/bytes.js';
import { fail, pass, type Check } from '../attestation/check.js';
import type { AttestationReport } from '../attestation/report.js';
import { inputError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';

/** SNP HOST_DATA size. */
export const HOST_DATA_SIZE = 32;
/** A decompressed initdata document larger than this is refused (Kata bounds it far lower). */
const MAX_INITDATA = 1 << 20;

/** HOST_DATA of an ACI container policy: SHA-256 of its exact bytes. */
export function hostDataOfPolicy(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}

export type InitdataAlgorithm = 'sha256' | 'sha384' | 'sha512';

/**
 * The top-level `algorithm` of an initdata TOML document. A deliberately small reader: only
 * `key = "value"` / `key = 'value'` lines before the first table header are read, which is where
 * the initdata specification puts `version` and `algorithm`.
 */
export function initdataAlgorithm(toml: string, file: string): InitdataAlgorithm {
  for (const line of toml.split(/\r?\n/)) {
    const t = line.trim();
    if (t.startsWith('[')) break;
    const m = /^algorithm\s*=\s*(?:"([^"]*)"|'([^']*)')\s*(?:#.*)?$/.exec(t);
    if (!m) continue;
    const v = m[1] ?? m[2]!;
    if (v === 'sha256' || v === 'sha384' || v === 'sha512') return v;
    throw inputError('BAD_INITDATA', `algorithm "${v}" is not sha256, sha384 or sha512`, { file, field: 'algorithm' });
  }
  throw inputError('BAD_INITDATA', 'has no top-level algorithm = "sha256|sha384|sha512" line (is it an initdata TOML document?)', { file, field: 'algorithm' });
}

async function gunzip(b: Uint8Array, file: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([new Uint8Array(b)]).stream().pipeThrough(new DecompressionStream('gzip'));
    const chunks: Uint8Array[] = [];
    let n = 0;
    for (const reader = stream.getReader(); ; ) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.length;
      if (n > MAX_INITDATA) {
        await reader.cancel();
        throw inputError('BAD_INITDATA', `decompresses to more than ${MAX_INITDATA} bytes`, { file });
      }
      chunks.push(value);
    }
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of chunks) (out.set(c, o), (o += c.length));
    return out;
  } catch (e) {
    if (e instanceof Error && e.name === 'SnpLaunchError') throw e;
    throw inputError('BAD_INITDATA', 'is base64 of data that is not valid gzip', { file });
  }
}

/** The TOML bytes of an initdata given as the TOML itself or as Kata's annotation (base64 of gzip). */
export async function initdataToml(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  const text = new TextDecoder().decode(bytes).trim();
  const b = /^[A-Za-z0-9+/=\s]+$/.test(text) && !text.includes('=\n') ? fromBase64(text.replace(/\s+/g, '')) : undefined;
  if (b && b[0] === 0x1f && b[1] === 0x8b) return gunzip(b, file);
  return bytes;
}

export interface InitdataDigest {
  algorithm: InitdataAlgorithm;
  /** The full digest of the TOML bytes. */
  digest: Uint8Array;
  /** The 32-byte HOST_DATA value. */
  hostData: Uint8Array;
  /** The TOML bytes that were hashed (decompressed when an annotation was given). */
  toml: Uint8Array;
}

/** HOST_DATA of a Kata initdata document (TOML, or its annotation form). */
export async function initdataHostData(bytes: Uint8Array, file: string): Promise<InitdataDigest> {
  const toml = await initdataToml(bytes, file);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(toml);
  } catch {
    throw inputError('BAD_INITDATA', 'is not UTF-8 text', { file });
  }
  const algorithm = initdataAlgorithm(text, file);
  const digest = algorithm === 'sha256' ? sha256(toml) : algorithm === 'sha384' ? nobleSha384(toml) : nobleSha512(toml);
  // pad::<32> / adjust_digest: longer digests are cut, shorter ones zero-padded.
  const hostData = new Uint8Array(HOST_DATA_SIZE);
  hostData.set(digest.subarray(0, HOST_DATA_SIZE));
  return { algorithm, digest, hostData, toml };
}

/** A HOST_DATA check named `name` ("host-data-of", "initdata"): the report's HOST_DATA is `want`. */
export function hostDataCheck(name: string, r: Pick<AttestationReport, 'hostData'>, want: Uint8Array, label: string): Check {
  return bytesEqual(r.hostData, want) ? pass(name, `HOST_DATA = ${label} (${toHex(want)})`) : fail(name, `HOST_DATA is ${toHex(r.hostData)}, ${label} is ${toHex(want)}`);
}
