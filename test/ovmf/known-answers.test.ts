// The known-answer values of specs/ovmf.md §11 (assertions of upstream sev-snp-measure
// tests/test_guest.py), computed through measureOvmf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SnpLaunchError } from '../../src/core/errors.js';
import { nobleHashProvider, setHashProvider } from '../../src/core/hash.js';
import { nodeHashProvider } from '../../src/node/hash.js';
import { measureOvmf } from '../../src/measure/ovmf.js';
import type { OvmfMeasureOptions } from '../../src/measure/types.js';
import { fromHex } from '../../src/core/bytes.js';
import { needsShared } from '../_shared.js';
import { empty, fixture, hex } from './_helpers.js';

const EPYC_V4 = 0x800f12;
const OVMF_HASH_A = '086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74';

interface Case {
  name: string;
  opts: () => Promise<Partial<OvmfMeasureOptions>>;
  want: string;
}

const A = () => fixture('ovmf_AmdSev_suffix.bin');
const X = () => fixture('ovmf_OvmfX64_suffix.bin');
/** kernel/initrd = empty files, with the given append. */
const nullKernel = (append = '') => ({ kernel: empty('kernel'), initrd: empty('initrd'), append });

const cases: Case[] = [
  { name: 'ovmf_hash_full', opts: async () => ({ mode: 'snp:ovmf-hash', ovmf: await A() }), want: OVMF_HASH_A },
  {
    name: 'snp_ovmf_hash_gen_default',
    opts: async () => ({ mode: 'snp', vcpus: 1, ovmf: await A(), vcpuSig: EPYC_V4, guestFeatures: 0x21n, ...nullKernel(), snpOvmfHash: fromHex(OVMF_HASH_A) }),
    want: '329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198',
  },
  {
    name: 'snp_ovmf_hash_gen_feature_snp_only',
    opts: async () => ({ mode: 'snp', vcpus: 1, ovmf: await A(), vcpuSig: EPYC_V4, guestFeatures: 0x1n, ...nullKernel(), snpOvmfHash: fromHex(OVMF_HASH_A) }),
    want: 'ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3ac99fc4bfa04ba6e9fc98646d4a07a9079397fa3852819b5',
  },
  {
    name: 'snp_default (full)',
    opts: async () => ({ mode: 'snp', vcpus: 1, ovmf: await A(), vcpuSig: EPYC_V4, guestFeatures: 0x21n, ...nullKernel('console=ttyS0 loglevel=7') }),
    want: '803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977',
  },
  {
    name: 'snp_ovmf_hash_full_default (with hash)',
    opts: async () => ({ mode: 'snp', vcpus: 1, ovmf: await A(), vcpuSig: EPYC_V4, guestFeatures: 0x21n, ...nullKernel('console=ttyS0 loglevel=7'), snpOvmfHash: fromHex(OVMF_HASH_A) }),
    want: '803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977',
  },
  {
    name: 'snp_guest_feature_snp_only',
    opts: async () => ({ mode: 'snp', vcpus: 1, ovmf: await A(), vcpuSig: EPYC_V4, guestFeatures: 0x1n, ...nullKernel('console=ttyS0 loglevel=7') }),
    want: '6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa',
  },
  {
    name: 'snp_ec2_default',
    opts: async () => ({ mode: 'snp', vcpus: 1, vmm: 'ec2', ovmf: await A(), vcpuSig: EPYC_V4, guestFeatures: 0x21n, ...nullKernel() }),
    want: '0ce9ccc06bab55eebe8abc234f3df6514883977a68a591b71052498ab52b2f1aa415db338033946ef93aa8278c0d67fb',
  },
  {
    name: 'snp_ec2_feature_snp_only',
    opts: async () => ({ mode: 'snp', vcpus: 1, vmm: 'ec2', ovmf: await A(), vcpuSig: EPYC_V4, guestFeatures: 0x1n, ...nullKernel() }),
    want: '0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd8811050dec7e24964e5056',
  },
  {
    name: 'snp_gce_default (no signature)',
    opts: async () => ({ mode: 'snp', vcpus: 1, vmm: 'gce', ovmf: await A(), guestFeatures: 0x1n, ...nullKernel() }),
    want: '5da7106cf14cf46b1725ebab123eb9e53bd46a1e9f400cd0c08e7827b04b688ea8b4e403c8404efed4397ea5d5d0722e',
  },
  {
    name: 'snp_gce_with_multiple_vcpus_default',
    opts: async () => ({ mode: 'snp', vcpus: 4, vmm: 'gce', ovmf: await A(), vcpuSig: EPYC_V4, guestFeatures: 0x1n, ...nullKernel() }),
    want: '5c5debf100fc339f90276e761ee1f1658d08922c3b20e2a2e6c7a6c3370b2452a15a00eae11886a93d6fd1e7ab81e29d',
  },
  {
    name: 'snp_without_kernel_default',
    opts: async () => ({ mode: 'snp', vcpus: 1, ovmf: await A(), vcpuSig: EPYC_V4, guestFeatures: 0x21n }),
    want: 'e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b',
  },
  {
    name: 'snp_without_kernel_feature_snp_only',
    opts: async () => ({ mode: 'snp', vcpus: 1, ovmf: await A(), vcpuSig: EPYC_V4, guestFeatures: 0x1n }),
    want: '19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d',
  },
  {
    name: 'snp_with_multiple_vcpus_default',
    opts: async () => ({ mode: 'snp', vcpus: 4, ovmf: await A(), vcpuSig: EPYC_V4, guestFeatures: 0x21n, ...nullKernel() }),
    want: '4953b1fb416fa874980e8442b3706d345926d5f38879134e00813c5d7abcbe78eafe7b422907be0b4698e2414a631942',
  },
  {
    name: 'snp_with_multiple_vcpus_feature_snp_only',
    opts: async () => ({ mode: 'snp', vcpus: 4, ovmf: await A(), vcpuSig: EPYC_V4, guestFeatures: 0x1n, ...nullKernel() }),
    want: '5061fffb019493a903613d56d54b94912a1a2f9e4502385f5c194616753720a92441310ba6c4933de877c36e23046ad5',
  },
  {
    name: 'snp_with_ovmfx64_without_default',
    opts: async () => ({ mode: 'snp', vcpus: 1, ovmf: await X(), vcpuSig: EPYC_V4, guestFeatures: 0x21n }),
    want: '28797ae0afaba4005a81e629acebfb59e6687949d6be44007cd5506823b0dd66f146aaae26ff291eed7b493d8a64c385',
  },
  {
    name: 'snp_with_ovmfx64_without_kernel_feature_snp_only',
    opts: async () => ({ mode: 'snp', vcpus: 1, ovmf: await X(), vcpuSig: EPYC_V4, guestFeatures: 0x1n }),
    want: 'da0296de8193586a5512078dcd719eccecbd87e2b825ad4148c44f665dc87df21e5b49e21523a9ad993afdb6a30b4005',
  },
  {
    name: 'seves',
    opts: async () => ({ mode: 'seves', vcpus: 1, ovmf: await A(), vcpuSig: EPYC_V4, guestFeatures: 0x1n, ...nullKernel() }),
    want: '13810ae661ea11e2bb205621f582fee268f0367c8f97bc297b7fadef3e12002c',
  },
  {
    name: 'seves_with_multiple_vcpus (features ignored)',
    opts: async () => ({ mode: 'seves', vcpus: 4, ovmf: await A(), vcpuSig: EPYC_V4, guestFeatures: 0x21n, ...nullKernel() }),
    want: '0dccbcaba8e90b261bd0d2e1863a2f9da714768b7b2a19363cd6ae35aa90de91',
  },
  {
    name: 'sev',
    opts: async () => ({ mode: 'sev', ovmf: await A(), ...nullKernel('console=ttyS0 loglevel=7') }),
    want: '82a3ee5d537c3620628270c292ae30cb40c3c878666a7890ee7ef2a08fb535ff',
  },
  {
    name: 'sev_with_kernel_without_initrd_and_append',
    opts: async () => ({ mode: 'sev', ovmf: await A(), kernel: empty('kernel') }),
    want: '77f613d7bbcdf12a73782ea9e88b0172aeda50d1a54201cb903594ff52846898',
  },
  {
    name: 'sev_with_ovmfx64_without_kernel',
    opts: async () => ({ mode: 'sev', ovmf: await X() }),
    want: 'b4c021e085fb83ceffe6571a3d357b4a98773c83c474e47f76c876708fe316da',
  },
  {
    name: 'snp_svsm_4_vcpus',
    opts: async () => ({ mode: 'snp:svsm', vcpus: 4, ovmf: await fixture('svsm_ovmf.fd'), svsm: await fixture('svsm.bin'), varsSize: 540672, vcpuSig: EPYC_V4, guestFeatures: 0x21n }),
    want: '27d154c27b7b359c935e250ec6fee72aa0ae8c1225e3b0e1cf46a9567e938066d7d6f94bbdc4a857818bdb79277a44b2',
  },
  {
    name: 'snp_svsm_2_vcpus',
    opts: async () => ({ mode: 'snp:svsm', vcpus: 2, ovmf: await fixture('svsm_ovmf.fd'), svsm: await fixture('svsm.bin'), varsSize: 540672, vcpuSig: EPYC_V4, guestFeatures: 0x21n }),
    want: '9b94745036aafddf4f7f8b00c7513abb5b7703178cb95aaa57928bd963d68d3bfcb715d6019b9167ee2517b11b0d9be7',
  },
];

