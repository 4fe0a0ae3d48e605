/**
 * Compiles validated rules into closures the classifier runs per screen: regexes built
 * once, globs built once, named conditions and regions resolved once (an unknown or cyclic
 * name is a CompileProblem naming where it was used), regions memoised per screen.
 *
 * Each matcher can also explain itself: given a trace list it records what it looked at
 * and whether it held, which `kb rules explain` prints. Without one it does no extra work.
 */
import picomatch from 'picomatch';
import type { Answer, Condition, Region, RegionBody, Rule, State } from './schema.js';

export interface PaneFacts {
  /** The agent name (a profile name, or "custom" for a command line). */
  agent?: string | undefined;
  /** tmux pane_current_command. */
  command?: string | undefined;
  /** tmux pane_dead. */
  dead?: boolean | undefined;
  /** tmux cursor_y: the row of the cursor on the visible screen. */
  cursorY?: number | undefined;
}

/** Per-screen scratch space shared by every rule: the lines and memoised regions. */
export interface ScreenContext {
  readonly lines: readonly string[];
  readonly facts: PaneFacts;
  readonly regions: Map<string, number[]>;
  readonly anchors: Map<string, number>;
}

export function screenContext(lines: readonly string[], facts: PaneFacts = {}): ScreenContext {
  return { lines, facts, regions: new Map(), anchors: new Map() };
}

/** Line indices a condition matched, or null when it does not hold. */
export type Evidence = number[] | null;

/** What one condition looked at and found (rules explain). */
export interface TraceNode {
  /** The condition, e.g. `regex '^❯'`, `all`, `not`, `matches no-input-box`. */
  condition: string;
  held: boolean;
  /** Line indices that matched (for line conditions). */
  lines: number[];
  /** The region the condition read (line indices), when it differs from its parent's. */
  region?: number[];
  children: TraceNode[];
}

export interface CompiledRule {
  readonly id: string;
  readonly state: Exclude<State, 'unknown'>;
  readonly priority: number;
  readonly answer: Answer;
  readonly file: string;
  readonly line: number | undefined;
  /** The pack whose named pieces the rule's names resolve in. */
  readonly pack: string;
  readonly source: Rule;
  appliesTo(facts: PaneFacts): boolean;
  /** Evidence line indices when the rule matches the screen, else null. */
  test(ctx: ScreenContext): Evidence;
  /** The region the rule reads, and the trace of its condition. */
  explain(ctx: ScreenContext): { region: number[]; evidence: Evidence; trace: TraceNode };
}

type Matcher = (ctx: ScreenContext, region: readonly number[], trace?: TraceNode[]) => Evidence;
type RegionFn = (ctx: ScreenContext) => number[];

/** A reference that could not be resolved, with the path (inside the rule) where it is used. */
export interface CompileProblem {
  path: (string | number)[];
  message: string;
  hint: string;
}

export class CompileError extends Error {
  constructor(readonly problem: CompileProblem) {
    super(problem.message);
  }
}

/** A named condition or region as loaded: its pack and body, and where it is defined. */
export interface Piece<T> {
  pack: string;
  name: string;
  body: T;
  file: string;
  line: number | undefined;
}

/** Finds named pieces: `name` in the using pack, `pack/name` anywhere. */
export interface PieceLookup {
  condition(ref: string, pack: string): Piece<Condition> | undefined;
  region(ref: string, pack: string): Piece<RegionBody> | undefined;
}

export const NO_PIECES: PieceLookup = { condition: () => undefined, region: () => undefined };

/** `name` -> `pack/name`; a qualified name stays as it is. */
export function qualify(ref: string, pack: string): string {
  return ref.includes('/') ? ref : `${pack}/${ref}`;
}

class Compiler {
  private readonly conditions = new Map<string, Matcher>();
  private readonly regionFns = new Map<string, RegionFn>();
  private readonly active: string[] = [];

  constructor(
    private readonly pieces: PieceLookup,
    private readonly pack: string,
  ) {}

