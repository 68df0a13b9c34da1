/**
 * `snp-launch explore`: the static server for the built page. 127.0.0.1 only, GET/HEAD only,
 * MIME types, no directory traversal (plain, encoded, symlinks), and the CLI's URL line, usage
 * errors and "not built" error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO } from '../_shared.js';
import { resolveRequestPath, startStaticServer, type StaticServer } from '../../src/cli/commands/explore.js';

/** A raw request (no URL normalisation by a client library), so `..` reaches the server as sent. */
function raw(port: number, method: string, path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => ok({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('explore static server', () => {
  let dir: string;
  let root: string;
  let srv: StaticServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'snp-launch-explore-'));
    root = join(dir, 'site');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(root, 'assets', 'style.css'), 'body{}');
    writeFileSync(join(root, '.hidden'), 'secret');
    writeFileSync(join(dir, 'outside.txt'), 'outside the root');
    symlinkSync(join(dir, 'outside.txt'), join(root, 'link.txt'));
    srv = await startStaticServer(root, 0);
  });
  after(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 with the port it reports', () => {
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const addr = srv.server.address();
    assert.ok(typeof addr === 'object' && addr !== null && addr.address === '127.0.0.1' && addr.port === srv.port && srv.port > 0);
  });

  it('serves index.html for / and files with their MIME types', async () => {
    const home = await raw(srv.port, 'GET', '/');
    assert.equal(home.status, 200);
    assert.equal(home.type, 'text/html; charset=utf-8');
    assert.match(home.body, /<title>x<\/title>/);
    assert.equal((await raw(srv.port, 'GET', '/assets/app.js')).type, 'text/javascript; charset=utf-8');
    assert.equal((await raw(srv.port, 'GET', '/assets/style.css?v=1')).type, 'text/css; charset=utf-8');
    const head = await raw(srv.port, 'HEAD', '/index.html');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  it('refuses other methods', async () => {
    for (const m of ['POST', 'PUT', 'DELETE', 'OPTIONS']) assert.equal((await raw(srv.port, m, '/')).status, 405, m);
  });

  it('never serves anything outside the folder, hidden files or directories', async () => {
    for (const p of ['/../outside.txt', '/assets/../../outside.txt', '/%2e%2e/outside.txt', '/..%2foutside.txt', '/assets%2f..%2f..%2foutside.txt', '/link.txt', '/.hidden', '/assets', '/nope.js', '/%00', '/%zz']) {
      const r = await raw(srv.port, 'GET', p);
      assert.equal(r.status, 404, p);
      assert.doesNotMatch(r.body, /outside the root|secret/, p);
    }
    assert.equal(resolveRequestPath(root, '/../outside.txt'), null);
    assert.equal(resolveRequestPath(root, '/assets/app.js'), join(root, 'assets', 'app.js'));
  });
});

describe('snp-launch explore (CLI)', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'explore', ...args], { encoding: 'utf8', cwd: REPO });

  it('usage errors exit 2 with one line', () => {
    for (const args of [['--port', 'x'], ['--port', '70000'], ['extra'], ['--bogus']]) {
      const r = run(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  it('says clearly when the page is not built', () => {
    const empty = mkdtempSync(join(tmpdir(), 'snp-launch-explore-empty-'));
    const r = run(['--dir', empty, '--port', '0']);
    rmSync(empty, { recursive: true, force: true });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not built.*npm run build:web/);
  });

  it('prints the URL it serves and stops on SIGTERM', async () => {
    const site = mkdtempSync(join(tmpdir(), 'snp-launch-explore-site-'));
    writeFileSync(join(site, 'index.html'), 'hello explorer');
    const child = spawn(process.execPath, [CLI, 'explore', '--port', '0', '--dir', site], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((ok, fail) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
          if (m) ok(m[0]);
        });
        child.on('exit', (code) => fail(new Error(`exited ${code} before printing a URL`)));
      });
      const port = Number(new URL(url).port);
      const r = await raw(port, 'GET', '/');
      assert.equal(r.body, 'hello explorer');
      const code = await new Promise<number | null>((ok) => {
        child.on('exit', (c) => ok(c));
        child.kill('SIGTERM');
      });
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(site, { recursive: true, force: true });
    }
  });
});
