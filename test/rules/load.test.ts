import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadLayer, loadRuleSetSync, parseRuleFile } from '../../src/rules/load.js';
import { runCli } from '../support/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kb-rules-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = `rules:
  - id: test/yes-no
    state: yes_no_prompt
    priority: 50
    region: { last: 3 }
    match: { regex: '\\[[Yy]/[Nn]\\]' }
    answer: text
`;

function problemsOf(text: string | Buffer): { line: number | undefined; message: string; hint: string }[] {
  const file = join(dir, 'r.yaml');
  writeFileSync(file, text);
  return parseRuleFile(file).problems;
}

describe('rule file problems name the line and the fix', () => {
  it('accepts a valid file', () => {
    expect(problemsOf(GOOD)).toEqual([]);
  });

  it('invalid YAML', () => {
    const [p] = problemsOf('rules:\n  - id: a\n    state: [unclosed\n');
    expect(p?.message).toMatch(/invalid YAML/);
    expect(p?.line).toBeGreaterThanOrEqual(3);
  });

  it('an unknown key in a rule', () => {
    const [p] = problemsOf(GOOD.replace('    answer: text', '    answer: text\n    priorty: 3'));
    expect(p?.message).toBe("unknown key 'priorty' in rule 1");
    expect(p?.line).toBe(8);
    expect(p?.hint).toMatch(/priority/);
  });

  it('an unknown key inside a regex condition', () => {
    const [p] = problemsOf(GOOD.replace("match: { regex: '\\[[Yy]/[Nn]\\]' }", "match: { all: [ { regex: 'x', flags: 'i' } ] }"));
    expect(p?.message).toMatch(/unknown key 'flags'/);
    expect(p?.line).toBe(6);
    expect(p?.hint).toMatch(/ignore_case/);
  });

  it('a condition of an unknown kind', () => {
    const [p] = problemsOf(GOOD.replace("match: { regex: '\\[[Yy]/[Nn]\\]' }", 'match: { regexp: x }'));
    expect(p?.message).toMatch(/unknown key 'regexp'/);
    expect(p?.hint).toMatch(/regex, contains/);
  });

  it('a state outside the vocabulary', () => {
    const [p] = problemsOf(GOOD.replace('state: yes_no_prompt', 'state: waiting'));
    expect(p?.message).toMatch(/'state' is string "waiting"/);
    expect(p?.hint).toMatch(/permission_approval/);
    expect(p?.line).toBe(3);
  });

  it('a bad regex', () => {
    const [p] = problemsOf(GOOD.replace("regex: '\\[[Yy]/[Nn]\\]'", "regex: '(unclosed'"));
    expect(p?.message).toMatch(/bad regex in rule 'test\/yes-no'/);
    expect(p?.line).toBe(6);
  });

  it('a duplicate id in one file', () => {
    const problems = problemsOf(GOOD + GOOD.replace('rules:\n', ''));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/duplicate rule id 'test\/yes-no' \(first defined at line 2\)/);
    expect(problems[0]?.line).toBe(8);
  });

  it('a duplicate id across files of one directory', () => {
    writeFileSync(join(dir, 'a.yaml'), GOOD);
    writeFileSync(join(dir, 'b.yaml'), GOOD);
    const layer = loadLayer(dir);
    expect(layer.problems.map((p) => p.message)).toEqual([expect.stringMatching(/duplicate rule id 'test\/yes-no' \(also in .*a\.yaml:2\)/)]);
  });

  it('an empty file', () => {
    expect(problemsOf('')[0]?.message).toBe('the file is empty');
    expect(problemsOf('# only a comment\n')[0]?.message).toBe('the file is empty');
  });

  it('a binary file', () => {
    expect(problemsOf(Buffer.from([0x72, 0x75, 0x00, 0xff, 0xfe]))[0]?.message).toMatch(/not a text file/);
  });

  it('a bare list instead of rules:', () => {
    expect(problemsOf('- id: x\n')[0]?.hint).toMatch(/rules:/);
  });

  it('YAML files beside a .pane are fixture expectations, not rules', () => {
    writeFileSync(join(dir, 'shot.pane'), 'x');
    writeFileSync(join(dir, 'shot.yaml'), 'agent: shell\n');
    writeFileSync(join(dir, 'rules.yaml'), GOOD);
    expect(loadLayer(dir).files.map((f) => f.slice(dir.length + 1))).toEqual(['rules.yaml']);
  });

  it('arbitrary malformed YAML never crashes the loader', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.constantFrom('', 'rules:\n', 'rules:\n  - ', 'rules: [{id: a, '), (junk, prefix) => {
        const file = join(dir, 'fuzz.yaml');
        writeFileSync(file, prefix + junk);
        const parsed = parseRuleFile(file);
        expect(Array.isArray(parsed.problems)).toBe(true);
        if (parsed.rules.length === 0) expect(parsed.problems.length).toBeGreaterThan(0);
        for (const p of parsed.problems) expect(p.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('layering', () => {
  it('a later directory replaces a rule with the same id', () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    mkdirSync(a);
    mkdirSync(b);
    writeFileSync(join(a, 'r.yaml'), GOOD);
    writeFileSync(join(b, 'r.yaml'), GOOD.replace('priority: 50', 'priority: 70'));
    const set = loadRuleSetSync([a, b], { builtin: false });
    expect(set.rules.map((r) => [r.id, r.priority])).toEqual([['test/yes-no', 70]]);
  });
});

describe('kb rules check (the command)', () => {
  it('reports file, line, fix and exits 1 for a catastrophic regex', async () => {
    writeFileSync(join(dir, 'slow.yaml'), GOOD.replace("regex: '\\[[Yy]/[Nn]\\]'", () => "regex: '(a+)+$'"));
    const r = await runCli(['rules', 'check', dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/slow\.yaml:6: regex \/\(a\+\)\+\$\/ in rule 'test\/yes-no' can backtrack catastrophically/);
    expect(r.stderr).toMatch(/fix: /);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('a broken rule directory makes classify fail with one clear message and exit 1', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'rules:\n  - id: x\n    state: idle\n');
    const r = await runCli(['classify', '--rules', dir, '-'], { input: 'x' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(/^kage-bunshin: .*bad\.yaml:2: /);
    expect(r.stdout).toBe('');
  });

  it('a missing rules directory is a usage error (exit 2)', async () => {
    const r = await runCli(['rules', 'check', join(dir, 'nope')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/rules directory not found/);
  });
});