  condition(condition: Condition, path: (string | number)[], pack = this.pack): Matcher {
    if ('regex' in condition) {
      const re = new RegExp(condition.regex, condition.ignore_case ? 'i' : '');
      return lineMatcher(`regex '${condition.regex}'${condition.min ? ` min ${condition.min}` : ''}`, (line) => re.test(line), condition.min ?? 1);
    }
    if ('contains' in condition) {
      const needle = condition.ignore_case ? condition.contains.toLowerCase() : condition.contains;
      const test = condition.ignore_case
        ? (line: string) => line.toLowerCase().includes(needle)
        : (line: string) => line.includes(needle);
      return lineMatcher(`contains '${condition.contains}'${condition.min ? ` min ${condition.min}` : ''}`, test, condition.min ?? 1);
    }
    if ('pane_dead' in condition) {
      const want = condition.pane_dead;
      return (ctx, _region, trace) => {
        const held = (ctx.facts.dead === true) === want;
        trace?.push(leaf(`pane_dead ${want} (pane ${ctx.facts.dead ? 'dead' : 'alive'})`, held, []));
        return held ? [] : null;
      };
    }
    if ('command' in condition) {
      const isMatch = picomatch(condition.command);
      const label = `command ${JSON.stringify(condition.command)}`;
      return (ctx, _region, trace) => {
        const held = ctx.facts.command !== undefined && isMatch(ctx.facts.command);
        trace?.push(leaf(`${label} (pane runs ${ctx.facts.command ?? 'unknown'})`, held, []));
        return held ? [] : null;
      };
    }
    if ('all' in condition) {
      const parts = condition.all.map((c, i) => this.condition(c, [...path, 'all', i], pack));
      return group('all', parts, (results) => {
        if (results.some((r) => r === null)) return null;
        return results.flatMap((r) => r ?? []);
      });
    }
    if ('any' in condition) {
      const parts = condition.any.map((c, i) => this.condition(c, [...path, 'any', i], pack));
      return group('any', parts, (results) => {
        const held = results.filter((r): r is number[] => r !== null);
        return held.length ? held.flat() : null;
      });
    }
    if ('within' in condition) {
      const region = this.region(condition.within, [...path, 'within'], pack);
      const inner = this.condition(condition.match, [...path, 'match'], pack);
      return (ctx, _region, trace) => {
        const lines = region(ctx);
        if (!trace) return inner(ctx, lines);
        const children: TraceNode[] = [];
        const found = inner(ctx, lines, children);
        trace.push({ condition: 'within', held: found !== null, lines: found ?? [], region: lines, children });
        return found;
      };
    }
    if ('matches' in condition) return this.named(condition.matches, path, pack);
    const inner = this.condition(condition.not, [...path, 'not'], pack);
    return (ctx, region, trace) => {
      if (!trace) return inner(ctx, region) === null ? [] : null;
      const children: TraceNode[] = [];
      const held = inner(ctx, region, children) === null;
      trace.push({ condition: 'not', held, lines: [], children });
      return held ? [] : null;
    };
  }

  private named(ref: string, path: (string | number)[], pack: string): Matcher {
    const key = qualify(ref, pack);
    const cached = this.conditions.get(key);
    if (cached) return cached;
    if (this.active.includes(key)) {
      throw new CompileError({
        path: [...path, 'matches'],
        message: `condition '${ref}' refers to itself (${[...this.active.slice(this.active.indexOf(key)), key].join(' -> ')})`,
        hint: 'break the cycle: a named condition must not use itself, directly or through others',
      });
    }
    const piece = this.pieces.condition(ref, pack);
    if (!piece) {
      throw new CompileError({
        path: [...path, 'matches'],
        message: `unknown condition '${ref}'`,
        hint: `define it under "conditions:" in a file of pack '${ref.includes('/') ? ref.split('/')[0] : pack}', or fix the name`,
      });
    }
    this.active.push(key);
    let body: Matcher;
    try {
      body = this.condition(piece.body, path, piece.pack);
    } finally {
      this.active.pop();
    }
    const label = `matches ${ref}`;
    const matcher: Matcher = (ctx, region, trace) => {
      if (!trace) return body(ctx, region);
      const children: TraceNode[] = [];
      const found = body(ctx, region, children);
      trace.push({ condition: label, held: found !== null, lines: found ?? [], children });
      return found;
    };
    this.conditions.set(key, matcher);
    return matcher;
  }

  region(region: Region | undefined, path: (string | number)[], pack = this.pack): RegionFn {
    if (typeof region !== 'string') return compileRegionBody(region);
    const key = qualify(region, pack);
    const cached = this.regionFns.get(key);
    if (cached) return cached;
    const piece = this.pieces.region(region, pack);
    if (!piece) {
      throw new CompileError({
        path,
        message: `unknown region '${region}'`,
        hint: `define it under "regions:" in a file of pack '${region.includes('/') ? region.split('/')[0] : pack}', or fix the name`,
      });
    }
    const fn = compileRegionBody(piece.body);
    this.regionFns.set(key, fn);
    return fn;
  }
}

function leaf(condition: string, held: boolean, lines: number[]): TraceNode {
  return { condition, held, lines, children: [] };
}

function group(label: 'all' | 'any', parts: Matcher[], combine: (results: Evidence[]) => Evidence): Matcher {
  if (label === 'all') {
    // The fast path stops at the first part that fails.
    return (ctx, region, trace) => {
      if (trace) return traced(label, parts, combine, ctx, region, trace);
      let evidence: number[] = [];
      for (const part of parts) {
        const found = part(ctx, region);
        if (found === null) return null;
        if (found.length) evidence = evidence.length ? evidence.concat(found) : found;
      }
      return evidence;
    };
  }
  return (ctx, region, trace) => {
    if (trace) return traced(label, parts, combine, ctx, region, trace);
    let evidence: number[] | null = null;
    for (const part of parts) {
      const found = part(ctx, region);
      if (found !== null) evidence = evidence === null ? found : evidence.concat(found);
    }
    return evidence;
  };
}

