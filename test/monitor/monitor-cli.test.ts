// `kage-bunshin monitor` as a user runs it (dist/cli.js), against real tmux servers on
// private sockets with real programs: bash (idle), sleep (working), rm -i (a question).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonLines, runCli, startCli } from '../support/cli.js';
import { privateServer, stateDir, type PrivateServer } from './support.js';

const PROMPT = /[$#]\s*$/m;
let server: PrivateServer;
let state: Awaited<ReturnType<typeof stateDir>>;
const tempDirs: string[] = [];

beforeEach(async () => {
  server = await privateServer();
  state = await stateDir();
});
afterEach(async () => {
  await server.stop();
  await state.cleanup();
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function monitor(args: string[], env: Record<string, string | undefined> = {}) {
  return runCli(['--socket', server.socket, '--state-dir', state.dir, 'monitor', ...args], { env, timeoutMs: 30_000 });
}

/** The monitor as a running process, for tests that act while it polls. */
function background(args: string[]) {
  return startCli(['--socket', server.socket, '--state-dir', state.dir, 'monitor', ...args]);
}

/** The monitor's tmux control client: once it runs, the monitor is polling (its signal handlers are set before). */
const CONTROL_CLIENT = /^tmux .*-C attach-session/;

function one(stdout: string): Record<string, unknown> {
  const lines = jsonLines(stdout);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

/** A bash pane sitting at `rm -i`'s question. */
async function rmPrompt(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kb-rm-'));
  tempDirs.push(dir);
  await writeFile(path.join(dir, 'victim.txt'), 'x');
  const pane = await server.session(name, `bash --norc --noprofile -c 'cd ${dir} && rm -i victim.txt; exec sleep 300'`);
  await server.waitFor(pane, /rm: remove regular file 'victim.txt'\?/);
  return pane;
}

async function idleBash(name: string): Promise<string> {
  const pane = await server.session(name, 'bash --norc --noprofile -i');
  await server.waitFor(pane, PROMPT);
  return pane;
}

describe('monitor against real tmux', () => {
  it('reports the session at a prompt (type, content, pane), not the idle or working ones', async () => {
    const idle = await idleBash('idle-one');
    const busy = await server.session('busy-one', 'sleep 300');
    const asking = await rmPrompt('asking-one');
    await state.write([
      { name: 'a-idle', tmux_session: 'idle-one', pane_id: idle, socket: server.socket, agent: 'shell' },
      { name: 'b-busy', tmux_session: 'busy-one', pane_id: busy, socket: server.socket, agent: 'shell' },
      { name: 'c-asking', tmux_session: 'asking-one', pane_id: asking, socket: server.socket, agent: 'shell' },
    ]);
    const r = await monitor(['--interval', '1', '--timeout', '10']);
    expect(r.exitCode).toBe(0);
    const status = one(r.stdout);
    expect(status).toMatchObject({
      status: 'intervention_needed',
      session: 'asking-one',
      type: 'question',
      name: 'c-asking',
      state: 'question',
      rule: 'generic/question-prompt',
      pane_id: asking,
      pending: ['c-asking'],
    });
    expect(status.content).toContain("rm: remove regular file 'victim.txt'?");
    expect((status.content as string).split('\n').length).toBeLessThanOrEqual(10);
  });

  it('reports a [y/N] confirmation as yes_no_prompt, and every pending session', async () => {
    const yn = await server.session('confirm', `bash --norc --noprofile -c 'read -p "Overwrite the config file? [y/N] " a; exec sleep 300'`);
    await server.waitFor(yn, /\[y\/N\]/);
    const asking = await rmPrompt('rm-asks');
    await state.write([
      { name: 'b-confirm', tmux_session: 'confirm', pane_id: yn, agent: 'shell' },
      { name: 'a-rm', tmux_session: 'rm-asks', pane_id: asking, agent: 'shell' },
    ]);
    const status = one((await monitor(['--timeout', '5'])).stdout);
    expect(status).toMatchObject({ status: 'intervention_needed', name: 'a-rm', type: 'question', pending: ['a-rm', 'b-confirm'] });
    await state.write([{ name: 'b-confirm', tmux_session: 'confirm', pane_id: yn, agent: 'shell' }]);
    const second = one((await monitor(['--timeout', '5'])).stdout);
    expect(second).toMatchObject({ status: 'intervention_needed', name: 'b-confirm', type: 'yes_no_prompt', rule: 'generic/yes-no' });
    expect(second.content).toContain('Overwrite the config file? [y/N]');
  });

  it('the process transport (one chained tmux per cycle) gives the same answer', async () => {
    const asking = await rmPrompt('asking');
    await state.write([{ name: 'q', tmux_session: 'asking', pane_id: asking, socket: server.socket, agent: 'shell' }]);
    const r = await monitor(['--interval', '1', '--timeout', '5'], { KB_TMUX_TRANSPORT: 'process' });
    expect(one(r.stdout)).toMatchObject({ status: 'intervention_needed', name: 'q', type: 'question' });
  });

  it('times out with the active sessions and every state', async () => {
    const idle = await idleBash('idle');
    const busy = await server.session('busy', 'sleep 300');
    await state.write([
      { name: 'idle', tmux_session: 'idle', pane_id: idle, agent: 'shell' },
      { name: 'busy', tmux_session: 'busy', pane_id: busy, agent: 'shell' },
    ]);
    const r = await monitor(['--interval', '0.5', '--timeout', '1.5']);
    expect(r.exitCode).toBe(0);
    expect(one(r.stdout)).toEqual({ status: 'timeout', active_sessions: ['busy', 'idle'], states: { busy: 'working', idle: 'idle' } });
  });

  it('--until idle completes once every session is idle (settled) or exited', async () => {
    const one1 = await idleBash('i1');
    const two = await idleBash('i2');
    await state.write([
      { name: 'i1', tmux_session: 'i1', pane_id: one1, agent: 'shell' },
      { name: 'i2', tmux_session: 'i2', pane_id: two, agent: 'shell' },
      { name: 'gone', tmux_session: 'never-existed', pane_id: '%777', agent: 'shell' },
    ]);
    const r = await monitor(['--interval', '5', '--timeout', '20', '--until', 'idle', '--settle', '0.5']);
    expect(one(r.stdout)).toEqual({ status: 'all_complete', sessions: 3 });
    // (That it re-captures --settle after the first idle frame, not at the next tick, is
    // test/monitor/loop.test.ts's, on a fake clock.)
  });

  it('counts dead, vanished and stopped sessions as exited at once', async () => {
    await server.session('keeper', 'sleep 300'); // keeps the server up, not registered
    const dead = await server.session('dead', 'sleep 300', { remainOnExit: true });
    await server.tmux('respawn-pane', '-k', '-t', dead, 'true');
    await server.tmux('set-option', '-p', '-t', dead, 'remain-on-exit', 'on');
    const vanished = await server.session('vanished', 'sleep 300');
    await server.tmux('kill-session', '-t', '=vanished');
    const stopped = await server.session('stopped', 'sleep 300');
    await state.write([
      { name: 'dead', tmux_session: 'dead', pane_id: dead, agent: 'shell' },
      { name: 'vanished', tmux_session: 'vanished', pane_id: vanished, agent: 'shell' },
      { name: 'stopped', tmux_session: 'stopped', pane_id: stopped, agent: 'shell', stopped_at: '2026-11-24T08:01:00Z' },
    ]);
    const r = await monitor(['--interval', '5', '--timeout', '20']);
    expect(one(r.stdout)).toEqual({ status: 'all_complete', sessions: 3 });
  });

  it('a server left running without sessions: its sessions exited, with either transport', async () => {
    const gone = await server.session('last', 'sleep 300');
    await server.tmux('set-option', '-g', 'exit-empty', 'off');
    await server.tmux('kill-session', '-t', '=last');
    // tmux answers list-panes -a there with "no current target" (as while kill-server runs).
    await expect(server.tmux('list-panes', '-a')).rejects.toThrow(/no current target/);
    await state.write([{ name: 'last', tmux_session: 'last', pane_id: gone, agent: 'shell' }]);
    for (const transport of ['control', 'process']) {
      const r = await monitor(['--interval', '1', '--timeout', '10'], { KB_TMUX_TRANSPORT: transport });
      expect(r.exitCode, `${transport}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(one(r.stdout)).toEqual({ status: 'all_complete', sessions: 1 });
    }
  });

  it('resolves legacy entries (no pane_id) by exact session name, never by prefix', async () => {
    await rmPrompt('foobar'); // a prompt in the session whose name extends the legacy one
    await server.session('legacy', 'sleep 300');
    // Written by the original tool: no pane_id, socket or agent (a Claude Code session).
    await state.write([
      { name: 'foob', tmux_session: 'foob' }, // gone; `-t foob` would hit foobar
      { name: 'legacy', tmux_session: 'legacy', repo_dir: '/somewhere' },
    ]);
    const r = await monitor(['--interval', '0.5', '--timeout', '1.2']);
    const status = one(r.stdout);
    expect(status).toMatchObject({ status: 'timeout', active_sessions: ['legacy'] });
    expect((status.states as Record<string, string>).foob).toBe('exited');
  });

  it('--match filters by name or tmux session; no match gives sessions 0 at once', async () => {
    const asking = await rmPrompt('ask-s');
    const busy = await server.session('busy-s', 'sleep 300');
    await state.write([
      { name: 'fix-ask', tmux_session: 'ask-s', pane_id: asking, agent: 'shell' },
      { name: 'fix-busy', tmux_session: 'busy-s', pane_id: busy, agent: 'shell' },
    ]);
    expect(one((await monitor(['--match', 'busy-*', '--interval', '0.5', '--timeout', '1'])).stdout)).toMatchObject({ status: 'timeout', active_sessions: ['fix-busy'] });
    expect(one((await monitor(['--match', 'fix-*', '--timeout', '5'])).stdout)).toMatchObject({ status: 'intervention_needed', name: 'fix-ask' });
    expect(one((await monitor(['--match', 'nothing-*', '--timeout', '5'])).stdout)).toEqual({ status: 'all_complete', sessions: 0 });
  });

  it('an empty registry completes at once with sessions 0', async () => {
    await state.write('{}');
    const r = await monitor([]);
    expect(r.exitCode).toBe(0);
    expect(one(r.stdout)).toEqual({ status: 'all_complete', sessions: 0 });
  });

  it('errors (exit 1, one JSON object) for a missing or corrupt registry and invalid rules', async () => {
    const missing = await monitor([]);
    expect(missing.exitCode).toBe(1);
    expect(one(missing.stdout)).toMatchObject({ status: 'error', message: expect.stringMatching(/no registry at .*registry-default\.json/) });
    expect(missing.stderr).toMatch(/kage-bunshin: no registry/);

    await state.write('{"a": ');
    const corrupt = await monitor([]);
    expect(corrupt.exitCode).toBe(1);
    expect(one(corrupt.stdout)).toMatchObject({ status: 'error', message: expect.stringMatching(/cannot be parsed/) });

    await state.write('{}');
    const rules = path.join(state.dir, 'bad-rules');
    await mkdir(rules);
    await writeFile(path.join(rules, 'bad.yaml'), 'rules:\n  - id: x/y\n    state: nonsense\n');
    const bad = await monitor(['--rules', rules]);
    expect(bad.exitCode).toBe(1);
    expect(one(bad.stdout)).toMatchObject({ status: 'error', message: expect.stringContaining('bad.yaml') });
  });

  it('errors when tmux is not installed', async () => {
    const pane = await idleBash('x');
    await state.write([{ name: 'x', tmux_session: 'x', pane_id: pane }]);
    const empty = await mkdtemp(path.join(os.tmpdir(), 'kb-nopath-'));
    tempDirs.push(empty);
    const r = await monitor([], { PATH: empty });
    expect(r.exitCode).toBe(1);
    expect(one(r.stdout)).toMatchObject({ status: 'error', message: 'tmux is not installed or not on PATH' });
  });

  it('rejects bad flag values as usage errors naming the flag', async () => {
    await state.write('{}');
    const r = await monitor(['--interval', '0']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--interval "0"');
    const u = await monitor(['--until', 'done']);
    expect(u.exitCode).toBe(2);
    expect(u.stderr).toContain('--until "done"');
  });

  it('a server killed mid-run gives an error status, not a hang', async () => {
    const busy = await server.session('busy', 'sleep 300');
    await state.write([{ name: 'busy', tmux_session: 'busy', pane_id: busy, agent: 'shell' }]);
    // --watch: its first state line shows the monitor has seen the server.
    const m = background(['--watch', '--interval', '0.3', '--timeout', '20']);
    await m.waitFor('the first state', (l) => l.event === 'state');
    await server.tmux('kill-server');
    expect(await m.exited, m.stderr()).toBe(1);
    expect(m.lines.map((l) => l.to ?? l.status)).toEqual(['working', 'error']);
    expect(m.lines.at(-1)).toMatchObject({ status: 'error', message: expect.stringMatching(/tmux server on socket .* is gone/) });
  });

  it('SIGTERM ends the run with one whole JSON line', async () => {
    const busy = await server.session('busy', 'sleep 300');
    await state.write([{ name: 'busy', tmux_session: 'busy', pane_id: busy, agent: 'shell' }]);
    const m = background(['--interval', '0.3']);
    await m.waitForChild(CONTROL_CLIENT);
    await new Promise((r) => setTimeout(r, 1000)); // its first captures done: the client is up
    m.signal('SIGTERM');
    expect(await m.exited, m.stderr()).toBe(143);
    expect(m.lines).toEqual([{ status: 'timeout', active_sessions: ['busy'], states: { busy: 'working' }, interrupted: 'SIGTERM' }]);
  });

  it('--watch streams one line per state change and ends with the final status', async () => {
    const pane = await server.session('w', 'bash --norc --noprofile -i', { remainOnExit: true });
    await server.waitFor(pane, PROMPT);
    await state.write([{ name: 'w', tmux_session: 'w', pane_id: pane, agent: 'shell' }]);
    const m = background(['--watch', '--interval', '0.3', '--settle', '0.3', '--timeout', '20']);
    await m.waitFor('the first state', (l) => l.event === 'state');
    await server.tmux('send-keys', '-t', pane, '-l', 'sleep 1.5; exit');
    await server.tmux('send-keys', '-t', pane, 'Enter');
    expect(await m.exited, m.stderr()).toBe(0);
    const lines = m.lines;
    const events = lines.slice(0, -1);
    expect(events.map((e) => `${e.from}->${e.to}`)).toEqual(['null->idle', 'idle->working', 'working->exited']);
    for (const e of events) expect(e).toMatchObject({ event: 'state', name: 'w', session: 'w', at: expect.any(String) });
    expect(lines.at(-1)).toEqual({ status: 'all_complete', sessions: 1 });
  });
});
