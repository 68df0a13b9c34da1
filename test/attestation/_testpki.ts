/**
 * A test AMD PKI made with OpenSSL: ARK, ASK and ASVK (RSASSA-PSS SHA-384, salt 48, as AMD's) with
 * KDS names, extensions and CRL distribution points, and VCEK/VLEKs (ECDSA P-384) with the AMD
 * extensions of specs/attestation.md §2.2. The library trusts it only through
 * VerifyOptions.trustedRoots, which the CLI never sets. Reports are re-signed with the VEK's key.
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCertificates, type AmdChainCerts, type Certificate, type ProductLine } from '../../src/attestation/index.js';

export const haveOpenssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;
export const skipNoOpenssl: string | false = haveOpenssl ? false : 'openssl not found (needed to make a test AMD PKI)';

const LOCATION = '/OU=Engineering/C=US/L=Santa Clara/ST=CA/O=Advanced Micro Devices';
const PSS = ['-sha384', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:48', '-sigopt', 'rsa_mgf1_md:sha384'];

/** An AMD extension as OpenSSL config: INTEGER, IA5String or raw bytes (hwID). */
const int = (v: number): string => (v >= 0x80 ? `DER:02:02:00:${v.toString(16).padStart(2, '0')}` : `DER:02:01:${v.toString(16).padStart(2, '0')}`);
const ia5 = (s: string): string => `DER:16:${s.length.toString(16).padStart(2, '0')}:${Buffer.from(s).toString('hex').match(/../g)!.join(':')}`;
const raw = (hex: string): string => `DER:${hex.match(/../g)!.join(':')}`;

export interface VekSpec {
  kind?: 'VCEK' | 'VLEK';
  /** The TCB SPLs (Milan/Genoa layout unless fmc is given). */
  tcb: { bl: number; tee: number; snp: number; ucode: number; fmc?: number };
  /** Hex of the hwID (VCEK). */
  hwId?: string;
  cspId?: string;
  productName?: string;
  structVersion?: number;
  /** Subject DN (default: AMD location + CN=SEV-<kind>). */
  subject?: string;
  /** Extra config lines in the extension section, e.g. "1.2.3.4 = critical,DER:05:00". */
  extra?: string[];
  /** Extra spl_4 value (byte 2 of a Milan TCB). */
  spl4?: number;
}

export interface TestPki {
  line: ProductLine;
  roots: AmdChainCerts;
  /** Makes a VCEK/VLEK signed by the ASK/ASVK; returns it with its private key (PEM). */
  vek(spec: VekSpec): { cert: Certificate; der: Uint8Array; keyPem: string };
  /** Another intermediate signed by the ARK (e.g. with a wrong CRL distribution point). */
  intermediate(opts: { kind: 'VCEK' | 'VLEK'; crl?: string; cn?: string }): Certificate;
  dir: string;
}

