/** Shared setup for the session command tests: a private tmux server, temp dirs, the CLI. */
import { removeSocketFile } from '../support/tmux-socket.js';
import { endProcessGroups, groupLeaders } from '../../src/tmux/processes.js';
import { panePids } from '../../src/tmux/session.js';
import { execFileSync } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli, type CliResult } from '../support/cli.js';

export interface Sandbox {
  socket: string;
  stateDir: string;
  repo: string;
  /** Runs `kb --socket S --state-dir D ...args` in the repo with extra env. */
  kb(args: string[], env?: Record<string, string | undefined>, timeoutMs?: number): Promise<CliResult>;
  json(args: string[], env?: Record<string, string | undefined>): Promise<Record<string, unknown>>;
  tmux(...args: string[]): string;
  cleanup(): Promise<void>;
}

export async function makeSandbox(options: { git?: boolean; env?: Record<string, string | undefined> } = {}): Promise<Sandbox> {
  const socket = `kb-test-${randomBytes(5).toString('hex')}`;
  const base = await realpath(await mkdtemp(join(tmpdir(), 'kb-sessions-')));
  const stateDir = join(base, 'state');
  const repo = join(base, 'repo');
  execFileSync('mkdir', ['-p', repo]);
  if (options.git !== false) {
    const git = (...a: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { cwd: repo, stdio: 'ignore' });
    git('init', '-q');
    git('commit', '-q', '--allow-empty', '-m', 'init');
  }
  const baseEnv = {
    HOME: base,
    SHELL: '/bin/bash',
    PS1: '$ ',
    KB_SESSION_ID: undefined,
    KB_TMUX_SOCKET: undefined,
    ...options.env,
  };
  const kb = (args: string[], env: Record<string, string | undefined> = {}, timeoutMs?: number) =>
    runCli(['--socket', socket, '--state-dir', stateDir, ...args], { cwd: repo, env: { ...baseEnv, ...env }, timeoutMs });
  return {
    socket,
    stateDir,
    repo,
    kb,
    async json(args, env) {
      const r = await kb(args, env);
      if (r.exitCode !== 0) throw new Error(`kb ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}${r.stdout}`);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    },
    tmux: (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' }),
    async cleanup() {
      const leaders = groupLeaders(await panePids({ socket }).catch(() => [] as number[]));
      try {
        execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
      } catch {
        // no server
      }
      // Agents that survive the hangup (Gemini CLI) are ended by their pane's process group.
      await endProcessGroups(leaders);
      await removeSocketFile(socket);
      // Shells write their history as the server kills them: retry while they finish.
      await rm(base, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value or the time is up (then throws with the last value). */
export async function until<T>(what: string, fn: () => Promise<T>, timeoutMs = 30_000, everyMs = 300): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(everyMs);
  }
}