for (const c of cases) {
  test(`ovmf.md §11 ${c.name}`, { skip: needsShared }, async () => {
    setHashProvider(nodeHashProvider);
    const r = await measureOvmf((await c.opts()) as OvmfMeasureOptions);
    assert.equal(hex(r.digest), c.want);
    assert.equal(r.algorithm, c.want.length === 96 ? 'sha384' : 'sha256');
  });
}

const errorCases: [string, () => Promise<Partial<OvmfMeasureOptions>>, string][] = [
  [
    'snp_with_ovmfx64_and_kernel_should_fail',
    async () => ({ mode: 'snp', vcpus: 1, ovmf: await X(), vcpuSig: EPYC_V4, guestFeatures: 0x21n, ...nullKernel() }),
    "Kernel specified but OVMF metadata doesn't include SNP_KERNEL_HASHES section",
  ],
  [
    'seves_with_ovmfx64_and_kernel_should_fail',
    async () => ({ mode: 'seves', vcpus: 1, vmm: 'ec2', ovmf: await X(), ...nullKernel() }),
    "Kernel specified but OVMF doesn't support kernel/initrd/cmdline measurement",
  ],
  ['sev_with_ovmfx64_and_kernel_should_fail', async () => ({ mode: 'sev', ovmf: await X(), ...nullKernel() }), "Kernel specified but OVMF doesn't support kernel/initrd/cmdline measurement"],
];

