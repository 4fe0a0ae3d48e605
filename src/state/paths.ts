/**
 * Where the state lives (contract.md, "State directory"): `--state-dir DIR` if given, else
 * `$DH_STATE_HOME` (or `~/.dh`) + `/projects/<slug>`, where the slug is the absolute path of
 * the main git repository's root (a linked worktree resolves to the repository it belongs
 * to; outside git the current directory) with every `/` replaced by `-`. The registry is
 * `DIR/kage-bunshin/registry-<session-id>.json`.
 */
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

export const DEFAULT_SESSION_ID = 'default';
const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Validates `--session-id` / KB_SESSION_ID: it becomes part of a file name. */
export function validateSessionId(id: string | undefined): string {
  const value = id === undefined || id === '' ? DEFAULT_SESSION_ID : id;
  if (!SESSION_ID.test(value)) {
    throw new UsageError(
      `invalid --session-id ${JSON.stringify(value)}: use 1 to 64 characters from A-Z a-z 0-9 _ -`,
      'pick an id such as "orchestrator-1" (it becomes part of the registry file name)',
    );
  }
  return value;
}

/** `/home/u/app` -> `-home-u-app`. */
export function projectSlug(root: string): string {
  return root.replace(/\//g, '-');
}

/**
 * The main repository root for `cwd`: for a linked worktree, the repository it belongs to.
 * Outside git: `cwd` itself.
 */
export function mainRepoRoot(cwd: string): string {
  let commonDir: string;
  try {
    commonDir = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return resolve(cwd);
  }
  if (!commonDir) return resolve(cwd);
  const abs = isAbsolute(commonDir) ? commonDir : resolve(cwd, commonDir);
  // A normal repository keeps its common dir at <root>/.git. A bare repository (or a
  // GIT_DIR elsewhere) has no work tree of its own: fall back to the current top level.
  if (basename(abs) === '.git') return dirname(abs);
  try {
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (top) return top;
  } catch {
    // fall through
  }
  return resolve(cwd);
}

export interface StateDirInputs {
  stateDir?: string | undefined;
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

/** The project state directory (not created here). */
export function resolveStateDir(inputs: StateDirInputs = {}): string {
  const cwd = inputs.cwd ?? process.cwd();
  if (inputs.stateDir) return resolve(cwd, inputs.stateDir);
  const env = inputs.env ?? process.env;
  const home = env.DH_STATE_HOME ? resolve(cwd, env.DH_STATE_HOME) : join(env.HOME || homedir(), '.dh');
  return join(home, 'projects', projectSlug(mainRepoRoot(cwd)));
}

/** `DIR/kage-bunshin/registry-<session-id>.json`. */
export function registryPath(stateDir: string, sessionId: string): string {
  return join(stateDir, 'kage-bunshin', `registry-${validateSessionId(sessionId)}.json`);
}
