/**
 * Would QEMU launch this OVMF? The checks upstream QEMU makes on an OVMF image before an SEV-ES or
 * SNP guest runs, in one place, so that every command and the explorer say the same thing. A digest
 * for a launch QEMU refuses is still the reference's (sev-snp-measure computes it without these
 * checks), but no report will ever carry it.
 *
 * From QEMU's sources (target/i386/sev.c, hw/i386/pc_sysfw_ovmf.c; docs/platforms.md):
 *  - SNP needs the SEV metadata: at SNP_LAUNCH_FINISH QEMU looks up the OVMF_SEV_META_DATA_GUID
 *    entry to place the CPUID and secrets pages and exits with "Failed to locate SEV metadata
 *    header" without it (Debian's OVMF_CODE_4M.fd has none: it is not an SEV build);
 *  - SEV-ES and SNP read the AP reset address from the SEV_ES_RESET_BLOCK_GUID entry when the
 *    firmware is mapped and exit with "SEV-ES reset address is zero" when it is 0. QEMU checks it
 *    whatever the vCPU count, although only AP VMSAs (more than one vCPU) measure it;
 *  - every metadata section becomes one KVM_SEV_SNP_LAUNCH_UPDATE of the section's length, and KVM
 *    rejects a zero length (EINVAL), so QEMU exits with "Failed to add metadata page".
 * The footer-table walk itself (QEMU stops at an entry running past the table start) is in
 * src/images/ovmf/footer.ts: an entry a launch needs past that point is an input error, not a
 * refusal.
 */
import { inputError } from '../../core/errors.js';
import { OvmfGuid } from '../../images/ovmf/guids.js';
import { sectionTypeName } from '../../images/ovmf/metadata.js';
import { resetEip, type OvmfImage } from '../../images/ovmf/parse.js';

/** One reason QEMU refuses the launch. */
export interface QemuRefusal {
  code: 'NO_SEV_METADATA' | 'RESET_EIP_ZERO' | 'ZERO_SIZE_SECTION';
  /** One sentence, ending with QEMU's own message in quotes. */
  reason: string;
}

/** The verdict on one launch of an OVMF image by QEMU/KVM. */
export interface QemuLaunchability {
  platform: 'qemu-kvm';
  /** false when QEMU refuses the launch (`reasons` says why). */
  ok: boolean;
  reasons: string[];
}

/** The launch being judged: the sev-snp-measure mode (sev, seves, snp; others are not judged). */
export interface QemuLaunch {
  mode: string;
  vcpus?: number;
}

/** The reasons QEMU refuses to launch `img` in `launch.mode` (empty: QEMU launches it). */
export function qemuRefusals(img: OvmfImage, launch: QemuLaunch): QemuRefusal[] {
  const out: QemuRefusal[] = [];
  const snp = launch.mode === 'snp';
  if (!snp && launch.mode !== 'seves') return out;
  if (snp && !img.footer.byGuid.has(OvmfGuid.OVMF_SEV_META_DATA)) {
    out.push({ code: 'NO_SEV_METADATA', reason: 'no SEV metadata in the firmware (not an SEV build of OVMF; QEMU: "Failed to locate SEV metadata header")' });
  }
  if (resetEip(img) === 0) {
    const why = (launch.vcpus ?? 1) > 1 ? 'where the APs would start' : 'checked even with one vCPU';
    out.push({ code: 'RESET_EIP_ZERO', reason: `AP reset address 0 in the SEV-ES reset block (${why}; QEMU: "SEV-ES reset address is zero")` });
  }
  if (snp) {
    for (const s of img.metadata?.sections ?? []) {
      if (s.size !== 0) continue;
      out.push({
        code: 'ZERO_SIZE_SECTION',
        reason: `SEV metadata section #${s.index} (${sectionTypeName(s.type)}) has size 0, a launch update KVM rejects (QEMU: "Failed to add metadata page")`,
      });
    }
  }
  return out;
}

/** The verdict for a result (`ok` and every reason). */
export function qemuLaunchability(img: OvmfImage, launch: QemuLaunch): QemuLaunchability {
  const reasons = qemuRefusals(img, launch).map((r) => r.reason);
  return { platform: 'qemu-kvm', ok: reasons.length === 0, reasons };
}

/** One line for a refused launch: "QEMU refuses this launch: A; B". */
export function refusalSentence(l: QemuLaunchability): string {
  return `QEMU refuses this launch: ${l.reasons.join('; ')}`;
}

/**
 * For producers of artefacts for real launches (reference values, IGVM files): an input error
 * naming every reason when QEMU refuses an SNP launch of `img` with `vcpus` vCPUs. `what` says
 * what would be wrong, e.g. "reference values for it would never match a report".
 */
export function requireQemuLaunchable(img: OvmfImage, vcpus: number, what: string): void {
  const reasons = qemuRefusals(img, { mode: 'snp', vcpus }).map((r) => r.reason);
  if (reasons.length === 0) return;
  throw inputError('NOT_LAUNCHABLE', `QEMU refuses SNP launches of this firmware: ${reasons.join('; ')}; ${what} (--allow-nonlaunchable to go on anyway)`, { file: img.name });
}
