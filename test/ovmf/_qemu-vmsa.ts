// The QEMU reset-state VMSA of specs/ovmf.md §7.1 written out field by field (for any EIP, so for
// BSP and AP pages), for tests that recompute OVMF launch digests with node:crypto.
export function qemuVmsa(eip: number, features: bigint, sig: number): Buffer {
  const v = Buffer.alloc(4096);
  const seg = (off: number, sel: number, attrib: number, base = 0) => {
    v.writeUInt16LE(sel, off);
    v.writeUInt16LE(attrib, off + 2);
    v.writeUInt32LE(0xffff, off + 4);
    v.writeBigUInt64LE(BigInt(base), off + 8);
  };
  for (const off of [0x00, 0x20, 0x30, 0x40, 0x50]) seg(off, 0, 0x93);
  seg(0x10, 0xf000, 0x9b, (eip & 0xffff0000) >>> 0);
  seg(0x60, 0, 0);
  seg(0x70, 0, 0x82);
  seg(0x80, 0, 0);
  seg(0x90, 0, 0x8b);
  const q = (off: number, x: bigint) => v.writeBigUInt64LE(x, off);
  q(0xd0, 0x1000n);
  q(0x148, 0x40n);
  q(0x158, 0x10n);
  q(0x160, 0x400n);
  q(0x168, 0xffff0ff0n);
  q(0x170, 2n);
  q(0x178, BigInt(eip & 0xffff));
  q(0x268, 0x0007040600070406n);
  q(0x310, BigInt(sig));
  q(0x3b0, features);
  q(0x3e8, 1n);
  v.writeUInt32LE(0x1f80, 0x408);
  v.writeUInt16LE(0x37f, 0x410);
  return v;
}
