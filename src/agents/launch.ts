/**
 * From a profile and spawn's options to the command line that starts the agent. Options a
 * profile does not describe (--model for an agent without launch.model) are refused with
 * a message naming the agent, before anything starts.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { KbError, UsageError } from '../errors.js';
import { CUSTOM, type Agent } from './catalog.js';
import { fill, fillArgv, type TemplateValues } from './template.js';

export interface LaunchRequest {
  name: string;
  model?: string | undefined;
  maxBudget?: string | undefined;
  permissionMode?: string | undefined;
  /** The command line, for the custom agent. */
  command?: string | undefined;
  /** The per-session hook settings file kb writes (profiles with evidence.hooks). */
  settings?: string | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
  isRoot: boolean;
  /** The git top level of cwd when it was found elsewhere (another machine); undefined: ask git here. */
  gitRoot?: string | null | undefined;
}

export interface Launch {
  agent: Agent;
  /** argv for the pane; one element is a shell command line (run by sh -c). */
  argv: string[];
  /** The worktree name the agent was given (null: it makes none). */
  worktree: string | null;
  /** Where the agent's worktree will be (null: none, or not inside git). */
  worktreePath: string | null;
  /** Where the agent publishes its state (evidence.session_file), filled in; null: nowhere. */
  sessionDir: string | null;
  /** The hook settings file the agent was pointed at; null: no hooks. */
  settingsFile: string | null;
  /** Variables set for the agent on top of the caller's, and the ones it never gets. */
  envSet: Record<string, string>;
  envDrop: string[];
  values: TemplateValues;
}

/** True for the root user. */
export function isRootUser(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The git top level of cwd; null outside git. */
export function gitTopLevel(cwd: string): string | null {
  try {
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return top || null;
  } catch {
    return null;
  }
}

function unsupported(flag: string, agent: Agent, key: string): UsageError {
  return new UsageError(`${flag} is not supported by --agent ${agent.name}`, `leave ${flag} out (the ${agent.name} profile has no launch.${key}; ${agent.file})`);
}

/** The refusal that applies to this permission mode here, if any. */
export function refusal(agent: Agent, mode: string, env: NodeJS.ProcessEnv, isRoot: boolean): { message: string; hint: string } | null {
  for (const r of agent.profile.launch.permission_mode?.refuse ?? []) {
    if (r.mode !== mode) continue;
    if (r.root === true && !isRoot) continue;
    if (r.unless_env && Object.entries(r.unless_env).every(([k, v]) => env[k] === v)) continue;
    return { message: r.message, hint: r.hint };
  }
  return null;
}

export function buildLaunch(agent: Agent, req: LaunchRequest): Launch {
  const launch = agent.profile.launch;
  const values: TemplateValues = {
    binary: agent.binary(req.env),
    name: req.name,
    cwd: req.cwd,
    home: req.env.HOME,
  };
  for (const [k, v] of Object.entries(req.env)) if (v !== undefined) values[`env:${k}`] = v;
  const argv = [...launch.argv];
  if (agent.name === CUSTOM || launch.argv.some((a) => a.includes('{command}'))) {
    if (!req.command || req.command.trim() === '') {
      throw new UsageError('--command is empty', "give the command line to run, e.g. --command 'python3 -i'");
    }
    values.command = req.command;
  } else if (req.command !== undefined) {
    throw new UsageError(`--command goes with no --agent (or --agent ${CUSTOM}), not with --agent ${agent.name}`, 'drop --command, or drop --agent');
  }
  if (req.model !== undefined) {
    if (!launch.model) throw unsupported('--model', agent, 'model');
    values.model = req.model;
    argv.push(...launch.model);
  }
  if (req.maxBudget !== undefined) {
    if (!launch.max_budget) throw unsupported('--max-budget', agent, 'max_budget');
    values.max_budget = req.maxBudget;
    argv.push(...launch.max_budget);
  }
  const pm = launch.permission_mode;
  if (req.permissionMode !== undefined && !pm) throw unsupported('--permission-mode', agent, 'permission_mode');
  if (pm) {
    const mode = req.permissionMode ?? pm.default;
    if (mode !== undefined) {
      if (!pm.values.includes(mode)) {
        throw new UsageError(`invalid --permission-mode ${JSON.stringify(mode)} for --agent ${agent.name}`, `use one of ${pm.values.join(', ')}`);
      }
      const refused = refusal(agent, mode, req.env, req.isRoot);
      if (refused) throw new KbError(refused.message, { hint: refused.hint });
      values.permission_mode = mode;
      argv.push(...(pm.argv[mode] ?? pm.argv['*'] ?? []));
    }
  }
  const evidence = agent.profile.evidence;
  let settingsFile: string | null = null;
  if (evidence?.hooks && req.settings) {
    values.settings = req.settings;
    settingsFile = req.settings;
    argv.push(...evidence.hooks.argv);
  }
  let worktreePath: string | null = null;
  if (agent.profile.worktree) {
    const template = agent.profile.worktree.path;
    if (template.includes('{git_root}')) {
      const top = req.gitRoot !== undefined ? req.gitRoot : gitTopLevel(resolve(req.cwd));
      if (top) values.git_root = top;
    }
    worktreePath = fill(template, values);
  }
  return {
    agent,
    argv: fillArgv(argv, values),
    worktree: agent.profile.worktree ? req.name : null,
    worktreePath,
    sessionDir: evidence?.session_file ? fill(evidence.session_file.dir, values) : null,
    settingsFile,
    envSet: { ...(agent.profile.env?.set ?? {}) },
    envDrop: [...(agent.profile.env?.drop ?? [])],
    values,
  };
}
