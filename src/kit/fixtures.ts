/**
 * Recorded pane fixtures: NAME.pane (raw capture-pane output) with NAME.yaml beside it
 * saying what the classifier must answer. Used by `rules test` and the test suite.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { parseDocument } from 'yaml';
import { classify, type Classification } from '../classify/index.js';
import { UsageError } from '../errors.js';
import type { RuleSet } from '../rules/load.js';
import { STATES } from '../rules/schema.js';
import { validateAgainst } from '../rules/validate.js';

export const FixtureExpectation = Type.Object(
  {
    agent: Type.String({ minLength: 1, description: 'Agent name passed to the classifier.' }),
    program: Type.String({ description: 'The real program on screen.' }),
    version: Type.String({ description: "The program's version." }),
    size: Type.String({ pattern: '^\\d+x\\d+$', description: 'Terminal size WxH.' }),
    scenario: Type.Optional(Type.String()),
    state: Type.Union(STATES.map((s) => Type.Literal(s))),
    rule: Type.Union([Type.String(), Type.Null()]),
    pane: Type.Optional(
      Type.Object(
        { command: Type.Optional(Type.String()), dead: Type.Optional(Type.Boolean()) },
        { additionalProperties: true },
      ),
    ),
    near_miss: Type.Optional(Type.Array(Type.String())),
    known_gap: Type.Optional(Type.String({ description: 'Why this fixture is known to fail: reported, not failing.' })),
    recorded_at: Type.Optional(Type.Union([Type.String(), Type.Unknown()])),
    note: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
export type FixtureExpectation = Static<typeof FixtureExpectation>;

export interface Fixture {
  /** Path of the .pane file. */
  pane: string;
  expectation: FixtureExpectation;
}

export interface FixtureProblem {
  file: string;
  message: string;
}

/** Every NAME.pane under the directories (recursively), sorted, with its NAME.yaml. */
export function findFixtures(dirs: readonly string[]): { fixtures: Fixture[]; problems: FixtureProblem[] } {
  const fixtures: Fixture[] = [];
  const problems: FixtureProblem[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(full);
        continue;
      }
      if (!entry.name.endsWith('.pane')) continue;
      const yamlFile = `${full.slice(0, -'.pane'.length)}.yaml`;
      let text: string;
      try {
        text = readFileSync(yamlFile, 'utf8');
      } catch {
        problems.push({ file: full, message: `no expectation file ${yamlFile} beside it` });
        continue;
      }
      const doc = parseDocument(text);
      if (doc.errors.length) {
        problems.push({ file: yamlFile, message: `invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}` });
        continue;
      }
      const value = doc.toJS() as unknown;
      const invalid = validateAgainst(FixtureExpectation, value);
      if (invalid.length) {
        problems.push({ file: yamlFile, message: invalid.map((p) => `${p.message} (${p.hint})`).join('; ') });
        continue;
      }
      fixtures.push({ pane: full, expectation: value as FixtureExpectation });
    }
  };
  for (const dir of dirs) {
    const abs = resolve(dir);
    let ok = false;
    try {
      ok = statSync(abs).isDirectory();
    } catch {
      ok = false;
    }
    if (!ok) throw new UsageError(`fixture directory not found: ${dir}`, 'pass an existing directory');
    walk(abs);
  }
  return { fixtures, problems };
}

export interface FixtureOutcome {
  fixture: Fixture;
  actual: Classification;
  /** Why it failed; empty when it passed. */
  failures: string[];
  /** Marked known_gap: failures are reported but do not fail the run. */
  knownGap: boolean;
}

export function runFixture(fixture: Fixture, rules: RuleSet): FixtureOutcome {
  const e = fixture.expectation;
  const raw = readFileSync(fixture.pane, 'utf8');
  const actual = classify(raw, rules, { agent: e.agent, command: e.pane?.command, dead: e.pane?.dead });
  const failures: string[] = [];
  if (actual.state !== e.state || actual.rule !== e.rule) {
    failures.push(`expected ${e.state} (${e.rule ?? 'no rule'}), got ${actual.state} (${actual.rule ?? 'no rule'})`);
  }
  for (const id of e.near_miss ?? []) {
    if (actual.rule === id) failures.push(`near miss: must not be classified by ${id}`);
  }
  return { fixture, actual, failures, knownGap: e.known_gap !== undefined };
}

export interface Coverage {
  /** Rule ids without a fixture that expects them. */
  missingPositive: string[];
  /** Rule ids without a fixture naming them in near_miss. */
  missingNearMiss: string[];
}

export function coverage(rules: RuleSet, fixtures: readonly Fixture[]): Coverage {
  const positive = new Set(fixtures.filter((f) => f.expectation.known_gap === undefined).map((f) => f.expectation.rule));
  const near = new Set(fixtures.flatMap((f) => f.expectation.near_miss ?? []));
  const ids = rules.rules.map((r) => r.id).sort();
  return {
    missingPositive: ids.filter((id) => !positive.has(id)),
    missingNearMiss: ids.filter((id) => !near.has(id)),
  };
}
