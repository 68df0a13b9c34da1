// The README's examples run: every `snp-launch ...` command in a fenced sh/console block whose
// inputs exist (shared fixtures or files made by earlier examples, ./_workspace.ts) exits with 0 or
// its documented status, prints no stack trace and no doubled "x: x:" prefix; and every command's
// --help exits 0 and fits 100 columns. Commands with placeholders (`...`, `<hex>`, `[--json]`) and
// other tools' commands (rvps-tool, cocli, check) are listed as skipped, never silently dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsShared, REPO } from '../_shared.js';
import { cliBuilt, runCli, shellWords, type CliResult } from './_cli.js';
import { workspace } from './_workspace.js';

/** Fenced sh/console blocks → logical command lines (continuations joined, comments dropped). */
export function readmeCommands(md: string): string[] {
  const out: string[] = [];
  for (const m of md.matchAll(/^```(sh|console)\n([\s\S]*?)^```/gm)) {
    const lines = m[2]!.split('\n');
    let cur = '';
    for (const raw of lines) {
      let l = raw;
      if (m[1] === 'console') {
        if (cur === '' && !l.startsWith('$ ')) continue;
        if (cur === '') l = l.slice(2);
      }
      const cont = /\\\s*$/.test(l);
      cur += (cur ? ' ' : '') + l.replace(/\\\s*$/, '').trim();
      if (cont) continue;
      const cmd = stripComment(cur).trim();
      if (cmd) out.push(cmd);
      cur = '';
    }
  }
  return out;
}

/** Drops a `# ...` comment that starts outside quotes after whitespace. */
function stripComment(line: string): string {
  let q = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) q = c === q ? '' : q;
    else if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || line[i - 1] === ' ')) return line.slice(0, i);
  }
  return line;
}

/** Options whose value is a file snp-launch writes (so it need not exist beforehand). */
const OUTPUTS = new Set(['-o', '--output', '--out-id-block', '--out-id-auth', '--dump-vmsa-dir']);
const INPUT_FILE = /^(vmlinuz|[\w./-]+\.(fd|igvm|bin|der|pem|json|cbor|img|log|binarypb|crt|rego|toml|b64))$/;

/** Documented non-zero statuses of README examples run on the fixtures, with the reason. */
const EXPECTED: [RegExp, number | number[], string][] = [
  [/^match --report report\.bin --ovmf OVMF\.fd$/, 1, 'the shared report was not launched from the fixture firmware: match says what it searched and exits 1'],
  [/^report verify report\.bin .*(--refvalues|--ovmf|--igvm)/, 1, "the shared report's MEASUREMENT is not the fixture image's: that check fails (exit 1)"],
  [/^report verify report\.bin --cert vcek\.der --check-revocation$/, 1, 'the KDS cache of the test is empty: "fails without a CRL", as documented'],
  [/^report verify report\.bin --cert vcek\.der --crl crl\.der$/, [0, 1], "the shared Milan CRL is out of date after its nextUpdate (2026-08-08): the revocation check fails from then on"],
  [/^portability --igvm guest\.igvm --vcpus 4/, 1, 'qemu-kvm measures 3 more VMSAs at 4 vCPUs: the platforms disagree, exit 1 as documented'],
  [/^replay --qemu-trace qemu\.log --ovmf OVMF\.fd /, 1, 'the real trace (amd/sev-utils#17) measured the kernel-hashes page as NORMAL: the departure the README shows, exit 1'],
  [/^diff a\.json b\.json$/, 1, 'the two launches differ: diff exits 1 as documented'],
];

interface Planned {
  line: string;
  argv?: string[];
  stdoutTo?: string;
  skip?: string;
}

function plan(line: string, dir: string): Planned {
  if (!/^snp-launch /.test(line)) return { line, skip: 'not an snp-launch command' };
  // Tests never reach the internet: AMD KDS downloads are left out.
  if (/^snp-launch kds |--fetch\b/.test(line)) return { line, skip: 'needs the network' };
  if (/\.\.|<[^>]*>|\[|\$[A-Z{]/.test(line.replace(/\$\(snp-launch [^)]*\)/g, ''))) return { line, skip: 'placeholder' };
  let words = shellWords(line.replace(/\$\((snp-launch [^)]*)\)/g, (_, c: string) => `@SUBST@${c.replace(/ /g, '\u0000')}`)).slice(1);
  let stdoutTo: string | undefined;
  const gt = words.indexOf('>');
  if (gt >= 0) {
    stdoutTo = words[gt + 1];
    words = words.slice(0, gt);
  }
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('@SUBST@') || OUTPUTS.has(words[i - 1] ?? '') || !INPUT_FILE.test(w)) continue;
    if (!existsSync(join(dir, w))) return { line, skip: `input ${w} is not available` };
  }
  return { line, argv: words, ...(stdoutTo ? { stdoutTo } : {}) };
}

