// Bench row 7 (issue #9): whole-process `igvm build` of a 4 MiB OVMF + 256 MiB initrd for all six
// platforms (with an ID block), as a ratio to a process that hashes the same bytes once (SHA-256
// of the initrd, SHA-384 of the OVMF, both streamed from the files), and its peak RSS.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeRandomFile } from './gen.mjs';
import { MiB, fmtMiB, fmtMs, median, runMeasured } from './lib.mjs';

const HASH_ONCE = `
const { createReadStream } = await import('node:fs');
const { createHash } = await import('node:crypto');
for (const [f, a] of [[process.argv[1], 'sha256'], [process.argv[2], 'sha384']]) {
  const h = createHash(a);
  for await (const c of createReadStream(f, { highWaterMark: 1 << 20 })) h.update(c);
  h.digest();
}`;

export async function rowIgvmBuild({ table, dir, cli, ovmf, keys, reps, log }) {
  const name = '7  igvm build, 4 MiB OVMF + 256 MiB initrd, six platforms';
  log('7/7 igvm build (4 MiB OVMF + 256 MiB initrd)');
  const initrd = join(dir, 'initrd-256M.bin');
  const out = join(dir, 'built.igvm');
  writeRandomFile(initrd, 256 * MiB);
  const args = [cli, 'igvm', 'build', '--ovmf', ovmf, '--kernel', ovmf, '--initrd', initrd, '--append', 'console=ttyS0', '--vcpu-type', 'EPYC-v4', '-o', out, '--id-key', keys.id, '--author-key', keys.author];
  try {
    const tb = [];
    const tm = [];
    let rss = 0;
    let src = '';
    for (let r = 0; r < reps; r++) {
      tb.push((await runMeasured(process.execPath, ['--input-type=module', '-e', HASH_ONCE, initrd, ovmf])).wallMs);
      rmSync(out, { force: true });
      const m = await runMeasured(process.execPath, args);
      if (m.code !== 0) return table.skip(name, `igvm build failed: ${m.stderr.split('\n')[0]}`);
      tm.push(m.wallMs);
      rss = Math.max(rss, m.maxRssKiB);
      src = m.rssSource;
    }
    const b = median(tb);
    const m = median(tm);
    table.add(name + ' (time)', fmtMs(m), `${fmtMs(b)} hashing the bytes once`, (m / b).toFixed(2), '<= 1.50', m / b <= 1.5);
    table.add(name + ' (peak RSS)', fmtMiB(rss), '', '', '< 100 MiB', rss / 1024 < 100);
    table.notes.push(`row 7: medians of ${reps} interleaved runs; RSS from ${src}`);
  } finally {
    rmSync(initrd, { force: true });
    rmSync(out, { force: true });
  }
}