function run(args: string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/** A test PKI for one product line; files live in a temporary folder removed at exit. */
export function makeTestPki(line: ProductLine): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'snp-launch-pki-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const f = (n: string) => join(dir, n);
  const cnf = (name: string, lines: string[]) => {
    writeFileSync(f(name), ['[req]', 'distinguished_name = dn', '[dn]', '[ext]', ...lines, ''].join('\n'));
    return f(name);
  };
  const crl = (kind: 'VCEK' | 'VLEK') => `https://kdsintf.amd.com/${kind === 'VCEK' ? 'vcek' : 'vlek'}/v1/${line}/crl`;
  const load = (n: string) => loadCertificates(new Uint8Array(readFileSync(f(n))), n)[0]!;
  run(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', f('ark.key')]);
  const arkCnf = cnf('ark.cnf', ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', `crlDistributionPoints = URI:${crl('VCEK')}`, 'subjectKeyIdentifier = hash']);
  run(['req', '-x509', '-new', '-key', f('ark.key'), '-subj', `${LOCATION}/CN=ARK-${line}`, '-days', '3650', ...PSS, '-config', arkCnf, '-extensions', 'ext', '-out', f('ark.pem')]);
  run(['x509', '-in', f('ark.pem'), '-outform', 'DER', '-out', f('ark.der')]);
  let n = 0;
  const issue = (o: { subject: string; key: string; issuerPem: string; issuerKey: string; ext: string[]; serial?: string; pss?: boolean }): string => {
    const id = `c${n++}`;
    run(['req', '-new', '-key', o.key, '-subj', o.subject, '-config', cnf(`${id}-req.cnf`, []), '-out', f(`${id}.csr`)]);
    const args = ['x509', '-req', '-in', f(`${id}.csr`), '-CA', o.issuerPem, '-CAkey', o.issuerKey, '-days', '365', ...PSS, '-extfile', cnf(`${id}.cnf`, o.ext), '-extensions', 'ext', '-out', f(`${id}.pem`)];
    args.push('-set_serial', o.serial ?? String(n + 1));
    run(args);
    run(['x509', '-in', f(`${id}.pem`), '-outform', 'DER', '-out', f(`${id}.der`)]);
    return id;
  };
  const intermediate = (o: { kind: 'VCEK' | 'VLEK'; crl?: string; cn?: string }): { cert: Certificate; id: string; key: string } => {
    const key = f(`inter${n}.key`);
    run(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key]);
    const cn = o.cn ?? (o.kind === 'VCEK' ? `SEV-${line}` : `SEV-VLEK-${line}`);
    const id = issue({ subject: `${LOCATION}/CN=${cn}`, key, issuerPem: f('ark.pem'), issuerKey: f('ark.key'), ext: ['basicConstraints = critical,CA:TRUE,pathlen:0', 'keyUsage = critical,keyCertSign', `crlDistributionPoints = URI:${o.crl ?? crl(o.kind)}`] });
    return { cert: load(`${id}.der`), id, key };
  };
  const ask = intermediate({ kind: 'VCEK' });
  const asvk = intermediate({ kind: 'VLEK' });
  const roots: AmdChainCerts = { ark: load('ark.der'), ask: ask.cert, asvk: asvk.cert };
  const vek = (s: VekSpec) => {
    const kind = s.kind ?? 'VCEK';
    const key = f(`vek${n}.key`);
    run(['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', key]);
    const turin = s.tcb.fmc !== undefined;
    const ext = [
      `1.3.6.1.4.1.3704.1.1 = ${int(s.structVersion ?? (turin ? 1 : 0))}`,
      `1.3.6.1.4.1.3704.1.2 = ${ia5(s.productName ?? line)}`,
      `1.3.6.1.4.1.3704.1.3.1 = ${int(s.tcb.bl)}`,
      `1.3.6.1.4.1.3704.1.3.2 = ${int(s.tcb.tee)}`,
      `1.3.6.1.4.1.3704.1.3.3 = ${int(s.tcb.snp)}`,
      `1.3.6.1.4.1.3704.1.3.4 = ${int(s.spl4 ?? 0)}`,
      `1.3.6.1.4.1.3704.1.3.5 = ${int(0)}`,
      `1.3.6.1.4.1.3704.1.3.6 = ${int(0)}`,
      `1.3.6.1.4.1.3704.1.3.7 = ${int(0)}`,
      `1.3.6.1.4.1.3704.1.3.8 = ${int(s.tcb.ucode)}`,
      ...(s.tcb.fmc !== undefined ? [`1.3.6.1.4.1.3704.1.3.9 = ${int(s.tcb.fmc)}`] : []),
      ...(s.hwId !== undefined ? [`1.3.6.1.4.1.3704.1.4 = ${raw(s.hwId)}`] : []),
      ...(s.cspId !== undefined ? [`1.3.6.1.4.1.3704.1.5 = ${ia5(s.cspId)}`] : []),
      ...(s.extra ?? []),
    ];
    const inter = kind === 'VCEK' ? ask : asvk;
    const id = issue({ subject: s.subject ?? `${LOCATION}/CN=SEV-${kind}`, key, issuerPem: f(`${inter.id}.pem`), issuerKey: inter.key, ext, serial: '0' });
    const der = new Uint8Array(readFileSync(f(`${id}.der`)));
    return { cert: loadCertificates(der, `test-${kind.toLowerCase()}.der`)[0]!, der, keyPem: readFileSync(key, 'utf8') };
  };
  return { line, roots, vek, intermediate: (o) => intermediate(o).cert, dir };
}

/** Signs report bytes 0x000..0x29F with a P-384 key, writing R and S little-endian (72 bytes each). */
export function resign(report: Uint8Array, keyPem: string): Uint8Array {
  const b = report.slice();
  const sig = sign('sha384', b.subarray(0, 0x2a0), { key: createPrivateKey(keyPem), dsaEncoding: 'ieee-p1363' });
  b.fill(0, 0x2a0, 0x330);
  b.set(Uint8Array.from(sig.subarray(0, 48)).reverse(), 0x2a0);
  b.set(Uint8Array.from(sig.subarray(48)).reverse(), 0x2e8);
  return b;
}
