/**
 * `snp-launch igvm inspect FILE [--json]`: what an IGVM file (specs/igvm.md) contains — platforms
 * and masks, guest policy, directive counts, GPA ranges, VP contexts with key VMSA fields,
 * parameter areas, the SNP ID block — and warnings. The report itself is built by
 * src/images/igvm/inspect.ts; this file only renders it.
 */
import { usageError } from '../../core/errors.js';
import { inspectIgvm, type IgvmInspectReport } from '../../images/igvm/inspect.js';
import { openFileSource } from '../../node/file-source.js';
import { fromHex } from '../../core/bytes.js';
import type { ByteSource } from '../../core/source.js';
import { idBlockLaunches, idBlockLaunchLines, type IdBlockLaunches } from '../../launch-space/id-block-launches.js';
import { formatHelp, get, parseArgs, type CommandSpec } from '../args.js';
import { writeStdout } from '../stdout.js';
import { fitLines, formatJsonDoc, renderTable, styleFor } from '../output.js';

const SPEC: CommandSpec = {
  usage: 'snp-launch igvm inspect FILE [--json]',
  summary: 'Show what an IGVM file contains and warn about what will not launch or measure as intended.',
  options: [
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
    { name: 'json', type: 'flag', help: 'print the report as JSON (format "snp-launch.igvm-inspect/1")' },
    { name: 'wide', type: 'flag', help: 'do not fold long lines to 100 columns' },
  ],
  positionals: ['SUBCOMMAND', 'FILE'],
  epilog: 'Subcommands:\n  inspect FILE   parse and validate FILE, then print its structure (exit 1 if it is malformed)\n  build ...      build a portable IGVM file from OVMF (`snp-launch igvm build --help`)',
};

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'build') return (await import('./igvm-build.js')).run(argv.slice(1));
  const args = parseArgs(SPEC, argv);
  if (get.flag(args, 'help')) {
    writeStdout(formatHelp(SPEC));
    return 0;
  }
  const [sub, path] = args.positionals;
  if (sub === undefined) throw usageError('MISSING_SUBCOMMAND', 'the following arguments are required: SUBCOMMAND (inspect FILE, or build ...)', 'SUBCOMMAND');
  if (sub !== 'inspect') throw usageError('UNKNOWN_SUBCOMMAND', `argument SUBCOMMAND: invalid choice: '${sub}' (choose from inspect, build)`, 'SUBCOMMAND');
  if (path === undefined) throw usageError('MISSING_ARGUMENT', 'the following arguments are required: FILE', 'FILE');
  const src = await openFileSource(path);
  try {
    const report = await inspectIgvm(src);
    const launches = await idBlockMatches(src, report);
    writeStdout(get.flag(args, 'json') ? formatJsonDoc('igvm-inspect', 1, { ...report, idBlockLaunches: launches }) : fitLines(renderText(report, launches).split('\n'), get.flag(args, 'wide')).join('\n'));
  } finally {
    await src.close?.();
  }
  return 0;
}

/** For each distinct ID block LD, the launches (platform, vCPU count) whose digest it equals. */
async function idBlockMatches(src: ByteSource, r: IgvmInspectReport): Promise<IdBlockLaunches[]> {
  const out: IdBlockLaunches[] = [];
  for (const ld of new Set(r.idBlocks.map((b) => b.ld))) {
    const bytes = fromHex(ld);
    if (bytes?.length === 48) out.push(await idBlockLaunches({ kind: 'igvm', igvm: src }, bytes));
  }
  return out;
}

