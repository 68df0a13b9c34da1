/**
 * More fuzz targets (docs/fuzzing.md), beside targets.ts: the certificate table of extended
 * reports, the ID block and ID auth structures, and the kernel-hashes page. Same contract: `run`
 * returns on an accepted input (after checking what follows from it) or throws an SnpLaunchError.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { SnpLaunchError } from '../../src/core/errors.js';
import { concatBytes } from '../../src/core/bytes.js';
import { mutateBytes, mutateDerValue } from './mutate.js';
import { loadCertificates } from '../../src/attestation/cert.js';
import { CERT_TABLE_GUIDS, guidBytesRfc, parseCertTable } from '../../src/attestation/cert-table.js';
import { buildIdAuth, buildIdBlock, parseIdAuth, parseIdBlock } from '../../src/idblock/build.js';
import { buildKernelHashTable, kernelHashesPage } from '../../src/images/ovmf/kernel-hashes.js';
import { InvariantError, type FuzzTarget } from './targets.js';
import { decodeCorim, encodeCorim } from '../../src/refvalues/corim.js';
import { decodeReferenceValues } from '../../src/refvalues/decode.js';
import { referenceValuesToJson } from '../../src/refvalues/json.js';
import type { ReferenceValues } from '../../src/refvalues/types.js';

function check(ok: boolean, what: string): void {
  if (!ok) throw new InvariantError(what);
}
const read = (p: string): Uint8Array => new Uint8Array(readFileSync(p));
const u32le = (v: number): Uint8Array => new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]);

/** A table of (GUID, offset, length) entries, the all-zero terminator, then the certificates. */
function certTable(certs: [string, Uint8Array][]): Uint8Array {
  const head = 24 * (certs.length + 1);
  let at = head;
  const entries = certs.map(([guid, der]) => {
    const e = concatBytes(guidBytesRfc(guid), u32le(at), u32le(der.length));
    at += der.length;
    return e;
  });
  return concatBytes(...entries, new Uint8Array(24), ...certs.map(([, der]) => der));
}

const guidOf = (kind: string): string => Object.keys(CERT_TABLE_GUIDS).find((g) => CERT_TABLE_GUIDS[g] === kind)!;

const certTableTarget: FuzzTarget = {
  name: 'cert-table',
  what: 'the certificate table of an extended report (parseCertTable), then each certificate',
  seeds: (c) => {
    if (!c.shared) return [];
    const vcek = read(join(c.shared, 'vectors', 'attestation', 'virtee_milan_vcek.der'));
    const vlek = read(join(c.shared, 'vectors', 'attestation', 'trustee_milan_vlek.der'));
    const amd = (f: string) => loadCertificates(read(join(c.shared!, 'certs', 'amd', f)), f)[0]!.der;
    return [
      certTable([[guidOf('VCEK'), vcek], [guidOf('ASK'), amd('milan_ask.pem')], [guidOf('ARK'), amd('milan_ark.pem')]]),
      certTable([[guidOf('VLEK'), vlek], ['00000000-0000-0000-0000-000000000001', new Uint8Array([1, 2, 3])]]),
    ];
  },
  // Most edits hit the entry headers (GUIDs, offsets, lengths); some edit a certificate's DER.
  mutate: (f, rnd) => (rnd() < 0.2 ? mutateDerValue(f, rnd) : mutateBytes(f, rnd, { region: [0, 24 * 6], maxLength: 1 << 16 })),
  run(f) {
    for (const e of parseCertTable(f, 'fuzz-certs.bin')) {
      const at = e.data.byteOffset - f.byteOffset;
      check(at >= 24 && at + e.data.length <= f.length, `entry ${e.guid} outside the table`);
      if (!e.kind) continue;
      try {
        loadCertificates(e.data, `fuzz-certs.bin ${e.kind}`);
      } catch (err) {
        if (!(err instanceof SnpLaunchError)) throw err;
      }
    }
  },
};

