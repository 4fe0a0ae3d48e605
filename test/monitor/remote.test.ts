// kb monitor over ssh (a private sshd on 127.0.0.1, test/support/sshd.ts): statuses of
// remote sessions carry their host; the connection dropped mid-monitor (the sshd and every
// connection it holds killed) is an error naming the host; a host that refuses is one
// error for its sessions; with --watch they are `unreachable` and come back when the host
// does, while the local sessions go on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli, startCli } from '../support/cli.js';
import { startSshd, type PrivateSshd } from '../support/sshd.js';
import { privateServer, stateDir, type PrivateServer } from './support.js';

let sshd: PrivateSshd;
let server: PrivateServer;
let state: Awaited<ReturnType<typeof stateDir>>;
const panes: Record<string, string> = {};

beforeAll(async () => {
  sshd = await startSshd({ addresses: 2 });
  server = await privateServer();
  state = await stateDir();
  await server.session('keeper', 'sleep 3600');
  // The "remote" sessions live on this machine's private server; kb reaches them through ssh.
  panes.ask = await server.session('r-ask', `bash --norc --noprofile -c 'read -p "Overwrite notes.txt? (y/n) " a; sleep 3600'`);
  panes.calm = await server.session('r-calm', 'bash --norc --noprofile -c \'echo "just output"; sleep 3600\'');
  panes.here = await server.session('l-here', 'bash --norc --noprofile -c \'echo "local and calm"; sleep 3600\'');
  await server.waitFor(panes.ask!, /Overwrite notes\.txt\? \(y\/n\)/);
  await server.waitFor(panes.calm!, /just output/);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await sshd?.stop();
  await state?.cleanup();
});

const entry = (name: string, session: string, pane: string, host?: string) => ({
  name,
  tmux_session: session,
  pane_id: pane,
  socket: server.socket,
  agent: 'custom',
  ...(host ? { host } : {}),
});

function monitor(args: string[], sessionId: string) {
  return runCli(['--state-dir', state.dir, '--session-id', sessionId, 'monitor', ...args], { env: sshd.env, timeoutMs: 120_000 });
}

describe('monitor over ssh', () => {
  it('reports a remote prompt with host in the status', async () => {
    await state.write([entry('ask', 'r-ask', panes.ask!, sshd.host), entry('here', 'l-here', panes.here!)], 'prompt');
    const r = await monitor(['--interval', '1', '--timeout', '30'], 'prompt');
    expect(r.exitCode, r.stderr).toBe(0);
    const [status] = jsonLines(r.stdout);
    expect(status).toMatchObject({ status: 'intervention_needed', name: 'ask', session: 'r-ask', type: 'yes_no_prompt', pane_id: panes.ask, host: sshd.host, pending: ['ask'] });
    expect(status!.content).toMatch(/Overwrite notes\.txt\? \(y\/n\)/);
  });

  it('a timeout names each remote session\'s host', async () => {
    await state.write([entry('calm', 'r-calm', panes.calm!, sshd.hosts[1]), entry('here', 'l-here', panes.here!)], 'calm');
    const r = await monitor(['--interval', '0.5', '--timeout', '2'], 'calm');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([{ status: 'timeout', active_sessions: ['calm', 'here'], states: { calm: 'unknown', here: 'unknown' }, hosts: { calm: sshd.hosts[1] } }]);
  });

  it('a host that refuses is one error naming it and its sessions, exit 1', async () => {
    await state.write([entry('far-1', 'r-calm', panes.calm!, sshd.refusing), entry('far-2', 'r-ask', panes.ask!, sshd.refusing), entry('here', 'l-here', panes.here!)], 'refuse');
    const r = await monitor(['--interval', '1', '--timeout', '30'], 'refuse');
    expect(r.exitCode).toBe(1);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: 'error', host: sshd.refusing, sessions: ['far-1', 'far-2'], message: expect.stringMatching(/host "kb-refuse" refused the ssh connection.*its sessions: far-1, far-2/), fix: expect.stringMatching(/sshd/) });
    expect(r.stderr).toMatch(/^kage-bunshin: host "kb-refuse" refused/);
  });

  it('with --watch a refusing host is `unreachable` in the events and the timeout, the local session goes on', async () => {
    await state.write([entry('far', 'r-calm', panes.calm!, sshd.refusing), entry('here', 'l-here', panes.here!)], 'refuse-watch');
    const r = await monitor(['--watch', '--interval', '0.5', '--timeout', '3'], 'refuse-watch');
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.filter((l) => l.event === 'state')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'far', from: null, to: 'unreachable', host: sshd.refusing }),
        expect.objectContaining({ name: 'here', from: null, to: 'unknown' }),
      ]),
    );
    expect(lines.at(-1)).toEqual({ status: 'timeout', active_sessions: ['far', 'here'], states: { far: 'unreachable', here: 'unknown' }, hosts: { far: sshd.refusing } });
  });
});

/** Runs kb monitor in the background, collecting its JSON lines as they come. */
function background(args: string[], sessionId: string) {
  return startCli(['--state-dir', state.dir, '--session-id', sessionId, 'monitor', ...args], sshd.env);
}

