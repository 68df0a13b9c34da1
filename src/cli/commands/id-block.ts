/**
 * `snp-launch id-block`: build and sign an SNP ID block and ID auth structure, compatible with the
 * reference `snp-create-id-block` (specs/sev-snp-measure-cli.md §8): same options, same 3-line
 * output. Extensions: FAMILY_ID / IMAGE_ID / GUEST_SVN / POLICY, RFC 6979 deterministic
 * signatures, JSON output and raw binary outputs. PEM key loading lives here, at the Node edge.
 */
import * as crypto from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { inputError, usageError } from '../../core/errors.js';
import { fromBase64, fromHex, toBase64, toHex } from '../../core/bytes.js';
import { readSmallFile } from '../../node/file-source.js';
import { createIdBlock, p384Signer, type IdSigner } from '../../idblock/sign.js';
import { nodeP384Signer } from '../../node/p384-signer.js';
import { ID_SIZE, LD_SIZE } from '../../idblock/build.js';
import { DEFAULT_ID_POLICY, ID_BLOCK_VERSION, POLICY_RESERVED_MBO, POLICY_RESERVED_MBZ } from '../../idblock/layout.js';
import { formatHelp, get, parseArgs, type CommandSpec } from '../args.js';
import { writeStdout } from '../stdout.js';
import { formatJsonDoc } from '../output.js';

const SPEC: CommandSpec = {
  usage: 'snp-launch id-block --measurement DIGEST --id-key PEM --author-key PEM [options]',
  summary: 'Build the SNP ID_BLOCK and ID_AUTH_INFO for SNP_LAUNCH_FINISH (snp-create-id-block compatible).',
  options: [
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
    { name: 'measurement', type: 'string', metavar: 'DIGEST', help: 'expected launch digest: 48 bytes as 96 hex digits (what measure prints) or base64' },
    // snp-launch's names (as in `igvm build`); the reference's --idkey/--authorkey stay as aliases.
    { name: 'id-key', aliases: ['idkey'], type: 'string', metavar: 'PEM', help: 'ID private key, unencrypted PEM, EC P-384' },
    { name: 'author-key', aliases: ['authorkey'], type: 'string', metavar: 'PEM', help: 'author private key, unencrypted PEM, EC P-384' },
    { name: 'family-id', type: 'string', metavar: 'HEX', extension: true, help: 'FAMILY_ID, 16 bytes as 32 hex digits (default zeros)' },
    { name: 'image-id', type: 'string', metavar: 'HEX', extension: true, help: 'IMAGE_ID, 16 bytes as 32 hex digits (default zeros)' },
    { name: 'guest-svn', type: 'auto', metavar: 'N', extension: true, help: 'GUEST_SVN, u32 (default 0)' },
    { name: 'policy', type: 'auto', metavar: 'X', extension: true, help: 'POLICY, u64; must equal the launch policy (default 0x30000)' },
    { name: 'deterministic', type: 'flag', extension: true, help: 'RFC 6979 deterministic signatures: identical output on every run' },
    { name: 'json', type: 'flag', extension: true, help: 'print a JSON document instead of the 3 lines (format "snp-launch.id-block/1")' },
    { name: 'out-id-block', type: 'string', metavar: 'FILE', extension: true, help: 'also write the raw 96-byte ID block to FILE' },
    { name: 'out-id-auth', type: 'string', metavar: 'FILE', extension: true, help: 'also write the raw 4096-byte ID auth to FILE' },
  ],
  epilog: [
    'Output: `id-block=<b64>,id-auth=<b64>` (for QEMU -object sev-snp-guest), then the base64 SHA-384',
    'digests of the ID and author public keys (the report ID_KEY_DIGEST and AUTHOR_KEY_DIGEST).',
    'Without --deterministic the signatures are randomized, so id-auth differs on every run.',
  ].join('\n'),
};

/** Largest PEM file read (keys are a few hundred bytes). */
const MAX_KEY_FILE = 64 * 1024;

function warn(msg: string): void {
  process.stderr.write(`snp-launch id-block: warning: ${msg}\n`);
}

/**
 * The launch digest as hex (96 digits, what `measure` prints; 0x and whitespace allowed) or base64
 * (the reference's form). Exactly 48 bytes: the reference silently uses the first 48 bytes of a
 * longer value, so hex passed to it becomes a garbage digest (issue 17); nothing is guessed here.
 * Hex-looking text can be base64 too ("AAAA..." is 48 zero bytes): 96 hex digits are hex, then a
 * value that is 48 bytes as base64 is base64; otherwise the error counts the bytes in the form
 * the text most looks like.
 */