const idBlockTarget: FuzzTarget = {
  name: 'id-block',
  what: 'the ID block (96 bytes) and ID auth structure (4096 bytes): parseIdBlock, parseIdAuth',
  seeds: (c) => {
    const block = buildIdBlock({ measurement: new Uint8Array(48).fill(0xab), familyId: new Uint8Array(16).fill(1), imageId: new Uint8Array(16).fill(2), guestSvn: 3, policy: 0x30000n });
    const auth = c.shared ? join(c.shared, 'vectors', 'id-block', 'virtee_test_auth_block.bin') : '';
    // The first byte says which structure follows (0: ID block, 1: ID auth), so both share one target.
    return [concatBytes(new Uint8Array([0]), block), ...(auth && existsSync(auth) ? [concatBytes(new Uint8Array([1]), read(auth))] : [])];
  },
  mutate: (f, rnd) => mutateBytes(f, rnd, { maxLength: 8192 }),
  run(f) {
    const body = f.subarray(1);
    if ((f[0] ?? 0) % 2 === 0) {
      // Every field is plain data: the block re-serializes to the same bytes.
      const b = parseIdBlock(body, 'fuzz-id-block.bin');
      check(isDeepStrictEqual(buildIdBlock(b), body.slice()), 'ID block does not re-serialize to its bytes');
      return;
    }
    const a = parseIdAuth(body, 'fuzz-id-auth.bin');
    // Strict parse (zero reserved areas, P-384 keys): the structure re-serializes to the same bytes.
    check(isDeepStrictEqual(buildIdAuth(a), body.slice()), 'ID auth does not re-serialize to its bytes');
  },
};

const kernelHashesTarget: FuzzTarget = {
  name: 'kernel-hashes',
  what: 'the kernel-hashes page: the 176-byte table placed at the page offset of SEV_HASH_TABLE_RV_GUID',
  // Input: u32 GPA of the table area (little-endian), then the table as QEMU writes it.
  seeds: () => [0x810c00, 0x80f000, 0x810fff].map((gpa) => concatBytes(u32le(gpa), buildKernelHashTable({ kernel: new Uint8Array(32).fill(1), initrd: new Uint8Array(32).fill(2), cmdline: new Uint8Array(32).fill(3) }))),
  mutate: (f, rnd) => mutateBytes(f, rnd, { region: [0, 4], maxLength: 8192 }),
  run(f) {
    if (f.length < 4) return;
    const off = (f[0]! | (f[1]! << 8)) & 0xfff;
    const table = f.subarray(4);
    const page = kernelHashesPage(table, off, 'fuzz.fd');
    check(page.length === 4096, 'the page is not 4096 bytes');
    check(isDeepStrictEqual(page.slice(off, off + table.length), table.slice()), 'the table is not at its offset');
    check(page.every((v, i) => (i >= off && i < off + table.length) || v === 0), 'bytes outside the table are not zero');
  },
};

/** Reference values covering every pinned field and the three kinds of cell (seeds of the corim target). */
function refValuesSeed(): ReferenceValues {
  const d = (b: number) => new Uint8Array(48).fill(b);
  return {
    tool: 'snp-launch fuzz',
    inputs: {},
    pinned: { policy: 0x30000n, hostData: new Uint8Array(32).fill(0xab), idKeyDigest: d(1), authorKeyDigest: d(2), familyId: new Uint8Array(16).fill(3), imageId: new Uint8Array(16).fill(4), minTcb: 0xdb18000000000004n, guestSvn: 7 },
    cells: [
      { platform: 'qemu-kvm', vcpus: 1, vcpuType: 'EPYC-Milan', vcpuSig: 0xa00f11, guestFeatures: 1n, kvm: 'init2', measurement: d(5) },
      { platform: 'ec2', vcpus: 96, vcpuSig: 0, guestFeatures: 0x21n, kvm: 'legacy', measurement: d(6) },
      { platform: 'external', measurement: d(7) },
    ],
  };
}

const corimTarget: FuzzTarget = {
  name: 'corim',
  what: 'reference values: CoRIM (CBOR, AMD SEV-SNP profile; draft and Veraison flavors) and snp-launch JSON, through decodeReferenceValues',
  seeds: () => {
    const rv = refValuesSeed();
    return [encodeCorim(rv), encodeCorim({ ...rv, pinned: {}, cells: rv.cells.slice(2) }), encodeCorim(rv, 'veraison'), new TextEncoder().encode(JSON.stringify(referenceValuesToJson(rv)))];
  },
  mutate: (f, rnd) => mutateBytes(f, rnd, { maxLength: 1 << 16 }),
  run(f) {
    const rv = decodeReferenceValues(f, 'fuzz.corim');
    // What decodes re-encodes to a CoRIM that decodes to the same reference values.
    const again = decodeCorim(encodeCorim(rv), 'fuzz.corim');
    check(isDeepStrictEqual(again.cells.map((c) => c.measurement), rv.cells.map((c) => c.measurement)), 'decode(encode(x)) changes the measurements');
    check(isDeepStrictEqual(again.pinned, rv.pinned), 'decode(encode(x)) changes the pinned fields');
  },
};

export const MORE_TARGETS: readonly FuzzTarget[] = [certTableTarget, idBlockTarget, kernelHashesTarget, corimTarget];
