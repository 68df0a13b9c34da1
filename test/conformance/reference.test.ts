/**
 * Checks of the conformance suite's own building blocks against published values, so that the
 * independent writer and reference cannot drift together: the CRC-32 check value, the
 * launch-digest.md §2.4 known answers, and the QEMU AP VMSA against the decoded fixture bytes of
 * ovmf.md §7.1.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { crc32, encode, PT } from './_igvm.js';
import { PTYPE, qemuApVmsa, step } from './_rules.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('conformance building blocks', () => {
  it('CRC-32 (IEEE) of "123456789" is the standard check value 0xCBF43926', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  });

  it('PAGE_INFO steps match launch-digest.md §2.4', () => {
    const zero = new Uint8Array(48);
    assert.equal(hex(createHash('sha384').update(new Uint8Array(4096)).digest()), 'c0e59a3e3ffbd3b5c75428fb36432facabc745944296ff515f737c4fef4efc64586809f7a16f56354a1eaecf2aa8d774');
    assert.equal(hex(step(zero, PTYPE.NORMAL, 0n)), '9d13634b6014bb21cf059b2dc694e7bff01a8a7137041100cd2b695f3d10fb687267b97808b27f8f471d943bc6f53a20');
    assert.equal(hex(step(zero, PTYPE.ZERO, 0n)), '70c0ecaab9608f14ebf8ac6f0f07bcd8728f4e2ab30382b539b4de4de904ca9f8ebdf4b2cd3cd84dd996bd55dd794676');
    assert.equal(hex(step(zero, PTYPE.UNMEASURED, 0n)), 'ed501ced343b88df8d4f114dc336e76fa53d3ad6ef71dab22a38755569189d2844af45f162ec25b45beefc8ea308cba7');
  });

  it('the AP reset VMSA (eip 0xFFFFFFF0) equals the decoded QEMU BSP VMSA of ovmf.md §7.1', () => {
    // ovmf.md §7.1: non-zero bytes of the fixture BSP VMSA (QEMU, EPYC-v4 = 0x800F12, features 0x1).
    const decoded =
      '0x002:93 0x004:ffff 0x011:f09b 0x014:ffff 0x01a:ffff 0x022:93 0x024:ffff 0x032:93 0x034:ffff ' +
      '0x042:93 0x044:ffff 0x052:93 0x054:ffff 0x064:ffff 0x072:82 0x074:ffff 0x084:ffff 0x092:8b ' +
      '0x094:ffff 0x0d1:10 0x148:40 0x158:10 0x161:04 0x168:f00fffff 0x170:02 0x178:f0ff ' +
      '0x268:060407 0x26c:060407 0x310:120f80 0x3b0:01 0x3e8:01 0x408:801f 0x410:7f03';
    const want = new Uint8Array(4096);
    for (const item of decoded.split(' ')) {
      const [off, bytes] = item.split(':') as [string, string];
      want.set(Buffer.from(bytes, 'hex'), Number(off));
    }
    assert.equal(hex(qemuApVmsa(1n, 0x800f12n)), hex(want));
  });

  it('the writer: v1 fixed header fields, 8-aligned TLVs, CRC over fixed + variable header only', () => {
    const { bytes, tlvOffsets } = encode({ version: 1, headers: [{ kind: 'platform', mask: 1, type: PT.SEV_SNP }, { kind: 'vp', gpa: 0x1000n, mask: 1, vpIndex: 0, vmsa: new Uint8Array(4096) }] });
    const v = new DataView(bytes.buffer);
    assert.equal(v.getUint32(0, true), 0x4d564749);
    assert.equal(v.getUint32(8, true), 24);
    assert.deepEqual(tlvOffsets, [24, 24 + 8 + 16]);
    assert.equal(v.getUint32(tlvOffsets[1]! + 4, true), 20); // VP_CONTEXT length 20, padded to 24
    const vhs = v.getUint32(12, true);
    assert.equal(vhs, 24 + 32);
    assert.equal(v.getUint32(16, true), bytes.length);
    const fixed = bytes.slice(0, 24);
    fixed.fill(0, 0x14, 0x18);
    assert.equal(v.getUint32(0x14, true), crc32(fixed, bytes.subarray(24, 24 + vhs)));
  });
});
