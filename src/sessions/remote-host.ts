/**
 * What spawn needs to know about another machine before it starts a session there, in one
 * ssh call: the working directory (resolved there: paths are the remote host's), its git
 * top level (where an agent's worktree goes), the login user, HOME and SHELL (the agent's
 * templates and the root refusal use them) and whether the login has a locale.
 */
import { KbError } from '../errors.js';
import { tmuxDeadline } from '../tmux/run.js';
import { runOnHost } from '../tmux/ssh.js';

export interface HostFacts {
  uid: number | null;
  user: string;
  home: string;
  shell: string;
  /** The absolute working directory there (symlinks resolved). */
  cwd: string;
  gitRoot: string | null;
  /** LC_ALL, LC_CTYPE or LANG of the login ('' when none is set). */
  locale: string;
}

// POSIX sh. `~` and `~/x` are the remote home; no directory given: the remote home.
const FACTS = [
  'd=$1',
  'case $d in "" | "~") d=$HOME ;; "~/"*) d=$HOME/${d#"~/"} ;; esac',
  'echo "uid=$(id -u 2>/dev/null)"',
  'echo "user=$(id -un 2>/dev/null)"',
  'echo "home=$HOME"',
  'echo "shell=$SHELL"',
  'echo "locale=${LC_ALL:-${LC_CTYPE:-$LANG}}"',
  'if cd -- "$d" 2>/dev/null; then echo "cwd=$(pwd -P)"; else echo "nocwd=$d"; exit 0; fi',
  'top=$(git rev-parse --show-toplevel 2>/dev/null) && echo "git=$top"',
  'exit 0',
].join('\n');

export function parseFacts(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

export async function hostFacts(host: string, cwd: string | undefined): Promise<HostFacts> {
  const r = await runOnHost(host, ['/bin/sh', '-c', FACTS, 'kb-facts', cwd ?? ''], { timeoutMs: tmuxDeadline(), what: 'the host check' });
  const f = parseFacts(r.stdout);
  if (r.exitCode !== 0 || f.uid === undefined) {
    throw new KbError(`cannot inspect host "${host}": /bin/sh there exited ${r.exitCode}${r.stderr.trim() ? ` (${r.stderr.trim().split('\n')[0]})` : ''}`, {
      hint: `check the login there: kb doctor --host ${host}`,
    });
  }
  if (f.nocwd !== undefined || !f.cwd) {
    throw new KbError(`no directory "${cwd ?? f.nocwd ?? '~'}" on host "${host}"`, {
      hint: '--cwd names a directory on that host (its paths, not this machine\'s): create it there or pass another one',
    });
  }
  const uid = Number.parseInt(f.uid, 10);
  return {
    uid: Number.isFinite(uid) ? uid : null,
    user: f.user ?? '',
    home: f.home ?? '',
    shell: f.shell ?? '',
    cwd: f.cwd,
    gitRoot: f.git || null,
    locale: f.locale ?? '',
  };
}
