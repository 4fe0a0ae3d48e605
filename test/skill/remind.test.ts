// kb skill remind, the stop hook's command: quiet unless sessions kb spawned are alive, quiet
// while the session continues or waits for background work, quiet inside a worker, and
// never a failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/skill/layout.js';
import { hookOutput, quietEvent, reminderText, socketOfTmuxEnv } from '../../src/skill/remind.js';
import { runCli } from '../support/cli.js';
import { privateServer, stateDir, type PrivateServer } from '../monitor/support.js';
import { problemWith, shownCommands } from './command-lines.js';

const hook = loadLayout().stopHook;

describe('the reminder', () => {
  it('names every live session by registry, and the commands to stop them parse', async () => {
    const one = reminderText([{ sessionId: 'fleet1', sessions: [{ name: 'a', state: 'idle' }, { name: 'b', state: 'working' }] }]);
    expect(one).toMatch(/^kage-bunshin: 2 sessions you spawned are still running: a \(idle\), b \(working\) \[--session-id fleet1\]\./);
    const def = reminderText([{ sessionId: 'default', sessions: [{ name: 'a', state: 'idle' }] }]);
    expect(def).toMatch(/1 session you spawned is still running: a \(idle\)\. /);
    expect(def).not.toContain('--session-id');
    for (const text of [one, def]) {
      const shown = shownCommands('reminder', `\`\`\`text\n${text}\n\`\`\``, new Set());
      expect(shown.map((s) => s.words[s.words.length - 1])).toEqual(['NAME', 'list']);
      for (const s of shown) expect(await problemWith(s.words), s.line).toBeNull();
    }
  });

  it('is quiet when the event says the session continues or waits for background work', () => {
    expect(quietEvent({ stop_hook_active: true }, hook)).toBe(true);
    expect(quietEvent({ stop_hook_active: false, background_tasks: [{ id: 'b1' }] }, hook)).toBe(true);
    expect(quietEvent({ stop_hook_active: false, background_tasks: [] }, hook)).toBe(false);
    expect(quietEvent(null, hook)).toBe(false);
    expect(hookOutput(hook, [])).toBeNull();
    expect(hookOutput(hook, [{ sessionId: 'default', sessions: [{ name: 'a', state: 'idle' }] }])).toMatchObject({ ...hook.output, [hook.reasonField]: expect.stringContaining('a (idle)') });
  });

  it('reads the socket name from $TMUX', () => {
    expect(socketOfTmuxEnv('/tmp/tmux-0/fleet,1234,0')).toBe('fleet');
    expect(socketOfTmuxEnv(undefined)).toBeNull();
  });
});

describe('kb skill remind', () => {
  let server: PrivateServer;
  let state: Awaited<ReturnType<typeof stateDir>>;
  let pane: string;

  beforeAll(async () => {
    server = await privateServer();
    state = await stateDir();
    pane = await server.session('worker', 'sleep 3600', { remainOnExit: true });
    await state.write([{ name: 'worker', tmux_session: 'worker', pane_id: pane, socket: server.socket, agent: 'custom' }], 'fleet1');
    await state.write(
      [
        { name: 'finished', tmux_session: 'worker', pane_id: pane, socket: server.socket, agent: 'custom', stopped_at: '2026-11-24T09:00:00.000Z' },
        { name: 'vanished', tmux_session: 'nosuch', pane_id: '%999', socket: server.socket, agent: 'custom' },
      ],
      'default',
    );
  });
  afterAll(async () => {
    await server?.stop();
    await state?.cleanup();
  });

  const remind = (event: unknown, env: Record<string, string | undefined> = {}, dir = state.dir) =>
    runCli(['--state-dir', dir, 'skill', 'remind'], { input: typeof event === 'string' ? event : JSON.stringify(event), env: { TMUX: undefined, TMUX_PANE: undefined, ...env } });

  it('asks the session to stop the live ones (in every registry), and only those', async () => {
    const r = await remind({ hook_event_name: 'Stop', stop_hook_active: false, background_tasks: [] });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, string>;
    expect(out).toMatchObject(hook.output);
    expect(out[hook.reasonField]).toMatch(/1 session you spawned is still running: worker \(\w+\) \[--session-id fleet1\]/);
    expect(out[hook.reasonField]).not.toMatch(/finished|vanished/);
  });

  it('prints nothing while the session continues, waits for background work, or runs inside a kb session', async () => {
    expect((await remind({ stop_hook_active: true })).stdout).toBe('');
    expect((await remind({ stop_hook_active: false, background_tasks: [{ id: 'monitor' }] })).stdout).toBe('');
    const inside = await remind({}, { TMUX: `/tmp/tmux-0/${server.socket},1,0`, TMUX_PANE: pane });
    expect(inside.stdout).toBe('');
    // The same pane id on another server is someone else.
    const other = await remind({}, { TMUX: '/tmp/tmux-0/other,1,0', TMUX_PANE: pane });
    expect(other.stdout).not.toBe('');
  });

  it('prints nothing when nothing is alive or there is no registry, and never fails on a bad event', async () => {
    const empty = await stateDir();
    try {
      const r = await remind({}, {}, empty.dir);
      expect([r.exitCode, r.stdout, r.stderr]).toEqual([0, '', '']);
    } finally {
      await empty.cleanup();
    }
    const garbage = await remind('not json at all');
    expect(garbage.exitCode).toBe(0);
    expect(garbage.stdout).not.toBe(''); // no event is no reason to stay quiet
  });

  it('reports a registry it cannot read on stderr, and still exits 0', async () => {
    const bad = await stateDir();
    try {
      await bad.write('{ broken', 'default');
      const r = await remind({}, {}, bad.dir);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^kage-bunshin: .*registry-default\.json/);
    } finally {
      await bad.cleanup();
    }
  });
});
