// Bench row 9 (issue #10 item 5): whole-process `measure` of a 4 MiB OVMF + 512 MiB kernel + 512 MiB
// initrd, where the two SHA-256 streams run on worker threads at once (src/node/file-hash.ts), as a
// ratio to one process hashing the same 1 GiB in a single createHash('sha256') pass (target <= 0.60),
// and its peak RSS (< 100 MiB). Medians of interleaved runs.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeRandomFile } from './gen.mjs';
import { MiB, fmtMiB, fmtMs, median, runMeasured } from './lib.mjs';

// The floor of this design: the same two files hashed at once by two bare threads (the kernel on
// the main thread, the initrd on a worker), with nothing else in the process.
const HASH_TWO = `
const { Worker } = require('node:worker_threads');
const { openSync, readSync } = require('node:fs');
const { createHash } = require('node:crypto');
const body = (f) => { const h = createHash('sha256'); const b = Buffer.allocUnsafe(1 << 20); const fd = openSync(f, 'r'); let n; while ((n = readSync(fd, b)) > 0) h.update(b.subarray(0, n)); return h.digest(); };
const w = new Worker('const { parentPort, workerData } = require("node:worker_threads"); const { openSync, readSync } = require("node:fs"); const { createHash } = require("node:crypto"); ' + 'parentPort.postMessage((' + body.toString() + ')(workerData))', { eval: true, workerData: process.argv[2] });
w.once('message', () => w.terminate());
body(process.argv[1]);`;

const HASH_ONCE = `
const { openSync, readSync } = await import('node:fs');
const { createHash } = await import('node:crypto');
const h = createHash('sha256');
const b = Buffer.allocUnsafe(1 << 20);
for (const f of process.argv.slice(1)) { const fd = openSync(f, 'r'); let n; while ((n = readSync(fd, b)) > 0) h.update(b.subarray(0, n)); }
h.digest();`;

export async function rowLargeInputs({ table, dir, cli, ovmf, reps, log }) {
  const name = '9  measure, 4 MiB OVMF + 512 MiB kernel + 512 MiB initrd';
  log('9/9 measure with a 512 MiB kernel and a 512 MiB initrd (both cores)');
  const kernel = join(dir, 'kernel-512M.bin');
  const initrd = join(dir, 'initrd-512M.bin');
  writeRandomFile(kernel, 512 * MiB);
  writeRandomFile(initrd, 512 * MiB);
  try {
    const args = [cli, 'measure', '--mode', 'snp', '--vcpus', '4', '--vcpu-type', 'EPYC-v4', '--ovmf', ovmf, '--kernel', kernel, '--initrd', initrd];
    const tb = [];
    const tm = [];
    const tf = [];
    let rss = 0;
    for (let r = 0; r < reps; r++) {
      tb.push((await runMeasured(process.execPath, ['--input-type=module', '-e', HASH_ONCE, kernel, initrd])).wallMs);
      tf.push((await runMeasured(process.execPath, ['-e', HASH_TWO, kernel, initrd])).wallMs);
      const m = await runMeasured(process.execPath, args);
      if (m.code !== 0) return table.skip(name, `measure failed: ${m.stderr.split('\n')[0]}`);
      tm.push(m.wallMs);
      rss = Math.max(rss, m.maxRssKiB);
    }
    const b = median(tb);
    const m = median(tm);
    table.add(name + ' (time)', fmtMs(m), `${fmtMs(b)} one sha256 pass`, (m / b).toFixed(2), '<= 0.60', m / b <= 0.6);
    table.add(name + ' (peak RSS)', fmtMiB(rss), '', '', '< 100 MiB', rss / 1024 < 100);
    const f = median(tf);
    table.add('9b floor: two bare threads hashing the same two files', fmtMs(f), `${fmtMs(b)} one sha256 pass`, (f / b).toFixed(2), '', undefined);
  } finally {
    rmSync(kernel, { force: true });
    rmSync(initrd, { force: true });
  }
}
