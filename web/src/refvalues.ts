/**
 * Reference values in the explorer (runs in the worker): the measured image's matrix as
 * snp-launch JSON or CoRIM (the library's encoders, the same bytes as `snp-launch refvalues`), and
 * a report checked against a dropped reference-values file (JSON, CoRIM, signed CoRIM with a key).
 */
import { fromBase64, toHex } from '../../src/core/bytes.js';
import { inputError, SnpLaunchError } from '../../src/core/errors.js';
import { blobSource, hashSource } from '../../src/core/source.js';
import { hashProvider } from '../../src/core/hash.js';
import { loadCertificates, parsePem } from '../../src/attestation/index.js';
import { parseVcpuList, type SpaceImage } from '../../src/launch-space/index.js';
import { IGVM_PLATFORMS } from '../../src/core/platforms.js';
import {
  checkReportAgainstRefValues,
  decodeReferenceValues,
  describeRefCell,
  encodeCorim,
  matrixCells,
  referenceValuesToJson,
  type CorimFlavor,
  type ReferenceValues,
} from '../../src/refvalues/index.js';
import { vcpuTypeSignature } from '../../src/vmsa/vcpu-types.js';
import { parseOvmf } from '../../src/images/ovmf/parse.js';
import { requireQemuLaunchable } from '../../src/loaders/ovmf/qemu-launchable.js';
import { detectKind, parseGuestFeatures } from './engine.js';
import type { FormValues, RefCheckData, RefExportData, RefFormat, ReportExtras } from './protocol.js';
import { VERSION } from './version.js';
import { readReportInput, readSmall, verifyWith } from './report-check.js';

const MAX_REFVALUES_FILE = 64 << 20;
const MAX_SMALL_FILE = 1 << 20;

/** SHA-256 of an input, streamed (a large initrd is never held whole). */
async function sha256Hex(f: File): Promise<string> {
  return toHex(await hashSource(blobSource(f.name, f), hashProvider().createSha256()));
}

/** The matrix of the measured image: the form's CPU type and features, the given counts and platforms. */
export async function exportRefValues(form: FormValues, rangeText: string, platformsText: string, format: RefFormat): Promise<RefExportData> {
  const src = blobSource(form.image.name, form.image);
  const kind = await detectKind(src);
  const allowed: readonly string[] = kind === 'igvm' ? IGVM_PLATFORMS : ['qemu-kvm', 'ec2', 'gce'];
  const platforms = platformsText.trim() === '' ? allowed : platformsText.split(',').map((p) => p.trim()).filter((p) => p !== '');
  for (const p of platforms) if (!allowed.includes(p)) throw new Error(`platforms: '${p}' is not a platform for ${kind === 'igvm' ? 'an IGVM file' : 'an OVMF image'} (${allowed.join(', ')})`);
  const typeName = form.vcpuType || 'EPYC-v4';
  const sig = vcpuTypeSignature(typeName);
  if (sig === undefined) throw new Error(`unknown vCPU type ${typeName}`);
  let image: SpaceImage;
  const inputs: Record<string, string> = { [form.image.name]: await sha256Hex(form.image) };
  if (kind === 'igvm') image = { kind: 'igvm', igvm: src };
  else {
    image = { kind: 'ovmf', ovmf: src };
    if (form.kernel) {
      image.kernel = blobSource(form.kernel.name, form.kernel);
      inputs[form.kernel.name] = await sha256Hex(form.kernel);
    }
    if (form.initrd) {
      image.initrd = blobSource(form.initrd.name, form.initrd);
      inputs[form.initrd.name] = await sha256Hex(form.initrd);
    }
    if (form.append) image.append = form.append;
  }
  const features = kind === 'ovmf' ? [parseGuestFeatures(form.guestFeatures) ?? 1n] : undefined;
  const vcpus = parseVcpuList(rangeText, 'vCPU range');
  // As `snp-launch refvalues`: no reference values for firmware QEMU refuses to launch for SNP.
  if (image.kind === 'ovmf' && platforms.includes('qemu-kvm')) {
    requireQemuLaunchable(await parseOvmf(image.ovmf), Math.max(...vcpus), 'reference values for it would never match a report');
  }
  const cells = await matrixCells(image, {
    platforms,
    vcpus,
    cpus: [{ type: typeName, sig }],
    ...(features ? { guestFeatures: features } : {}),
  });
  const rv: ReferenceValues = { tool: `snp-launch ${VERSION}`, inputs, pinned: {}, cells };
  const base = form.image.name.replace(/\.[^.]*$/, '') || 'image';
  if (format === 'json') {
    const text = JSON.stringify(referenceValuesToJson(rv), null, 2) + '\n';
    return { bytes: new TextEncoder().encode(text), fileName: `${base}-refvalues.json`, mime: 'application/json', cells: cells.length };
  }
  const flavor: CorimFlavor = format === 'corim-veraison' ? 'veraison' : 'draft';
  return { bytes: encodeCorim(rv, flavor), fileName: `${base}-refvalues${flavor === 'veraison' ? '-veraison' : ''}.cbor`, mime: 'application/cbor', cells: cells.length };
}

