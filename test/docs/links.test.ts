// Self-contained docs (issue 10 item 6): every Markdown link in README.md and docs/ is a public
// https:// URL or a path inside the repository that exists — with its #anchor among the target's
// headings (GitHub's slug rules). Nothing may point at the design specifications outside the repo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO } from '../_shared.js';

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? markdownFiles(p) : p.endsWith('.md') ? [p] : [];
  });
}

/** Inline links `[text](target)` and reference definitions `[id]: target`, outside code. */
export function links(md: string): string[] {
  const text = md.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const out: string[] = [];
  for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push(m[1]!);
  for (const m of text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) out.push(m[1]!);
  return out;
}

/** GitHub heading anchors: lower case, punctuation dropped, spaces to '-', duplicates numbered. */
export function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of md.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]!
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function problems(file: string): string[] {
  const md = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const target of links(md)) {
    if (/^https:\/\//.test(target) || target.startsWith('mailto:')) continue;
    if (/^[a-z]+:/i.test(target)) {
      out.push(`${target}: not a public https URL`);
      continue;
    }
    const [path, anchor] = target.split('#') as [string, string | undefined];
    const abs = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
    if (relative(REPO, abs).startsWith('..')) out.push(`${target}: outside the repository`);
    else if (!existsSync(abs)) out.push(`${target}: no such file`);
    else if (anchor && abs.endsWith('.md') && !anchors(readFileSync(abs, 'utf8')).has(anchor)) out.push(`${target}: no heading #${anchor}`);
  }
  return out.map((p) => `${relative(REPO, file)}: ${p}`);
}

test('every link in README.md and docs/ resolves inside the repository or is a public URL', () => {
  const files = [join(REPO, 'README.md'), ...markdownFiles(join(REPO, 'docs'))];
  const all = files.flatMap(problems);
  const count = files.reduce((n, f) => n + links(readFileSync(f, 'utf8')).length, 0);
  assert.ok(count > 30, `only ${count} links found: is the link reader broken?`);
  assert.deepEqual(all, []);
});

test('the link checker catches what it must', () => {
  assert.deepEqual(links('[a](x.md#y) `[b](no.md)`\n[c]: https://e.org\n```\n[d](z)\n```'), ['x.md#y', 'https://e.org']);
  // A planted broken link, a missing anchor and a path out of the repository are each reported.
  const dir = mkdtempSync(join(REPO, 'docs', '.links-test-'));
  try {
    const f = join(dir, 'x.md');
    writeFileSync(f, '# Top\n[ok](#top) [bad](missing.md) [anchor](#nope) [out](../../../shared/specs/README.md) [http](http://example.org)\n');
    assert.deepEqual(problems(f).map((p) => p.replace(/^.*x\.md: /, '')), [
      'missing.md: no such file',
      '#nope: no heading #nope',
      '../../../shared/specs/README.md: outside the repository',
      'http://example.org: not a public https URL',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(anchors('# The chain\n## Mode `snp`, step by step\n## The chain').has('mode-snp-step-by-step'));
  assert.ok(anchors('# A\n# A').has('a-1'));
});
