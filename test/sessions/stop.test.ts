// stop and kill with plain programs: the force-kill fallback, an agent that already exited,
// and entries that stay listed as stopped until forget.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, until, type Sandbox } from './support.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox({ git: false });
});
afterEach(async () => {
  await sb.cleanup();
});
const registry = () =>
  JSON.parse(readFileSync(join(sb.stateDir, 'kage-bunshin', 'registry-default.json'), 'utf8')) as Record<string, Record<string, unknown>>;

/** Running (a zombie waiting to be reaped by init does not count). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('kill', () => {
  it('ends a program that survives the terminal hangup (as Gemini CLI does), by its process group', async () => {
    const r = await sb.kb(['spawn', '--name', 'deaf', '--agent', "sh -c 'trap \"\" HUP INT TERM; echo deaf; sleep 600; echo never'"]);
    expect(r.exitCode, r.stderr).toBe(0);
    const pid = Number(sb.tmux('display-message', '-p', '-t', '=deaf:', '#{pane_pid}').trim());
    expect(alive(pid)).toBe(true);
    const k = await sb.kb(['kill', '--name', 'deaf']);
    expect(k.exitCode, k.stderr).toBe(0);
    expect(JSON.parse(k.stdout)).toMatchObject({ status: 'killed', name: 'deaf' });
    expect(alive(pid)).toBe(false);
  });
});

describe('stop', () => {
  it('force-kills after --timeout a program that ignores Ctrl-C, and says so', async () => {
    const r = await sb.kb(['spawn', '--name', 'stubborn', '--agent', "sh -c 'trap \"\" INT; echo stubborn; exec sleep 600'"]);
    expect(r.exitCode, r.stderr).toBe(0);
    const s = await sb.kb(['stop', '--name', 'stubborn', '--timeout', '3']);
    expect(s.exitCode, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toEqual({ status: 'stopped', name: 'stubborn', forced: true, worktree: null, resume_id: null, resume_command: null });
    expect(() => sb.tmux('has-session', '-t', '=stubborn')).toThrow();
    expect(registry().stubborn).toMatchObject({ forced_stop: true });
    expect(registry().stubborn?.stopped_at).toBeTruthy();
  });

  it('an agent that already exited: stop removes its dead pane without force; list shows stopped', async () => {
    // It exits when told to (a file appears), not after a time a loaded machine may outlast.
    const r = await sb.kb(['spawn', '--name', 'brief', '--command', "sh -c 'echo done; while [ ! -e go ]; do sleep 0.1; done'"]);
    expect(r.exitCode, r.stderr).toBe(0);
    writeFileSync(join(sb.repo, 'go'), '');
    await until('the program to exit', async () => JSON.parse((await sb.kb(['status', '--name', 'brief'])).stdout).alive === false);
    const status = JSON.parse((await sb.kb(['status', '--name', 'brief'])).stdout);
    expect(status).toMatchObject({ alive: false, state: 'exited', status: 'dead' });
    expect((await sb.kb(['list'])).stdout).toMatch(/^brief\s+-\s+dead\s/m);
    const s = await sb.kb(['stop', '--name', 'brief']);
    expect(JSON.parse(s.stdout)).toMatchObject({ status: 'stopped', forced: false });
    expect(() => sb.tmux('has-session', '-t', '=brief')).toThrow();
    expect((await sb.kb(['list'])).stdout).toMatch(/^brief\s+-\s+stopped\s/m);
    expect(JSON.parse((await sb.kb(['list', '--json'])).stdout)[0]).toMatchObject({ name: 'brief', status: 'stopped', alive: false });
  });

  it('kill is immediate; the entry stays until forget; send to it fails clearly', async () => {
    expect((await sb.kb(['spawn', '--name', 'k', '--agent', 'shell'])).exitCode).toBe(0);
    const k = await sb.kb(['kill', '--name', 'k']);
    expect(JSON.parse(k.stdout)).toEqual({ status: 'killed', name: 'k', worktree: null });
    expect(registry().k).toMatchObject({ killed: true });
    const s = await sb.kb(['send', '--name', 'k', 'hello']);
    expect(s.exitCode).toBe(1);
    expect(s.stderr).toMatch(/session "k" is gone .*\n  fix: it was stopped; remove it with kb forget --name k/);
    expect(JSON.parse((await sb.kb(['forget', '--name', 'k'])).stdout)).toEqual({ status: 'forgotten', name: 'k' });
    expect(registry()).toEqual({});
  });
});
