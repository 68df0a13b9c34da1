/**
 * Attestation report target: bare reports, MSG_REPORT_RSP and Azure HCL wrappers, hex/base64 text
 * and extended-report certificate tables. An accepted report must re-validate: the signed region
 * and signature are views of the input at their offsets, every TCB re-encodes to its raw u64 (the
 * reserved bytes aside) and the text and JSON renderings succeed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { decodeReportInput, encodeTcb, formatReportText, parseCertTable, parseReport, reportToJson, REPORT_SIZE, SIGNED_SIZE } from '../../../src/attestation/index.js';
import { HAVE_SHARED, shared } from '../../_shared.js';
import { concat, int, mutateBytes, pick, type Rnd } from '../mutators.js';
import { type FuzzTarget, bytesCodec, invariant } from '../target.js';

const FIELD_OFFSETS = [0x00, 0x04, 0x08, 0x30, 0x38, 0x3c, 0x48, 0x50, 0x90, 0x180, 0x188, 0x1a0, 0x1a8, 0x1e0, 0x1ec, 0x1f8, 0x200, 0x208, 0x220, 0x2a0];

export function reportSeeds(): Uint8Array[] {
  if (!HAVE_SHARED) return [];
  const dir = shared('vectors', 'attestation');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((f) => new Uint8Array(readFileSync(`${dir}/${f}`)));
}

function mutateReport(b: Uint8Array, rnd: Rnd, seeds: readonly Uint8Array[]): Uint8Array {
  const r = rnd();
  if (r < 0.35 && b.length >= REPORT_SIZE) { // a field-start byte or u32 of a known field
    const out = b.slice();
    const at = pick(rnd, FIELD_OFFSETS) + int(rnd, 8);
    out[at] = pick(rnd, [0, 1, 2, 3, 4, 5, 6, 0x1f, 0x80, 0xff, int(rnd, 256)]);
    return out;
  }
  if (r < 0.42) { // wrap in a MSG_REPORT_RSP or HCL header
    const h = new Uint8Array(0x20);
    new DataView(h.buffer).setUint32(rnd() < 0.5 ? 0 : 4, rnd() < 0.5 ? 0x4a0 : int(rnd, 0x10000), true);
    if (rnd() < 0.5) new DataView(h.buffer).setUint32(0, 0x414c4348, true);
    return concat(h, b);
  }
  if (r < 0.48) { // hex or base64 text of the bytes
    const s = rnd() < 0.5 ? Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('') : Buffer.from(b).toString('base64');
    return new TextEncoder().encode(rnd() < 0.5 ? s : ` ${s}\n`);
  }
  return mutateBytes(b, rnd, seeds, 1 << 16);
}

export const reportTarget: FuzzTarget<Uint8Array> = {
  name: 'report',
  about: 'attestation report (parseReport, decodeReportInput, parseCertTable)',
  ext: 'bin',
  seeds: async () => reportSeeds(),
  mutate: mutateReport,
  check(input) {
    const { bytes } = decodeReportInput(input);
    const r = parseReport(bytes, { name: 'fuzz.bin' });
    const base = r.container.offset;
    invariant(r.bytes.length === REPORT_SIZE && r.signed.length === SIGNED_SIZE, 'report/signed region size');
    invariant(r.bytes.every((v, i) => v === bytes[base + i]), 'report bytes are not the input at the container offset');
    invariant(r.signature.r.length === 72 && r.signature.s.length === 72, 'signature component size');
    for (const t of [r.currentTcb, r.reportedTcb, r.committedTcb, r.launchTcb]) {
      const reserved = t.raw & ~encodeTcb({ bl: 0xff, tee: 0xff, snp: 0xff, ucode: 0xff, fmc: 0xff }, t.layout);
      invariant((encodeTcb(t, t.layout) | reserved) === t.raw, 'TCB does not re-encode to its raw value');
    }
    JSON.stringify(reportToJson(r), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    formatReportText(r);
    // The trailing bytes of an extended report are a certificate table.
    const tail = bytes.subarray(base + REPORT_SIZE);
    if (tail.length >= 24) {
      for (const e of parseCertTable(tail, "fuzz.bin")) invariant(e.data.length <= tail.length, "certificate table entry larger than the table");
    }
  },
  ...bytesCodec,
};
