/**
 * Why a screen got its state: every rule that applies to the pane, in priority order, with
 * the region it read and the trace of its condition, up to (and including) the rule that
 * decided. Pure, like the classifier it explains.
 */
import { screenContext, type PaneFacts, type TraceNode } from '../rules/compile.js';
import type { RuleSet } from '../rules/load.js';
import { normalize, type Screen } from '../screen/normalize.js';
import { classifyScreen, type Classification } from './index.js';

export interface RuleTrial {
  id: string;
  priority: number;
  state: string;
  file: string;
  line: number | undefined;
  matched: boolean;
  /** The region's line numbers (1-based, as on screen). */
  region: number[];
  /** The matched lines' numbers (1-based), when the rule matched. */
  evidence: number[];
  trace: TraceNode;
}

export interface Explanation {
  classification: Classification;
  lines: readonly string[];
  tried: RuleTrial[];
  /** Rules that do not apply to this pane (applies_to), by id. */
  skipped: string[];
  /** Rules after the deciding one, not tried (with `all`, tried too). */
  notReached: string[];
}

export function explainScreen(screen: Screen, rules: RuleSet, facts: PaneFacts = {}, options: { all?: boolean } = {}): Explanation {
  const ctx = screenContext(screen.lines, facts);
  const tried: RuleTrial[] = [];
  const skipped: string[] = [];
  const notReached: string[] = [];
  let decided = false;
  for (const rule of rules.rules) {
    if (!rule.appliesTo(facts)) {
      skipped.push(rule.id);
      continue;
    }
    if (decided && !options.all) {
      notReached.push(rule.id);
      continue;
    }
    const { region, evidence, trace } = rule.explain(ctx);
    tried.push({
      id: rule.id,
      priority: rule.priority,
      state: rule.state,
      file: rule.file,
      line: rule.line,
      matched: evidence !== null,
      region: region.map((i) => i + 1),
      evidence: [...new Set(evidence ?? [])].sort((a, b) => a - b).map((i) => i + 1),
      trace: renumber(trace),
    });
    if (evidence !== null) decided = true;
  }
  return { classification: classifyScreen(screen, rules, facts), lines: screen.lines, tried, skipped, notReached };
}

export function explain(raw: string, rules: RuleSet, facts: PaneFacts = {}, options: { all?: boolean } = {}): Explanation {
  return explainScreen(normalize(raw), rules, facts, options);
}

/** Line indices to 1-based line numbers throughout a trace. */
function renumber(node: TraceNode): TraceNode {
  return {
    condition: node.condition,
    held: node.held,
    lines: [...new Set(node.lines)].sort((a, b) => a - b).map((i) => i + 1),
    ...(node.region ? { region: node.region.map((i) => i + 1) } : {}),
    children: node.children.map(renumber),
  };
}

/** Line numbers as ranges: [3,4,5,9] -> "3-5, 9". */
export function ranges(numbers: readonly number[]): string {
  const out: string[] = [];
  let start: number | undefined;
  let prev: number | undefined;
  for (const n of numbers) {
    if (start !== undefined && prev !== undefined && n === prev + 1) {
      prev = n;
      continue;
    }
    if (start !== undefined) out.push(start === prev ? `${start}` : `${start}-${prev}`);
    start = n;
    prev = n;
  }
  if (start !== undefined) out.push(start === prev ? `${start}` : `${start}-${prev}`);
  return out.join(', ');
}

function quote(line: string, width = 70): string {
  const t = line.trim();
  return JSON.stringify(t.length > width ? `${t.slice(0, width - 1)}…` : t);
}

/** The explanation as text: one block per rule tried. */
export function formatExplanation(e: Explanation, source: string): string {
  const c = e.classification;
  const out: string[] = [];
  out.push(`${source}: ${e.lines.length} lines`);
  out.push(`state ${c.state}, rule ${c.rule ?? '(none)'}, answer ${c.answer}`);
  out.push('');
  out.push('rules tried, highest priority first:');
  for (const t of e.tried) {
    out.push(`  ${t.matched ? 'MATCH' : 'no   '} ${t.id} (priority ${t.priority}, ${t.state})`);
    out.push(`        region: ${t.region.length ? `lines ${ranges(t.region)}` : 'empty (an anchor was not found)'}`);
    const lines: string[] = [];
    traceLines(t.trace, 8, e.lines, lines, t.matched);
    out.push(...lines);
  }
  if (e.notReached.length) out.push(`not tried (a higher rule decided): ${e.notReached.length} rules`);
  if (e.skipped.length) out.push(`not for this pane (applies_to): ${e.skipped.length} rules`);
  return `${out.join('\n')}\n`;
}

function traceLines(node: TraceNode, indent: number, screen: readonly string[], out: string[], showAll: boolean): void {
  const pad = ' '.repeat(indent);
  let detail = '';
  if (node.region) detail += ` in lines ${node.region.length ? ranges(node.region) : '(empty region)'}`;
  if (node.lines.length && node.children.length === 0) {
    const first = node.lines[0]!;
    detail += ` at line ${ranges(node.lines)}: ${quote(screen[first - 1] ?? '')}`;
  }
  out.push(`${pad}${node.held ? 'yes' : 'no '} ${node.condition}${detail}`);
  // For a failed rule, follow the branches that failed (they say why); for a match, all.
  for (const child of node.children) {
    if (showAll || !child.held || node.condition !== 'all') traceLines(child, indent + 2, screen, out, showAll);
  }
}
