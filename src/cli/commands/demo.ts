/**
 * `snp-launch demo` (also `npm start`): builds small example firmware images in memory with the
 * project's OVMF-layout builder, measures them in every mode, on every platform and with 1 and 4
 * vCPUs, and prints one table row per launch saying where its digest departs from its baseline:
 * the reason from specs/ovmf.md §7–§9, and the first measurement-log step that differs.
 * Needs no file from the user. `--full` prints whole digests, `--json` everything as JSON.
 *
 * Extension point: further sections are functions returning a DemoSectionRows (or undefined when
 * they cannot run in this build); see EXTRA_SECTIONS. The IGVM section is the first of them.
 */
import { toHex } from '../../core/bytes.js';
import { sha256 } from '../../core/hash.js';
import { bytesSource } from '../../core/source.js';
import { measureOvmf } from '../../measure/ovmf.js';
import type { MeasureResult, OvmfMeasureOptions } from '../../measure/types.js';
import { vcpuTypeSignature } from '../../vmsa/vcpu-types.js';
import { formatHelp, get, parseArgs, type CommandSpec } from '../args.js';
import { buildDemoImages, DEMO_CASES, DEMO_CMDLINE, DEMO_SECTIONS, DEMO_VARS_SIZE, demoBlob, fillRow, type DemoCase, type DemoImage, type DemoRow, type DemoSectionRows } from '../demo-cases.js';
import { igvmDemoSection } from '../demo-igvm.js';
import { VMM_TO_PLATFORM } from '../measure-options.js';
import { formatJsonDoc, renderTable, styleFor, type Cell, type Style } from '../output.js';
import { TERMINAL_WIDTH } from '../args.js';
import { writeStdout } from '../stdout.js';

const SPEC: CommandSpec = {
  usage: 'snp-launch demo [--wide] [--json] [--no-color]',
  summary: 'Build example firmware images and show how their launch digests differ per mode, platform and vCPU count.',
  options: [
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
    { name: 'wide', aliases: ['full'], type: 'flag', help: 'whole digests instead of their first 16 hex digits, and no folding to 100 columns' },
    { name: 'json', type: 'flag', help: 'print every row (full digests, first differing step) as JSON' },
    { name: 'no-color', type: 'flag', help: 'no terminal colours (also when NO_COLOR is set or stdout is not a terminal)' },
  ],
};

/** Sections after the OVMF ones; each returns its images, title and rows, or undefined to be left out. */
export const EXTRA_SECTIONS: Array<() => Promise<DemoSectionRows | undefined>> = [igvmDemoSection];

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(SPEC, argv);
  if (get.flag(args, 'help')) {
    writeStdout(formatHelp(SPEC));
    return 0;
  }
  const images = buildDemoImages();
  const rows = await measureCases(images);
  const sections: DemoSectionRows[] = DEMO_SECTIONS.map((s) => ({ ...s, rows: rows.filter((r) => r.section === s.id) }));
  for (const extra of EXTRA_SECTIONS) {
    const s = await extra();
    if (s) {
      sections.push(s);
      images.push(...(s.images ?? []));
    }
  }
  if (get.flag(args, 'json')) {
    const doc = {
      images: images.map((i) => ({ id: i.id, file: i.file, size: i.bytes.length, sha256: toHex(sha256(i.bytes)), description: i.description })),
      sections: sections.map((s) => ({ id: s.id, title: s.title })),
      rows: sections.flatMap((s) => s.rows),
    };
    writeStdout(formatJsonDoc('demo', 1, doc));
    return 0;
  }
  const style = styleFor(process.stdout, get.flag(args, 'no-color'));
  writeStdout(render(images, sections, style, get.flag(args, 'wide')));
  return 0;
}

async function measureCases(images: DemoImage[]): Promise<DemoRow[]> {
  const byImage = new Map(images.map((i) => [i.id, i]));
  const results = new Map<string, MeasureResult>();
  const rows: DemoRow[] = [];
  for (const c of DEMO_CASES) {
    const row: DemoRow = {
      section: c.section,
      id: c.id,
      label: c.label,
      image: c.image,
      mode: c.mode,
      platform: c.mode === 'sev' || c.mode === 'snp:ovmf-hash' ? 'any' : VMM_TO_PLATFORM[c.vmm],
      vcpus: c.vcpus ?? null,
      algorithm: null,
      digest: null,
      steps: null,
      baseline: c.baseline ?? null,
      sameAsBaseline: null,
      firstDifference: null,
      why: c.why,
      error: null,
    };
    await fillRow(row, results, c.id, () => measureOvmf(caseOptions(c, byImage, results)));
    rows.push(row);
  }
  return rows;
}