function traced(
  label: string,
  parts: Matcher[],
  combine: (results: Evidence[]) => Evidence,
  ctx: ScreenContext,
  region: readonly number[],
  trace: TraceNode[],
): Evidence {
  const children: TraceNode[] = [];
  const found = combine(parts.map((p) => p(ctx, region, children)));
  trace.push({ condition: label, held: found !== null, lines: found ?? [], children });
  return found;
}

function lineMatcher(label: string, test: (line: string) => boolean, min: number): Matcher {
  return (ctx, region, trace) => {
    let found: number[] | null = null;
    for (const index of region) {
      if (test(ctx.lines[index] as string)) (found ??= []).push(index);
    }
    const held = found !== null && found.length >= min;
    trace?.push(leaf(label, held, found ?? []));
    return held ? found : null;
  };
}

interface AnchorSpec {
  key: string;
  re: RegExp;
  nth: number;
}

function compileAnchor(anchor: NonNullable<RegionBody['below']>): AnchorSpec {
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

/** A region's line indices on a screen (blank lines never included). Memoised per screen. */
export function compileRegionBody(region: RegionBody | undefined): RegionFn {
  const below = region?.below === undefined ? undefined : compileAnchor(region.below);
  const from = region?.from === undefined ? undefined : compileAnchor(region.from);
  const above = region?.above === undefined ? undefined : compileAnchor(region.above);
  const until = region?.until === undefined ? undefined : new RegExp(region.until);
  const ignore = region?.ignore === undefined ? undefined : new RegExp(region.ignore);
  const last = region?.last;
  const first = region?.first;
  const atCursor = region?.at_cursor === true;
  // Identical regions (in different rules) share one memo entry per screen.
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
    if (atCursor) {
      const y = ctx.facts.cursorY;
      if (y === undefined) {
        for (let i = lines.length - 1; i >= 0; i--) if ((lines[i] as string).trim() !== '') {
          indices.push(i);
          break;
        }
      } else if (y < lines.length && (lines[y] as string).trim() !== '') indices.push(y);
      ctx.regions.set(key, indices);
      return indices;
    }
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

/**
 * Compiles one validated rule of `pack`. Throws a CompileError for an unknown or cyclic
 * named piece, a SyntaxError for a bad regex (the loader reports both with file:line).
 */
export function compileRule(rule: Rule, file: string, line: number | undefined, pieces: PieceLookup = NO_PIECES, pack = ''): CompiledRule {
  const compiler = new Compiler(pieces, pack);
  const region = compiler.region(rule.region, ['region']);
  const match = compiler.condition(rule.match, ['match']);
  return {
    id: rule.id,
    state: rule.state,
    priority: rule.priority,
    answer: rule.answer,
    file,
    line,
    pack,
    source: rule,
    appliesTo: compileAppliesTo(rule.applies_to),
    test: (ctx) => match(ctx, region(ctx)),
    explain: (ctx) => {
      const lines = region(ctx);
      const trace: TraceNode[] = [];
      const evidence = match(ctx, lines, trace);
      return { region: lines, evidence, trace: trace[0] ?? leaf('(none)', evidence !== null, []) };
    },
  };
}

/** Compiles a region (a profile's input field, say), resolving a name in `pack`. */
export function compileRegion(region: Region | undefined, pieces: PieceLookup = NO_PIECES, pack = ''): RegionFn {
  return new Compiler(pieces, pack).region(region, []);
}

type Found = { path: (string | number)[]; source: string };

function* regionRegexes(region: Region | undefined, path: (string | number)[]): Generator<Found> {
  if (region === undefined || typeof region === 'string') return;
  yield* regionBodyRegexes(region, path);
}

export function* regionBodyRegexes(region: RegionBody, path: (string | number)[]): Generator<Found> {
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

export function* conditionRegexes(condition: Condition, path: (string | number)[]): Generator<Found> {
  if ('regex' in condition) yield { path: [...path, 'regex'], source: condition.regex };
  else if ('all' in condition) for (const [i, c] of condition.all.entries()) yield* conditionRegexes(c, [...path, 'all', i]);
  else if ('any' in condition) for (const [i, c] of condition.any.entries()) yield* conditionRegexes(c, [...path, 'any', i]);
  else if ('not' in condition) yield* conditionRegexes(condition.not, [...path, 'not']);
  else if ('within' in condition) {
    yield* regionRegexes(condition.within, [...path, 'within']);
    yield* conditionRegexes(condition.match, [...path, 'match']);
  }
}

/** Every regex written in a rule (not in the pieces it names) with its path inside the rule. */
export function* regexesOf(rule: Rule): Generator<Found> {
  yield* regionRegexes(rule.region, ['region']);
  yield* conditionRegexes(rule.match, ['match']);
}
