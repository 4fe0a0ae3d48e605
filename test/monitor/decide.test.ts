import { describe, expect, it } from 'vitest';
import { decide, timeoutStatus, type DecideOptions, type Memory, type Observation } from '../../src/monitor/decide.js';
import type { State } from '../../src/rules/schema.js';

const opts: DecideOptions = { until: 'exited', settleMs: 1000, reportErrors: false };

function obs(name: string, state: State, at: number, extra: Partial<Observation> = {}): Observation {
  return {
    name,
    session: `tmux-${name}`,
    paneId: `%${name.length}`,
    state,
    rule: `r/${state}`,
    agent: 'shell',
    answer: state === 'question' ? 'text' : state === 'permission_approval' ? 'keys' : 'none',
    source: ['screen'],
    version: null,
    final: false,
    content: `screen of ${name}`,
    seenAt: at,
    capturedAt: at + 5,
    ...extra,
  };
}

/** Runs decide over a sequence of cycles, threading the memory. */
function cycles(list: Array<{ at: number; obs: Observation[] }>, o: DecideOptions = opts) {
  let memory: Memory = new Map();
  return list.map(({ at, obs: observations }) => {
    const d = decide(observations, memory, at, o);
    memory = d.memory;
    return d;
  });
}

describe('decide', () => {
  it('reports a prompt at once, with content, pane id and every pending session in order', () => {
    const [d] = cycles([
      { at: 0, obs: [obs('a', 'working', 0), obs('b', 'question', 0), obs('c', 'permission_approval', 0)] },
    ]);
    expect(d!.status).toEqual({
      status: 'intervention_needed',
      session: 'tmux-b',
      type: 'question',
      content: 'screen of b',
      name: 'b',
      state: 'question',
      rule: 'r/question',
      pane_id: '%1',
      answer: 'text',
      agent: 'shell',
      version: null,
      source: 'screen',
      pending: ['b', 'c'],
    });
  });

  it('says what decided and what the agent said: source, tool and detail, in statuses and watch events', () => {
    const asked = obs('a', 'permission_approval', 0, { source: ['agent', 'screen', 'hook'], tool: 'Bash', detail: 'rm -rf build', version: '2.1.330' });
    const [d] = cycles([{ at: 0, obs: [asked] }]);
    expect(d!.status).toMatchObject({ source: ['agent', 'screen', 'hook'], tool: 'Bash', detail: 'rm -rf build', version: '2.1.330', answer: 'keys' });
    expect(d!.events[0]).toMatchObject({ event: 'state', to: 'permission_approval', source: ['agent', 'screen', 'hook'], tool: 'Bash', agent: 'shell', version: '2.1.330' });
  });

  it('a session the agent announced as waiting is observed again at recheckAt, not at the next tick', () => {
    const [d] = cycles([{ at: 0, obs: [obs('a', 'working', 0, { recheckAt: 100 })] }]);
    expect(d!.settleAt).toBe(100);
  });

  it('starting and stopping (kb drives the session) never need the orchestrator and keep the run going', () => {
    const [d] = cycles([{ at: 0, obs: [obs('a', 'stopping', 0), obs('b', 'starting', 0)] }]);
    expect(d!.status).toBeNull();
    expect(d!.active).toEqual(['a', 'b']);
  });

  it('treats error as active unless --report-errors', () => {
    const [plain] = cycles([{ at: 0, obs: [obs('a', 'error', 0)] }]);
    expect(plain!.status).toBeNull();
    expect(plain!.active).toEqual(['a']);
    const [reported] = cycles([{ at: 0, obs: [obs('a', 'error', 0)] }], { ...opts, reportErrors: true });
    expect(reported!.status).toMatchObject({ status: 'intervention_needed', type: 'error' });
  });

  it('counts a dead or vanished pane as exited at once', () => {
    const [d] = cycles([{ at: 0, obs: [obs('a', 'exited', 0, { final: true }), obs('b', 'exited', 0, { final: true, paneId: null })] }]);
    expect(d!.status).toEqual({ status: 'all_complete', sessions: 2 });
  });

  it('needs two observations --settle apart before an exited-looking screen completes', () => {
    const [first, early, late] = cycles([
      { at: 0, obs: [obs('a', 'exited', 0)] },
      { at: 800, obs: [obs('a', 'exited', 800, { capturedAt: 5 })] },
      { at: 1010, obs: [obs('a', 'exited', 1010, { capturedAt: 5 })] },
    ]);
    expect(first!.status).toBeNull();
    expect(first!.settleAt).toBe(1005); // since = the first capture's upper bound, + settle
    expect(early!.status).toBeNull();
    expect(late!.status).toEqual({ status: 'all_complete', sessions: 1 });
  });

  it('restarts the settle clock when a transient frame intervenes', () => {
    const [, , third, fourth] = cycles([
      { at: 0, obs: [obs('a', 'idle', 0)] },
      { at: 600, obs: [obs('a', 'working', 600)] },
      { at: 1200, obs: [obs('a', 'idle', 1200)] },
      { at: 2300, obs: [obs('a', 'idle', 2300)] },
    ], { ...opts, until: 'idle' });
    expect(third!.status).toBeNull(); // idle again, but only since 1205
    expect(fourth!.status).toEqual({ status: 'all_complete', sessions: 1 });
  });

  it('--until idle completes only when all sessions settled in the same cycle', () => {
    const o = { ...opts, until: 'idle' as const };
    const [c1, c2] = cycles([
      { at: 0, obs: [obs('a', 'idle', 0), obs('b', 'working', 0)] },
      { at: 1100, obs: [obs('a', 'idle', 1100), obs('b', 'idle', 1100)] },
    ], o);
    expect(c1!.status).toBeNull();
    expect(c2!.status).toBeNull();
    expect(c2!.active).toEqual(['b']);
    expect(c2!.settleAt).toBe(1105 + 1000);
  });

  it('--until exited does not complete on idle, and unknown is active', () => {
    const [, d] = cycles([
      { at: 0, obs: [obs('a', 'idle', 0), obs('b', 'unknown', 0)] },
      { at: 5000, obs: [obs('a', 'idle', 5000), obs('b', 'unknown', 5000)] },
    ]);
    expect(d!.status).toBeNull();
    expect(d!.active).toEqual(['a', 'b']);
    expect(timeoutStatus(d!)).toEqual({ status: 'timeout', active_sessions: ['a', 'b'], states: { a: 'idle', b: 'unknown' } });
  });

  it('--settle 0 takes one observation', () => {
    const [d] = cycles([{ at: 0, obs: [obs('a', 'exited', 0)] }], { ...opts, settleMs: 0 });
    expect(d!.status).toEqual({ status: 'all_complete', sessions: 1 });
  });

  it('emits watch events for settled changes only', () => {
    const [c1, c2, c3, c4] = cycles([
      { at: 0, obs: [obs('a', 'working', 0)] },
      { at: 1000, obs: [obs('a', 'idle', 1000)] },
      { at: 2100, obs: [obs('a', 'idle', 2100)] },
      { at: 3000, obs: [obs('a', 'question', 3000)] },
    ]);
    expect(c1!.events.map((e) => [e.from, e.to])).toEqual([[null, 'working']]);
    expect(c2!.events).toEqual([]);
    expect(c3!.events.map((e) => [e.from, e.to, e.rule, e.at])).toEqual([['working', 'idle', 'r/idle', new Date(2100).toISOString()]]);
    expect(c4!.events[0]).toMatchObject({ event: 'state', name: 'a', session: 'tmux-a', from: 'idle', to: 'question' });
  });

  it('forgets sessions that left the registry', () => {
    const [, d] = cycles([{ at: 0, obs: [obs('a', 'working', 0)] }, { at: 10, obs: [obs('b', 'working', 10)] }]);
    expect([...d!.memory.keys()]).toEqual(['b']);
  });
});
