/**
 * The rule stack every command uses: the built-in packs, then each --rules / KB_RULES
 * directory, giving the classifier's rules and the agent profiles in one load.
 */
import { layerRules, loadLayers, throwFirst, type RuleLayer, type RuleProblem, type RuleSet } from '../rules/load.js';
import { buildCatalog, type AgentCatalog } from './catalog.js';

export interface Stack {
  rules: RuleSet;
  agents: AgentCatalog;
}

export interface CheckedStack extends Stack {
  layers: RuleLayer[];
  /** Every problem, in load order: files, compiling rules, compiling profiles. */
  problems: RuleProblem[];
}

/** Loads everything and collects every problem (rules check). */
export function checkStack(extraDirs: readonly string[] = [], options: { builtin?: boolean } = {}): CheckedStack {
  const layers = loadLayers(extraDirs, options);
  const rules = layerRules(layers);
  const { catalog, problems: profileProblems } = buildCatalog(rules);
  return { rules, agents: catalog, layers, problems: [...layers.flatMap((l) => l.problems), ...rules.problems, ...profileProblems] };
}

/** Loads the stack; the first problem is thrown as a RuleLoadError naming file:line. */
export function loadStack(extraDirs: readonly string[] = [], options: { builtin?: boolean } = {}): Stack {
  const checked = checkStack(extraDirs, options);
  throwFirst(checked.problems);
  return { rules: checked.rules, agents: checked.agents };
}
