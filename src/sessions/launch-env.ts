/**
 * The agent runs with the caller's environment. A tmux server started earlier has its own
 * global environment, so the differences are passed explicitly: `-e NAME=VALUE` for what
 * differs, `env -u NAME` for what the caller does not have. When that would not fit in one
 * tmux command (~16 KB), a small launch script exports the variables and execs the agent.
 *
 * Except the markers of a CI job: the agent runs in a real terminal, and an agent CLI that
 * sees CI=true may refuse to be interactive (Gemini CLI 0.61 exits with "No input provided
 * via stdin"). An orchestrator running inside CI still gets interactive agents.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TmuxServer } from '../tmux/run.js';
import { globalEnvironment } from '../tmux/session.js';

/** Variables tmux or the shell sets per pane; never copied. */
const SKIP = new Set(['TMUX', 'TMUX_PANE', 'TERM', 'TERM_PROGRAM', 'TERM_PROGRAM_VERSION', 'COLUMNS', 'LINES', 'SHLVL', '_', 'PWD', 'OLDPWD']);
const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Never passed to the agent, and removed if the tmux server has them. */
export const CI_MARKERS = new Set(['CI', 'CONTINUOUS_INTEGRATION', 'GITHUB_ACTIONS']);
const MAX_INLINE = 10_000;

export interface LaunchPlan {
  env: Record<string, string>;
  command: string[];
}

const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export async function planLaunch(
  server: TmuxServer,
  callerEnv: NodeJS.ProcessEnv,
  command: string[],
  scriptDir: string,
  name: string,
): Promise<LaunchPlan> {
  const serverEnv = (await globalEnvironment(server)) ?? new Map<string, string>();
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(callerEnv)) {
    if (v === undefined || SKIP.has(k) || CI_MARKERS.has(k) || !VALID_NAME.test(k)) continue;
    if (serverEnv.get(k) !== v) set[k] = v;
  }
  const unset = [...serverEnv.keys()].filter(
    (k) => !SKIP.has(k) && VALID_NAME.test(k) && (callerEnv[k] === undefined || CI_MARKERS.has(k)),
  );
  // The server may have been started by this very process (so its environment is ours):
  // drop the CI markers explicitly either way.
  for (const k of CI_MARKERS) if (callerEnv[k] !== undefined && !unset.includes(k)) unset.push(k);
  const size = Object.entries(set).reduce((n, [k, v]) => n + k.length + v.length + 8, 0) + unset.join(' ').length * 2;
  if (size <= MAX_INLINE) {
    if (unset.length === 0) return { env: set, command };
    const argv = command.length === 1 ? ['/bin/sh', '-c', command[0]!] : command;
    return { env: set, command: ['env', ...unset.flatMap((k) => ['-u', k]), ...argv] };
  }
  const argv = command.length === 1 ? ['/bin/sh', '-c', command[0]!] : command;
  const script = [
    '#!/bin/sh',
    '# written by kage-bunshin spawn: the caller environment, too large for one tmux command',
    ...unset.map((k) => `unset ${k}`),
    ...Object.entries(set).map(([k, v]) => `export ${k}=${shQuote(v)}`),
    `exec ${argv.map(shQuote).join(' ')}`,
    '',
  ].join('\n');
  await mkdir(scriptDir, { recursive: true });
  const file = join(scriptDir, `launch-${name}.sh`);
  await writeFile(file, script, { mode: 0o700 });
  return { env: {}, command: ['/bin/sh', file] };
}
