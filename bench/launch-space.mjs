// Bench row 8 (issue #8), whole-process, medians of interleaved launches:
//   8a `match` over the full default space of a 4 MiB OVMF with no match (the worst case: every
//      configuration computed) ÷ one plain `measure` of the same image (target <= 5x), with the
//      configurations per second the search reported;
//   8b `measure --vcpus 1-512` ÷ `measure --vcpus 512` alone (target <= 1.5x).
import { median, fmtMs, runMeasured } from './lib.mjs';

export async function rowLaunchSpace({ table, cli, ovmf, reps, log }) {
  log('8/8 match over the default launch space; measure --vcpus 1-512');
  const base = ['--mode', 'snp', '--vcpu-type', 'EPYC-v4', '--ovmf', ovmf];
  const plain = [cli, 'measure', '--vcpus', '4', ...base];
  const noMatch = [cli, 'match', '--measurement', 'ab'.repeat(48), '--ovmf', ovmf, '--json'];
  const range = [cli, 'measure', '--vcpus', '1-512', ...base];
  const single = [cli, 'measure', '--vcpus', '512', ...base];
  const t = { plain: [], match: [], range: [], single: [] };
  let rate = 0;
  let configs = 0;
  for (let r = 0; r < reps; r++) {
    t.plain.push((await runMeasured(process.execPath, plain)).wallMs);
    const m = await runMeasured(process.execPath, noMatch);
    if (m.code !== 1) return table.skip('8  match', `match exited ${m.code}: ${m.stderr.split('\n')[0]}`);
    const doc = JSON.parse(m.stdout);
    configs = doc.searched.configurations;
    rate = Math.max(rate, (configs / Math.max(1, doc.searched.ms)) * 1000);
    t.match.push(m.wallMs);
    t.range.push((await runMeasured(process.execPath, range)).wallMs);
    t.single.push((await runMeasured(process.execPath, single)).wallMs);
  }
  const [p, m, rg, s] = [median(t.plain), median(t.match), median(t.range), median(t.single)];
  table.add(`8a match, full default space (${configs.toLocaleString('en-US')} configurations), no match`, fmtMs(m), `${fmtMs(p)} one measure`, (m / p).toFixed(2), '<= 5.00', m / p <= 5);
  table.add('8b measure --vcpus 1-512 (one pass)', fmtMs(rg), `${fmtMs(s)} --vcpus 512`, (rg / s).toFixed(2), '<= 1.50', rg / s <= 1.5);
  table.notes.push(`row 8: medians of ${reps} interleaved launches; the search itself ran at ${Math.round(rate).toLocaleString('en-US')} configurations per second (best run)`);
}