/**
 * Waits until a monitor started after `before` was taken has its control client running on
 * the host (a new process under the sshd), then a little more for its first cycle.
 */
async function connected(before: number): Promise<void> {
  const end = Date.now() + 30_000;
  while (sshd.sessionPids().length <= before && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  expect(sshd.sessionPids().length).toBeGreaterThan(before);
  await new Promise((r) => setTimeout(r, 500));
}

describe('a host that hangs', () => {
  it('its sshd stopped (SIGSTOP): an error naming the host after the deadline, never a hang', async () => {
    await state.write([entry('calm', 'r-calm', panes.calm!, sshd.host), entry('here', 'l-here', panes.here!)], 'hang');
    const before = sshd.sessionPids().length;
    const m = background(['--interval', '1', '--timeout', '120'], 'hang');
    try {
      await connected(before);
      sshd.pause();
      const code = await m.exited;
      expect(code).toBe(1);
      expect(m.lines).toHaveLength(1);
      expect(m.lines[0]).toMatchObject({ status: 'error', host: sshd.host, sessions: ['calm'], message: expect.stringMatching(/did not answer/) });
    } finally {
      sshd.resume();
      m.signal('SIGKILL');
      await m.exited;
    }
  });

  it('status fails with the deadline and list shows the host unreachable, the local session as usual', async () => {
    const cli = (args: string[], deadlines: Record<string, string> = { KB_TMUX_TIMEOUT_MS: '1000', KB_SSH_CONNECT_TIMEOUT: '2' }) =>
      runCli(['--state-dir', state.dir, '--session-id', 'hang', ...args], { env: { ...sshd.env, ...deadlines }, timeoutMs: 60_000 });
    // The master is up (a new one after the test before paused the sshd): with the usual
    // deadlines, which a loaded machine needs for a new connection; the short ones below.
    const before = await cli(['status', '--name', 'calm'], {});
    expect(before.exitCode, before.stderr).toBe(0);
    sshd.pause();
    try {
      const status = await cli(['status', '--name', 'calm']);
      expect(status.exitCode).toBe(1);
      expect(status.stderr).toMatch(new RegExp(`^kage-bunshin: host "${sshd.host}" did not answer .* over ssh within \\d+ ms\n {2}fix: `));
      const list = await cli(['list', '--json']);
      expect(list.exitCode, list.stderr).toBe(0);
      const rows = Object.fromEntries((JSON.parse(list.stdout) as Record<string, unknown>[]).map((r) => [r.name, r]));
      expect(rows.calm).toMatchObject({ state: 'unreachable', host: sshd.host });
      expect(rows.here).toMatchObject({ alive: true });
    } finally {
      sshd.resume();
    }
  });
});

// Last: these kill the sshd (and bring it back).
describe('monitor when the ssh connection drops', () => {
  it('--watch: the remote session becomes unreachable when the sshd dies and comes back with it; the local one never changes', async () => {
    await state.write([entry('calm', 'r-calm', panes.calm!, sshd.host), entry('here', 'l-here', panes.here!)], 'drop-watch');
    const m = background(['--watch', '--interval', '0.5', '--timeout', '0'], 'drop-watch');
    try {
      await m.waitFor('the first state of calm', (l) => l.name === 'calm' && l.to === 'unknown');
      await sshd.kill();
      await m.waitFor('calm unreachable', (l) => l.name === 'calm' && l.to === 'unreachable');
      await sshd.restart();
      const back = await m.waitFor('calm back', (l) => l.name === 'calm' && l.from === 'unreachable');
      expect(back).toMatchObject({ to: 'unknown', host: sshd.host, session: 'r-calm' });
      expect(m.lines.filter((l) => l.name === 'here').map((l) => l.to)).toEqual(['unknown']);
      expect(m.lines.every((l) => l.event === 'state')).toBe(true);
    } finally {
      m.signal('SIGKILL');
      await m.exited;
    }
  });

  it('without --watch: a killed sshd gives an error status naming the host within two intervals', async () => {
    await state.write([entry('calm', 'r-calm', panes.calm!, sshd.host), entry('here', 'l-here', panes.here!)], 'drop');
    const intervalS = 3;
    // The monitor is up once its control client's connection shows among the sshd's sessions.
    const before = sshd.sessionPids().length;
    const m = background(['--interval', String(intervalS), '--timeout', '120'], 'drop');
    try {
      await connected(before);
      const killedAt = Date.now();
      await sshd.kill();
      const code = await m.exited;
      const latency = Date.now() - killedAt;
      console.log(`error status ${latency} ms after the sshd was killed (interval ${intervalS} s)`);
      expect(code).toBe(1);
      expect(m.lines).toHaveLength(1);
      expect(m.lines[0]).toMatchObject({ status: 'error', host: sshd.host, sessions: ['calm'], message: expect.stringContaining(`host "${sshd.host}"`) });
      expect(latency).toBeLessThan(2 * intervalS * 1000);
    } finally {
      m.signal('SIGKILL');
      await m.exited;
      await sshd.restart();
    }
  });
});
