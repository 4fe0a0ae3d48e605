/**
 * While kb itself drives a session (spawn answering first-run dialogs and delivering the
 * prompt, stop answering the keep-worktree dialog), its entry says so, and the monitor and
 * status report `starting` / `stopping` instead of a dialog the orchestrator should answer.
 * The mark names the kb process: a mark whose process is gone counts for nothing.
 */
import type { RegistryEntry } from './registry.js';

export type Driver = 'spawn' | 'stop';

export interface DrivingMark {
  by: Driver;
  pid: number;
  since: string;
}

/** Marks older than this are ignored even if their pid is alive (pid reuse). */
const MAX_AGE_MS = 30 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function drivingMark(by: Driver, now: number): DrivingMark {
  return { by, pid: process.pid, since: new Date(now).toISOString() };
}

/** `starting` / `stopping` while a live kb process drives the entry's session, else null. */
export function drivenState(entry: RegistryEntry, now = Date.now()): 'starting' | 'stopping' | null {
  const mark = entry.driving as Partial<DrivingMark> | undefined;
  if (!mark || typeof mark !== 'object' || typeof mark.pid !== 'number') return null;
  const since = Date.parse(String(mark.since ?? ''));
  if (Number.isNaN(since) || now - since > MAX_AGE_MS) return null;
  if (!alive(mark.pid)) return null;
  return mark.by === 'stop' ? 'stopping' : 'starting';
}
