import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/index.js';
import { loadRuleSetSync, type RuleSet } from '../../src/rules/load.js';
import { builtinFixturesDir } from '../../src/rules/paths.js';

let dir: string;
let rules: RuleSet;

// Hand-typed corners of the region and condition semantics; real screens are in fixtures/.
const RULES = `rules:
  - id: t/dead
    state: exited
    priority: 100
    match: { pane_dead: true }
    answer: none
  - id: t/menu
    state: permission_approval
    priority: 80
    region: { last: 6 }
    match:
      all:
        - regex: '^\\s*❯?\\s*\\d+\\. '
          min: 2
        - contains: 'Esc to cancel'
    answer: keys
  - id: t/box
    state: idle
    priority: 10
    region: { below: { regex: '^─+$', nth: 2 }, above: '^─+$' }
    match: { regex: '^❯' }
    answer: none
  - id: t/only-bash
    state: working
    priority: 5
    applies_to: [bash]
    match: { command: 'sleep' }
    answer: none
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kb-classify-'));
  writeFileSync(join(dir, 'r.yaml'), RULES);
  rules = loadRuleSetSync([dir], { builtin: false });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('classify', () => {
  it('takes the highest-priority match and returns the evidence lines', () => {
    const r = classify('Do it?\n ❯ 1. Yes\n   2. No\n\nEsc to cancel\n', rules);
    expect(r).toEqual({
      state: 'permission_approval',
      rule: 't/menu',
      evidence: [' ❯ 1. Yes', '   2. No', 'Esc to cancel'],
      evidenceLines: [1, 2, 4],
      answer: 'keys',
      needs_intervention: true,
    });
    expect(classify('❯ 1. Yes\n2. No\nEsc to cancel', rules, { dead: true }).rule).toBe('t/dead');
  });

  it('min counts distinct matching lines', () => {
    expect(classify(' ❯ 1. Yes\nEsc to cancel', rules).state).toBe('unknown');
  });

  it('a region between two anchors is the input box', () => {
    const screen = 'older\n❯ not in box\n────\n❯ typed\n────\n  ? for shortcuts';
    expect(classify(screen, rules)).toMatchObject({ rule: 't/box', evidence: ['❯ typed'] });
    expect(classify('❯ no box here', rules).state).toBe('unknown');
  });

  it('applies_to filters on agent or command; with neither known every rule applies', () => {
    expect(classify('', rules, { agent: 'bash', command: 'sleep' }).rule).toBe('t/only-bash');
    expect(classify('', rules, { agent: 'claude', command: 'sleep' }).rule).toBe(null);
    expect(classify('', rules, { command: 'sleep' }).rule).toBe(null);
  });

  it('an empty screen is unknown', () => {
    expect(classify('', rules)).toMatchObject({ state: 'unknown', rule: null, needs_intervention: false, answer: 'none' });
  });
});

describe('generic/pane-dead', () => {
  it("a saved capture that ends in tmux's 'Pane is dead' line is exited even without pane facts", () => {
    const raw = readFileSync(join(builtinFixturesDir(), 'claude', 'pane-dead-2.1.330-80x24.pane'), 'utf8');
    expect(classify(raw, loadRuleSetSync())).toMatchObject({ state: 'exited', rule: 'generic/pane-dead' });
    expect(classify(raw.replace(/Pane is dead[^\n]*/, ''), loadRuleSetSync()).rule).not.toBe('generic/pane-dead');
  });
});

describe('built-in Claude rules on corners no recording has', () => {
  // Hand-typed: older Claude Code releases drew dialogs inside a │ box. Real screens of the
  // current layout are in fixtures/claude/.
  it('a permission dialog drawn inside a box is still a permission dialog', () => {
    const screen = [
      '╭──────────────────────────────────────────────╮',
      '│ Bash command                                 │',
      '│   rm -rf build/                              │',
      '│ Do you want to proceed?                      │',
      '│ ❯ 1. Yes                                     │',
      "│   2. Yes, and don't ask again for rm commands │",
      '│   3. No, and tell Claude what to do (esc)    │',
      '╰──────────────────────────────────────────────╯',
    ].join('\n');
    expect(classify(screen, loadRuleSetSync(), { agent: 'claude' })).toMatchObject({
      state: 'permission_approval',
      rule: 'claude-code/tool-permission',
    });
  });
});

const noisy = fc
  .array(
    fc.oneof(
      fc.string(),
      fc.constantFrom('\u001b[31m', '\u001b]0;x\u0007', '\u001b(B', '❯ 1. Yes', 'Esc to cancel', '────', '日本語', '👍', '\n', '\u0000'),
    ),
    { maxLength: 80 },
  )
  .map((p) => p.join(''));

describe('classify properties', () => {
  it('never throws and is deterministic on arbitrary text, ANSI and wide Unicode', () => {
    const builtin = loadRuleSetSync();
    fc.assert(
      fc.property(noisy, fc.constantFrom(undefined, 'claude', 'codex', 'gemini', 'shell'), fc.boolean(), (raw, agent, dead) => {
        for (const set of [rules, builtin]) {
          const a = classify(raw, set, { agent, dead });
          const b = classify(raw, set, { agent, dead });
          expect(a).toEqual(b);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('trailing blank lines do not change the classification', () => {
    const builtin = loadRuleSetSync();
    fc.assert(
      fc.property(noisy, fc.integer({ min: 1, max: 20 }), (raw, n) => {
        expect(classify(raw + '\n'.repeat(n), builtin, { agent: 'claude' })).toEqual(classify(raw, builtin, { agent: 'claude' }));
      }),
      { numRuns: 300 },
    );
  });
});
