/**
 * The agent runs with the caller's environment, and no value of it may appear in any
 * process's argv (`ps` shows argv to every local user, and the tmux server keeps the argv
 * of the command that started it for its whole life). So the environment never goes on a
 * command line: the differences between the caller's environment and the tmux server's
 * are written as `set-environment` commands on the STDIN of one `tmux source-file -`, into
 * the new session's environment; the agent is started after that (respawn-pane), and the
 * values are removed from the session again once it runs (it has its own copy).
 *
 * Except the markers of a CI job: the agent runs in a real terminal, and an agent CLI that
 * sees CI=true may refuse to be interactive (Gemini CLI 0.61 exits with "No input provided
 * via stdin"). An orchestrator running inside CI still gets interactive agents.
 */
import { UsageError } from '../errors.js';
import type { TmuxServer } from '../tmux/run.js';
import { globalEnvironment, sourceCommands } from '../tmux/session.js';
import { exactSessionTarget } from '../tmux/run.js';

/** Variables tmux or the shell sets per pane; never copied. */
const SKIP = new Set(['TMUX', 'TMUX_PANE', 'TERM', 'TERM_PROGRAM', 'TERM_PROGRAM_VERSION', 'COLUMNS', 'LINES', 'SHLVL', '_', 'PWD', 'OLDPWD']);
const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Never passed to the agent, and removed if the tmux server has them. */
export const CI_MARKERS = new Set(['CI', 'CONTINUOUS_INTEGRATION', 'GITHUB_ACTIONS']);

export interface EnvPlan {
  /** Set in the session for the agent (the values that differ from the server's). */
  set: Record<string, string>;
  /** Hidden from the agent (the server has them, the caller does not). */
  unset: string[];
}

/** What to change so that the agent sees `callerEnv` (minus CI markers and `drop`, plus `extra`). */
export function planEnvironment(
  serverEnv: ReadonlyMap<string, string>,
  callerEnv: NodeJS.ProcessEnv,
  options: { drop?: readonly string[]; extra?: Readonly<Record<string, string>> } = {},
): EnvPlan {
  const drop = new Set([...CI_MARKERS, ...(options.drop ?? [])]);
  const wanted: Record<string, string> = {};
  for (const [k, v] of Object.entries(callerEnv)) {
    if (v === undefined || SKIP.has(k) || drop.has(k) || !VALID_NAME.test(k)) continue;
    wanted[k] = v;
  }
  for (const [k, v] of Object.entries(options.extra ?? {})) if (VALID_NAME.test(k)) wanted[k] = v;
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(wanted)) if (serverEnv.get(k) !== v) set[k] = v;
  const unset = [...serverEnv.keys()].filter((k) => !SKIP.has(k) && VALID_NAME.test(k) && wanted[k] === undefined);
  // The server may have been started by this very process (its environment is ours): drop
  // the markers explicitly either way.
  for (const k of drop) if (!unset.includes(k) && VALID_NAME.test(k)) unset.push(k);
  return { set, unset };
}

/**
 * A session on another machine: the remote login environment (the remote tmux server's,
 * then the login shell's profile) plus only what the caller names (`spawn --env`) and the
 * profile's env.set; never the caller's whole environment, whose HOME and PATH belong to
 * this machine. CI markers and the profile's env.drop are still hidden.
 */
export function planRemoteEnvironment(options: { drop?: readonly string[]; extra?: Readonly<Record<string, string>> } = {}): EnvPlan {
  const drop = new Set([...CI_MARKERS, ...(options.drop ?? [])]);
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.extra ?? {})) if (VALID_NAME.test(k) && !drop.has(k)) set[k] = v;
  return { set, unset: [...drop].filter((k) => VALID_NAME.test(k)) };
}

/**
 * `--env NAME[=VALUE]` flags: NAME takes the value from the caller's environment (so a
 * secret never appears in kb's own argv), NAME=VALUE gives it.
 */
export function parseEnvFlags(flags: readonly string[], callerEnv: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const name = eq < 0 ? flag : flag.slice(0, eq);
    if (!VALID_NAME.test(name)) {
      throw new UsageError(`invalid --env ${JSON.stringify(flag)}: ${JSON.stringify(name)} is not a variable name`, 'use --env NAME (its value from your environment) or --env NAME=VALUE');
    }
    if (eq < 0) {
      const value = callerEnv[name];
      if (value === undefined) throw new UsageError(`--env ${name}: ${name} is not set in your environment`, `export ${name}=... first, or give the value: --env ${name}=VALUE`);
      out[name] = value;
    } else out[name] = flag.slice(eq + 1);
  }
  return out;
}

/** A value as a tmux double-quoted string: \ " $ escaped, control characters as escapes. */
export function tmuxQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === '"' || ch === '$') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** The set-environment lines for a session (fed to `source-file -`, never argv). */
export function environmentCommands(session: string, plan: EnvPlan): string[] {
  const target = exactSessionTarget(session).replace(/:$/, '');
  return [
    ...plan.unset.map((k) => `set-environment -r -t ${target} ${k}`),
    ...Object.entries(plan.set).map(([k, v]) => `set-environment -t ${target} ${k} ${tmuxQuote(v)}`),
  ];
}

/** Puts the plan into the session's environment (over stdin), for the next process it starts. */
export async function applyEnvironment(server: TmuxServer, session: string, plan: EnvPlan): Promise<void> {
  const lines = environmentCommands(session, plan);
  if (lines.length) await sourceCommands(server, lines);
}

/** Removes the values again (the agent has its own copy); the -r markers stay, they hold no value. */
export async function clearEnvironment(server: TmuxServer, session: string, plan: EnvPlan): Promise<void> {
  const target = exactSessionTarget(session).replace(/:$/, '');
  const lines = Object.keys(plan.set).map((k) => `set-environment -u -t ${target} ${k}`);
  if (lines.length) await sourceCommands(server, lines);
}

/** The server's global environment, for planning ([] when no server runs yet). */
export async function serverEnvironment(server: TmuxServer): Promise<Map<string, string>> {
  return (await globalEnvironment(server)) ?? new Map();
}
