import { fuzz } from './engine.ts';
import { TARGETS } from './targets.ts';
const t = TARGETS.find((x) => x.name === process.argv[2])!;
const r = await fuzz(t as never, { runs: Number(process.argv[3] ?? 3000), seconds: 20, seed: 1 });
console.log(r.stats.cases, r.stats.ms, r.finding?.detail);
