/**
 * CLI option parser target (src/cli/args.ts) with the real `measure` spec and a spec covering
 * every option type, positionals and variadic positionals. Inputs are argv arrays mutated at the
 * token level (option names, abbreviations, `=` values, numbers in every base, `--`, `-`).
 * An accepted argv must round-trip: rebuilding it canonically (`--name=value`, then `--` and the
 * positionals) parses to the same values.
 */
import { isDeepStrictEqual } from 'node:util';
import { parseArgs, type CommandSpec } from '../../../src/cli/args.js';
import { MEASURE_SPEC } from '../../../src/cli/commands/measure.js';
import { int, mutateText, pick, type Rnd } from '../mutators.js';
import { type FuzzTarget, invariant, textCodec } from '../target.js';

const ALL_TYPES: CommandSpec = {
  usage: 'fuzz',
  summary: 'every option type',
  options: [
    { name: 'help', short: 'h', type: 'flag', help: '' },
    { name: 'count', short: 'c', type: 'decimal', help: '' },
    { name: 'count-max', type: 'decimal', extension: true, help: '' },
    { name: 'policy', type: 'auto', help: '' },
    { name: 'format', type: 'choice', choices: ['hex', 'base64', ''], help: '' },
    { name: 'file', short: 'f', type: 'list', help: '' },
    { name: 'name', type: 'string', help: '' },
  ],
  positionals: ['A', 'B...'],
};
const FIXED_POS: CommandSpec = { ...ALL_TYPES, positionals: ['ONLY'] };
const SPECS = [MEASURE_SPEC, ALL_TYPES, FIXED_POS];

interface Case {
  spec: number;
  argv: string[];
}

const TOKENS = ['--', '-', '-h', '-v', '-c', '-f', '--c', '--co', '--count=', '--policy', '--po=0x', '0x_ff', '0o17', '0b102', '-0', '+1', '1_000', '00', '9'.repeat(30), '--format=', '--fo', '--json', '--log', '--mode', 'snp', '--vcpus', '--vcpus=0', '--vcpu-type', '--guest-features=0x1', '--ovmf', '=', '--=', '---', '--help=1', ' ', '\u0000', '-1'];

function tokenFrom(spec: CommandSpec, rnd: Rnd): string {
  if (rnd() < 0.5) return pick(rnd, TOKENS);
  const o = pick(rnd, spec.options);
  const name = rnd() < 0.3 ? o.name.slice(0, 1 + int(rnd, o.name.length)) : o.name;
  return rnd() < 0.3 && o.short ? `-${o.short}` : rnd() < 0.5 ? `--${name}` : `--${name}=${pick(rnd, ['1', '0x10', '-2', 'hex', '', 'x'])}`;
}

function mutateArgs(c: Case, rnd: Rnd): Case {
  const spec = SPECS[c.spec]!;
  const argv = c.argv.slice();
  const at = int(rnd, argv.length + 1);
  switch (int(rnd, 5)) {
    case 0:
      argv.splice(at, 0, tokenFrom(spec, rnd));
      break;
    case 1:
      argv.splice(at, 1);
      break;
    case 2:
      if (argv.length) argv[Math.min(at, argv.length - 1)] = mutateText(argv[Math.min(at, argv.length - 1)]!, rnd, TOKENS, 4096);
      break;
    case 3:
      if (argv.length > 1) argv.push(argv.splice(at, 1)[0] ?? '');
      break;
    default:
      return { spec: int(rnd, SPECS.length), argv };
  }
  return { spec: c.spec, argv: argv.slice(0, 64) };
}

function canonical(spec: CommandSpec, values: Map<string, unknown>, positionals: string[]): string[] {
  const out: string[] = [];
  for (const [k, v] of values) {
    const o = spec.options.find((x) => x.name === k);
    invariant(o, `value for an option that is not in the spec: ${k}`);
    if (o.type === 'flag') out.push(`--${k}`);
    else if (o.type === 'list') for (const s of v as string[]) out.push(`--${k}=${s}`);
    else out.push(`--${k}=${String(v)}`);
  }
  return positionals.length ? [...out, '--', ...positionals] : out;
}

const TYPE_OF: Record<string, string> = { flag: 'boolean', string: 'string', choice: 'string', decimal: 'number', auto: 'bigint', list: 'object' };

export const argsTarget: FuzzTarget<Case> = {
  name: 'args',
  about: 'CLI option parser (src/cli/args.ts) with the measure spec and a spec of every option type',
  ext: 'json',
  seeds: async () => [
    { spec: 0, argv: ['--mode', 'snp', '--vcpus', '4', '--vcpu-type', 'EPYC-Milan', '--ovmf', 'OVMF.fd', '--append', 'console=ttyS0', '--guest-features=0x1', '--json', '--log'] },
    { spec: 0, argv: ['--igvm', 'a.igvm', '--platform', 'qemu-kvm', '-v', '--output-format', 'base64', '--vars-size', '0x20000'] },
    { spec: 1, argv: ['-c', '3', '--policy=0x30000', '--format', 'hex', '-f', 'a', '--file=b', 'p1', 'p2', '--', '-x'] },
    { spec: 2, argv: ['--count-max', '-5', '--name', 'n', 'one'] },
  ],
  mutate: mutateArgs,
  check(c) {
    const spec = SPECS[c.spec]!;
    const r = parseArgs(spec, c.argv);
    for (const [k, v] of r.values) {
      const o = spec.options.find((x) => x.name === k);
      invariant(o && typeof v === TYPE_OF[o.type], `--${k} has a value of the wrong type`);
      if (o.type === 'choice') invariant(o.choices!.includes(v as string), `--${k} is not one of its choices`);
    }
    const back = parseArgs(spec, canonical(spec, r.values, r.positionals));
    invariant(isDeepStrictEqual(back, r), 'argv does not round-trip through its canonical form');
  },
  encode: (c) => textCodec.encode(JSON.stringify(c)),
  decode: (b) => JSON.parse(textCodec.decode(b)) as Case,
};
