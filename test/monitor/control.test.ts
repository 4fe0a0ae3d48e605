import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureViaControl } from '../../src/tmux/capture.js';
import { ControlClient, ControlClosedError, ControlParser, controlSpawnArgs } from '../../src/tmux/control.js';

const fakeTmux = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-tmux.mjs');

describe('ControlParser', () => {
  it('closes a block only on the guard with its own time and number', () => {
    const p = new ControlParser();
    const events = p.feed(
      [
        '%begin 1 10 0',
        '%end 1 10 0',
        '%session-changed $0 a',
        '%begin 1 11 1',
        'row one',
        '%end 1 12 1', // pane text that looks like a guard
        '%end 2 11 1', // wrong time
        '',
        '%end 1 11 1',
        '%begin 1 12 1',
        "can't find pane: %99",
        '%error 1 12 1',
        '%exit',
        '',
      ].join('\n'),
    );
    expect(events).toEqual([
      { type: 'block', block: { time: '1', number: '10', flags: 0, ok: true, lines: [] } },
      { type: 'notification', line: '%session-changed $0 a' },
      { type: 'block', block: { time: '1', number: '11', flags: 1, ok: true, lines: ['row one', '%end 1 12 1', '%end 2 11 1', ''] } },
      { type: 'block', block: { time: '1', number: '12', flags: 1, ok: false, lines: ["can't find pane: %99"] } },
      { type: 'exit', reason: '' },
    ]);
  });

  it('keeps partial lines across chunks, including multi-byte text', () => {
    const p = new ControlParser();
    const text = '%begin 1 1 1\n❯ 1. Yes\n%end 1 1 1\n';
    const events = [...text].flatMap((ch) => p.feed(ch));
    expect(events).toEqual([{ type: 'block', block: { time: '1', number: '1', flags: 1, ok: true, lines: ['❯ 1. Yes'] } }]);
    expect(p.inBlock).toBe(false);
  });

  it('reports %exit with its reason', () => {
    expect(new ControlParser().feed('%exit server exited unexpectedly\n')).toEqual([{ type: 'exit', reason: 'server exited unexpectedly' }]);
  });
});

describe('controlSpawnArgs', () => {
  it('uses -L for a socket, and -S from $TMUX (dropping $TMUX) otherwise', () => {
    expect(controlSpawnArgs({ socket: 'x' }, {}).args).toEqual(['-L', 'x', '-u', '-C', 'attach-session', '-f', 'no-output,ignore-size']);
    const inside = controlSpawnArgs({}, { TMUX: '/tmp/tmux-0/work,123,0' });
    expect(inside.args.slice(0, 2)).toEqual(['-S', '/tmp/tmux-0/work']);
    expect(inside.env.TMUX).toBeUndefined();
    expect(controlSpawnArgs({}, {}).args[0]).toBe('-u');
  });
});

describe('ControlClient (against a fake tmux)', () => {
  const connect = (commandTimeoutMs = 2000) => ControlClient.connect({ socket: 'unused' }, { tmuxBin: fakeTmux, commandTimeoutMs });

  it('matches pipelined replies in order, skipping the attach block and notifications', async () => {
    const client = await connect();
    const replies = await client.send(['echo one', 'capture-pane -p -e -t %3', 'echo two']);
    expect(replies[0]).toEqual({ ok: true, lines: ['one'] });
    expect(replies[1]!.ok).toBe(true);
    expect((replies[1] as { lines: string[] }).lines[0]).toBe('pane %3');
    expect((replies[1] as { lines: string[] }).lines).toHaveLength(5);
    expect(replies[2]).toEqual({ ok: true, lines: ['two'] });
    await client.close();
    expect(client.closed).toBe(true);
  });

  it('gives null for a pane that vanished, the text for the others', async () => {
    const client = await connect();
    const captures = await captureViaControl(client, ['%1', '%99', '%2']);
    expect(captures.get('%99')).toBeNull();
    expect(captures.get('%1')).toMatch(/^pane %1\n/);
    expect(captures.get('%2')).toMatch(/^pane %2\n/);
    await client.close();
  });

  it('rejects every pending command when the server dies, and later ones too', async () => {
    const client = await connect();
    const closed = new Promise<ControlClosedError>((resolve) => client.onClose(resolve));
    const pending = client.send(['hang', 'echo never']);
    const dead = client.send(['die']);
    await expect(pending).rejects.toBeInstanceOf(ControlClosedError);
    const error = await dead.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlClosedError);
    expect((error as ControlClosedError).serverGone).toBe(true);
    expect((await closed).message).toMatch(/server gone/);
    await expect(client.command('echo late')).rejects.toBeInstanceOf(ControlClosedError);
    await client.close();
  });

  it('does not hang on a command that is never answered', async () => {
    const client = await connect(300);
    await expect(client.command('hang')).rejects.toThrow(/did not answer within 300 ms/);
    await client.close();
  });

  it('reports a missing tmux binary as such', async () => {
    await expect(ControlClient.connect({}, { tmuxBin: '/nonexistent/tmux' })).rejects.toThrow(/tmux is not installed/);
  });
});
