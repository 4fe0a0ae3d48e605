/**
 * Ending what a pane ran. Killing a tmux session closes its panes' terminals, and most
 * programs die of the hangup; some agent CLIs do not (Gemini CLI 0.61 re-executes itself
 * and both processes survive the hangup), so the pane's process group is ended by id:
 * SIGTERM, then SIGKILL for what is left after a grace period. Only the groups led by the
 * panes' own processes are touched, and only their own members: a pid is reused once free
 * (a dead pane keeps the pid of a process long gone), so each group is known by its
 * leader's pid AND start time, taken before the session is killed.
 */

import { readdirSync, readFileSync } from 'node:fs';

/** A pane's first process, as it was when the pane was listed: its pid and start time. */
export interface GroupLeader {
  pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  start: number;
}

/** pgrp and start time of a process, from /proc/<pid>/stat; null when it is gone (or a zombie). */
function procStat(pid: number): { pgrp: number; start: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (f[0] === 'Z') return null;
    return { pgrp: Number(f[2]), start: Number(f[19]) };
  } catch {
    return null;
  }
}

/** Clock ticks since boot, now (the unit of a process's start time; 100 per second). */
function ticksNow(): number {
  try {
    return Math.ceil(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 100) + 1;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * The pids that lead their own process group now (a pane's first process does), with their
 * start times: taken BEFORE the session is killed, so that the group can later be told apart
 * from a newcomer that got the same pid once it was free (pids wrap: 32768 here).
 */
export function groupLeaders(pids: readonly number[]): GroupLeader[] {
  const out: GroupLeader[] = [];
  for (const pid of pids) {
    const st = procStat(pid);
    if (st && st.pgrp === pid) out.push({ pid, start: st.start });
  }
  return out;
}

/**
 * The processes of these groups that are the leaders' own: in the group, started no earlier
 * than its leader and no later than `until` (a process that got a freed pid, and its group,
 * started after the session was killed).
 */
function members(leaders: readonly GroupLeader[], until: number): number[] {
  const byGroup = new Map(leaders.map((l) => [l.pid, l.start]));
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const st = procStat(Number(entry));
    if (!st) continue;
    const leaderStart = byGroup.get(st.pgrp);
    if (leaderStart !== undefined && st.start >= leaderStart && st.start <= until) out.push(Number(entry));
  }
  return out;
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/**
 * SIGTERM to the processes of each group, SIGKILL after `graceMs` to those still alive.
 * Only processes that were in a listed leader's group before this call are signalled, one
 * by one: never a group whose id now belongs to someone else.
 */
export async function endProcessGroups(leaders: readonly GroupLeader[], graceMs = 1500): Promise<void> {
  if (leaders.length === 0) return;
  const until = ticksNow();
  let left = members(leaders, until);
  if (left.length === 0) return;
  signal(left, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    const still = new Set(members(leaders, until));
    left = left.filter((pid) => still.has(pid));
  }
  signal(left, 'SIGKILL');
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
