// The firmware model against the constants of specs/launch-digest.md §2.4 and an independent
// re-implementation of the PAGE_INFO chain written here with node:crypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { SnpFirmware } from '../../src/firmware/launch-digest.js';
import { PageType, KVM_VMSA_GPA } from '../../src/firmware/page-types.js';
import { setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { nobleHashProvider } from '../../src/core/hash.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sha384 = (b: Uint8Array) => createHash('sha384').update(b).digest();

/** Independent PAGE_INFO step (layout written out by hand from the SNP ABI table). */
function refStep(ld: Buffer, type: number, gpa: bigint, page?: Uint8Array): Buffer {
  const info = Buffer.alloc(0x70);
  ld.copy(info, 0);
  if (type === 1 || type === 2) sha384(page!).copy(info, 0x30);
  info.writeUInt16LE(0x70, 0x60);
  info[0x62] = type;
  info.writeBigUInt64LE(gpa, 0x68);
  return sha384(info);
}

for (const provider of [nodeHashProvider, nobleHashProvider]) {
  test(`one-step constants of specs/launch-digest.md §2.4 (${provider.name})`, async () => {
    setHashProvider(provider);
    assert.equal(hex(sha384(Buffer.alloc(4096))), 'c0e59a3e3ffbd3b5c75428fb36432facabc745944296ff515f737c4fef4efc64586809f7a16f56354a1eaecf2aa8d774');
    const cases: [number, string][] = [
      [PageType.NORMAL, '9d13634b6014bb21cf059b2dc694e7bff01a8a7137041100cd2b695f3d10fb687267b97808b27f8f471d943bc6f53a20'],
      [PageType.ZERO, '70c0ecaab9608f14ebf8ac6f0f07bcd8728f4e2ab30382b539b4de4de904ca9f8ebdf4b2cd3cd84dd996bd55dd794676'],
      [PageType.UNMEASURED, 'ed501ced343b88df8d4f114dc336e76fa53d3ad6ef71dab22a38755569189d2844af45f162ec25b45beefc8ea308cba7'],
    ];
    for (const [type, want] of cases) {
      const fw = new SnpFirmware();
      fw.measurePage(type as PageType, 0, type === PageType.NORMAL ? new Uint8Array(4096) : null, 'test');
      assert.equal(hex(fw.digest), want);
    }
  });
}

test('a mixed chain equals an independent computation, with a log entry per step', async () => {
  setHashProvider(nodeHashProvider);
  const data = randomBytes(4096 * 300);
  const vmsa = randomBytes(4096);
  const seed = randomBytes(48);
  const fw = new SnpFirmware({ log: true, seed });
  await fw.measureRange(PageType.NORMAL, 0xffc00000, data, 'firmware');
  await fw.measureRange(PageType.ZERO, 0x800000, 3 * 4096, 'sec mem');
  fw.measurePage(PageType.SECRETS, 0x80d000, null, 'secrets');
  fw.measurePage(PageType.CPUID, 0x80e000, null, 'cpuid');
  fw.measurePage(PageType.VMSA, KVM_VMSA_GPA, vmsa, 'vmsa');

  let ld: Buffer = Buffer.from(seed);
  for (let i = 0; i < 300; i++) ld = refStep(ld, 1, BigInt(0xffc00000 + i * 4096), data.subarray(i * 4096, (i + 1) * 4096));
  for (let i = 0; i < 3; i++) ld = refStep(ld, 3, BigInt(0x800000 + i * 4096));
  ld = refStep(ld, 5, 0x80d000n);
  ld = refStep(ld, 6, 0x80e000n);
  ld = refStep(ld, 2, 0xfffffffff000n, vmsa);
  assert.equal(hex(fw.digest), ld.toString('hex'));
  assert.equal(fw.steps, 306);
  assert.equal(fw.log!.length, 306);
  assert.equal(hex(fw.log!.at(-1)!.digest), ld.toString('hex'));
  assert.equal(fw.log![300]!.origin, 'sec mem');
  assert.equal(fw.log![305]!.gpa, KVM_VMSA_GPA);
});

test('rejects unaligned ranges and GPAs, bad seeds and page type 0', async () => {
  const fw = new SnpFirmware();
  await assert.rejects(fw.measureRange(PageType.NORMAL, 0, new Uint8Array(100), 'x'), /not a multiple of 4096/);
  assert.throws(() => fw.measurePage(PageType.ZERO, 0x123, null, 'x'), /not a page-aligned/);
  assert.throws(() => fw.measurePage(PageType.INVALID, 0, null, 'x'), /cannot be measured/);
  assert.throws(() => new SnpFirmware({ seed: new Uint8Array(47) }), /48 bytes/);
});

test('GPAs up to the top of the u64 space are encoded exactly in PAGE_INFO', async () => {
  setHashProvider(nodeHashProvider);
  const page = randomBytes(4096);
  const fw = new SnpFirmware();
  const top = 0xfffffffffffff000n; // 2^64 - 4096: page aligned, exact as a double
  await fw.measureRange(PageType.NORMAL, Number(top - 4096n), Buffer.concat([page, page]), 'high');
  fw.measurePage(PageType.ZERO, 2 ** 53, null, 'just past 2^53');
  let ld: Buffer = Buffer.alloc(48);
  ld = refStep(ld, 1, top - 4096n, page);
  ld = refStep(ld, 1, top, page);
  ld = refStep(ld, 3, 2n ** 53n);
  assert.equal(hex(fw.digest), ld.toString('hex'));
  assert.throws(() => fw.measurePage(PageType.ZERO, 2 ** 64, null, 'x'), /not a page-aligned/);
});
