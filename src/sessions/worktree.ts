/** Where `claude --worktree NAME` puts its worktree, and whether it is still there. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The git top level of cwd (Claude Code creates `.claude/worktrees/NAME` there); null outside git. */
export function gitTopLevel(cwd: string): string | null {
  try {
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return top || null;
  } catch {
    return null;
  }
}

export function claudeWorktreePath(cwd: string, name: string): string | null {
  const top = gitTopLevel(resolve(cwd));
  return top ? join(top, '.claude', 'worktrees', name) : null;
}

/** The path if the directory still exists, else null. */
export function existingPath(path: string | null | undefined): string | null {
  return path && existsSync(path) ? path : null;
}
