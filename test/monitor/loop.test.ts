import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KbError } from '../../src/errors.js';
import type { Observation, StateEvent } from '../../src/monitor/decide.js';
import { runMonitor, sleep, type MonitorDeps, type MonitorOptions } from '../../src/monitor/loop.js';
import type { MonitoredEntry } from '../../src/monitor/observe.js';
import type { State } from '../../src/rules/schema.js';

const base: MonitorOptions = { intervalMs: 5000, timeoutMs: 60_000, until: 'exited', settleMs: 1000, reportErrors: false, watch: false };

function entry(name: string): MonitoredEntry {
  return { name, session: name, paneId: '%1', agent: 'shell', classifyAs: 'shell', stopped: false, driven: null, server: {}, evidence: { sessionDir: null, eventsLog: null }, version: null };
}

/** A fleet whose screens follow a script: state of each session as a function of elapsed ms. */
function fleet(script: Record<string, (t: number) => State>, extra: Partial<MonitorDeps> = {}) {
  const start = Date.now();
  const cycles: number[] = [];
  const events: StateEvent[] = [];
  const deps: MonitorDeps = {
    readEntries: async () => Object.keys(script).map(entry),
    observe: async (entries) => {
      const t = Date.now() - start;
      cycles.push(t);
      return entries.map<Observation>((e) => {
        const state = script[e.name]!(t);
        return { name: e.name, session: e.session, paneId: '%1', agent: 'shell', state, rule: `r/${state}`, answer: 'none', source: ['screen'], version: null, final: false, content: `${e.name}@${t}`, seenAt: Date.now(), capturedAt: Date.now() };
      });
    },
    now: () => Date.now(),
    sleep,
    emit: (e) => events.push(e),
    ...extra,
  };
  return { deps, cycles, events, elapsed: () => Date.now() - start };
}

describe('runMonitor (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-24T08:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports a prompt at the first interval tick after it appears', async () => {
    const f = fleet({ a: (t) => (t >= 12_000 ? 'permission_approval' : 'working'), b: () => 'working' });
    const done = runMonitor(base, f.deps);
    await vi.runAllTimersAsync();
    const status = await done;
    expect(status).toMatchObject({ status: 'intervention_needed', name: 'a', content: 'a@15000', pending: ['a'] });
    expect(f.cycles).toEqual([0, 5000, 10_000, 15_000]);
  });

  it('re-captures after --settle, not after a whole interval, before completing', async () => {
    const f = fleet({ a: (t) => (t >= 7000 ? 'exited' : 'working') });
    const done = runMonitor(base, f.deps);
    await vi.runAllTimersAsync();
    expect(await done).toEqual({ status: 'all_complete', sessions: 1 });
    expect(f.cycles).toEqual([0, 5000, 10_000, 11_000]);
  });

  it('a transient idle frame does not end --until idle', async () => {
    // idle only at the 10 s frame, working at the settle re-check, idle for good from 20 s
    const f = fleet({ a: (t) => (t === 10_000 || t >= 20_000 ? 'idle' : 'working') });
    const done = runMonitor({ ...base, until: 'idle' }, f.deps);
    await vi.runAllTimersAsync();
    expect(await done).toEqual({ status: 'all_complete', sessions: 1 });
    expect(f.cycles).toEqual([0, 5000, 10_000, 11_000, 15_000, 20_000, 21_000]);
  });

  it('times out at the deadline with every state', async () => {
    const f = fleet({ a: () => 'working', b: () => 'idle' });
    const done = runMonitor({ ...base, timeoutMs: 12_000 }, f.deps);
    await vi.runAllTimersAsync();
    expect(await done).toEqual({ status: 'timeout', active_sessions: ['a', 'b'], states: { a: 'working', b: 'idle' } });
    expect(f.cycles.at(-1)).toBe(12_000);
  });

  it('an empty registry (or nothing matching) completes at once with sessions 0', async () => {
    const f = fleet({});
    expect(await runMonitor(base, f.deps)).toEqual({ status: 'all_complete', sessions: 0 });
  });

  it('an unreadable registry or a failing tmux is an error status', async () => {
    const f = fleet({ a: () => 'working' }, {
      readEntries: async () => {
        throw new KbError('registry x cannot be parsed', { hint: 'repair it' });
      },
    });
    expect(await runMonitor(base, f.deps)).toEqual({ status: 'error', message: 'registry x cannot be parsed', fix: 'repair it' });
  });

  it('a signal ends the run with a timeout status naming it', async () => {
    const controller = new AbortController();
    const f = fleet({ a: () => 'working' }, { signal: controller.signal });
    const done = runMonitor(base, f.deps);
    await vi.advanceTimersByTimeAsync(7000);
    controller.abort('SIGTERM');
    expect(await done).toEqual({ status: 'timeout', active_sessions: ['a'], states: { a: 'working' }, interrupted: 'SIGTERM' });
  });

  it('--watch streams state changes, keeps going past prompts, ends with the final status', async () => {
    const f = fleet({
      a: (t) => (t < 5000 ? 'working' : t < 10_000 ? 'question' : 'exited'),
      b: (t) => (t < 15_000 ? 'working' : 'exited'),
    });
    const done = runMonitor({ ...base, watch: true }, f.deps);
    await vi.runAllTimersAsync();
    expect(await done).toEqual({ status: 'all_complete', sessions: 2 });
    expect(f.events.map((e) => `${e.name}:${e.from}->${e.to}`)).toEqual([
      'a:null->working',
      'b:null->working',
      'a:working->question',
      'a:question->exited',
      'b:working->exited',
    ]);
  });
});
