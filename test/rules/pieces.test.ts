// Named conditions and regions (conditions: / regions: in a pack), used by name: one
// definition per pack, layered like rules; an unknown or cyclic name is a problem naming
// the file and the line where it is used. And rules explain: the rules tried, their
// regions, the condition that held or failed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkStack, loadStack } from '../../src/agents/stack.js';
import { classify } from '../../src/classify/index.js';
import { explain, formatExplanation } from '../../src/classify/explain.js';
import { runCli } from '../support/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kb-pieces-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function pack(name: string, files: Record<string, string>): string {
  const p = join(dir, name);
  mkdirSync(join(p, name), { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(p, name, f), text);
  return p;
}

const PIECES = `regions:
  box: { below: '^----$' }
conditions:
  prompt-in-box:
    within: box
    match: { regex: '^> ' }
`;
const RULES = `rules:
  - id: demo/idle
    state: idle
    priority: 100
    match: { matches: prompt-in-box }
    answer: none
  - id: demo/asks
    state: question
    priority: 200
    region: box
    match:
      all:
        - regex: '\\?$'
        - matches: prompt-in-box
    answer: text
`;

describe('named pieces', () => {
  it('are used by name within their pack, across its files', () => {
    const stack = loadStack([pack('demo', { 'pieces.yaml': PIECES, 'rules.yaml': RULES })], { builtin: false });
    expect(classify('text\n----\n> typed', stack.rules).rule).toBe('demo/idle');
    expect(classify('text\n----\nShall I?\n> x', stack.rules).rule).toBe('demo/asks');
    expect(classify('> typed\n----\nno prompt here', stack.rules).state).toBe('unknown');
  });

  it('a later layer that redefines a piece changes the rules that use it', () => {
    const builtin = pack('demo', { 'pieces.yaml': PIECES, 'rules.yaml': RULES });
    const user = join(dir, 'user');
    mkdirSync(join(user, 'demo'), { recursive: true });
    writeFileSync(join(user, 'demo', 'pieces.yaml'), PIECES.replace("regex: '^> '", "regex: '^>> '"));
    const stack = loadStack([builtin, user], { builtin: false });
    expect(classify('----\n> typed', stack.rules).state).toBe('unknown');
    expect(classify('----\n>> typed', stack.rules).rule).toBe('demo/idle');
  });

  it('another pack names them pack/name', () => {
    const other = `rules:
  - id: other/idle
    state: idle
    priority: 50
    match: { matches: demo/prompt-in-box }
    answer: none
`;
    const stack = loadStack([pack('demo', { 'pieces.yaml': PIECES }), pack('other', { 'r.yaml': other })], { builtin: false });
    expect(classify('----\n> x', stack.rules).rule).toBe('other/idle');
  });

  it('an unknown name, a cycle and a duplicate definition are problems with file:line and a fix', () => {
    const bad = `conditions:
  a: { matches: b }
  b: { not: { matches: a } }
rules:
  - id: demo/one
    state: idle
    priority: 1
    match: { matches: nowhere }
    answer: none
  - id: demo/two
    state: idle
    priority: 2
    region: no-such-region
    match: { regex: x }
    answer: none
  - id: demo/three
    state: idle
    priority: 3
    match: { matches: a }
    answer: none
`;
    const checked = checkStack([pack('demo', { 'bad.yaml': bad, 'dup.yaml': 'conditions:\n  a: { regex: y }\n' })], { builtin: false });
    const messages = checked.problems.map((p) => `${p.file.split('/').pop()}:${p.line}: ${p.message} | ${p.hint}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^bad\.yaml:8: rule 'demo\/one': unknown condition 'nowhere' \| define it under "conditions:"/),
        expect.stringMatching(/^bad\.yaml:13: rule 'demo\/two': unknown region 'no-such-region'/),
        expect.stringMatching(/^bad\.yaml:19: rule 'demo\/three': condition 'a' refers to itself \(demo\/a -> demo\/b -> demo\/a\)/),
        expect.stringMatching(/^dup\.yaml:2: condition 'a' of pack 'demo' is defined twice/),
      ]),
    );
  });

  it('kb rules check prints them as file:line with a fix line, exit 1', async () => {
    const p = pack('demo', { 'r.yaml': RULES });
    const r = await runCli(['rules', 'check', p]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/demo\/r\.yaml:5: rule 'demo\/idle': unknown condition 'prompt-in-box'\n  fix: /);
  });
});

describe('rules explain', () => {
  it('lists each rule tried in priority order with its region and condition trace, up to the deciding one', () => {
    const stack = loadStack([pack('demo', { 'pieces.yaml': PIECES, 'rules.yaml': RULES })], { builtin: false });
    const e = explain('intro\n----\n> typed', stack.rules);
    expect(e.classification.rule).toBe('demo/idle');
    expect(e.tried.map((t) => [t.id, t.matched])).toEqual([
      ['demo/asks', false],
      ['demo/idle', true],
    ]);
    expect(e.tried[0]!.region).toEqual([3]);
    expect(e.tried[0]!.trace).toMatchObject({ condition: 'all', held: false, children: [{ condition: "regex '\\?$'", held: false }, { condition: 'matches prompt-in-box', held: true }] });
    expect(e.tried[1]!.evidence).toEqual([3]);
    const text = formatExplanation(e, 'screen.pane');
    expect(text).toMatch(/state idle, rule demo\/idle, answer none/);
    expect(text).toMatch(/no {4}demo\/asks \(priority 200, question\)\n\s+region: lines 3\n\s+no  all\n\s+no  regex '\\\?\$'/);
    expect(text).toMatch(/MATCH demo\/idle/);
  });

  it('the command: text, --json, --agent selecting the pack, an unknown agent listed', async () => {
    const screen = join(dir, 'screen.pane');
    writeFileSync(screen, 'Do you want to proceed?\n ❯ 1. Yes\n   2. No\n');
    const text = await runCli(['rules', 'explain', screen, '--agent', 'shell']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/not for this pane \(applies_to\): \d+ rules/);
    const json = JSON.parse((await runCli(['rules', 'explain', screen, '--agent', 'shell', '--json'])).stdout) as { tried: Array<{ id: string }>; skipped: string[] };
    expect(json.tried.every((t) => !t.id.startsWith('claude-code/'))).toBe(true);
    expect(json.skipped).toContain('claude-code/tool-permission');
    const bad = await runCli(['rules', 'explain', screen, '--agent', 'nosuch']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/unknown agent "nosuch"/);
  });
});
