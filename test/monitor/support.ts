/**
 * Private tmux servers and registries for the monitor's tests. Every server is
 * `tmux -L kb-test-<random>` and is killed by stop(); state dirs live under os.tmpdir().
 */
import { removeSocketFile } from '../support/tmux-socket.js';
import { endProcessGroups, groupLeaders } from '../../src/tmux/processes.js';
import { panePids } from '../../src/tmux/session.js';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export interface PrivateServer {
  socket: string;
  tmux(...args: string[]): Promise<string>;
  /** A detached session running `command`; returns its pane id. */
  session(name: string, command: string, opts?: { width?: number; height?: number; remainOnExit?: boolean }): Promise<string>;
  /** Waits until the pane's text matches. */
  waitFor(target: string, pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export function shellEnv(): Record<string, string> {
  return { TERM: 'xterm-256color', LANG: 'C.UTF-8', HOME: os.tmpdir() };
}

export async function privateServer(): Promise<PrivateServer> {
  const socket = `kb-test-${randomBytes(5).toString('hex')}`;
  const tmux = async (...args: string[]): Promise<string> => {
    const r = await execa('tmux', ['-L', socket, ...args], { reject: false, env: { LANG: 'C.UTF-8' } });
    if (r.exitCode !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  return {
    socket,
    tmux,
    async session(name, command, opts = {}) {
      const env = Object.entries(shellEnv()).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
      const id = await tmux('new-session', '-d', '-P', '-F', '#{pane_id}', '-s', name, '-x', String(opts.width ?? 120), '-y', String(opts.height ?? 30), ...env, command);
      if (opts.remainOnExit) await tmux('set-option', '-p', '-t', id, 'remain-on-exit', 'on');
      return id.trim();
    },
    async waitFor(target, pattern, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      let text = '';
      while (Date.now() < end) {
        text = await tmux('capture-pane', '-p', '-t', target).catch(() => '');
        if (pattern.test(text)) return text;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`pane ${target} never showed ${pattern}; last screen:\n${text}`);
    },
    async stop() {
      const leaders = groupLeaders(await panePids({ socket }).catch(() => [] as number[]));
      await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
      await endProcessGroups(leaders);
      await removeSocketFile(socket);
    },
  };
}

export interface TestEntry {
  name: string;
  tmux_session: string;
  pane_id?: string;
  socket?: string | null;
  agent?: string;
  stopped_at?: string | null;
  [k: string]: unknown;
}

/** A state dir with a registry in the contract's format (registry-<id>.json). */
export async function stateDir(): Promise<{ dir: string; write(entries: TestEntry[] | string, sessionId?: string): Promise<string>; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kb-monitor-state-'));
  return {
    dir,
    async write(entries, sessionId = 'default') {
      const file = path.join(dir, 'kage-bunshin', `registry-${sessionId}.json`);
      await mkdir(path.dirname(file), { recursive: true });
      const text =
        typeof entries === 'string'
          ? entries
          : JSON.stringify(
              Object.fromEntries(
                entries.map((e) => [e.name, { model: null, spawned_at: '2026-11-24T08:00:00.000Z', worktree: null, ...e }]),
              ),
              null,
              2,
            );
      await writeFile(file, text);
      return file;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
