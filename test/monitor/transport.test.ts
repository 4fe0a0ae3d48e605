// The tmux layer against real tmux servers (private sockets): control client, pane list,
// captures (control and chained), vanished panes, a killed server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlTransport, ProcessTransport } from '../../src/monitor/transport.js';
import { captureChained } from '../../src/tmux/capture.js';
import { ControlClient, ControlClosedError } from '../../src/tmux/control.js';
import { sessionPane } from '../../src/tmux/panes.js';
import { privateServer, type PrivateServer } from './support.js';

const PROMPT = /[$#]\s*$/m;
let server: PrivateServer;
beforeEach(async () => {
  server = await privateServer();
});
afterEach(async () => {
  await server.stop();
});

describe('control client on a real tmux', () => {
  it('lists panes with their fields and captures many panes in one batch', async () => {
    const a = await server.session('alpha', 'bash --norc --noprofile -i', { width: 100, height: 20 });
    const b = await server.session('beta-two', 'sleep 300');
    await server.waitFor(a, PROMPT);
    const t = new ControlTransport({ socket: server.socket });
    try {
      const panes = (await t.listPanes())!;
      const pa = panes.find((p) => p.paneId === a)!;
      expect(pa).toMatchObject({ sessionName: 'alpha', dead: false, currentCommand: 'bash', width: 100, height: 20, windowActive: true, paneActive: true });
      expect(pa.windowActivity).toBeGreaterThan(1_700_000_000);
      expect(sessionPane(panes, 'beta-two')?.paneId).toBe(b);
      expect(sessionPane(panes, 'beta')).toBeUndefined(); // exact, never a prefix
      const caps = await t.capture([a, b, a]);
      expect(caps.get(a)).toMatch(PROMPT);
      expect(caps.get(b)).toBe('\n'.repeat(30));
    } finally {
      await t.close();
    }
    // close() detaches only: the server and its sessions are still there
    expect(await server.tmux('list-sessions', '-F', '#{session_name}')).toBe('alpha\nbeta-two');
  });

  it('keeps raw pane text that looks like control-mode guards inside its block', async () => {
    const a = await server.session('guards', 'bash --norc --noprofile -i');
    await server.waitFor(a, PROMPT);
    await server.tmux('send-keys', '-t', a, '-l', "printf '%%end 1 2 1\\n%%exit\\n%%begin 1 1 1\\n❯ 1. Yes\\n'");
    await server.tmux('send-keys', '-t', a, 'Enter');
    // (the typed command line holds the same words: wait for the printed line itself)
    await server.waitFor(a, /^❯ 1\. Yes$/m);
    const t = new ControlTransport({ socket: server.socket });
    try {
      const text = (await t.capture([a])).get(a)!;
      expect(text).toContain('%end 1 2 1\n%exit\n%begin 1 1 1\n❯ 1. Yes');
      expect((await t.listPanes())!.map((p) => p.paneId)).toEqual([a]); // the client is still in sync
    } finally {
      await t.close();
    }
  });

  it('gives null for a pane that vanished between list and capture', async () => {
    const a = await server.session('one', 'sleep 300');
    const b = await server.session('two', 'sleep 300');
    const t = new ControlTransport({ socket: server.socket });
    try {
      await t.listPanes();
      await server.tmux('kill-session', '-t', '=one');
      const caps = await t.capture([a, b]);
      expect(caps.get(a)).toBeNull();
      expect(typeof caps.get(b)).toBe('string');
    } finally {
      await t.close();
    }
  });

  it('reconnects when the session it attached to ends, while the server lives on', async () => {
    await server.session('first', 'sleep 300');
    const b = await server.session('second', 'sleep 300');
    const t = new ControlTransport({ socket: server.socket });
    try {
      expect((await t.listPanes())!.length).toBe(2);
      // The client attached to one of the two; kill both in turn, the other stays alive.
      await server.tmux('kill-session', '-t', '=first');
      const panes = (await t.listPanes())!;
      expect(panes.map((p) => p.paneId)).toEqual([b]);
    } finally {
      await t.close();
    }
  });

  it('rejects pending commands when the server is killed, and then reports no server', async () => {
    await server.session('victim', 'sleep 300');
    const client = await ControlClient.connect({ socket: server.socket });
    const closed = new Promise<ControlClosedError>((resolve) => client.onClose(resolve));
    await server.tmux('kill-server');
    expect(await closed).toBeInstanceOf(ControlClosedError);
    await expect(client.command('list-panes -a')).rejects.toBeInstanceOf(ControlClosedError);
    await client.close();
    const t = new ControlTransport({ socket: server.socket });
    expect(await t.listPanes()).toBeNull();
    await t.close();
  });

  it('a server without sessions (exit-empty off) has no panes, and is not "gone"', async () => {
    await server.session('only', 'sleep 300');
    await server.tmux('set-option', '-g', 'exit-empty', 'off');
    await server.tmux('kill-session', '-t', '=only');
    const t = new ControlTransport({ socket: server.socket });
    try {
      expect(await t.listPanes()).toEqual([]);
      expect((await t.capture(['%0'])).get('%0')).toBeNull();
    } finally {
      await t.close();
    }
  });
});

describe('process transport (fallback)', () => {
  it('captures a chain and retries the rest when a pane in the middle vanished', async () => {
    const a = await server.session('a', 'bash --norc --noprofile -i');
    const b = await server.session('b', 'sleep 300');
    const c = await server.session('c', 'bash --norc --noprofile -i');
    await server.waitFor(a, PROMPT);
    await server.waitFor(c, PROMPT);
    await server.tmux('kill-session', '-t', '=b');
    const caps = await captureChained({ socket: server.socket }, [a, b, c, '%999']);
    expect(caps.get(a)).toMatch(PROMPT);
    expect(caps.get(b)).toBeNull();
    expect(caps.get(c)).toMatch(PROMPT);
    expect(caps.get('%999')).toBeNull();
  });

  it('lists panes, and null when no server runs', async () => {
    const t = new ProcessTransport({ socket: server.socket });
    expect(await t.listPanes()).toBeNull();
    await server.session('x', 'sleep 300');
    expect((await t.listPanes())!.map((p) => p.sessionName)).toEqual(['x']);
  });
});
