/**
 * Conformance cases for the igvm.md layout and validation rules as seen through `measure --igvm`:
 * headers that exist but are never measured, a gap before the variable header, and files a
 * conforming parser rejects (igvm.md §7, §7.1) — every platform must answer with one error line.
 */
import { HT, PT, pattern, type Header } from './_igvm.js';
import { NATIVE, SNP, VSM, platformHdr, policy, snpFile, vp, type Case } from './_cases.js';
import { PLATFORMS } from './_rules.js';

const ALL = PLATFORMS;
const page = (gpa: bigint, label: string): Header => ({ kind: 'pageData', gpa, mask: SNP, data: pattern(label) });

/** A raw TLV payload from (offset, bytes, value) little-endian fields. */
function raw(type: number, size: number, fields: [number, 1 | 2 | 4 | 8, number | bigint][]): Header {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  for (const [o, n, x] of fields) {
    if (n === 1) v.setUint8(o, Number(x));
    else if (n === 2) v.setUint16(o, Number(x), true);
    else if (n === 4) v.setUint32(o, Number(x), true);
    else v.setBigUint64(o, BigInt(x), true);
  }
  return { kind: 'raw', type, payload: b };
}

// igvm.md §4.3 RELOCATABLE_REGION (48), §4.4 PAGE_TABLE_RELOCATION_REGION (32), §4.13 ERROR_RANGE (16), §4.16 VBS_MEASUREMENT (864).
const relocatable = raw(0x102, 48, [[0, 4, SNP], [4, 2, 0], [6, 1, 0], [7, 1, 0], [8, 8, 0x200000n], [16, 8, 0x200000n], [24, 8, 0x200000n], [32, 8, 0x200000n], [40, 8, 0x40000000n]]);
const ptRelocation = (used: bigint): Header => raw(0x103, 32, [[0, 4, SNP], [4, 2, 0], [6, 1, 0], [8, 8, 0x600000n], [16, 8, 0x10000n], [24, 8, used]]);
const errorRange = raw(0x30d, 16, [[0, 8, 0x500000n], [8, 4, SNP], [12, 4, 0x1000]]);
const vbsMeasurement = raw(0x311, 864, [[0, 4, VSM], [4, 4, 1], [24, 4, 1], [28, 4, 1]]);

const basic = (): Header[] => [page(0x0n, 'p0'), vp()];
const invalid = (name: string, file: Case['file'], why: string): Case => ({ name, file, errs: ALL, invalid: why });

