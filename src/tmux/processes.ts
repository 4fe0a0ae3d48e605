/**
 * Ending what a pane ran. Killing a tmux session closes its panes' terminals, and most
 * programs die of the hangup; some agent CLIs do not (Gemini CLI 0.61 re-executes itself
 * and both processes survive the hangup), so the pane's process group is ended by id:
 * SIGTERM, then SIGKILL for what is left after a grace period. Only the groups led by the
 * panes' own processes are touched.
 */

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM to each process group, SIGKILL after `graceMs` to those still alive. */
export async function endProcessGroups(pids: readonly number[], graceMs = 1500): Promise<void> {
  const live = pids.filter(groupAlive);
  if (live.length === 0) return;
  for (const pid of live) signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let left = live;
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = left.filter(groupAlive);
  }
  for (const pid of left) signalGroup(pid, 'SIGKILL');
}

/**
 * The same on another host, in one ssh call: the pids are that machine's, so the signals
 * must be sent there. POSIX sh; `kill -s SIG -- -PID` signals the group.
 */
const REMOTE_END_GROUPS = [
  'live=""',
  'for p; do kill -s 0 -- "-$p" 2>/dev/null && { kill -s TERM -- "-$p" 2>/dev/null; live="$live $p"; }; done',
  'i=0',
  'while [ -n "$live" ] && [ "$i" -lt "$KB_GRACE_STEPS" ]; do',
  '  sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); left=""',
  '  for p in $live; do kill -s 0 -- "-$p" 2>/dev/null && left="$left $p"; done; live=$left',
  'done',
  'for p in $live; do kill -s KILL -- "-$p" 2>/dev/null; done',
  'exit 0',
].join('\n');

export function remoteEndGroupsArgv(pids: readonly number[], graceMs = 1500): string[] {
  const steps = String(Math.max(1, Math.round(graceMs / 100)));
  return ['env', `KB_GRACE_STEPS=${steps}`, '/bin/sh', '-c', REMOTE_END_GROUPS, 'kb-end-groups', ...pids.map(String)];
}
