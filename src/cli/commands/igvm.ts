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

const SPEC: CommandSpec = {
  usage: 'snp-launch igvm inspect FILE [--json]',
  summary: 'Show what an IGVM file contains and warn about what will not launch or measure as intended.',
  options: [
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
    { name: 'json', type: 'flag', help: 'print the report as JSON' },
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
  if (sub === undefined) throw usageError('MISSING_SUBCOMMAND', 'missing subcommand (expected: inspect FILE)');
  if (sub !== 'inspect') throw usageError('UNKNOWN_SUBCOMMAND', `unknown subcommand '${sub}' (expected: inspect)`);
  if (path === undefined) throw usageError('MISSING_ARGUMENT', 'the following arguments are required: FILE', 'FILE');
  const src = await openFileSource(path);
  try {
    const report = await inspectIgvm(src);
    const launches = await idBlockMatches(src, report);
    writeStdout(get.flag(args, 'json') ? JSON.stringify({ ...report, idBlockLaunches: launches }, null, 2) + '\n' : renderText(report, launches));
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
  for (const p of r.platforms) {
    L.push(`  [${p.index}] ${p.platformType.padEnd(13)} mask ${p.mask}  highest_vtl ${p.highestVtl}  shared_gpa_boundary ${p.sharedGpaBoundary}`);
  }
  if (r.policies.length > 0 || r.initialization.length > 0) L.push('', 'initialization:');
  for (const p of r.policies) {
    const flags = p.flags.length > 0 ? `  ${p.flags.join(' ')}` : '';
    L.push(`  [${p.index}] GUEST_POLICY mask ${p.mask}  policy ${p.policy}${p.abi ? `  abi ${p.abi}` : ''}${flags}`);
  }
  for (const h of r.initialization) L.push(`  [${h.index}] ${h.kind} mask ${h.mask}  ${h.detail}`);
  L.push('', 'directives:');
  for (const [k, n] of Object.entries(r.directiveCounts)) L.push(`  ${k.padEnd(28)}${n}`);
  if (r.pageRanges.length > 0) {
    L.push('', 'page data (consecutive directives with contiguous GPAs):');
    for (const g of r.pageRanges) {
      const flags = g.flags.length > 0 ? ` [${g.flags.join(',')}]` : '';
      const idx = g.firstIndex === g.lastIndex ? `[${g.firstIndex}]` : `[${g.firstIndex}-${g.lastIndex}]`;
      L.push(`  ${idx.padEnd(12)} ${g.gpaStart}-${g.gpaEnd}  ${String(g.pages).padStart(5)} ${g.pages === 1 ? 'page ' : 'pages'}  ${g.dataType}${flags}  mask ${g.mask}  (${g.withData} with data, ${g.zeroPages} zero)`);
    }
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
    L.push(`  ld            ${b.ld}`);
    L.push(`  family_id     ${b.familyId}`);
    L.push(`  image_id      ${b.imageId}`);
    L.push(`  version ${b.version}  guest_svn ${b.guestSvn}  id_key_algorithm ${b.idKeyAlgorithm}  author_key_algorithm ${b.authorKeyAlgorithm}  author_key_enabled ${b.authorKeyEnabled}`);
    L.push(`  id key digest ${b.idKeyDigest} (curve ${b.idKeyCurve}), signature over the ID block: ${b.signature}`);
    if (b.authorKeyDigest) L.push(`  author digest ${b.authorKeyDigest}, signature over the ID key: ${b.authorSignature}`);
    const l = launches.find((x) => x.ld === b.ld);
    if (l) L.push(`  launch digest matches on (vCPUs ${l.searchedVcpus} searched):`, ...idBlockLaunchLines(l).map((x) => `    ${x}`));
  }
  L.push('', r.warnings.length === 0 ? 'warnings: none' : 'warnings:');
  for (const w of r.warnings) L.push(`  - ${w}`);
  return L.join('\n') + '\n';
}
