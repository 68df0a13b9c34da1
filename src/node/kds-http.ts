/**
 * The network edge of KDS access (docs/kds.md): Node's built-in fetch with a deadline, retries
 * with exponential backoff on HTTP 429 and 5xx and on connection errors, honouring Retry-After
 * (seconds or an HTTP date, RFC 9110 §10.2.3), a size bound on responses, and progress lines on
 * stderr when it is a terminal. KDS throttles (go-sev-guest retries its downloads likewise).
 */
import { SnpLaunchError, inputError } from '../core/errors.js';
import type { KdsFetcher } from '../attestation/endorsements.js';

/** KDS bodies are certificates and CRLs (≤ 8 KiB today); anything far larger is not one. */
export const MAX_KDS_RESPONSE = 1 << 20;

export interface HttpFetcherOptions {
  /** Give up after this long, for each URL (ms). */
  timeoutMs: number;
  /** One line per attempt/retry, or nothing. */
  progress?: (line: string) => void;
  /** First backoff (ms), doubled per retry up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** For tests: a fetch implementation (default globalThis.fetch). */
  fetchImpl?: typeof fetch;
}

/** Retry-After as milliseconds from now (RFC 9110 §10.2.3), undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const t = header.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const d = Date.parse(t);
  return Number.isNaN(d) ? undefined : Math.max(0, d - now);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Reads a body up to `max` bytes; more is an error (a KDS response is small). */
async function boundedBody(res: Response, url: string, max: number): Promise<Uint8Array> {
  const len = Number(res.headers.get('content-length') ?? NaN);
  if (len > max) throw inputError('KDS_TOO_LARGE', `response of ${len} bytes is larger than ${max}`, { file: url });
  const chunks: Uint8Array[] = [];
  let n = 0;
  if (res.body) {
    for await (const ch of res.body as unknown as AsyncIterable<Uint8Array>) {
      n += ch.length;
      if (n > max) throw inputError('KDS_TOO_LARGE', `response is larger than ${max} bytes`, { file: url });
      chunks.push(ch);
    }
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const ch of chunks) {
    out.set(ch, at);
    at += ch.length;
  }
  return out;
}

const retryable = (status: number) => status === 429 || (status >= 500 && status <= 599);

/** A KdsFetcher over HTTP(S): 200 → body; 429/5xx/network errors → retry until the deadline; other statuses → error. */
export function httpFetcher(o: HttpFetcherOptions): KdsFetcher {
  const doFetch = o.fetchImpl ?? globalThis.fetch;
  const base = o.backoffMs ?? 500;
  const cap = o.maxBackoffMs ?? 10_000;
  return async (url: string) => {
    const deadline = Date.now() + o.timeoutMs;
    const secs = `${Math.round(o.timeoutMs / 1000)} s`;
    let last = '';
    for (let attempt = 0; ; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      o.progress?.(attempt === 0 ? `fetching ${url}` : `retrying ${url} (attempt ${attempt + 1})`);
      let wait: number | undefined;
      try {
        const res = await doFetch(url, { signal: AbortSignal.timeout(left), redirect: 'follow', headers: { accept: 'application/octet-stream, application/x-pem-file, */*' } });
        if (res.status === 200) return await boundedBody(res, url, MAX_KDS_RESPONSE);
        await res.body?.cancel().catch(() => undefined);
        if (res.status === 404) throw inputError('KDS_NOT_FOUND', 'KDS answered 404 Not Found (no such chip, TCB or product; check --product and REPORTED_TCB)', { file: url });
        if (!retryable(res.status)) throw inputError('KDS_HTTP', `KDS answered HTTP ${res.status} ${res.statusText}`.trim(), { file: url });
        last = `HTTP ${res.status}`;
        wait = retryAfterMs(res.headers.get('retry-after'));
      } catch (e) {
        if (e instanceof SnpLaunchError) throw e;
        const name = (e as Error).name;
        if (name === 'TimeoutError' || name === 'AbortError') {
          last = 'no answer';
          break;
        }
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        last = cause?.code ?? cause?.message ?? (e as Error).message;
      }
      const backoff = wait ?? Math.min(cap, base * 2 ** attempt);
      const remaining = deadline - Date.now();
      if (backoff >= remaining) {
        // Waiting as asked would pass the deadline: give up now rather than sleep for nothing.
        if (wait !== undefined) last += `, Retry-After ${Math.ceil(wait / 1000)} s`;
        break;
      }
      o.progress?.(`${last}; waiting ${(backoff / 1000).toFixed(1)} s`);
      await sleep(backoff);
    }
    throw inputError('KDS_UNAVAILABLE', `KDS gave no usable answer within --fetch-timeout ${secs}${last ? ` (last: ${last})` : ''}`, { file: url });
  };
}
