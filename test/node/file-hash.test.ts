// The kernel and initrd SHA-256 streams on worker threads (src/node/file-hash.ts), checked against
// node:crypto over the same bytes in the test; small files stay inline; errors name the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setHashProvider } from '../../src/core/hash.js';
import { bytesSource } from '../../src/core/source.js';
import { SnpLaunchError } from '../../src/core/errors.js';
import { computeKernelHashes } from '../../src/images/ovmf/kernel-hashes.js';
import { openFileSource } from '../../src/node/file-source.js';
import { sha256FileOffThread, WORKER_FILE_MIN } from '../../src/node/file-hash.js';
import { createParallelHashProvider } from '../../src/node/parallel-hash.js';

const dir = mkdtempSync(join(tmpdir(), 'snp-file-hash-'));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('kernel and initrd above the threshold are hashed on workers, concurrently, to the node:crypto digests', async () => {
  const provider = createParallelHashProvider();
  setHashProvider(provider);
  try {
    const kernel = randomBytes(WORKER_FILE_MIN + 4097);
    const initrd = randomBytes(WORKER_FILE_MIN + 123);
    writeFileSync(join(dir, 'k'), kernel);
    writeFileSync(join(dir, 'i'), initrd);
    const k = await openFileSource(join(dir, 'k'));
    const i = await openFileSource(join(dir, 'i'));
    const direct = sha256FileOffThread(k);
    assert.ok(direct instanceof Promise, 'a large file goes to a worker');
    assert.equal(hex(await direct), sha256(kernel));
    const h = await computeKernelHashes(k, i, 'console=ttyS0');
    assert.equal(hex(h.kernel), sha256(kernel));
    assert.equal(hex(h.initrd), sha256(initrd));
    assert.equal(hex(h.cmdline), sha256(Buffer.from('console=ttyS0\0')));
    await k.close?.();
    await i.close?.();
  } finally {
    await provider.close();
  }
});

test('small files and in-memory sources stay on the calling thread', async () => {
  writeFileSync(join(dir, 'small'), randomBytes(1000));
  const s = await openFileSource(join(dir, 'small'));
  assert.equal(sha256FileOffThread(s), undefined);
  assert.equal(sha256FileOffThread(bytesSource('mem', new Uint8Array(WORKER_FILE_MIN + 1))), undefined);
  await s.close?.();
});

test('a file that shrinks before the worker reads it is a located input error', async () => {
  writeFileSync(join(dir, 'shrinks'), randomBytes(WORKER_FILE_MIN + 1));
  const s = await openFileSource(join(dir, 'shrinks'));
  truncateSync(join(dir, 'shrinks'), 1000);
  await assert.rejects(sha256FileOffThread(s)!, (e: unknown) => e instanceof SnpLaunchError && e.location.file === s.name && /ended early/.test(e.message));
  await s.close?.();
});
