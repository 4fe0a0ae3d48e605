/**
 * Compiles validated rules into closures the classifier runs per screen: regexes built
 * once, globs built once, regions resolved with a per-screen cache.
 */
import picomatch from 'picomatch';
import type { Answer, Condition, Region, Rule, State } from './schema.js';

export interface PaneFacts {
  /** The agent name (claude, codex, gemini, shell, or a custom command's name). */
  agent?: string | undefined;
  /** tmux pane_current_command. */
  command?: string | undefined;
  /** tmux pane_dead. */
  dead?: boolean | undefined;
}

/** Per-screen scratch space shared by every rule: the lines and memoised regions. */
export interface ScreenContext {
  readonly lines: readonly string[];
  readonly facts: PaneFacts;
  readonly regions: Map<string, number[]>;
  readonly anchors: Map<string, number>;
}

/** Line indices a condition matched, or null when it does not hold. */
export type Evidence = number[] | null;

export interface CompiledRule {
  readonly id: string;
  readonly state: Exclude<State, 'unknown'>;
  readonly priority: number;
  readonly answer: Answer;
  readonly file: string;
  readonly line: number | undefined;
  readonly source: Rule;
  appliesTo(facts: PaneFacts): boolean;
  /** Evidence line indices when the rule matches the screen, else null. */
  test(ctx: ScreenContext): Evidence;
}

type Matcher = (ctx: ScreenContext, region: readonly number[]) => Evidence;

function compileCondition(condition: Condition): Matcher {
  if ('regex' in condition) {
    const re = new RegExp(condition.regex, condition.ignore_case ? 'i' : '');
    return lineMatcher((line) => re.test(line), condition.min ?? 1);
  }
  if ('contains' in condition) {
    const needle = condition.ignore_case ? condition.contains.toLowerCase() : condition.contains;
    const test = condition.ignore_case
      ? (line: string) => line.toLowerCase().includes(needle)
      : (line: string) => line.includes(needle);
    return lineMatcher(test, condition.min ?? 1);
  }
  if ('pane_dead' in condition) {
    const want = condition.pane_dead;
    return (ctx) => ((ctx.facts.dead === true) === want ? [] : null);
  }
  if ('command' in condition) {
    const isMatch = picomatch(condition.command);
    return (ctx) => (ctx.facts.command !== undefined && isMatch(ctx.facts.command) ? [] : null);
  }
  if ('all' in condition) {
    const parts = condition.all.map(compileCondition);
    return (ctx, region) => {
      let evidence: number[] = [];
      for (const part of parts) {
        const found = part(ctx, region);
        if (found === null) return null;
        if (found.length) evidence = evidence.length ? evidence.concat(found) : found;
      }
      return evidence;
    };
  }
  if ('any' in condition) {
    const parts = condition.any.map(compileCondition);
    return (ctx, region) => {
      let evidence: number[] | null = null;
      for (const part of parts) {
        const found = part(ctx, region);
        if (found !== null) evidence = evidence === null ? found : evidence.concat(found);
      }
      return evidence;
    };
  }
  if ('within' in condition) {
    const region = compileRegion(condition.within);
    const inner = compileCondition(condition.match);
    return (ctx) => inner(ctx, region(ctx));
  }
  const inner = compileCondition(condition.not);
  return (ctx, region) => (inner(ctx, region) === null ? [] : null);
}

function lineMatcher(test: (line: string) => boolean, min: number): Matcher {
  return (ctx, region) => {
    let found: number[] | null = null;
    for (const index of region) {
      if (test(ctx.lines[index] as string)) (found ??= []).push(index);
    }
    return found !== null && found.length >= min ? found : null;
  };
}

interface AnchorSpec {
  key: string;
  re: RegExp;
  nth: number;
}

function compileAnchor(anchor: NonNullable<Region['below']>): AnchorSpec {
  const regex = typeof anchor === 'string' ? anchor : anchor.regex;
  const nth = typeof anchor === 'string' ? 1 : (anchor.nth ?? 1);
  return { key: `${nth}\u0000${regex}`, re: new RegExp(regex), nth };
}

/** Index of the nth line from the bottom matching the anchor, or -1. */
function findAnchor(ctx: ScreenContext, anchor: AnchorSpec): number {
  const cached = ctx.anchors.get(anchor.key);
  if (cached !== undefined) return cached;
  let seen = 0;
  let found = -1;
  for (let i = ctx.lines.length - 1; i >= 0; i--) {
    if (anchor.re.test(ctx.lines[i] as string) && ++seen === anchor.nth) {
      found = i;
      break;
    }
  }
  ctx.anchors.set(anchor.key, found);
  return found;
}

