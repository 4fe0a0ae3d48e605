/**
 * The classifier: a pure function from a pane capture (and optional pane facts) to a
 * state, the rule that decided it and the lines that matched. Deterministic; never throws.
 */
import { screenContext, type CompiledRule, type PaneFacts } from '../rules/compile.js';
import type { RuleSet } from '../rules/load.js';
import { INTERVENTION_STATES, type Answer, type State } from '../rules/schema.js';
import { normalize, type Screen } from '../screen/normalize.js';

export type { PaneFacts } from '../rules/compile.js';

export interface Classification {
  state: State;
  rule: string | null;
  /** The matched lines, top to bottom. */
  evidence: string[];
  /** Their indices in the screen's lines. */
  evidenceLines?: number[];
  answer: Answer;
  needs_intervention: boolean;
}

const UNKNOWN: Classification = Object.freeze({
  state: 'unknown',
  rule: null,
  evidence: [],
  answer: 'none',
  needs_intervention: false,
}) as Classification;

/** Classifies a normalised screen. */
export function classifyScreen(screen: Screen, rules: RuleSet, facts: PaneFacts = {}): Classification {
  const ctx = screenContext(screen.lines, facts);
  for (const rule of rules.rules) {
    let evidence: number[] | null;
    try {
      if (!rule.appliesTo(facts)) continue;
      evidence = rule.test(ctx);
    } catch {
      continue; // a rule that throws (it cannot, but) must never take the classifier down
    }
    if (evidence !== null) return result(rule, screen, evidence);
  }
  return { ...UNKNOWN, evidence: [] };
}

/** Classifies raw capture-pane output (ANSI allowed). */
export function classify(raw: string, rules: RuleSet, facts: PaneFacts = {}): Classification {
  let screen: Screen;
  try {
    screen = normalize(typeof raw === 'string' ? raw : String(raw));
  } catch {
    screen = { lines: [] };
  }
  return classifyScreen(screen, rules, facts);
}

function result(rule: CompiledRule, screen: Screen, evidence: number[]): Classification {
  const indices = [...new Set(evidence)].sort((a, b) => a - b);
  return {
    state: rule.state,
    rule: rule.id,
    evidence: indices.map((i) => screen.lines[i] as string),
    evidenceLines: indices,
    answer: rule.answer,
    needs_intervention: INTERVENTION_STATES.has(rule.state),
  };
}
