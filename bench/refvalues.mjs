// Bench row 10 (issue #11), whole-process, medians of interleaved launches: `refvalues` for the
// 4,608-cell matrix (qemu-kvm,ec2,gce × vCPUs 1-512 × EPYC-v4,EPYC-Milan,EPYC-Genoa) of a 4 MiB
// OVMF, as JSON and as CoRIM, ÷ one plain `measure` of the same image (targets: under 2 s and <= 3x).
import { median, fmtMs, runMeasured } from './lib.mjs';

export async function rowRefValues({ table, cli, ovmf, reps, log }) {
  log('10/10 refvalues, 4,608-cell matrix');
  const plain = [cli, 'measure', '--mode', 'snp', '--vcpus', '4', '--vcpu-type', 'EPYC-v4', '--ovmf', ovmf];
  const matrix = [cli, 'refvalues', '--ovmf', ovmf, '--platform', 'qemu-kvm,ec2,gce', '--vcpus', '1-512', '--vcpu-type', 'EPYC-v4,EPYC-Milan,EPYC-Genoa'];
  const t = { plain: [], json: [], corim: [] };
  for (let r = 0; r < reps; r++) {
    t.plain.push((await runMeasured(process.execPath, plain)).wallMs);
    const j = await runMeasured(process.execPath, [...matrix, '--format', 'json']);
    if (j.code !== 0) return table.skip('10 refvalues', `exit ${j.code}: ${j.stderr.split('\n')[0]}`);
    const cells = JSON.parse(j.stdout).cells.length;
    if (cells !== 4608) return table.skip('10 refvalues', `${cells} cells, expected 4608`);
    t.json.push(j.wallMs);
    t.corim.push((await runMeasured(process.execPath, [...matrix, '--format', 'corim'])).wallMs);
  }
  const [p, j, c] = [median(t.plain), median(t.json), median(t.corim)];
  table.add('10a refvalues 4,608 cells --format json', fmtMs(j), `${fmtMs(p)} one measure`, (j / p).toFixed(2), '<= 3.00, < 2 s', j / p <= 3 && j < 2000);
  table.add('10b refvalues 4,608 cells --format corim', fmtMs(c), `${fmtMs(p)} one measure`, (c / p).toFixed(2), '<= 3.00, < 2 s', c / p <= 3 && c < 2000);
  table.notes.push(`row 10: medians of ${reps} interleaved launches`);
}