/** Plain-text rendering, one section per concern. */
export function renderText(r: IgvmInspectReport, launches: readonly IdBlockLaunches[] = []): string {
  const L: string[] = [];
  L.push(`${r.file}: IGVM version ${r.formatVersion} (${r.architecture}), ${r.size} bytes, ${r.headerCount} headers`);
  L.push(`  variable header ${r.variableHeaderOffset}+${r.variableHeaderSize}, file data from ${r.fileDataOffset}, checksum ${r.checksum}`);
  L.push('', 'platforms:');
  const plain = styleFor(process.stdout, true);
  const table = (rows: string[][], align: ('left' | 'right')[] = []) => renderTable(rows, align, plain, '  ').slice(1);
  L.push(...table([['', '', '', '', ''], ...r.platforms.map((p) => [`[${p.index}]`, p.platformType, `mask ${p.mask}`, `highest_vtl ${p.highestVtl}`, `shared_gpa_boundary ${p.sharedGpaBoundary}`])]));
  if (r.policies.length > 0 || r.initialization.length > 0) L.push('', 'initialization:');
  for (const p of r.policies) {
    const flags = p.flags.length > 0 ? `  ${p.flags.join(' ')}` : '';
    L.push(`  [${p.index}] GUEST_POLICY mask ${p.mask}  policy ${p.policy}${p.abi ? `  abi ${p.abi}` : ''}${flags}`);
  }
  for (const h of r.initialization) L.push(`  [${h.index}] ${h.kind} mask ${h.mask}  ${h.detail}`);
  L.push('', 'directives:');
  L.push(...table([['', ''], ...Object.entries(r.directiveCounts).map(([k, n]) => [k, String(n)])], ['left', 'right']));
  if (r.pageRanges.length > 0) {
    L.push('', 'page data (consecutive directives with contiguous GPAs):');
    const rows = r.pageRanges.map((g) => [
      g.firstIndex === g.lastIndex ? `[${g.firstIndex}]` : `[${g.firstIndex}-${g.lastIndex}]`,
      `${g.gpaStart}-${g.gpaEnd}`,
      String(g.pages),
      g.pages === 1 ? 'page' : 'pages',
      g.dataType + (g.flags.length > 0 ? ` [${g.flags.join(',')}]` : ''),
      `mask ${g.mask}`,
      `${g.withData} with data, ${g.zeroPages} zero`,
    ]);
    L.push(...table([['', '', '', '', '', '', ''], ...rows], ['left', 'left', 'right']));
  }
  if (r.vpContexts.length > 0) L.push('', 'VP contexts:');
  for (const v of r.vpContexts) {
    L.push(`  [${v.index}] vp ${v.vpIndex} ${v.platform} (${v.format}) gpa ${v.gpa} mask ${v.mask}, data at ${v.fileOffset} (${v.length} bytes)`);
    const x = v.vmsa;
    if (x) {
      L.push(`        vmpl ${x.vmpl} cpl ${x.cpl}  rip ${x.rip}  rsp ${x.rsp}  cs ${x.cs.selector}/${x.cs.attrib} base ${x.cs.base}`);
      L.push(`        cr0 ${x.cr0}  cr3 ${x.cr3}  cr4 ${x.cr4}  efer ${x.efer}  xcr0 ${x.xcr0}  g_pat ${x.gPat}`);
      L.push(`        sev_features ${x.sevFeatures} (${x.sevFeatureNames.join(', ') || 'none'})  virtual_tom ${x.virtualTom}`);
    }
  }
  if (r.parameterAreas.length > 0) L.push('', 'parameter areas:');
  for (const a of r.parameterAreas) {
    const init = a.initialData ? `initial data at ${a.initialData.fileOffset}` : 'zero-filled';
    const ins = a.insert ? `inserted at ${a.insert.gpa} (header ${a.insert.headerIndex}, mask ${a.insert.mask})` : 'never inserted';
    L.push(`  area ${a.areaIndex} [${a.headerIndex}] ${a.size} bytes, ${init}, ${ins}`);
    for (const u of a.usages) L.push(`    +0x${u.byteOffset.toString(16).padEnd(6)} ${u.kind.padEnd(27)} [${u.headerIndex}] ${u.writes}`);
  }
  if (r.requiredMemory.length > 0) L.push('', 'required memory:');
  for (const m of r.requiredMemory) L.push(`  [${m.index}] ${m.gpa} ${m.size} bytes mask ${m.mask}${m.vtl2Protectable ? ' vtl2-protectable' : ''}`);
  for (const b of r.idBlocks) {
    L.push('', `SNP ID block [${b.index}] mask ${b.mask}:`);
    L.push(`  ld`, `    ${b.ld}`);
    L.push(`  family_id ${b.familyId}  image_id ${b.imageId}`);
    L.push(`  version ${b.version}  guest_svn ${b.guestSvn}  id_key_algorithm ${b.idKeyAlgorithm}  author_key_algorithm ${b.authorKeyAlgorithm}  author_key_enabled ${b.authorKeyEnabled}`);
    L.push(`  ID key (curve ${b.idKeyCurve}), signature over the ID block: ${b.signature}; digest`, `    ${b.idKeyDigest}`);
    if (b.authorKeyDigest) L.push(`  author key, signature over the ID key: ${b.authorSignature}; digest`, `    ${b.authorKeyDigest}`);
    const l = launches.find((x) => x.ld === b.ld);
    if (l) L.push(`  launch digest matches on (vCPUs ${l.searchedVcpus} searched):`, ...idBlockLaunchLines(l).map((x) => `    ${x}`));
  }
  L.push('', r.warnings.length === 0 ? 'warnings: none' : 'warnings:');
  for (const w of r.warnings) L.push(`  - ${w}`);
  return L.join('\n') + '\n';
}