function compileRegion(region: Region | undefined): (ctx: ScreenContext) => number[] {
  const below = region?.below === undefined ? undefined : compileAnchor(region.below);
  const from = region?.from === undefined ? undefined : compileAnchor(region.from);
  const above = region?.above === undefined ? undefined : compileAnchor(region.above);
  const until = region?.until === undefined ? undefined : new RegExp(region.until);
  const ignore = region?.ignore === undefined ? undefined : new RegExp(region.ignore);
  const last = region?.last;
  const first = region?.first;
  const key = JSON.stringify(region ?? {});
  return (ctx) => {
    const cached = ctx.regions.get(key);
    if (cached) return cached;
    const lines = ctx.lines;
    let start = 0;
    let end = lines.length;
    let empty = false;
    if (below) {
      const at = findAnchor(ctx, below);
      if (at < 0) empty = true;
      else start = at + 1;
    }
    if (from && !empty) {
      const at = findAnchor(ctx, from);
      if (at < 0) empty = true;
      else start = Math.max(start, at);
    }
    if (above && !empty) {
      const at = findAnchor(ctx, above);
      if (at < 0) empty = true;
      else end = at;
    }
    if (until && !empty) {
      for (let i = start + 1; i < end; i++) {
        if (until.test(lines[i] as string)) {
          end = i;
          break;
        }
      }
    }
    const indices: number[] = [];
    if (!empty) {
      for (let i = start; i < end; i++) {
        const line = lines[i] as string;
        if (line.trim() !== '' && !(ignore && ignore.test(line))) indices.push(i);
      }
    }
    let result = indices;
    if (last !== undefined && result.length > last) result = result.slice(result.length - last);
    if (first !== undefined && result.length > first) result = result.slice(0, first);
    ctx.regions.set(key, result);
    return result;
  };
}

function compileAppliesTo(globs: Rule['applies_to']): (facts: PaneFacts) => boolean {
  if (globs === undefined) return () => true;
  const isMatch = picomatch(globs);
  return (facts) => {
    if (facts.agent === undefined && facts.command === undefined) return true;
    return (facts.agent !== undefined && isMatch(facts.agent)) || (facts.command !== undefined && isMatch(facts.command));
  };
}

/** Compiles one validated rule. Throws a SyntaxError for a bad regex (the loader reports it). */
export function compileRule(rule: Rule, file: string, line: number | undefined): CompiledRule {
  const region = compileRegion(rule.region);
  const match = compileCondition(rule.match);
  return {
    id: rule.id,
    state: rule.state,
    priority: rule.priority,
    answer: rule.answer,
    file,
    line,
    source: rule,
    appliesTo: compileAppliesTo(rule.applies_to),
    test: (ctx) => match(ctx, region(ctx)),
  };
}

type Found = { path: (string | number)[]; source: string };

function* regionRegexes(region: Region | undefined, path: (string | number)[]): Generator<Found> {
  if (region === undefined) return;
  for (const side of ['below', 'from', 'above'] as const) {
    const anchor = region[side];
    if (anchor !== undefined) {
      yield typeof anchor === 'string'
        ? { path: [...path, side], source: anchor }
        : { path: [...path, side, 'regex'], source: anchor.regex };
    }
  }
  if (region.until !== undefined) yield { path: [...path, 'until'], source: region.until };
  if (region.ignore !== undefined) yield { path: [...path, 'ignore'], source: region.ignore };
}

function* conditionRegexes(condition: Condition, path: (string | number)[]): Generator<Found> {
  if ('regex' in condition) yield { path: [...path, 'regex'], source: condition.regex };
  else if ('all' in condition) for (const [i, c] of condition.all.entries()) yield* conditionRegexes(c, [...path, 'all', i]);
  else if ('any' in condition) for (const [i, c] of condition.any.entries()) yield* conditionRegexes(c, [...path, 'any', i]);
  else if ('not' in condition) yield* conditionRegexes(condition.not, [...path, 'not']);
  else if ('within' in condition) {
    yield* regionRegexes(condition.within, [...path, 'within']);
    yield* conditionRegexes(condition.match, [...path, 'match']);
  }
}

/** Every regex in a rule with its path inside the rule, for checks and error messages. */
export function* regexesOf(rule: Rule): Generator<Found> {
  yield* regionRegexes(rule.region, ['region']);
  yield* conditionRegexes(rule.match, ['match']);
}