for (const [name, opts, reason] of errorCases) {
  test(`ovmf.md §11 ${name}`, { skip: needsShared }, async () => {
    await assert.rejects(measureOvmf((await opts()) as OvmfMeasureOptions), (e: unknown) => {
      assert.ok(e instanceof SnpLaunchError);
      assert.equal(e.kind, 'input');
      assert.equal(e.reason, reason);
      assert.equal(e.location.file?.endsWith('ovmf_OvmfX64_suffix.bin'), true);
      return true;
    });
  });
}

test('ovmf.md §11 dump: VMSAs kept, one per vCPU (seves 4, snp 1, svsm 2)', { skip: needsShared }, async () => {
  const seves = await measureOvmf({ mode: 'seves', vcpus: 4, ovmf: await A(), vcpuSig: EPYC_V4, keepVmsas: true });
  assert.equal(seves.vmsas?.length, 4);
  assert.ok(seves.vmsas!.every((v) => v.length === 4096));
  const snp = await measureOvmf({ mode: 'snp', vcpus: 1, ovmf: await A(), vcpuSig: EPYC_V4, keepVmsas: true });
  assert.equal(snp.vmsas?.length, 1);
  const svsm = await measureOvmf({ mode: 'snp:svsm', vcpus: 2, ovmf: await fixture('svsm_ovmf.fd'), svsm: await fixture('svsm.bin'), varsSize: 540672, vcpuSig: EPYC_V4, keepVmsas: true });
  assert.equal(svsm.vmsas?.length, 2);
  assert.deepEqual(svsm.vmsas![0], svsm.vmsas![1]);
});

test('the browser hash provider (@noble/hashes) gives the same known answers', { skip: needsShared }, async () => {
  setHashProvider(nobleHashProvider);
  try {
    for (const name of ['snp_default (full)', 'snp_ec2_default', 'snp_gce_with_multiple_vcpus_default', 'seves', 'sev']) {
      const c = cases.find((x) => x.name === name)!;
      assert.equal(hex((await measureOvmf((await c.opts()) as OvmfMeasureOptions)).digest), c.want, name);
    }
  } finally {
    setHashProvider(nodeHashProvider);
  }
});