export const PARSE_CASES: Case[] = [
  {
    name: 'init and directive headers that are never measured (relocation regions, ERROR_RANGE, VBS_MEASUREMENT)',
    file: {
      version: 1,
      headers: [platformHdr(SNP, PT.SEV_SNP), platformHdr(VSM, PT.VSM_ISOLATION), policy(SNP), relocatable, ptRelocation(0x1000n), page(0x0n, 'p0'), errorRange, vbsMeasurement, page(0x1000n, 'p1'), vp()],
    },
    errs: [],
  },
  { name: 'gap of 16 bytes before the variable header (v1; not covered by the CRC)', file: { ...snpFile(basic()), gap: 16 }, errs: [] },
  { name: 'gap of 8 bytes before the variable header (v2)', file: { ...snpFile(basic(), { version: 2 }), gap: 8 }, errs: [] },
  invalid('v2 architecture AARCH64 with an SNP platform', { ...snpFile(basic(), { version: 2 }), architecture: 1 }, 'SNP only on X64 (igvm.md §4.1)'),
  invalid('v2 architecture 2', { ...snpFile(basic(), { version: 2 }), architecture: 2 }, 'architecture 0 or 1 (§2.2)'),
  invalid('v2 page_size 8192', { ...snpFile(basic(), { version: 2 }), pageSize: 8192 }, 'page_size 4096 (§2.2)'),
  invalid('no platform header', { version: 1, headers: [page(0x0n, 'p0')] }, 'at least one platform (§4.1)'),
  invalid('platform mask with two bits', { version: 1, headers: [{ kind: 'platform', mask: 0x3, type: PT.SEV_SNP }, ...basic()] }, 'exactly one mask bit (§4.1)'),
  invalid('two SEV_SNP platform headers', { version: 1, headers: [platformHdr(0x1, PT.SEV_SNP), platformHdr(0x2, PT.SEV_SNP), ...basic()] }, 'no duplicate platform type (§4.1)'),
  invalid('two platforms sharing a mask bit', { version: 1, headers: [platformHdr(0x1, PT.SEV_SNP), platformHdr(0x1, PT.NATIVE), ...basic()] }, 'no shared mask bit (§7.1)'),
  invalid('highest_vtl 1', { version: 1, headers: [{ kind: 'platform', mask: SNP, type: PT.SEV_SNP, highestVtl: 1 }, ...basic()] }, 'highest_vtl 0 or 2 (§4.1)'),
  invalid('platform_version 2', { version: 1, headers: [{ kind: 'platform', mask: SNP, type: PT.SEV_SNP, version: 2 }, ...basic()] }, 'platform_version 1 (§4.1)'),
  invalid('NATIVE with a shared_gpa_boundary', { version: 2, headers: [platformHdr(SNP, PT.SEV_SNP), { kind: 'platform', mask: NATIVE, type: PT.NATIVE, sharedGpaBoundary: 1n << 46n }, ...basic()] }, 'boundary 0 for NATIVE (§4.1)'),
  invalid('GUEST_POLICY reserved != 0', snpFile([raw(HT.GUEST_POLICY, 16, [[0, 8, 0x30000n], [8, 4, SNP], [12, 4, 1]]), ...basic()], { policy: false }), 'reserved 0 (§7 rule 4)'),
  invalid('REQUIRED_MEMORY size not 4K-aligned', snpFile([{ kind: 'requiredMemory', gpa: 0x100000n, mask: SNP, size: 0x1800 }, ...basic()]), '§4.12'),
  invalid('PARAMETER_AREA size not 4K-aligned', snpFile([{ kind: 'paramArea', index: 0, size: 100 }, ...basic()]), '§4.7'),
  invalid('PARAMETER_AREA index declared twice', snpFile([{ kind: 'paramArea', index: 0, size: 4096 }, { kind: 'paramArea', index: 0, size: 4096 }, ...basic()]), '§4.7'),
  invalid('parameter usage of an undeclared index', snpFile([{ kind: 'param', type: HT.VP_COUNT_PARAMETER, index: 4, byteOffset: 0 }, ...basic()]), '§7 rule 7'),
  invalid(
    'parameter usage after the index was inserted',
    snpFile([{ kind: 'paramArea', index: 0, size: 4096 }, { kind: 'paramInsert', gpa: 0x8000n, mask: SNP, index: 0 }, { kind: 'param', type: HT.VP_COUNT_PARAMETER, index: 0, byteOffset: 0 }, ...basic()]),
    '§4.7 not-yet-inserted',
  ),
  invalid(
    'parameter area inserted twice',
    snpFile([{ kind: 'paramArea', index: 0, size: 4096 }, { kind: 'paramInsert', gpa: 0x8000n, mask: SNP, index: 0 }, { kind: 'paramInsert', gpa: 0x9000n, mask: SNP, index: 0 }, ...basic()]),
    '§4.9',
  ),
  invalid('PAGE_TABLE_RELOCATION_REGION used_size > size', snpFile([ptRelocation(0x20000n), ...basic()]), '§4.4'),
  invalid('2 MiB page at a GPA that is not 2 MiB-aligned', snpFile([{ kind: 'pageData', gpa: 0x101000n, mask: SNP, flags: 1 }, ...basic()]), '§4.8'),
  invalid('PAGE_DATA reserved flag bit 3', snpFile([{ kind: 'pageData', gpa: 0x1000n, mask: SNP, flags: 8 }, ...basic()]), 'flags 31:3 reserved (§4.8, §7.1)'),
  {
    ...invalid('VP_CONTEXT reserved != 0', snpFile(basic()), 'reserved 0 (§7.1)'),
    // Header 3 = the VP context (platform, policy, page, vp): reserved u16 at payload +18.
    patch: (e) => void (e.bytes[e.tlvOffsets[3]! + 8 + 18] = 1),
  },
  {
    ...invalid('REQUIRED_MEMORY reserved != 0', snpFile([{ kind: 'requiredMemory', gpa: 0x100000n, mask: SNP, size: 0x1000 }, ...basic()]), 'reserved 0 (§4.12, §7.1)'),
    patch: (e) => void (e.bytes[e.tlvOffsets[2]! + 8 + 20] = 1),
  },
  // Interpretations of points igvm.md leaves open (docs/conformance.md):
  invalid('interpretation: PAGE_DATA data_type 4 (undefined) is rejected', snpFile([{ kind: 'pageData', gpa: 0x1000n, mask: SNP, dataType: 4, data: pattern('dt4') }, ...basic()]), 'data_type is 0..3 (§4.8)'),
  {
    ...invalid('interpretation: VP_CONTEXT with file_offset 0 is rejected', snpFile(basic()), 'a VMSA needs data'),
    patch: (e) => new DataView(e.bytes.buffer).setUint32(e.tlvOffsets[3]! + 8 + 12, 0, true),
  },
  {
    ...invalid('interpretation: PAGE_DATA file_offset inside the headers (not the file-data section) is rejected', snpFile(basic()), 'file_offset references file data (§1, §6)'),
    patch: (e) => new DataView(e.bytes.buffer).setUint32(e.tlvOffsets[2]! + 8 + 12, 8, true),
  },
];
