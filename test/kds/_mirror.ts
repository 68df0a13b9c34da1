/**
 * A local KDS mirror for tests (loopback only, port 0): serves the shared AMD chains, CRLs and
 * real VCEKs at KDS paths (specs/attestation.md §3), with the VCEK paths written out here from the
 * published chip IDs and TCBs (vectors/attestation/README.md, openssl's reading of the Turin VCEK),
 * not computed by the library. A script of behaviours per request lets tests make it answer 429
 * (with or without Retry-After), 500, slowly, or with a wrong file.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { shared } from '../_shared.js';

const rd = (...p: string[]): Uint8Array => new Uint8Array(readFileSync(shared(...p)));
/** PEM text to DER (the mstav Genoa VCEK is PEM; KDS serves DER). */
function pemToDer(b: Uint8Array): Uint8Array {
  const t = new TextDecoder().decode(b).replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(t, 'base64'));
}

/** Turin VCEK facts (openssl asn1parse of virtee_turin_vcek.der): hwID and SPLs. */
export const TURIN = { hwId: '1e550a8ee5cf9f4d', fmc: 0, bl: 0, tee: 0, snp: 0, ucode: 9 };

/** KDS path + query → body. Query parameters are compared as a set. */
export function kdsFiles(): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  for (const p of ['Milan', 'Genoa', 'Turin']) {
    const l = p.toLowerCase();
    m.set(`/vcek/v1/${p}/cert_chain`, rd('certs', 'amd', `${l}_ask_ark.pem`));
    m.set(`/vlek/v1/${p}/cert_chain`, rd('certs', 'amd', `${l}_asvk_ark.pem`));
  }
  m.set('/vcek/v1/Milan/crl', rd('vectors', 'kds', 'milan_crl_9.der'));
  m.set('/vcek/v1/Genoa/crl', rd('vectors', 'kds', 'genoa_crl_9.der'));
  // virtee_milan_report.bin: chip_id d495..., reported_tcb bl=3 tee=0 snp=8 ucode=115 (README).
  m.set(
    '/vcek/v1/Milan/d49554ec717f4e5b0fe6b143bcf0405bd7ae304727edf46603f2a76aef6a3abc15d7af38db757039029f0efacfd08e244324884738c72b082e2f87a44d541eb6?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115',
    rd('vectors', 'attestation', 'virtee_milan_vcek.der'),
  );
  // mstav_genoa_report.bin: chip_id b1e2..., reported_tcb bl=10 tee=0 snp=23 ucode=84 (README).
  m.set(
    '/vcek/v1/Genoa/b1e24a27bbc3a4d58090d8b89851dce3b8031544be249b9ac17132bb222b027622347ee4d0fe4f689efdfc47a68cefc686cbb448d01436506ee1e28010cab7c0?blSPL=10&teeSPL=0&snpSPL=23&ucodeSPL=84',
    pemToDer(rd('vectors', 'attestation', 'mstav_genoa_vcek.pem')),
  );
  m.set(`/vcek/v1/Turin/${TURIN.hwId}?fmcSPL=${TURIN.fmc}&blSPL=${TURIN.bl}&teeSPL=${TURIN.tee}&snpSPL=${TURIN.snp}&ucodeSPL=${TURIN.ucode}`, rd('vectors', 'attestation', 'virtee_turin_vcek.der'));
  return m;
}

const norm = (pathAndQuery: string): string => {
  const u = new URL(pathAndQuery, 'http://x');
  const q = [...u.searchParams.entries()].sort(([a], [b]) => a.localeCompare(b));
  return u.pathname + (q.length ? '?' + q.map(([k, v]) => `${k}=${v}`).join('&') : '');
};

/**
 * Behaviours, consumed one per request (then 'ok'): 'ok'; '429' (no Retry-After); '429:N'
 * (Retry-After: N); '500'; 'slow:MS' (answers after MS); 'wrong' (another file: a Milan CRL).
 * `always` replaces 'ok' as the behaviour once the script is used up.
 */
export interface Mirror {
  url: string;
  hits: { path: string; status: number; at: number }[];
  script: string[];
  always: string;
  close(): Promise<void>;
}

export async function startMirror(files = kdsFiles()): Promise<Mirror> {
  const byKey = new Map([...files].map(([k, v]) => [norm(k), v]));
  const wrong = files.get('/vcek/v1/Milan/crl')!;
  let server: Server;
  const m: Mirror = {
    url: '',
    hits: [],
    script: [],
    always: 'ok',
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
  server = createServer((req, res) => {
    const key = norm(req.url ?? '/');
    const how = m.script.shift() ?? m.always;
    const send = (status: number, body?: Uint8Array, headers: Record<string, string> = {}) => {
      m.hits.push({ path: key, status, at: Date.now() });
      res.writeHead(status, { 'content-type': 'application/octet-stream', ...headers });
      res.end(body ? Buffer.from(body) : undefined);
    };
    const [kind, arg] = how.split(':');
    if (kind === '429') return send(429, undefined, arg ? { 'retry-after': arg } : {});
    if (kind === '500') return send(500);
    const body = byKey.get(key);
    if (kind === 'wrong') return send(200, wrong);
    if (kind === 'slow') return void setTimeout(() => (body ? send(200, body) : send(404)), Number(arg));
    return body ? send(200, body) : send(404);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  m.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return m;
}
