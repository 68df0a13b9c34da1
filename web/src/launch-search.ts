/**
 * The report check's launch search (runs in the worker): when a report's MEASUREMENT matches no
 * row of the table, search the image's whole launch space as `snp-launch match --report` does
 * (src/launch-space: same default space, same ranking, same words) and name the launch with the
 * command that reproduces it, or say what was searched and what must differ.
 */
import { toHex } from '../../src/core/bytes.js';
import { blobSource } from '../../src/core/source.js';
import { describeCell, explainNoMatch, hostSignature, measureCommand, narrowSpace, referenceCommand, searchMeasurement, shellQuote, type ImagePaths, type SpaceImage } from '../../src/launch-space/index.js';
import { detectKind } from './engine.js';
import type { FormValues, SearchData } from './protocol.js';
import { readReport } from './report-check.js';

/** Matches listed on the page (the CLI lists all; a digest rarely has more than a few). */
const MAX_LISTED = 5;

export async function searchLaunch(reportFile: File, form: FormValues, onProgress?: (done: number, total: number) => void): Promise<SearchData> {
  const report = await readReport(reportFile);
  const src = blobSource(form.image.name, form.image);
  const kind = await detectKind(src);
  let image: SpaceImage;
  let paths: ImagePaths;
  if (kind === 'igvm') {
    image = { kind: 'igvm', igvm: src };
    paths = { kind: 'igvm', igvm: form.image.name };
    // cloud-hypervisor-kvm boots the kernel beside the file (searched with and without its block);
    // it measures one only with a command line.
    if (form.kernel && form.append !== undefined) {
      image.launch = { kernel: blobSource(form.kernel.name, form.kernel), ...(form.initrd ? { initrd: blobSource(form.initrd.name, form.initrd) } : {}), ...(form.append !== undefined ? { append: form.append } : {}) };
      paths.kernel = form.kernel.name;
      if (form.initrd) paths.initrd = form.initrd.name;
      if (form.append !== undefined) paths.append = form.append;
    }
  } else {
    image = { kind: 'ovmf', ovmf: src };
    paths = { kind: 'ovmf', ovmf: form.image.name };
    if (form.kernel) {
      image.kernel = blobSource(form.kernel.name, form.kernel);
      paths.kernel = form.kernel.name;
    }
    if (form.initrd) {
      image.initrd = blobSource(form.initrd.name, form.initrd);
      paths.initrd = form.initrd.name;
    }
    if (form.append) image.append = paths.append = form.append;
  }
  const booted = image.kind === 'ovmf' ? form.kernel !== undefined : image.kind === 'igvm' && image.launch !== undefined;
  const space = narrowSpace(kind, booted, {});
  const notes: string[] = [];
  if (image.kind === 'igvm' && form.kernel && !booted) notes.push('the kernel is not searched: cloud-hypervisor-kvm measures it only with a command line');
  let preferSig: number | undefined;
  if (report.cpuid && (report.cpuid.family !== 0 || report.cpuid.model !== 0)) {
    preferSig = hostSignature(report.cpuid.family, report.cpuid.model, report.cpuid.stepping);
    if (!space.vcpuSigs.includes(preferSig)) space.vcpuSigs = [...space.vcpuSigs, preferSig];
    notes.push(`report v${report.version}: host CPU signature 0x${preferSig.toString(16)} (what -cpu host gives) ranked first`);
  } else notes.push(`report v${report.version} carries no host CPUID (v3+ does): every signature is equally likely`);
  const r = await searchMeasurement(image, space, report.measurement, {
    ...(preferSig !== undefined ? { preferSig } : {}),
    ...(onProgress ? { onProgress: (done: number) => onProgress(done, 0) } : {}),
  });
  const image_ = [`--${paths.kind} ${shellQuote(paths.kind === 'igvm' ? paths.igvm : paths.ovmf)}`, ...(paths.kernel ? [`--kernel ${shellQuote(paths.kernel)}`] : []), ...(paths.initrd ? [`--initrd ${shellQuote(paths.initrd)}`] : []), ...(paths.append !== undefined ? [`--append ${shellQuote(paths.append)}`] : [])].join(' ');
  return {
    measurement: toHex(r.measurement),
    configurations: r.configurations,
    ms: r.ms,
    total: r.matches.length,
    matches: r.matches.slice(0, MAX_LISTED).map((c) => {
      const ref = referenceCommand(c, paths);
      return { text: describeCell(c), command: measureCommand(c, paths), ...(ref ? { reference: ref } : {}) };
    }),
    noMatch: r.matches.length === 0 ? explainNoMatch(r, space, image) : [],
    matchCommand: `snp-launch match --report ${shellQuote(reportFile.name)} ${image_}`,
    notes,
  };
}
