/**
 * `cloud-hypervisor-kvm`: Cloud Hypervisor's IGVM loader on upstream KVM (cloud-hypervisor
 * ae44c2971, vmm/src/igvm/igvm_loader.rs `load_igvm`, the KVM branches; docs/platforms.md). How it
 * differs from `cloud-hypervisor-mshv` (the same function on MSHV) and from `qemu-kvm`:
 * - pages in DIRECTIVE order, one SNP_LAUNCH_UPDATE per 4 KiB page (4a91b4a60 stopped sorting by
 *   GPA on KVM; hypervisor/src/kvm/mod.rs import_isolated_pages issues one launch_update per pfn);
 * - NORMAL page data without file data → ZERO (982934fba), the unmeasured flag → UNMEASURED, the
 *   shared flag is not consulted;
 * - PARAMETER_INSERT → EVERY page of the area UNMEASURED (4a91b4a60);
 * - with a kernel and a command line (fw_cfg measured boot, 70388fb1b): a 0x400-byte kernel-hashes
 *   block at GPA 0x10c00, written into the IGVM page at 0x10000 (measured NORMAL, whatever its type,
 *   unless it is a CPUID page) or, when no page is there, appended as a NORMAL page after all
 *   directives; a parameter area covering the block is an error;
 * - VP contexts are not page-measured: each one's registers go into vCPU vp_index (KVM_SET_SREGS /
 *   KVM_SET_REGS), and KVM builds and measures every vCPU's VMSA at LAUNCH_FINISH at 0xfffffffff000
 *   (the upstream KVM model); vCPUs without a VP context keep KVM's reset state. KVM_SEV_INIT2
 *   vmsa_features = vp 0's sev_features (Cloud Hypervisor clears SNP_ACTIVE, KVM sets it again).
 */
import { PAGE_SIZE, PageType } from '../../firmware/page-types.js';
import { inputError, usageError } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';
import { buildKernelHashTable, computeKernelHashes, type KernelHashes } from '../../images/ovmf/kernel-hashes.js';
import { UpstreamKvmSession } from '../../uapi/kvm-upstream.js';
import type { LaunchUpdateParams } from '../../uapi/types.js';
import { kvmResetVmsa, kvmVmsaFromRegisters } from '../../vmsa/kvm-vcpu.js';
import { asPlatform, paramUpdate, platformError, readVmsa, runOrigin, runUpdate, updateIf, vmsaOrigin, type IgvmLaunchInput, type IgvmLaunchOptions, type PageRun } from './_common.js';
import { DEFAULT_IGVM_POLICY, type IgvmLaunchOutcome } from './_outcome.js';
import { vmsaFeatures } from './_vmsa-rules.js';

const P = 'cloud-hypervisor-kvm';
/** vmm/src/sev.rs SEV_HASH_BLOCK_ADDRESS / SEV_HASH_BLOCK_SIZE (OVMF's MemFd.fdf hash area). */
export const CH_HASH_BLOCK_GPA = 0x10c00;
export const CH_HASH_BLOCK_SIZE = 0x400;
const HASH_PAGE = CH_HASH_BLOCK_GPA - (CH_HASH_BLOCK_GPA % PAGE_SIZE);
const HASH_OFFSET = CH_HASH_BLOCK_GPA % PAGE_SIZE;

/**
 * The kernel/initrd/cmdline hashes as Cloud Hypervisor computes them (vmm/src/sev.rs
 * build_hash_block): SHA-256(setup ‖ rest) of the kernel, i.e. of the whole file; SHA-256 of the
 * initrd or of nothing; SHA-256 of the command line plus NUL. It reads a 4096-byte boot_params
 * header first and then the setup sectors, so a shorter kernel fails the launch.
 */
export async function cloudHypervisorKernelHashes(kernel: ByteSource, initrd: ByteSource | undefined, append: string | undefined): Promise<KernelHashes> {
  if (append === undefined) {
    throw usageError('NEEDS_APPEND', `${P}: Cloud Hypervisor measures the kernel only when a command line is given too (--cmdline); give --append (--append '' for an empty one)`, '--append');
  }
  if (kernel.size < PAGE_SIZE) throw inputError('CH_KERNEL_SIZE', `is ${kernel.size} bytes; Cloud Hypervisor reads a 4096-byte boot_params header from the kernel`, { file: kernel.name });
  const sects = (await kernel.read(0x1f1, 1))[0]!; // boot_params.hdr.setup_sects
  const setup = ((sects === 0 ? 4 : sects) + 1) * 512;
  if (setup > kernel.size) throw inputError('CH_KERNEL_SIZE', `is ${kernel.size} bytes, shorter than its ${setup}-byte setup (setup_sects ${sects})`, { file: kernel.name, offset: 0x1f1 });
  return computeKernelHashes(kernel, initrd, append);
}

/** The measured page at 0x10000: the IGVM page's data (or zeros) with the 0x400-byte block at 0xc00. */
function hashPage(block: Uint8Array, data?: Uint8Array): Uint8Array {
  const page = new Uint8Array(PAGE_SIZE);
  if (data) page.set(data.subarray(0, PAGE_SIZE));
  page.set(block, HASH_OFFSET);
  return page;
}

/** A page run as Cloud Hypervisor issues it on KVM: NORMAL pages without file data are ZERO pages. */
function chRunUpdate(src: ByteSource, r: PageRun): LaunchUpdateParams {
  if (r.type === PageType.NORMAL && r.fileOffset === 0) return { gpa: r.gpa, length: r.count * PAGE_SIZE, type: PageType.ZERO, origin: runOrigin(r) + ' as ZERO' };
  return runUpdate(src, r);
}

