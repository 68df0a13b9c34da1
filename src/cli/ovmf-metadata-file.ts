/**
 * Opening an `snp-launch ovmf metadata` document (--ovmf-metadata FILE) as the OVMF image it
 * stands for (src/images/ovmf/metadata-doc.ts): a source with the image's footer table and SEV
 * metadata and no firmware bytes.
 */
import { inputError } from '../core/errors.js';
import { ovmfMetadataSource, parseOvmfMetadataJson, type OvmfMetadataSource } from '../images/ovmf/metadata-doc.js';
import { readSmallFile } from '../node/file-source.js';

/** A metadata document is a few KiB; this bounds a wrong file. */
const MAX_METADATA_FILE = 1 << 20;

export async function openOvmfMetadataFile(path: string): Promise<OvmfMetadataSource> {
  const bytes = await readSmallFile(path, MAX_METADATA_FILE);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw inputError('BAD_OVMF_METADATA', `is not valid JSON (${(e as Error).message}); write it with snp-launch ovmf metadata`, { file: path });
  }
  return ovmfMetadataSource(parseOvmfMetadataJson(doc, path), path);
}
