/**
 * `snp-launch ovmf metadata FILE [-o OUT]`: the OVMF facts an SNP launch needs, as JSON
 * "snp-launch.ovmf-metadata/1" (src/images/ovmf/metadata-doc.ts, docs/refvalues.md "Inputs by
 * hash"): size, GPA, reset EIP, kernel-hashes area, SEV metadata sections and the SNP_OVMF hash.
 * `measure --ovmf-metadata OUT` (and match, refvalues, report verify) then measure without the file.
 */
import { formatJsonDoc } from '../output.js';
import { usageError } from '../../core/errors.js';
import { ovmfMetadataToJson } from '../../images/ovmf/metadata-doc.js';
import { ovmfMetadataOf } from '../../measure/by-hash.js';
import { openFileSource } from '../../node/file-source.js';
import { formatHelp, get, parseArgs, type CommandSpec } from '../args.js';
import { writeOutput } from '../refvalues-output.js';
import { writeStdout } from '../stdout.js';
import { SNP_LAUNCH_VERSION } from '../version.js';

const SPEC: CommandSpec = {
  usage: 'snp-launch ovmf metadata FILE [-o OUT]',
  summary: 'Print the OVMF facts an SNP launch needs (metadata sections, reset EIP, kernel-hashes GPA, sizes, the SNP_OVMF hash) as JSON, for measuring without the firmware file.',
  positionals: ['SUBCOMMAND', 'FILE'],
  options: [
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
    { name: 'output', short: 'o', type: 'string', metavar: 'OUT', help: 'write the JSON to OUT instead of stdout' },
  ],
  epilog: [
    'example:',
    '  snp-launch ovmf metadata OVMF.fd -o ovmf.json',
    '  snp-launch measure --ovmf-metadata ovmf.json --vcpus 4 --vcpu-type EPYC-Milan --kernel-sha256 HEX --initrd-sha256 HEX --append "console=ttyS0"',
  ].join('\n'),
};

export async function run(argv: string[]): Promise<number> {
  const args = argv.some((a) => a === '-h' || a === '--help') ? undefined : parseArgs(SPEC, argv);
  if (args === undefined || get.flag(args, 'help')) {
    writeStdout(formatHelp(SPEC));
    return 0;
  }
  const [sub, path, ...extra] = args.positionals;
  if (sub === undefined) throw usageError('MISSING_SUBCOMMAND', 'missing subcommand (expected: metadata FILE)');
  if (sub !== 'metadata') throw usageError('UNKNOWN_SUBCOMMAND', `unknown subcommand '${sub}' (expected: metadata)`);
  if (path === undefined) throw usageError('MISSING_ARGUMENT', 'the following arguments are required: FILE', 'FILE');
  if (extra.length > 0) throw usageError('UNEXPECTED_ARGUMENT', `unrecognized arguments: ${extra.join(' ')}`);
  const src = await openFileSource(path);
  try {
    const doc = await ovmfMetadataOf(src);
    // Said, not refused: `measure` gives such firmware the reference's digest with the same warning.
    if (doc.sections === undefined) process.stderr.write(`snp-launch ovmf: warning: ${path} has no SEV metadata: QEMU refuses to launch it as SNP ("Failed to locate SEV metadata header")\n`);
    await writeOutput(args, new TextEncoder().encode(formatJsonDoc('ovmf-metadata', 1, ovmfMetadataToJson(doc, 'snp-launch') as object)), false);
  } finally {
    await src.close?.();
  }
  return 0;
}