function clean(r: CliResult, what: string): void {
  assert.ok(!/^\s+at .*\(.*:\d+:\d+\)$/m.test(r.stderr), `${what}: stack trace:\n${r.stderr}`);
  assert.ok(!/internal error/.test(r.stderr), `${what}: internal error:\n${r.stderr}`);
  assert.ok(!/(?:^|: )([^:\n]{3,}): \1: /m.test(r.stderr), `${what}: doubled prefix:\n${r.stderr}`);
}

test('README examples run on the fixtures with status 0 or their documented status', { skip: needsShared }, async () => {
  cliBuilt();
  const dir = await workspace();
  const lines = readmeCommands(readFileSync(join(REPO, 'README.md'), 'utf8'));
  const ran: string[] = [];
  const skipped: string[] = [];
  for (const line of lines) {
    const p = plan(line, dir);
    if (p.skip) {
      skipped.push(`${p.skip}: ${line}`);
      continue;
    }
    const argv: string[] = [];
    for (const w of p.argv!) {
      if (!w.startsWith('@SUBST@')) {
        argv.push(w);
        continue;
      }
      const inner = shellWords(w.slice('@SUBST@'.length).replace(/\u0000/g, ' ')).slice(1);
      const s = await runCli(inner, dir);
      assert.equal(s.code, 0, `$(snp-launch ${inner.join(' ')}): ${s.stderr}`);
      argv.push(s.stdout.trim());
    }
    const r = await runCli(argv, dir, 120_000);
    const cmd = argv.join(' ');
    const exp = EXPECTED.find(([re]) => re.test(line.slice('snp-launch '.length)));
    const want = exp ? [exp[1]].flat() : [0];
    assert.ok(want.includes(r.code!), `README: ${line}\nexit ${r.code}, expected ${want.join(' or ')}${exp ? ` because ${exp[2]}` : ''}\n${r.stderr}${r.stdout.slice(-400)}`);
    clean(r, cmd);
    if (p.stdoutTo) writeFileSync(join(dir, p.stdoutTo), r.stdout);
    ran.push(line);
  }
  // The examples that need only shared files really run; anything skipped is listed.
  console.log(`README: ${ran.length} snp-launch commands run; skipped:\n  ${skipped.join('\n  ')}`);
  assert.ok(ran.length >= 25, `only ${ran.length} README commands ran`);
  for (const c of ['measure', 'match', 'refvalues', 'portability', 'diff', 'igvm build', 'report verify', 'id-block']) {
    assert.ok(ran.some((l) => l.startsWith(`snp-launch ${c} `)), `no README example of ${c} ran`);
  }
});

/** Subcommands with their own --help (the commands themselves are read from `snp-launch --help`). */
const SUBCOMMANDS = [['igvm', 'inspect'], ['igvm', 'build'], ['report', 'show'], ['report', 'verify'], ['kds', 'fetch']];

test("every command's --help exits 0, says usage and fits 100 columns", async () => {
  cliBuilt();
  const main = await runCli(['--help'], REPO);
  const commands = [...main.stdout.matchAll(/^ {2}([a-z][a-z-]*) {2,}/gm)].map((m) => [m[1]!]);
  assert.ok(commands.length >= 12, main.stdout);
  const known = new Set(commands.map((c) => c[0]));
  for (const c of [[], ...commands, ...SUBCOMMANDS.filter((s) => known.has(s[0]!))]) {
    const r = await runCli([...c, '--help'], REPO);
    const what = `snp-launch ${[...c, '--help'].join(' ')}`;
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    assert.match(r.stdout, /^usage: snp-launch/, what);
    clean(r, what);
    for (const l of r.stdout.split('\n')) assert.ok([...l].length <= 100, `${what}: a line of ${[...l].length} columns:\n${l}`);
  }
});

test('the README command reader joins continuations, drops comments and console output', () => {
  const md = '```sh\nsnp-launch a --x 1 \\\n    --y "2 # 3"   # comment\nnpm ci\n```\n```console\n$ snp-launch b\noutput line\n```\n';
  assert.deepEqual(readmeCommands(md), ['snp-launch a --x 1 --y "2 # 3"', 'npm ci', 'snp-launch b']);
});