function caseOptions(c: DemoCase, images: Map<string, DemoImage>, results: Map<string, MeasureResult>): OvmfMeasureOptions {
  const img = images.get(c.image)!;
  const o: OvmfMeasureOptions = { mode: c.mode, ovmf: bytesSource(img.file, img.bytes), vmm: c.vmm, log: true };
  if (c.vcpus !== undefined) o.vcpus = c.vcpus;
  if (c.vcpuType !== undefined && c.vmm === 'QEMU') o.vcpuSig = vcpuTypeSignature(c.vcpuType)!;
  if (c.guestFeatures !== undefined) o.guestFeatures = c.guestFeatures;
  if (c.kernel) {
    o.kernel = bytesSource('vmlinuz', demoBlob(8192, 1));
    o.initrd = bytesSource('initrd.img', demoBlob(4096, 3));
    o.append = DEMO_CMDLINE;
  }
  if (c.seedFrom) {
    const seed = results.get(c.seedFrom);
    if (seed) o.snpOvmfHash = seed.digest;
  }
  if (c.svsm) {
    const s = images.get('S')!;
    o.svsm = bytesSource(s.file, s.bytes);
    o.varsSize = DEMO_VARS_SIZE;
  }
  return o;
}

const SHORT = 16;

function render(images: DemoImage[], sections: DemoSectionRows[], st: Style, full: boolean): string {
  const out: string[] = [];
  out.push(st.bold('snp-launch demo') + ' — how one firmware image becomes different launch digests', '');
  out.push(st.bold('Example images') + st.dim(" (built in memory by snp-launch's image builders; no files needed)"));
  const width = full ? undefined : TERMINAL_WIDTH;
  out.push(...renderTable([['', 'file', 'sha256', 'layout'], ...images.map((i) => [i.id, i.file, toHex(sha256(i.bytes)).slice(0, SHORT) + '…', i.description])], [], st, '  ', width));
  // One table for every section, so the columns line up throughout; rows are numbered across
  // sections so that "vs" can point at any earlier row.
  const all = sections.flatMap((s) => s.rows);
  const number = new Map(all.map((r, i) => [r.id, i + 1]));
  const byId = new Map(all.map((r) => [r.id, r]));
  const header = ['#', 'launch', 'platform', 'vCPUs', 'digest', 'steps', 'vs', 'where the difference comes from'];
  const body = all.map((r): (Cell | string)[] => {
    const digest: Cell = r.digest === null ? { text: 'rejected', style: st.red } : { text: full ? r.digest : r.digest.slice(0, SHORT) + '…' };
    const vs = r.baseline !== null ? String(number.get(r.baseline) ?? '?') : '-';
    return [String(number.get(r.id)), r.label, r.platform, r.vcpus === null ? '-' : String(r.vcpus), digest, r.steps === null ? '-' : String(r.steps), vs, explain(r, byId, number, st)];
  });
  const lines = renderTable([header, ...body], ['right', 'left', 'left', 'right', 'left', 'right', 'right', 'left'], st, '  ', width);
  let next = 1;
  for (const s of sections) {
    if (s.rows.length === 0) continue;
    out.push('', st.bold(s.title), lines[0]!, ...lines.slice(next, next + s.rows.length));
    next += s.rows.length;
  }
  out.push(
    '',
    st.dim('steps: PAGE_INFO records folded into the SHA-384 chain (SNP); "from step N" is the first'),
    st.dim('record that differs from row "vs". Full digests: snp-launch demo --wide (or --json).'),
    st.dim('One launch step by step: snp-launch measure ... --log'),
    '',
  );
  return out.join('\n');
}

function explain(r: DemoRow, rows: Map<string, DemoRow>, number: Map<string, number>, st: Style): Cell {
  if (r.error !== null) return { text: r.why ? `${r.why}: ${r.error}` : r.error, style: st.red };
  if (r.sameAsBaseline) return { text: `${r.why} → same digest as row ${number.get(r.baseline!)}`, style: st.green };
  const d = r.firstDifference;
  if (d) {
    const what = d.origin.toUpperCase().includes(d.type) ? d.origin : `${d.type} ${d.origin}`;
    return { text: `${r.why} · from step ${d.step}: ${what}` };
  }
  return { text: r.why, ...(r.baseline === null || !rows.has(r.baseline) ? { style: st.dim } : {}) };
}
