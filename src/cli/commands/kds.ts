/**
 * `snp-launch kds fetch REPORT [-o DIR]` (docs/kds.md): the report's endorsements from AMD KDS,
 * like snpguest's `fetch`: DIR/vcek.der (for a VCEK-signed report; a VLEK can only come from the
 * host), DIR/cert_chain.pem (ASK or ASVK, then ARK) and DIR/crl.der. Through the disk cache; every
 * response is validated (the VCEK against the report's chip and REPORTED_TCB and the chain, the
 * chain against the pinned ARK, the CRL against the ARK's signature) before it is written.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inputError, usageError } from '../../core/errors.js';
import { fileError } from '../../node/file-source.js';
import { parseProductLine, toPem, verifyChain, type ProductLine } from '../../attestation/index.js';
import { obtainCertChain, obtainCrl, obtainVcek, vcekUrlFor, type Obtained } from '../../attestation/endorsements.js';
import { formatHelp, get, parseArgs, type CommandSpec } from '../args.js';
import { loadReport } from '../report-input.js';
import { KDS_ACCESS_OPTIONS, kdsAccess, kdsProduct } from '../report-fetch.js';
import { writeStdout } from '../stdout.js';

const FETCH: CommandSpec = {
  usage: 'snp-launch kds fetch REPORT [-o DIR] [--kds URL] [--fetch-timeout S] [--product P]',
  summary: "Download a report's VCEK, cert_chain and CRL from AMD KDS (through the cache) into DIR: vcek.der, cert_chain.pem, crl.der.",
  options: [
    { name: 'output', short: 'o', type: 'string', metavar: 'DIR', extension: true, help: 'directory to write into (default: the current directory; created if missing)' },
    ...KDS_ACCESS_OPTIONS,
    { name: 'product', type: 'string', metavar: 'Milan|Genoa|Turin', extension: true, help: 'product line when the report cannot say (version 2 reports)' },
  ],
  positionals: ['REPORT'],
  epilog: [
    'Environment: SNP_LAUNCH_KDS_URL (base URL), SNP_LAUNCH_CACHE_DIR (cache directory; default',
    '$XDG_CACHE_HOME/snp-launch/kds or ~/.cache/snp-launch/kds).',
    'Exit status: 0 written, 1 KDS unavailable or a response is wrong, 2 usage error.',
  ].join('\n'),
};

function help(): string {
  return ['usage: snp-launch kds fetch REPORT [-o DIR] [options]', '', 'Run `snp-launch kds fetch --help` for the options.', ''].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    writeStdout(help());
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'fetch') throw usageError('UNKNOWN_SUBCOMMAND', `unknown kds subcommand '${sub}' (use fetch)`);
  if (rest.includes('-h') || rest.includes('--help')) {
    writeStdout(formatHelp(FETCH));
    return 0;
  }
  const args = parseArgs(FETCH, rest);
  if (args.positionals.length !== 1) throw usageError('MISSING_FILE', 'the following arguments are required: REPORT');
  const path = args.positionals[0]!;
  const pt = get.str(args, 'product');
  let product: ProductLine | undefined;
  if (pt !== undefined) {
    product = parseProductLine(pt);
    if (!product) throw usageError('BAD_CHOICE', `argument --product: invalid choice: '${pt}' (choose from Milan, Genoa, Turin)`, '--product');
  }
  const dir = get.str(args, 'output') ?? '.';
  const report = await loadReport(path, product);
  const line = kdsProduct(report, path);
  const kind = report.signerInfo.signingKey === 'VLEK' ? 'VLEK' : 'VCEK';
  // Refuse a report whose VCEK cannot be asked for before anything is downloaded (masked CHIP_ID, SIGNING_KEY NONE).
  if (kind === 'VCEK') vcekUrlFor(report, line);
  const access = { ...kdsAccess(args, true), line };
  const now = new Date();
  const need = <T>(o: Obtained<T> | undefined, what: string): Obtained<T> => o ?? (() => { throw inputError('KDS_MISSING', `${what} could not be obtained`); })();
  const chain = need(await obtainCertChain(line, kind, access), 'cert_chain');
  const crl = need(await obtainCrl(line, kind, access, now), 'CRL');
  const vcek = kind === 'VCEK' ? need(await obtainVcek(report, line, access), 'VCEK') : undefined;
  if (vcek) {
    const v = await verifyChain(vcek.value, 'VCEK', line, { chain: chain.value, now });
    const bad = v.checks.find((c) => !c.pass && c.name === 'certificate-chain');
    if (bad) throw inputError('KDS_BAD_RESPONSE', `the VCEK does not chain to AMD's root: ${bad.reason}`, { file: vcek.url });
  }
  const files: [string, Uint8Array | string, Obtained<unknown>][] = [];
  if (vcek) files.push(['vcek.der', vcek.value.der, vcek]);
  files.push(['cert_chain.pem', chain.value.map((c) => toPem(c.der)).join(''), chain]);
  files.push(['crl.der', crl.value.der, crl]);
  try {
    await mkdir(dir, { recursive: true });
    for (const [name, data] of files) await writeFile(join(dir, name), data);
  } catch (e) {
    throw fileError(e, dir);
  }
  const lines = files.map(([name, , o]) => `wrote ${join(dir, name)}  (${o.from === 'cache' ? 'cache' : 'KDS'}: ${o.url})`);
  if (kind === 'VLEK') lines.push(`no vcek.der: ${path} is signed by a VLEK, which comes from the host (the extended report's certificate table); KDS serves VLEKs only with cloud-provider credentials`);
  const c = crl.value;
  lines.push(`CRL: ${c.issuerCN ?? '?'} #${c.crlNumber ?? '?'}, ${c.thisUpdate.toISOString()} .. ${c.nextUpdate.toISOString()}${now > c.nextUpdate ? ' (OUT OF DATE: KDS has not published a newer one)' : ''}, ${c.revoked.length} revoked serial(s)`);
  writeStdout(lines.join('\n') + '\n');
  return 0;
}
