/**
 * `snp-launch explore [--port N]`: serves the explorer page (the static Vite build in web-dist/)
 * on 127.0.0.1 and prints its URL. The page does all of its work in the browser; this server only
 * hands out files, so it is deliberately tiny: GET/HEAD only, a fixed MIME table, no directory
 * listings, and no path can escape the build folder.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatHelp, get, parseArgs, type CommandSpec } from '../args.js';
import { inputError, usageError } from '../../core/errors.js';
import { writeStdout } from '../stdout.js';

const SPEC: CommandSpec = {
  usage: 'snp-launch explore [--port N] [--dir DIR]',
  summary:
    'Serve the explorer web page on http://127.0.0.1 (local only). The page measures images, draws ' +
    'their memory maps, diffs platforms and checks attestation reports in the browser; nothing is uploaded.',
  options: [
    { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' },
    { name: 'port', type: 'decimal', metavar: 'N', help: 'TCP port on 127.0.0.1 (default 8384; 0 = any free port)' },
    { name: 'dir', type: 'string', metavar: 'DIR', help: 'serve this built folder instead of the packaged web-dist/' },
  ],
  epilog: 'Build the page first with `npm run build:web` (or run `npm run explore`, which builds and serves).',
};

const DEFAULT_PORT = 8384;

/** Extensions the Vite build produces, and a few that a hosted copy may add. */
const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.igvm': 'application/octet-stream',
};

/** web-dist/ next to the package root: dist/cli/commands/explore.js → ../../../web-dist. */
export function defaultWebRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'web-dist');
}

export interface StaticServer {
  server: Server;
  /** http://127.0.0.1:PORT/ */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Maps a request path to a file under `root`, or null when it is outside it, hidden, or not a file.
 * `root` must already be a real path (symlinks resolved).
 */
export function resolveRequestPath(root: string, rawUrl: string): string | null {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(rawUrl, 'http://127.0.0.1').pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.split('/').some((seg) => seg.startsWith('.') && seg !== '')) return null;
  const rel = pathname.endsWith('/') ? pathname + 'index.html' : pathname;
  const full = resolve(root, '.' + rel);
  if (full !== root && !full.startsWith(root + sep)) return null;
  try {
    // A symlink inside the folder must not lead outside it either.
    const real = realpathSync(full);
    if (!real.startsWith(root + sep) || !statSync(real).isFile()) return null;
    return real;
  } catch {
    return null;
  }
}

function handle(root: string, req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('method not allowed\n');
    return;
  }
  const file = resolveRequestPath(root, req.url ?? '/');
  if (file === null) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
    return;
  }
  const size = statSync(file).size;
  res.writeHead(200, { 'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': String(size) });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

/** Starts the static server on 127.0.0.1 (port 0 = any free port). */
export async function startStaticServer(dir: string, port = 0): Promise<StaticServer> {
  const root = realpathSync(dir);
  const server = createServer((req, res) => handle(root, req, res));
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const addr = server.address();
  const actual = typeof addr === 'object' && addr !== null ? addr.port : port;
  return {
    server,
    port: actual,
    url: `http://127.0.0.1:${actual}/`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(SPEC, argv);
  if (get.flag(args, 'help')) {
    writeStdout(formatHelp(SPEC));
    return 0;
  }
  if (args.positionals.length > 0) throw usageError('EXTRA_ARGUMENT', `unrecognized argument: ${args.positionals[0]}`, args.positionals[0]);
  const port = get.num(args, 'port') ?? DEFAULT_PORT;
  if (port < 0 || port > 65535) throw usageError('BAD_PORT', `argument --port: ${port} is not a TCP port (0..65535)`, '--port');
  const dir = get.str(args, 'dir') ?? defaultWebRoot();
  if (!existsSync(join(dir, 'index.html'))) {
    throw inputError('NOT_BUILT', `the explorer is not built (no ${join(dir, 'index.html')}); run \`npm run build:web\` or \`npm run explore\``, {
      file: dir,
    });
  }
  let srv: StaticServer;
  try {
    srv = await startStaticServer(dir, port);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'EADDRINUSE' ? `port ${port} is in use (try --port 0)` : code === 'EACCES' ? `port ${port} needs privileges` : String(e);
    throw inputError('LISTEN_FAILED', `cannot listen on 127.0.0.1: ${why}`);
  }
  writeStdout(`snp-launch explorer: ${srv.url}\n(local only: files you open in the page never leave the browser; Ctrl-C to stop)\n`);
  await new Promise<void>((ok) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void srv.close().then(ok);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
