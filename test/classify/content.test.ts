// What the orchestrator reads in intervention_needed: the part of the screen that needs the
// answer, at most 10 clean lines, on real recorded screens (all sizes, both pinned versions).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStack } from '../../src/agents/stack.js';
import { cleanLine, interventionContent } from '../../src/classify/content.js';
import { classifyScreen } from '../../src/classify/index.js';
import { findFixtures } from '../../src/kit/fixtures.js';
import { screenContext } from '../../src/rules/compile.js';
import { builtinFixturesDir } from '../../src/rules/paths.js';
import { normalize } from '../../src/screen/normalize.js';

const stack = loadStack();
const { fixtures } = findFixtures([builtinFixturesDir()]);

function contentOf(pane: string, agentName: string): string {
  const lines = normalize(readFileSync(pane, 'utf8')).lines;
  const agent = stack.agents.get(agentName);
  const c = classifyScreen({ lines }, stack.rules, { agent: agent.name });
  const input = agent.input?.(screenContext(lines, {})) ?? [];
  return interventionContent(lines, c, input[0]);
}

const claude = (pattern: RegExp) => readdirSync(join(builtinFixturesDir(), 'claude')).filter((f) => f.endsWith('.pane') && pattern.test(f)).map((f) => join(builtinFixturesDir(), 'claude', f));

describe('intervention content', () => {
  it('every intervention fixture: at most 10 lines, no blank ones, no box borders at the ends', () => {
    let n = 0;
    for (const f of fixtures) {
      const e = f.expectation;
      if (!['permission_approval', 'yes_no_prompt', 'question'].includes(e.state)) continue;
      const content = contentOf(f.pane, e.agent);
      const lines = content.split('\n');
      expect(lines.length, f.pane).toBeLessThanOrEqual(10);
      expect(content.trim(), f.pane).not.toBe('');
      for (const l of lines) {
        expect(l.trim(), f.pane).not.toBe('');
        expect(l, f.pane).not.toMatch(/^[│┃]|[│┃]$/);
      }
      n++;
    }
    expect(n).toBeGreaterThan(100);
  });

  it('a question in the last message at 200x50 (both versions): the question, not the empty input box and footer', () => {
    const panes = claude(/^idle-question-.*200x50/);
    expect(panes.length).toBeGreaterThan(0);
    for (const pane of panes) {
      const content = contentOf(pane, 'claude');
      expect(content.split('\n').at(-1), pane).toMatch(/\?\s*$/);
      expect(content, pane).not.toMatch(/for shortcuts|^❯$|^─+$/m);
    }
  });

  it('the AskUserQuestion picker: its question and its first option are in', () => {
    for (const pane of claude(/^ask-single-/)) {
      const lines = normalize(readFileSync(pane, 'utf8')).lines;
      const content = contentOf(pane, 'claude');
      const first = lines.find((l) => /^\s*❯?\s*1\.\s+\S/.test(l));
      const question = lines.find((l) => /\?\s*$/.test(l) && !/^\s*❯?\s*\d+\./.test(l));
      expect(first, pane).toBeDefined();
      expect(content, pane).toContain(cleanLine(first!));
      expect(content, pane).toContain(cleanLine(question!));
    }
  });

  it('a permission dialog: the question and what it is about (the command) come with the options', () => {
    for (const pane of claude(/^bash-permission-/)) {
      const content = contentOf(pane, 'claude');
      expect(content, pane).toMatch(/Do you want to proceed\?/);
      expect(content, pane).toMatch(/1\. Yes/);
      expect(content, pane).toMatch(/Bash command|\bls\b|\becho\b|\brm\b/);
    }
  });
});
