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
