/** Whether a worktree an agent made is still there (on the machine the session ran on). */
import { existsSync } from 'node:fs';
import type { TmuxServer } from '../tmux/run.js';
import { tmuxDeadline } from '../tmux/run.js';
import { runOnHost } from '../tmux/ssh.js';

/** The path if the directory still exists, else null. */
export function existingPath(path: string | null | undefined): string | null {
  return path && existsSync(path) ? path : null;
}

/** existingPath on the server's machine: `test -d` over ssh for a remote one. */
export async function existingPathOn(server: TmuxServer, path: string | null | undefined): Promise<string | null> {
  if (!server.host) return existingPath(path);
  if (!path) return null;
  const r = await runOnHost(server.host, ['test', '-d', path], { timeoutMs: tmuxDeadline(), what: 'a path test' });
  return r.exitCode === 0 ? path : null;
}
