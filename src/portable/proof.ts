/**
 * The check printed after writing: the written file measured on every target, and its
 * SNP_ID_BLOCK converted the way QEMU hands it to the firmware (igvm id-block.ts) and verified as
 * SNP_LAUNCH_FINISH would — launch digest equal to the measurement, ID key signature over the ID
 * block, author key signature over the ID key.
 */
import { toHex } from '../core/bytes.js';
import type { ByteSource } from '../core/source.js';
import { verifyIdAuth } from '../idblock/sign.js';
import { igvmIdBlockToFirmware } from '../images/igvm/id-block.js';
import { appliesTo, snpMask } from '../images/igvm/access.js';
import { parseIgvm } from '../images/igvm/parse.js';
import type { IgvmSnpIdBlock } from '../images/igvm/types.js';
import { measureTargets, type LaunchOptions, type TargetMeasurement } from './measure-targets.js';
import type { PortableTarget } from './targets.js';

export interface IdBlockProof {
  ld: string;
  /** The targets whose digest equals ld. */
  matchesOn: string[];
  signatureValid: boolean;
  /** undefined without an author key. */
  authorSignatureValid?: boolean;
  idKeyDigest: string;
  authorKeyDigest?: string;
}

export interface IgvmProof {
  measurement: TargetMeasurement;
  idBlock?: IdBlockProof;
}

/** `measured`: a measurement of these same bytes already made (the build measures before it signs). */
export async function proveIgvm(src: ByteSource, targets: readonly PortableTarget[], o: LaunchOptions = {}, measured?: TargetMeasurement): Promise<IgvmProof> {
  const measurement = measured ?? (await measureTargets(src, targets, o));
  const file = await parseIgvm(src);
  const mask = snpMask(file);
  const idb = file.directives.find((d): d is IgvmSnpIdBlock => d.kind === 'SNP_ID_BLOCK' && appliesTo(d, mask));
  if (!idb) return { measurement };
  const policy = file.initialization.find((h) => h.kind === 'GUEST_POLICY' && appliesTo(h, mask));
  const fw = igvmIdBlockToFirmware(idb, policy?.kind === 'GUEST_POLICY' ? policy.policy : 0x30000n);
  const ld = toHex(idb.ld);
  let v: ReturnType<typeof verifyIdAuth> | undefined;
  try {
    v = verifyIdAuth(fw.idBlock, fw.idAuth, { idBlock: src.name, idAuth: src.name });
  } catch {
    v = undefined; // malformed keys: not valid
  }
  const proof: IdBlockProof = {
    ld,
    matchesOn: measurement.rows.filter((r) => r.digest === ld).map((r) => r.target),
    signatureValid: v?.idBlockSignatureValid ?? false,
    idKeyDigest: v ? toHex(v.idKeyDigest) : '',
  };
  if (idb.authorKeyEnabled) {
    proof.authorSignatureValid = v?.idKeySignatureValid ?? false;
    if (v?.authorKeyDigest) proof.authorKeyDigest = toHex(v.authorKeyDigest);
  }
  return { measurement, idBlock: proof };
}