export function parseMeasurement(text: string): Uint8Array {
  const t = text.replace(/\s+/g, '');
  const hexText = t.replace(/^0x/i, '');
  const isHex = /^[0-9a-f]+$/i.test(hexText) && hexText.length % 2 === 0;
  if (isHex && hexText.length === 2 * LD_SIZE) return fromHex(hexText)!;
  const b64 = fromBase64(t);
  if (b64?.length === LD_SIZE) return b64;
  const bytes = isHex ? fromHex(hexText) : b64;
  if (!bytes) throw inputError('BAD_MEASUREMENT', `'${text.slice(0, 24)}${text.length > 24 ? '...' : ''}' is neither hex nor base64`, { field: '--measurement' });
  const form = isHex ? `${hexText.length} hex digits` : 'base64';
  throw inputError('BAD_MEASUREMENT', `decodes to ${bytes.length} bytes (${form}); a launch digest is exactly ${LD_SIZE} bytes (96 hex digits or 64 base64 characters)`, { field: '--measurement' });
}

function parseId(text: string | undefined, opt: string): Uint8Array | undefined {
  if (text === undefined) return undefined;
  const h = text.trim().replace(/^0x/i, '');
  const bytes = fromHex(h);
  if (!bytes || bytes.length !== ID_SIZE) {
    throw usageError('BAD_ID', `argument --${opt}: expected ${ID_SIZE} bytes as ${2 * ID_SIZE} hex digits, got '${text}'`, `--${opt}`);
  }
  return bytes;
}

function parseRange(v: bigint | undefined, opt: string, bits: number): bigint | undefined {
  if (v === undefined) return undefined;
  if (v < 0n || v >= 1n << BigInt(bits)) throw usageError('BAD_INT', `argument --${opt}: ${v} is outside 0..2^${bits}-1`, `--${opt}`);
  return v;
}

/**
 * Loads an unencrypted PEM private key (PKCS#8 or SEC1) and returns its raw P-384 scalar.
 * Everything else — public keys, certificates, encrypted keys, other curves — is one clear error.
 */
export async function loadP384PrivateKey(path: string, need = ID_KEYS_NEED): Promise<Uint8Array> {
  return (await loadP384Key(path, need)).d;
}

/** The key file's scalar and its OpenSSL key object (for nodeP384Signer). */
export async function loadP384Key(path: string, need = ID_KEYS_NEED): Promise<{ d: Uint8Array; key: crypto.KeyObject }> {
  return p384KeyFromPem(new TextDecoder().decode(await readSmallFile(path, MAX_KEY_FILE)), path, need);
}

/** An ID-block signer for a key file: noble for RFC 6979 deterministic signatures, OpenSSL otherwise (faster). */
export async function idSignerFor(path: string, deterministic: boolean): Promise<IdSigner> {
  const k = await loadP384Key(path);
  return deterministic ? p384Signer(k.d, { deterministic, label: path }) : nodeP384Signer(k.key);
}

/** What an ID or author key must be; other users of the loader (refvalues --sign) say what they need. */
const ID_KEYS_NEED = 'ID and author keys must be EC P-384 (secp384r1)';

/** The raw P-384 scalar of an unencrypted PEM private key text (`path` names it in errors, `need` says what is accepted). */
export function p384FromPem(pem: string, path: string, need = ID_KEYS_NEED): Uint8Array {
  return p384KeyFromPem(pem, path, need).d;
}

function p384KeyFromPem(pem: string, path: string, need: string): { d: Uint8Array; key: crypto.KeyObject } {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(pem)) {
    throw inputError('ENCRYPTED_KEY', 'is an encrypted private key; decrypt it first (openssl pkey -in KEY -out PLAIN)', { file: path });
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    const what = /-----BEGIN (?:EC )?PUBLIC KEY-----/.test(pem) ? 'is a public key' : /-----BEGIN CERTIFICATE-----/.test(pem) ? 'is a certificate' : 'is not a PEM private key';
    throw inputError('NOT_PRIVATE_KEY', `${what}; ${need} (an unencrypted PEM private key)`, { file: path });
  }
  let key: crypto.KeyObject;
  try {
    // An explicit empty passphrase keeps OpenSSL from ever prompting on a terminal.
    key = crypto.createPrivateKey({ key: pem, format: 'pem', passphrase: '' });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'ERR_MISSING_PASSPHRASE' || /bad decrypt|passphrase/i.test((e as Error).message)
      ? 'is an encrypted private key; decrypt it first'
      : 'is not a readable PEM private key';
    throw inputError('BAD_KEY', why, { file: path });
  }
  try {
    // A key OpenSSL loads but cannot encode (an EC private scalar longer than the curve order) makes
    // Node abort the whole process in asymmetricKeyDetails / JWK export (a C++ assertion, not an
    // exception). A DER export fails cleanly on such keys, so probe with it first.
    key.export({ format: 'der', type: 'pkcs8' });
  } catch {
    throw inputError('BAD_KEY', 'is not a readable PEM private key (its key data is inconsistent)', { file: path });
  }
  if (key.asymmetricKeyType !== 'ec') {
    throw inputError('BAD_KEY_TYPE', `is a key of type ${(key.asymmetricKeyType ?? 'unknown').toUpperCase()}; ${need}`, { file: path });
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve !== 'secp384r1') {
    throw inputError('BAD_KEY_CURVE', `is an EC key on ${curve ?? 'an unknown curve'}; ${need}`, { file: path });
  }
  const jwk = key.export({ format: 'jwk' });
  const d = Buffer.from(jwk.d ?? '', 'base64url');
  // JWK `d` is the fixed-width 48-byte big-endian scalar (RFC 7518 §6.2.2.1).
  return { d: new Uint8Array(d.buffer, d.byteOffset, d.length), key };
}

