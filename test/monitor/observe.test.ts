import { describe, expect, it } from 'vitest';
import { Observer, activitySince, monitoredEntries } from '../../src/monitor/observe.js';
import type { PaneTransport } from '../../src/monitor/transport.js';
import { loadStack } from '../../src/agents/stack.js';
import type { Registry } from '../../src/sessions/registry.js';
import type { PaneInfo } from '../../src/tmux/panes.js';

const stack = loadStack();
const rules = stack.rules;

function pane(id: string, session: string, extra: Partial<PaneInfo> = {}): PaneInfo {
  return {
    paneId: id, sessionName: session, windowActive: true, paneActive: true, dead: false, deadStatus: null,
    currentCommand: 'bash', pid: 1, inMode: false, alternateOn: false, windowActivity: 1000, cursorX: 2, cursorY: 0,
    historySize: 0, width: 80, height: 24, ...extra,
  };
}

/** A scripted server: the pane list and screens are set by the test; captures are counted. */
function fakeServer() {
  const s = {
    panes: [] as PaneInfo[] | null,
    screens: new Map<string, string>(),
    captured: [] as string[][],
    transport: (): PaneTransport => ({
      listPanes: async () => s.panes,
      capture: async (ids) => {
        if (ids.length) s.captured.push([...ids]);
        return new Map(ids.map((id) => [id, s.screens.get(id) ?? null]));
      },
      close: async () => undefined,
      helperPids: () => [],
    }),
  };
  return s;
}

const registry = (entries: Record<string, Record<string, unknown>>): Registry =>
  Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, { name: k, model: null, spawned_at: '', worktree: null, tmux_session: k, ...v }])) as Registry;

describe('monitoredEntries', () => {
  it('sorts by name, filters by name or session glob, keeps legacy entries, takes the entry socket', () => {
    const reg = registry({
      zeta: { pane_id: '%1', agent: 'shell' },
      alpha: { tmux_session: 'fix-alpha', socket: 'other' },
      beta: { pane_id: 'bogus', stopped_at: '2026-11-24T00:00:00Z' },
      gamma: { socket: null, agent: 'my-codex-wrapper --fast' },
    });
    const all = monitoredEntries(reg, 'mine', undefined, stack.agents);
    expect(all.map((e) => e.name)).toEqual(['alpha', 'beta', 'gamma', 'zeta']);
    expect(all[2]).toMatchObject({ agent: 'custom', server: { socket: undefined } }); // a command line: custom; null: the default server
    expect(all[0]).toMatchObject({ session: 'fix-alpha', paneId: null, agent: 'claude', server: { socket: 'other' } });
    expect(all[1]).toMatchObject({ paneId: null, stopped: true, server: { socket: 'mine' } });
    expect(monitoredEntries(reg, undefined, 'fix-*', stack.agents).map((e) => e.name)).toEqual(['alpha']);
    expect(monitoredEntries(reg, undefined, 'z*', stack.agents).map((e) => e.name)).toEqual(['zeta']);
  });
});

