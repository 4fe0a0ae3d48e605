// The agent profiles are the only place an agent CLI is described: they load, they agree
// with the recorded fixtures, their input fields are found on real screens, and src/ names
// no agent.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { checkStack } from '../../src/agents/stack.js';
import { findFixtures } from '../../src/kit/fixtures.js';
import { builtinFixturesDir, builtinRulesDir, packageRoot } from '../../src/rules/paths.js';
import { normalize } from '../../src/screen/normalize.js';
import { inputLines, squash } from '../../src/sessions/send.js';

const stack = checkStack();
const { fixtures } = findFixtures([builtinFixturesDir()]);

/** The code of a TypeScript file without its comments (strings and code kept). */
function codeWithoutComments(text: string): string {
  return ts.transpileModule(text, { compilerOptions: { removeComments: true, target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext } }).outputText;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? tsFiles(full) : name.endsWith('.ts') ? [full] : [];
  });
}

describe('agent profiles', () => {
  it('the built-in packs load without a problem', () => {
    expect(stack.problems).toEqual([]);
    expect(stack.agents.names()).toEqual(expect.arrayContaining(['claude', 'codex', 'gemini', 'shell', 'custom']));
    expect(stack.agents.default().name).toBe('claude');
  });

  it('src/ names no agent CLI outside comments: agents are data', () => {
    const words = new Set<string>();
    for (const agent of stack.agents.all()) {
      if (agent.name === 'shell' || agent.name === 'custom') continue; // generic words, not agent CLIs
      words.add(agent.name);
      for (const alias of agent.aliases) words.add(alias);
      if (agent.profile.binary) words.add(agent.profile.binary.split('/').pop()!);
    }
    for (const dir of readdirSync(builtinRulesDir())) if (statSync(join(builtinRulesDir(), dir)).isDirectory() && dir !== 'generic' && dir !== 'shell') words.add(dir);
    const pattern = new RegExp(`\\b(${[...words].map((w) => w.replace(/[-.]/g, '\\$&')).join('|')})\\b`, 'i');
    const offenders: string[] = [];
    for (const file of tsFiles(join(packageRoot(), 'src'))) {
      const code = codeWithoutComments(readFileSync(file, 'utf8'));
      const m = pattern.exec(code);
      if (m) offenders.push(`${file.slice(packageRoot().length + 1)}: "${m[0]}" in ${JSON.stringify(code.slice(Math.max(0, m.index - 40), m.index + 40))}`);
    }
    expect(words.size).toBeGreaterThanOrEqual(3);
    expect(offenders).toEqual([]);
  });

  it('every fixture was drawn by an agent that has a profile', () => {
    const unknown = fixtures.filter((f) => !stack.agents.find(f.expectation.agent)).map((f) => `${f.pane}: ${f.expectation.agent}`);
    expect(unknown).toEqual([]);
  });

  it("each profile lists exactly the versions its agent's fixtures were recorded from", () => {
    for (const agent of stack.agents.all()) {
      const versions = new Set(fixtures.filter((f) => f.expectation.agent === agent.name && f.expectation.program !== 'bash').map((f) => f.expectation.version));
      if (agent.name === 'shell' || agent.name === 'custom') continue; // screens of many programs, not of one versioned CLI
      expect([...agent.recordedVersions].sort(), agent.name).toEqual([...versions].sort());
    }
  });

  it('finds the input field on the recorded idle screens of every agent, and typed text inside it', () => {
    const typed: Record<string, string> = {
      'idle-typed': 'please refactor the parser module',
      'idle-unsent': 'refactor the parser into smaller functions',
      'typed-not-run': 'sleep 100',
    };
    let checked = 0;
    const found = new Map<string, number>();
    for (const f of fixtures) {
      const e = f.expectation;
      const agent = stack.agents.find(e.agent);
      if (!agent?.input || e.state !== 'idle') continue;
      const lines = normalize(readFileSync(f.pane, 'utf8')).lines;
      const input = inputLines(agent, { lines, pane: null })!;
      // (An empty input field can be a blank row: nothing to find until something is typed.)
      if (input.length) found.set(agent.name, (found.get(agent.name) ?? 0) + 1);
      const scenario = Object.keys(typed).find((s) => (e.scenario ?? '').startsWith(s));
      if (scenario) expect(squash(input.join('\n')), `${f.pane}: the typed text is not in the input field`).toContain(squash(typed[scenario]!));
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
    for (const agent of stack.agents.all()) {
      if (!agent.input || !fixtures.some((f) => f.expectation.agent === agent.name && f.expectation.state === 'idle')) continue;
      expect(found.get(agent.name) ?? 0, `${agent.name}: its input field is found on no idle screen`).toBeGreaterThan(0);
    }
  });
});