const b64url = (s: string): Uint8Array => fromBase64(s.replace(/-/g, '+').replace(/_/g, '/')) ?? new Uint8Array(0);

/**
 * The uncompressed P-384 point (97 bytes) of a PEM public key, certificate or PKCS#8 private key,
 * through WebCrypto (the CLI takes the same inputs through node:crypto).
 */
async function p384FromPem(f: File): Promise<Uint8Array> {
  const file = f.name;
  const text = new TextDecoder().decode(await readSmall(f, MAX_SMALL_FILE, 'a key'));
  const block = parsePem(text, file).find((b) => ['PUBLIC KEY', 'CERTIFICATE', 'PRIVATE KEY'].includes(b.label));
  if (!block) throw inputError('BAD_KEY', 'is not a PEM public key, certificate or unencrypted PKCS#8 private key', { file });
  const alg = { name: 'ECDSA', namedCurve: 'P-384' };
  let jwk: JsonWebKey;
  try {
    const key =
      block.label === 'PRIVATE KEY'
        ? await crypto.subtle.importKey('pkcs8', block.der as Uint8Array<ArrayBuffer>, alg, true, ['sign'])
        : await crypto.subtle.importKey('spki', (block.label === 'CERTIFICATE' ? loadCertificates(block.der, file)[0]!.spki : block.der) as Uint8Array<ArrayBuffer>, alg, true, ['verify']);
    jwk = await crypto.subtle.exportKey('jwk', key);
  } catch (e) {
    if (e instanceof SnpLaunchError) throw e;
    throw inputError('BAD_KEY_CURVE', 'is not an EC P-384 key (CoRIM signatures are ES384)', { file });
  }
  return new Uint8Array([0x04, ...b64url(jwk.x ?? ''), ...b64url(jwk.y ?? '')]);
}

/**
 * The report against reference values, and its signature verdict (the certificate, CRL and date
 * of the report check): the page shows PASS only when both hold (issue 16 item 8).
 */
export async function checkRefValues(reportFile: File, refFile: File, keyFile?: File, certFile?: File, now?: Date, crlFile?: File, extras?: ReportExtras): Promise<RefCheckData> {
  const { input, report } = await readReportInput(reportFile);
  const key = keyFile ? await p384FromPem(keyFile) : undefined;
  const rv = decodeReferenceValues(await readSmall(refFile, MAX_REFVALUES_FILE, 'reference values'), refFile.name, key);
  const r = checkReportAgainstRefValues(report, rv);
  const v = await verifyWith(report, certFile, now, crlFile, extras, input);
  const out: RefCheckData = { pass: r.pass, cells: rv.cells.length, matchingCells: r.matchingCells, failures: r.failures, signed: key !== undefined, verdict: v.verdict, verifySummary: v.summary };
  if (r.cell) out.cell = describeRefCell(r.cell);
  return out;
}