describe('Observer', () => {
  it('skips capturing a pane only when nothing can have been drawn since its last capture', async () => {
    const srv = fakeServer();
    let now = 1_000_500; // ms; second 1000
    const obs = new Observer({ rules, transport: srv.transport, now: () => now });
    const entries = monitoredEntries(registry({ a: { pane_id: '%1', agent: 'shell' } }), undefined, undefined, stack.agents);
    srv.panes = [pane('%1', 'a', { windowActivity: 1000 })];
    srv.screens.set('%1', 'bash-5.2$ \n');

    expect((await obs.observe(entries))[0]).toMatchObject({ state: 'idle', rule: 'generic/prompt' });
    expect(srv.captured).toEqual([['%1']]);
    // Same second as that capture: output after it cannot be ruled out, but it is settled by
    // one capture in a later second (a busy pane is not captured on every sub-second cycle).
    now = 1_000_900;
    await obs.observe(entries);
    expect(srv.captured).toHaveLength(1);
    now = 1_001_100;
    srv.screens.set('%1', 'bash-5.2$ ls\n');
    expect((await obs.observe(entries))[0]).toMatchObject({ state: 'idle', seenAt: 1_001_100 });
    expect(srv.captured).toHaveLength(2);
    // Later second, activity unchanged and older than the capture's second -> reuse.
    now = 1_002_000;
    await obs.observe(entries);
    now = 1_003_000;
    const reused = (await obs.observe(entries))[0]!;
    expect(srv.captured).toHaveLength(2);
    expect(reused).toMatchObject({ state: 'idle', seenAt: 1_003_000 });
    // New output bumps the activity -> captured again, and the new screen is seen.
    srv.panes = [pane('%1', 'a', { windowActivity: 1003 })];
    srv.screens.set('%1', "rm: remove regular file 'x'?\n");
    expect((await obs.observe(entries))[0]).toMatchObject({ state: 'question' });
    // A resize alone also forces a capture.
    now = 1_010_000;
    srv.panes = [pane('%1', 'a', { windowActivity: 1003, width: 100 })];
    await obs.observe(entries);
    expect(srv.captured).toHaveLength(4);
  });

  it('activitySince: later activity is a change, earlier is not, the same second until a later one', () => {
    expect(activitySince(1001, 1000, 1001)).toBe(true);
    expect(activitySince(999, 1000, 1005)).toBe(false);
    expect(activitySince(1000, 1000, 1000)).toBe(false);
    expect(activitySince(1000, 1000, 1001)).toBe(true);
  });

  it('the same captured text is not classified again, and a changed one is', async () => {
    const srv = fakeServer();
    let now = 2_000_100;
    const obs = new Observer({ rules, transport: srv.transport, now: () => now });
    const entries = monitoredEntries(registry({ a: { pane_id: '%1', agent: 'shell' } }), undefined, undefined, stack.agents);
    srv.panes = [pane('%1', 'a', { windowActivity: 2000 })];
    srv.screens.set('%1', 'bash-5.2$ \n');
    const first = (await obs.observe(entries))[0]!;
    now = 2_001_100;
    srv.panes = [pane('%1', 'a', { windowActivity: 2001 })];
    const second = (await obs.observe(entries))[0]!;
    expect(srv.captured).toHaveLength(2);
    expect(second).toMatchObject({ state: 'idle', rule: first.rule, seenAt: 2_001_100 });
    now = 2_002_100;
    srv.panes = [pane('%1', 'a', { windowActivity: 2002 })];
    srv.screens.set('%1', "rm: remove regular file 'x'?\n");
    expect((await obs.observe(entries))[0]).toMatchObject({ state: 'question' });
  });

  it('dead, vanished and reused pane ids are exited; legacy entries use the session active pane', async () => {
    const srv = fakeServer();
    const obs = new Observer({ rules, transport: srv.transport, now: () => 5_000_000 });
    const entries = monitoredEntries(
      registry({
        dead: { pane_id: '%1', agent: 'shell' },
        gone: { pane_id: '%2', agent: 'shell' },
        reused: { pane_id: '%3', agent: 'shell' },
        legacy: {},
        vanishing: { pane_id: '%6', agent: 'shell' },
      }),
      undefined,
      undefined,
      stack.agents,
    );
    srv.panes = [
      pane('%1', 'dead', { dead: true, deadStatus: 0 }),
      pane('%3', 'somebody-else'),
      pane('%4', 'legacy', { paneActive: false }),
      pane('%5', 'legacy'),
      pane('%6', 'vanishing'),
    ];
    srv.screens.set('%5', 'bash-5.2$ \n'); // %6 has no screen: it vanished before its capture
    const out = Object.fromEntries((await obs.observe(entries)).map((o) => [o.name, o]));
    expect(out.dead).toMatchObject({ state: 'exited', final: true, paneId: '%1' });
    expect(out.gone).toMatchObject({ state: 'exited', final: true, rule: null });
    expect(out.reused).toMatchObject({ state: 'exited', final: true });
    expect(out.legacy).toMatchObject({ paneId: '%5', final: false, state: 'exited', rule: 'claude-code/exited' });
    expect(out.vanishing).toMatchObject({ state: 'exited', final: true });
    expect(srv.captured).toEqual([['%5', '%6']]);
  });

  it('no server at the start: sessions are gone; a server lost later: an error', async () => {
    const srv = fakeServer();
    const obs = new Observer({ rules, transport: srv.transport, now: () => 1 });
    const entries = monitoredEntries(registry({ a: { pane_id: '%1', agent: 'shell', socket: 's' } }), undefined, undefined, stack.agents);
    srv.panes = null;
    expect((await obs.observe(entries))[0]).toMatchObject({ state: 'exited', final: true });
    srv.panes = [pane('%1', 'a')];
    srv.screens.set('%1', '$ \n');
    await obs.observe(entries);
    srv.panes = null;
    await expect(obs.observe(entries)).rejects.toThrow(/tmux server on socket "s" is gone/);
  });
});
