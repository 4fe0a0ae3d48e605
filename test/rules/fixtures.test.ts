// Every recorded fixture must classify as its expectation says, and every built-in rule
// must be pinned by a positive fixture and a near-miss fixture (ESLint's "missing tests
// for rule" check, applied to screens).
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coverage, findFixtures, runFixture } from '../../src/kit/fixtures.js';
import { loadRuleSetSync } from '../../src/rules/load.js';
import { builtinFixturesDir, packageRoot } from '../../src/rules/paths.js';

const rules = loadRuleSetSync();
const { fixtures, problems } = findFixtures([builtinFixturesDir()]);

describe('fixture corpus', () => {
  it('every .pane has a valid expectation beside it', () => {
    expect(problems).toEqual([]);
  });

  it('holds at least 40 recorded screens, Claude Code at two versions and two sizes', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
    const claude = fixtures.filter((f) => f.expectation.agent === 'claude');
    expect(new Set(claude.map((f) => f.expectation.version)).size).toBeGreaterThanOrEqual(2);
    expect(new Set(claude.map((f) => f.expectation.size)).size).toBeGreaterThanOrEqual(2);
    expect(fixtures.some((f) => f.expectation.size === '200x50')).toBe(true);
  });

  it('every built-in rule has a positive fixture and a near-miss fixture', () => {
    const cov = coverage(rules, fixtures);
    expect(cov.missingPositive, 'rules without a fixture that expects them').toEqual([]);
    expect(cov.missingNearMiss, 'rules without a fixture listing them in near_miss').toEqual([]);
  });

  it('every fixture names a rule that exists (or null for unknown)', () => {
    const ids = new Set(rules.rules.map((r) => r.id));
    for (const f of fixtures) {
      if (f.expectation.rule !== null) expect(ids.has(f.expectation.rule), `${f.pane}: ${f.expectation.rule}`).toBe(true);
      for (const id of f.expectation.near_miss ?? []) expect(ids.has(id), `${f.pane}: near_miss ${id}`).toBe(true);
    }
  });
});

describe('fixtures classify as expected', () => {
  for (const fixture of fixtures) {
    const name = relative(packageRoot(), fixture.pane);
    const e = fixture.expectation;
    const title = `${name} -> ${e.state} (${e.rule ?? 'no rule'})`;
    if (e.known_gap !== undefined) {
      it.fails(`${title} [known gap: ${e.known_gap}]`, () => {
        expect(runFixture(fixture, rules).failures).toEqual([]);
      });
      continue;
    }
    it(title, () => {
      const outcome = runFixture(fixture, rules);
      expect(outcome.failures, `evidence: ${JSON.stringify(outcome.actual.evidence)}`).toEqual([]);
    });
  }
});