async function writeOut(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFile(path, bytes);
  } catch (e) {
    throw inputError('WRITE_FAILED', `cannot write (${(e as { code?: string }).code ?? (e as Error).message})`, { file: path });
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(SPEC, argv);
  if (get.flag(args, 'help')) {
    writeStdout(formatHelp(SPEC));
    return 0;
  }
  const m = get.str(args, 'measurement');
  if (m === undefined) throw usageError('MISSING_OPTION', 'the following argument is required: --measurement', '--measurement');
  const measurement = parseMeasurement(m);
  const familyId = parseId(get.str(args, 'family-id'), 'family-id');
  const imageId = parseId(get.str(args, 'image-id'), 'image-id');
  const svn = parseRange(get.big(args, 'guest-svn'), 'guest-svn', 32);
  const policy = parseRange(get.big(args, 'policy'), 'policy', 64) ?? DEFAULT_ID_POLICY;
  const idPath = get.str(args, 'id-key');
  const authorPath = get.str(args, 'author-key');
  // The reference's message when a key is missing (sev-snp-measure-cli.md §8.1), naming which.
  if (idPath === undefined || authorPath === undefined) {
    const missing = [idPath === undefined ? '--id-key' : '', authorPath === undefined ? '--author-key' : ''].filter((x) => x);
    throw usageError('MISSING_KEYS', `missing key files for id block: ${missing.join(' and ')} (or --${missing.map((m) => m.slice(2).replace('-', '')).join(' and --')}) not given`, missing[0]);
  }
  if ((policy & POLICY_RESERVED_MBO) === 0n) warn(`policy 0x${policy.toString(16)} has reserved bit 17 clear; SNP_LAUNCH_START rejects such a policy`);
  if ((policy & POLICY_RESERVED_MBZ) !== 0n) warn(`policy 0x${policy.toString(16)} sets reserved bits 63:26`);

  const deterministic = get.flag(args, 'deterministic');
  const signer = (path: string): Promise<IdSigner> => idSignerFor(path, deterministic);
  const idSigner = await signer(idPath);
  const authorSigner = await signer(authorPath);
  const fields = { measurement, familyId, imageId, guestSvn: svn === undefined ? undefined : Number(svn), policy };
  const res = await createIdBlock(fields, idSigner, authorSigner);

  const outBlock = get.str(args, 'out-id-block');
  const outAuth = get.str(args, 'out-id-auth');
  if (outBlock !== undefined) await writeOut(outBlock, res.idBlock);
  if (outAuth !== undefined) await writeOut(outAuth, res.idAuth);

  if (get.flag(args, 'json')) {
    const doc = {
      idBlock: toBase64(res.idBlock),
      idAuth: toBase64(res.idAuth),
      idKeyDigest: toHex(res.idKeyDigest),
      authorKeyDigest: toHex(res.authorKeyDigest!),
      fields: {
        measurement: toHex(measurement),
        familyId: toHex(familyId ?? new Uint8Array(ID_SIZE)),
        imageId: toHex(imageId ?? new Uint8Array(ID_SIZE)),
        version: ID_BLOCK_VERSION,
        guestSvn: Number(svn ?? 0n),
        policy: '0x' + policy.toString(16),
      },
      signatures: deterministic ? 'rfc6979' : 'random',
    };
    writeStdout(formatJsonDoc('id-block', 1, doc));
  } else {
    writeStdout(
      `id-block=${toBase64(res.idBlock)},id-auth=${toBase64(res.idAuth)}\n` +
        `id_key_hash: ${toBase64(res.idKeyDigest)}\n` +
        `author_key: ${toBase64(res.authorKeyDigest!)}\n`,
    );
  }
  return 0;
}