/** Splits `r` around the page at `gpa`: [before, after] (either may be undefined). */
function splitRun(r: PageRun, gpa: number): [PageRun | undefined, PageRun | undefined] {
  const k = (gpa - r.gpa) / PAGE_SIZE;
  const part = (from: number, count: number): PageRun | undefined =>
    count <= 0 ? undefined : { ...r, gpa: r.gpa + from * PAGE_SIZE, count, fileOffset: r.fileOffset === 0 ? 0 : r.fileOffset + from * PAGE_SIZE };
  return [part(0, k), part(k + 1, r.count - k - 1)];
}

export async function launchIgvmOnCloudHypervisorKvm(input: IgvmLaunchInput, opts: IgvmLaunchOptions): Promise<IgvmLaunchOutcome> {
  const n = opts.vcpus;
  const vp0 = input.vps.find((v) => v.vpIndex === 0);
  // hypervisor/src/kvm/x86_64/sev.rs init2 clears SNP_ACTIVE; KVM ORs it back in (kvm-snp-launch.md §1.3).
  const features = (vp0 ? vmsaFeatures(await readVmsa(input, vp0)) : 0n) | 1n;
  const warnings: string[] = [];
  if (!vp0) warnings.push(`${P}: the file has no SNP VP_CONTEXT for vp_index 0; vCPU 0 starts at KVM's reset state (0xfffffff0)`);
  if (opts.guestFeatures !== undefined && opts.guestFeatures !== features) {
    warnings.push(`${P}: --guest-features 0x${opts.guestFeatures.toString(16)} is not used; Cloud Hypervisor passes vp 0's sev_features (0x${features.toString(16)} with SNP_ACTIVE) to KVM_SEV_INIT2`);
  }
  // Each VP context sets the registers of the vCPU whose id is its vp_index (a later one wins).
  const states = new Map<number, { vmsa: Uint8Array; origin: string }>();
  for (const vp of input.vps) {
    if (vp.vpIndex >= n) {
      warnings.push(`${P}: VP_CONTEXT header ${vp.header} is for vp_index ${vp.vpIndex}, but the VM has ${n} vCPU${n === 1 ? '' : 's'}; it is not loaded`);
      continue;
    }
    const vmsa = kvmVmsaFromRegisters(await readVmsa(input, vp), features, `VP_CONTEXT header ${vp.header}`);
    states.set(vp.vpIndex, { vmsa, origin: vmsaOrigin(vp, `, registers of vCPU ${vp.vpIndex}; KVM-built VMSA measured at LAUNCH_FINISH at 0xfffffffff000`) });
  }
  const block = opts.kernelHashes ? new Uint8Array(CH_HASH_BLOCK_SIZE) : undefined;
  if (block) block.set(buildKernelHashTable(opts.kernelHashes!));
  const vmsas: Uint8Array[] = [];
  const result = await asPlatform(P, input, async () => {
    const s = new UpstreamKvmSession({ log: opts.log, softChecks: true });
    s.start({ policy: input.policy ?? DEFAULT_IGVM_POLICY, vmsaFeatures: features, vcpus: n });
    let inserted = false;
    for (const it of input.items) {
      if (it.kind === 'pages') {
        const covers = block && it.type !== PageType.CPUID && it.gpa <= HASH_PAGE && HASH_PAGE < it.gpa + it.count * PAGE_SIZE;
        if (!covers) {
          await s.update(chRunUpdate(input.src, it));
          continue;
        }
        const [before, after] = splitRun(it, HASH_PAGE);
        if (before) await s.update(chRunUpdate(input.src, before));
        const k = (HASH_PAGE - it.gpa) / PAGE_SIZE;
        const off = it.fileOffset + k * PAGE_SIZE;
        const data = it.fileOffset === 0 ? undefined : await input.src.read(off, Math.max(0, Math.min(PAGE_SIZE, input.src.size - off)));
        await s.update({ gpa: HASH_PAGE, length: PAGE_SIZE, type: PageType.NORMAL, data: hashPage(block, data), origin: `${runOrigin(it)} page 0x${HASH_PAGE.toString(16)} with the kernel-hashes block at 0x${CH_HASH_BLOCK_GPA.toString(16)}` });
        inserted = true;
        if (after) await s.update(chRunUpdate(input.src, after));
      } else if (it.kind === 'param') {
        if (block && it.gpa <= CH_HASH_BLOCK_GPA && CH_HASH_BLOCK_GPA + CH_HASH_BLOCK_SIZE <= it.gpa + it.size) {
          throw platformError(P, `parameter area ${it.areaIndex} at 0x${it.gpa.toString(16)} covers the kernel-hashes block at 0x${CH_HASH_BLOCK_GPA.toString(16)}; Cloud Hypervisor rejects the file`, input, it.header);
        }
        await updateIf(s, paramUpdate(input, it, true));
      }
    }
    if (block && !inserted) {
      await s.update({ gpa: HASH_PAGE, length: PAGE_SIZE, type: PageType.NORMAL, data: hashPage(block), origin: `kernel-hashes block at 0x${CH_HASH_BLOCK_GPA.toString(16)}, appended as a NORMAL page (no IGVM page at 0x${HASH_PAGE.toString(16)})` });
    }
    for (let i = 0; i < n; i++) {
      const st = states.get(i) ?? { vmsa: kvmResetVmsa(features), origin: `KVM reset VMSA, vCPU ${i} (no VP context), measured at LAUNCH_FINISH` };
      vmsas.push(st.vmsa);
      s.setVcpuState(i, st.vmsa, st.origin);
    }
    return s.finish();
  });
  result.warnings.unshift(...warnings);
  return { result, vmsas };
}
