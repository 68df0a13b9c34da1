/**
 * AMD KDS and revocation for the CLI (docs/kds.md; issue 16 items 6 and 7): the options shared by
 * `kds fetch` and `report verify` (--kds, --fetch-timeout; for verify also --fetch, --crl,
 * --check-revocation), the KDS access they build (disk cache + Node's fetch with retries, network
 * only when asked), and the hook report verify calls: a VCEK from KDS when --cert is absent, and
 * the "revocation" check.
 */
import { SnpLaunchError, usageError } from '../core/errors.js';
import { KDS_BASE, parseVek, type AttestationReport, type Certificate, type Check, type ProductLine } from '../attestation/index.js';
import { obtainCrl, obtainVcek, type KdsAccess } from '../attestation/endorsements.js';
import { loadCrls, type Crl } from '../attestation/crl.js';
import { chainIntermediate, checkRevocation } from '../attestation/revocation.js';
import { fail } from '../attestation/check.js';
import { readSmallFile } from '../node/file-source.js';
import { diskStore, kdsCacheDir } from '../node/kds-cache.js';
import { httpFetcher } from '../node/kds-http.js';
import { get, type OptionSpec, type ParsedArgs } from './args.js';

/** A CRL file (DER or PEM) is far below this; AMD's are under 1 KiB. */
const MAX_CRL_FILE = 1 << 20;
const DEFAULT_TIMEOUT_S = 60;

export const KDS_ACCESS_OPTIONS: OptionSpec[] = [
  { name: 'kds', type: 'string', metavar: 'URL', extension: true, help: `KDS base URL, e.g. a mirror or proxy (default: $SNP_LAUNCH_KDS_URL, else ${KDS_BASE})` },
  { name: 'fetch-timeout', type: 'decimal', metavar: 'SECONDS', extension: true, help: `give up on a KDS download after this long, retries included (default ${DEFAULT_TIMEOUT_S})` },
];

/** report verify's KDS/revocation options (declared in report.ts's option list). */
export const REPORT_KDS_OPTIONS: OptionSpec[] = [
  { name: 'fetch', type: 'flag', extension: true, help: 'get what is missing from AMD KDS (the VCEK when --cert is absent, the CRL), through the cache; turns on --check-revocation' },
  ...KDS_ACCESS_OPTIONS,
  { name: 'crl', type: 'list', metavar: 'FILE', extension: true, help: 'ARK-signed CRL (DER or PEM; repeatable): the ASK/ASVK must not be revoked' },
  { name: 'check-revocation', type: 'flag', extension: true, help: 'fail unless a valid CRL (from --crl, the KDS cache or --fetch) shows the ASK/ASVK is not revoked' },
];

/** KDS access for this run: the disk cache always, the network only when `network`. */
export function kdsAccess(args: ParsedArgs, network: boolean): KdsAccess {
  const base = get.str(args, 'kds') ?? process.env.SNP_LAUNCH_KDS_URL ?? KDS_BASE;
  const from = get.str(args, 'kds') !== undefined ? '--kds' : 'SNP_LAUNCH_KDS_URL';
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(base)) throw usageError('BAD_VALUE', `${from === '--kds' ? 'argument --kds' : 'SNP_LAUNCH_KDS_URL'}: '${base}' is not an http(s) base URL`, from);
  const t = get.num(args, 'fetch-timeout') ?? DEFAULT_TIMEOUT_S;
  if (t < 1) throw usageError('BAD_VALUE', `argument --fetch-timeout: must be at least 1 second, got ${t}`, '--fetch-timeout');
  const tty = process.stderr.isTTY === true;
  const note = (line: string) => process.stderr.write(`${line}\n`);
  const a: KdsAccess = { base, line: 'Milan', store: diskStore(kdsCacheDir(), note) };
  if (network) a.fetch = httpFetcher({ timeoutMs: t * 1000, ...(tty ? { progress: (l: string) => note(`kds: ${l}`) } : {}) });
  return a;
}

/** The product line KDS needs, or a usage error saying how to give it. */
export function kdsProduct(r: AttestationReport, path: string): ProductLine {
  const line = r.product?.line;
  if (!line) throw usageError('PRODUCT_UNKNOWN', `${path}: the product line is unknown (version ${r.version} report); pass --product Milan|Genoa|Turin`, '--product');
  return line;
}

export interface ReportKds {
  /** The VCEK got from KDS (or the cache) when --cert was absent. */
  vek?: Certificate;
  /** Where it came from, for a note. */
  vekSource?: string;
  /** The "revocation" check when asked for (--crl, --check-revocation, --fetch); else none. */
  revocation(r: AttestationReport, vek: Certificate | undefined, chain: Certificate[] | undefined, now: Date): Promise<Check[]>;
}

/** Option conflicts of the KDS options with --no-cert (nothing to endorse then). */
function checkConflicts(args: ParsedArgs, noCert: boolean): void {
  if (!noCert) return;
  for (const o of ['fetch', 'crl', 'check-revocation']) {
    if (args.values.has(o)) throw usageError('OPTION_CONFLICT', `argument --${o}: not allowed with argument --no-cert`, `--${o}`);
  }
}

/** report verify's KDS hook: runs before verifyReport (VCEK) and after it (revocation). */
export async function reportKds(args: ParsedArgs, report: AttestationReport, o: { path: string; haveCert: boolean; noCert: boolean }): Promise<ReportKds> {
  checkConflicts(args, o.noCert);
  const fetch = get.flag(args, 'fetch');
  const crlFiles = get.list(args, 'crl');
  const wanted = fetch || crlFiles.length > 0 || get.flag(args, 'check-revocation');
  const out: ReportKds = { revocation: async () => [] };
  if (!wanted) return out;
  const access = kdsAccess(args, fetch);
  if (fetch && !o.haveCert) {
    const line = kdsProduct(report, o.path);
    const got = await obtainVcek(report, line, { ...access, line });
    if (!got) throw usageError('MISSING_OPTION', 'no VCEK: give --cert or --fetch', '--cert');
    out.vek = got.value;
    out.vekSource = got.from === 'cache' ? `KDS cache (${got.url})` : got.url;
  }
  out.revocation = async (r, vek, chain, now) => {
    const line = r.product?.line;
    if (!line) return [fail('revocation', 'not checked: product unknown')];
    const kind = vek ? parseVek(vek).kind : r.signerInfo.signingKey === 'VLEK' ? 'VLEK' : 'VCEK';
    const intermediate = chainIntermediate(line, kind, chain);
    if (!intermediate) return [fail('revocation', `no AMD intermediate certificate is known for ${line}`)];
    let crls: Crl[] = [];
    let source: string | undefined;
    if (crlFiles.length > 0) {
      for (const f of crlFiles) crls.push(...loadCrls(await readSmallFile(f, MAX_CRL_FILE), f));
      source = '--crl';
    } else {
      let got;
      try {
        got = await obtainCrl(line, kind, { ...access, line }, now);
      } catch (e) {
        // KDS down or a wrong CRL: the verdict says so beside the other checks (the VCEK, if
        // fetched, already came through); an unreadable --crl file stays an input error above.
        if (!(e instanceof SnpLaunchError) || e.kind !== 'input') throw e;
        return [fail('revocation', `no valid CRL: ${e.message}`)];
      }
      if (got) {
        crls = [got.value];
        source = got.from === 'cache' ? 'the KDS cache' : got.url;
      }
    }
    return [await checkRevocation({ crls, intermediate, kind, line, at: now, ...(source ? { source } : {}) })];
  };
  return out;
}
