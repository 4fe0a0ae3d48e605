/**
 * The agents kb knows: the profiles of the rule stack (built-in packs, then each --rules
 * layer), compiled once: regexes built, the input region resolved, dialog rule ids checked
 * against the rules. `custom` (a command line with no profile of its own) is a profile too.
 */
import { UsageError } from '../errors.js';
import { compileRegion, CompileError, type ScreenContext } from '../rules/compile.js';
import type { LoadedProfile, RuleProblem, RuleSet } from '../rules/load.js';
import { TEMPLATE_FIELDS, type AgentProfile } from '../rules/profile-schema.js';
import { placeholders } from './template.js';
import type { State } from '../rules/schema.js';

/** The name of the profile that drives an arbitrary command line. */
export const CUSTOM = 'custom';

export interface ExitStep {
  keys: string[];
  text: string | undefined;
  gapMs: number;
  waitMs: number;
}

export interface Agent {
  name: string;
  aliases: string[];
  title: string;
  profile: AgentProfile;
  file: string;
  /** The binary: the first binary_env variable that is set, else `binary`. */
  binary(env: NodeJS.ProcessEnv): string;
  /** Which variable named the binary (for messages), if any. */
  binaryVia(env: NodeJS.ProcessEnv): string | undefined;
  readyStates: ReadonlySet<State>;
  /** With no rule for its screen: ready once it has not changed for this long. */
  settleMs: number | undefined;
  /** Line indices of the input field on a screen (empty: not found); null: the profile has none. */
  input: ((ctx: ScreenContext) => number[]) | null;
  pasted: RegExp[];
  submit: string[];
  exitSteps: ExitStep[];
  cancelKeys: string[];
  exitDialogs: { match: RegExp; choose: RegExp }[];
  resume: { pattern: RegExp; program: string } | null;
  /** First-run dialogs by rule id. */
  dialogs: ReadonlyMap<string, { accept: RegExp | null; enter: boolean; keys: string[] }>;
  startExits: { match: RegExp; rule: string; state: State; hint: string; acceptByRunning: string[] | null }[];
  /** What spawn says when it stops at a rule's screen, by rule id. */
  hints: ReadonlyMap<string, string>;
  recordedVersions: string[];
  versionPattern: RegExp;
}

export interface AgentCatalog {
  /** By name or alias; undefined when unknown. */
  find(name: string): Agent | undefined;
  /** By name or alias; a UsageError listing the known agents otherwise. */
  get(name: string): Agent;
  /** Every agent, by name (custom last). */
  all(): Agent[];
  names(): string[];
  /** The agent spawn runs without --agent: the profile marked default (the last layer's). */
  default(): Agent;
}

function regex(source: string, flags = ''): RegExp {
  return new RegExp(source, flags);
}

function basenameOf(bin: string): string {
  const parts = bin.split('/');
  return parts[parts.length - 1] || bin;
}

