import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { endProcessGroups, groupLeaders } from '../../src/tmux/processes.js';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/** A new process group: a shell leading it and a child that ignores SIGHUP, as agents do. */
async function group(): Promise<ChildProcess> {
  const c = spawn('sh', ['-c', 'trap "" HUP; sleep 30 & wait'], { detached: true, stdio: 'ignore' });
  started.push(c);
  await new Promise((r) => setTimeout(r, 200));
  return c;
}

/** Some process of the group still runs (zombies left for init to reap do not count). */
function alive(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(f[2]) === pgid && f[0] !== 'Z') return true;
  }
  return false;
}

describe('endProcessGroups', () => {
  it('ends a group known by its leader, the leader and its child', async () => {
    const c = await group();
    const leaders = groupLeaders([c.pid!]);
    expect(leaders).toEqual([{ pid: c.pid, start: expect.any(Number) }]);
    await endProcessGroups(leaders, 300);
    for (let i = 0; i < 20 && alive(c.pid!); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(c.pid!)).toBe(false);
  });

  it('leaves a group alone whose processes are older than the leader it was told of (the pid was reused)', async () => {
    const c = await group();
    const [leader] = groupLeaders([c.pid!]);
    // As if pid c.pid had led a group that started later: the processes there now are not it.
    await endProcessGroups([{ pid: leader!.pid, start: leader!.start + 10_000 }], 300);
    expect(alive(c.pid!)).toBe(true);
  });

  it('a pid that leads no group (or is gone) is not a leader', async () => {
    expect(groupLeaders([process.pid])).toEqual([]); // vitest's worker is in vitest's group
    expect(groupLeaders([2 ** 22 + 12345])).toEqual([]);
  });
});
