/**
 * `cloud-hypervisor-mshv`: Cloud Hypervisor's IGVM loader on MSHV (vmm/src/igvm/igvm_loader.rs;
 * specs/platforms.md §3.4, §5.2 rule 6). How it differs from `openvmm`:
 * - every measured entry is collected first, then imported SORTED BY ASCENDING GPA (stable), not in
 *   directive order;
 * - the shared flag is not consulted (shared pages are measured);
 * - PARAMETER_INSERT: ONE UNMEASURED page at gpa, whatever the area size;
 * - a VP_CONTEXT for vp_index 0 is required; every SNP VP_CONTEXT becomes a VMSA page at its own gpa,
 *   but all of them carry vp 0's VMSA bytes (the loader imports only vp 0's data).
 */
import { PAGE_SIZE, PageType } from '../../firmware/page-types.js';
import type { ByteSource } from '../../core/source.js';
import { IsolatedImportSession } from '../../uapi/isolated-import.js';
import type { LaunchUpdateParams } from '../../uapi/types.js';
import { asPlatform, platformError, readVmsa, zeroSource, type IgvmLaunchInput, type IgvmLaunchOptions } from './_common.js';
import { DEFAULT_IGVM_POLICY, type IgvmLaunchOutcome } from './_outcome.js';

const P = 'cloud-hypervisor-mshv';

/** One 4 KiB import entry before sorting. */
interface Entry {
  gpa: number;
  type: PageType;
  /** NORMAL: file offset of the data, 0 for zeros; VMSA: -1 (vp 0's bytes). */
  fileOffset: number;
  header: number;
  what: string;
}

export async function launchIgvmOnCloudHypervisor(input: IgvmLaunchInput, opts: IgvmLaunchOptions): Promise<IgvmLaunchOutcome> {
  const vp0 = input.vps.find((v) => v.vpIndex === 0);
  if (!vp0) throw platformError(P, 'the file has no SNP VP_CONTEXT for vp_index 0; Cloud Hypervisor imports the VMSA of vp 0 only', input);
  const vmsa0 = await readVmsa(input, vp0);
  const entries: Entry[] = [];
  for (const it of input.items) {
    if (it.kind === 'pages') {
      for (let i = 0; i < it.count; i++) {
        const fo = it.fileOffset === 0 ? 0 : it.fileOffset + i * PAGE_SIZE;
        entries.push({ gpa: it.gpa + i * PAGE_SIZE, type: it.type, fileOffset: fo, header: it.first + i, what: 'PAGE_DATA' });
      }
    } else if (it.kind === 'param') {
      entries.push({ gpa: it.gpa, type: PageType.UNMEASURED, fileOffset: 0, header: it.header, what: `PARAMETER_INSERT (first page of area ${it.areaIndex})` });
    } else {
      entries.push({ gpa: it.gpa, type: PageType.VMSA, fileOffset: -1, header: it.header, what: `VP_CONTEXT (vp_index ${it.vpIndex}, with vp 0's VMSA bytes)` });
    }
  }
  // Array.prototype.sort is stable (ES2019), as Rust's sort_by_key is.
  entries.sort((a, b) => a.gpa - b.gpa);
  const vmsas: Uint8Array[] = [];
  const result = await asPlatform(P, input, async () => {
    const s = new IsolatedImportSession({ log: opts.log, softChecks: true });
    s.start({ policy: input.policy ?? DEFAULT_IGVM_POLICY, vmsaFeatures: 0n, vcpus: 1 });
    for (let i = 0; i < entries.length; ) {
      let j = i + 1;
      while (j < entries.length && joins(entries[j - 1]!, entries[j]!)) j++;
      const run = entries.slice(i, j);
      if (run[0]!.type === PageType.VMSA) vmsas.push(...run.map(() => vmsa0));
      await s.update(importUpdate(input.src, run, vmsa0));
      i = j;
    }
    return s.finish();
  });
  return { result, vmsas };
}

/** Whether b continues a's run: next GPA, same type and kind of data, contiguous file data. */
function joins(a: Entry, b: Entry): boolean {
  if (b.gpa !== a.gpa + PAGE_SIZE || b.type !== a.type || b.what !== a.what || a.type === PageType.VMSA) return false;
  if (a.type !== PageType.NORMAL) return true;
  return a.fileOffset === 0 ? b.fileOffset === 0 : b.fileOffset === a.fileOffset + PAGE_SIZE;
}

function importUpdate(src: ByteSource, run: Entry[], vmsa0: Uint8Array): LaunchUpdateParams {
  const first = run[0]!;
  const last = run[run.length - 1]!;
  const length = run.length * PAGE_SIZE;
  const h = first.header === last.header ? `header ${first.header}` : `headers ${Math.min(first.header, last.header)}-${Math.max(first.header, last.header)}`;
  const origin = `IGVM ${first.what} ${h}, imported in GPA order`;
  if (first.type === PageType.VMSA) return { gpa: first.gpa, length, type: PageType.VMSA, data: vmsa0, origin };
  if (first.type !== PageType.NORMAL) return { gpa: first.gpa, length, type: first.type, origin };
  if (first.fileOffset === 0) return { gpa: first.gpa, length, type: PageType.NORMAL, data: { source: zeroSource(length), offset: 0, length }, origin: origin + ' (no file data)' };
  return { gpa: first.gpa, length, type: PageType.NORMAL, data: { source: src, offset: first.fileOffset, length }, origin };
}