function compileProfile(loaded: LoadedProfile, rules: RuleSet, problems: RuleProblem[]): Agent | null {
  const p = loaded.profile;
  const problem = (path: (string | number)[], message: string, hint: string): null => {
    problems.push({ file: loaded.file, line: loaded.lineAt(path) ?? loaded.line, message: `agent '${p.name}': ${message}`, hint });
    return null;
  };
  const ruleIds = new Set(rules.rules.map((r) => r.id));
  let failed = false;
  const re = (source: string, path: (string | number)[], flags = ''): RegExp => {
    try {
      return regex(source, flags);
    } catch (error) {
      failed = true;
      problem(path, `bad regex: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`, 'fix the regular expression (JavaScript syntax)');
      return /$^/;
    }
  };
  let input: Agent['input'] = null;
  if (p.input !== undefined) {
    try {
      input = compileRegion(p.input, rules.pieces, loaded.pack);
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      failed = true;
      problem(['input'], error.problem.message, error.problem.hint);
    }
  }
  const dialogs = new Map<string, { accept: RegExp | null; enter: boolean; keys: string[] }>();
  for (const [i, d] of (p.dialogs ?? []).entries()) {
    if (!ruleIds.has(d.rule)) {
      failed = true;
      problem(['dialogs', i, 'rule'], `dialog rule '${d.rule}' does not exist`, 'name the id of a rule that recognises the dialog (kb rules check lists problems; rules/<pack>/*.yaml hold the ids)');
    }
    if (!d.accept && !d.enter && !d.keys) {
      failed = true;
      problem(['dialogs', i], `dialog '${d.rule}' says neither how to accept it (accept: REGEX), nor enter: true, nor keys: [...]`, 'add accept: with a regex for the accepting option, enter: true, or keys: [KEY]');
    }
    dialogs.set(d.rule, { accept: d.accept ? re(d.accept, ['dialogs', i, 'accept'], 'i') : null, enter: d.enter === true, keys: d.keys ?? [] });
  }
  for (const id of Object.keys(p.hints ?? {})) {
    if (!ruleIds.has(id)) {
      failed = true;
      problem(['hints', id], `hint for rule '${id}', which does not exist`, 'name the id of one of the rules (rules check lists them in its problems)');
    }
  }
  const startExits = (p.start_exits ?? []).map((s, i) => {
    if (!ruleIds.has(s.rule)) {
      failed = true;
      problem(['start_exits', i, 'rule'], `rule '${s.rule}' does not exist`, 'name an existing rule id');
    }
    return { match: re(s.match, ['start_exits', i, 'match'], 'i'), rule: s.rule, state: s.state, hint: s.hint, acceptByRunning: s.accept_by_running ?? null };
  });
  const exitSteps = (p.exit?.steps ?? [{ keys: ['C-c'] }]).map((s, i) => {
    if (!s.keys && !s.text) {
      failed = true;
      problem(['exit', 'steps', i], 'an exit step needs keys: or text:', 'add keys: [C-c] or text: /exit');
    }
    return { keys: s.keys ?? [], text: s.text, gapMs: s.gap_ms ?? 250, waitMs: s.wait_ms ?? 2500 };
  });
  const exitDialogs = (p.exit?.dialogs ?? []).map((d, i) => ({
    match: re(d.match, ['exit', 'dialogs', i, 'match']),
    choose: re(d.choose, ['exit', 'dialogs', i, 'choose'], 'i'),
  }));
  const resume = p.resume
    ? { pattern: re(p.resume.pattern, ['resume', 'pattern'], 'g'), program: p.resume.program ?? basenameOf(p.binary ?? p.name) }
    : null;
  const pasted = (p.pasted ?? []).map((s, i) => re(s, ['pasted', i]));
  const versionPattern = re(p.version?.pattern ?? '(\\d+\\.\\d+(?:\\.\\d+)?)', ['version', 'pattern']);
  const templates: Array<[string, (string | number)[]]> = [
    ...p.launch.argv.map((t, i): [string, (string | number)[]] => [t, ['launch', 'argv', i]]),
    ...(['model', 'max_budget', 'resume'] as const).flatMap((k) => (p.launch[k] ?? []).map((t, i): [string, (string | number)[]] => [t, ['launch', k, i]])),
    ...(p.worktree ? [[p.worktree.path, ['worktree', 'path']] as [string, (string | number)[]]] : []),
    ...(p.start_exits ?? []).flatMap((s, j) => (s.accept_by_running ?? []).map((t, i): [string, (string | number)[]] => [t, ['start_exits', j, 'accept_by_running', i]])),
  ];
  for (const [template, path] of templates) {
    for (const name of placeholders(template)) {
      if (!name.startsWith('env:') && !(name in TEMPLATE_FIELDS)) {
        failed = true;
        problem(path, `unknown placeholder {${name}}`, `use one of ${Object.keys(TEMPLATE_FIELDS).map((f) => `{${f}}`).join(' ')}, or {env:NAME} for a variable of the caller's environment`);
      }
    }
  }
  if (p.launch.permission_mode) {
    const pm = p.launch.permission_mode;
    if (pm.default !== undefined && !pm.values.includes(pm.default)) {
      failed = true;
      problem(['launch', 'permission_mode', 'default'], `default mode '${pm.default}' is not one of values`, `use one of ${pm.values.join(', ')}`);
    }
  }
  if (failed) return null;
  const envs = p.binary_env ?? [];
  return {
    name: p.name,
    aliases: p.aliases ?? [],
    title: p.title ?? p.name,
    profile: p,
    file: loaded.file,
    binary: (env) => {
      for (const name of envs) if (env[name]) return env[name]!;
      return p.binary ?? p.name;
    },
    binaryVia: (env) => envs.find((name) => env[name]),
    readyStates: new Set(p.ready?.states ?? ['idle']),
    settleMs: p.ready?.settle_ms,
    input,
    pasted,
    submit: p.submit ?? ['Enter'],
    exitSteps,
    cancelKeys: p.exit?.cancel ?? ['Escape'],
    exitDialogs,
    resume,
    dialogs,
    startExits,
    hints: new Map(Object.entries(p.hints ?? {})),
    recordedVersions: p.recorded_versions ?? [],
    versionPattern,
  };
}

/** Compiles the profiles of a rule set; problems (file:line) for those that do not compile. */
export function buildCatalog(rules: RuleSet): { catalog: AgentCatalog; problems: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  const byName = new Map<string, Agent>();
  const agents: Agent[] = [];
  for (const loaded of rules.profiles) {
    const agent = compileProfile(loaded, rules, problems);
    if (agent) agents.push(agent);
  }
  agents.sort((a, b) => (a.name === CUSTOM ? 1 : b.name === CUSTOM ? -1 : a.name.localeCompare(b.name)));
  for (const agent of agents) byName.set(agent.name, agent);
  for (const agent of agents) {
    for (const alias of agent.aliases) {
      const owner = byName.get(alias);
      if (owner && owner !== agent) {
        problems.push({ file: agent.file, line: undefined, message: `agent '${agent.name}': alias '${alias}' is already the name or alias of '${owner.name}'`, hint: 'pick another alias' });
        continue;
      }
      byName.set(alias, agent);
    }
  }
  const names = (): string[] => agents.map((a) => a.name);
  const marked = rules.profiles.filter((p) => p.profile.default === true).map((p) => byName.get(p.profile.name)).filter((a): a is Agent => a !== undefined);
  // Asked for every registry entry on every monitor cycle: chosen once.
  const defaultAgent = marked[marked.length - 1] ?? agents.find((a) => a.name !== CUSTOM) ?? agents[0];
  const catalog: AgentCatalog = {
    find: (name) => byName.get(name),
    get: (name) => {
      const agent = byName.get(name);
      if (!agent) {
        throw new UsageError(`unknown agent ${JSON.stringify(name)}: no profile has that name`, `known agents: ${names().join(', ')}; to run another program, pass its command line: --command '${name} ...' (classified with the generic rules)`);
      }
      return agent;
    },
    all: () => [...agents],
    names,
    default: () => {
      if (!defaultAgent) throw new UsageError('no agent profiles are loaded', 'the built-in rules directory is missing its agent.yaml files; reinstall kage-bunshin');
      return defaultAgent;
    },
  };
  return { catalog, problems };
}
