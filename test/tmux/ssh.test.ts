// The ssh layer's pure parts: destinations (a leading "-" can never become an ssh option),
// quoting for the remote login shell (checked by real shells), the argv of a remote call.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureControlDir, parseDestination, remoteCommand, shellQuote, sshArgv, sshFailure } from '../../src/tmux/ssh.js';
import { tmuxInvocation } from '../../src/tmux/run.js';

describe('parseDestination', () => {
  it.each([
    ['build-box', 'build-box', undefined],
    ['dev@build-box', 'dev@build-box', undefined],
    ['dev@10.0.0.7:2222', 'dev@10.0.0.7', 2222],
    ['host.example.com:22', 'host.example.com', 22],
    ['ssh://dev@host:2200', 'dev@host', 2200],
    ['[::1]:2222', '::1', 2222],
    ['u@[fe80::1%eth0]', 'u@fe80::1%eth0', undefined],
  ])('%s', (dest, target, port) => {
    expect(parseDestination(dest)).toEqual({ target, port });
  });

  it.each(['', ' host', '-oProxyCommand=touch /tmp/x', 'host:abc', 'host:0', 'host:70000', 'a b', 'us;er@host', 'host/x', '@host', '[zz]:1'])(
    'refuses %j with a fix line',
    (dest) => {
      try {
        parseDestination(dest);
        expect.unreachable();
      } catch (error) {
        expect((error as Error).message).toMatch(/^invalid --host /);
        expect((error as { hint?: string }).hint).toMatch(/ssh destination/);
        expect((error as { exitCode?: number }).exitCode).toBe(2);
      }
    },
  );
});

const NASTY = ['', 'plain', "it's", 'a\\b', 'a\\\\b', '$HOME', '`id`', '$(id)', '"q"', ';', 'x;', '#{pane_id}', '*', '~', '-l', 'tab\there', 'ünï 😀', "'\\'", '!x', 'a\nb'];

describe('shellQuote', () => {
  for (const shell of ['sh', 'bash', 'dash', 'zsh', 'fish'].filter((s) => ['/bin', '/usr/bin'].some((d) => existsSync(`${d}/${s}`)))) {
    it(`every argument arrives byte for byte through ${shell} -c`, () => {
      // printf '%s\0' each argument: what the remote shell passes to the program.
      const out = execFileSync(shell, ['-c', `printf '%s\\0' ${NASTY.map(shellQuote).join(' ')}`], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: '/nonexistent' } });
      expect(out.split('\0').slice(0, -1)).toEqual(NASTY);
    });
  }

  it('a remote command is the quoted argv joined by spaces', () => {
    expect(remoteCommand(['exec', 'tmux', '-L', 'x', 'send-keys', '-l', '--', "it's"])).toBe("exec tmux -L x send-keys -l -- 'it'\\''s'");
  });
});

// The control directory the argv names (created 0700 when the argv is built): a temporary one.
const CM = path.join(mkdtempSync(path.join(os.tmpdir(), 'kb-ssh-argv-')), 'cm');
afterAll(() => rmSync(path.dirname(CM), { recursive: true, force: true }));

describe('the argv of a remote call', () => {
  it('options, then --, the destination and one command string; port from the destination', () => {
    const argv = sshArgv('dev@box:2200', ['tmux', 'list-sessions'], { KB_SSH_CONTROL_DIR: CM });
    const dd = argv.indexOf('--');
    expect(argv.slice(dd)).toEqual(['--', 'dev@box', 'tmux list-sessions']);
    const opts = argv.slice(0, dd);
    for (const o of ['BatchMode=yes', 'ControlMaster=auto', `ControlPath=${CM}/%C`, 'ControlPersist=60']) expect(opts).toContain(o);
    expect(opts.join(' ')).toMatch(/-p 2200/);
    expect(opts).not.toContain('-F');
    expect(sshArgv('box', ['true'], { KB_SSH_CONFIG: '/x/cfg', KB_SSH_CONTROL_DIR: CM }).slice(0, 2)).toEqual(['-F', '/x/cfg']);
  });

  it('tmux runs there through exec, with -u and the socket; locally it is plain tmux', () => {
    const remote = tmuxInvocation({ host: 'box', socket: 'fleet' }, ['list-panes', '-a', '-F', '#{pane_id}\t#{session_name}'], { KB_SSH_CONTROL_DIR: CM });
    expect(remote.file).toBe('ssh');
    expect(remote.args.at(-1)).toBe("exec tmux -u -L fleet list-panes -a -F '#{pane_id}\t#{session_name}'");
    expect(tmuxInvocation({ socket: 'fleet' }, ['list-sessions'], {})).toMatchObject({ file: 'tmux', args: ['-L', 'fleet', 'list-sessions'] });
    expect(tmuxInvocation({ host: 'box' }, ['-V'], { KB_REMOTE_TMUX: '/opt/homebrew/bin/tmux', KB_SSH_CONTROL_DIR: CM }).args.at(-1)).toBe('exec /opt/homebrew/bin/tmux -u -V');
  });
});

describe('ssh failures', () => {
  it.each([
    ['ssh: connect to host 10.0.0.9 port 22: Connection refused\r\n', 'refused', /refused the ssh connection/],
    ['ssh: connect to host 10.0.0.9 port 22: Connection timed out\r\n', 'unreachable', /cannot be reached/],
    ['dev@box: Permission denied (publickey).\r\n', 'denied', /was refused: .*Permission denied/],
    ['Host key verification failed.\r\n', 'hostkey', /host key verification failed/],
    ['ssh: Could not resolve hostname nobox: Name or service not known\r\n', 'resolve', /cannot resolve host "box"/],
  ])('%j is %s, naming the host and a fix', (stderr, kind, message) => {
    const error = sshFailure('box', stderr, {});
    expect(error.kind).toBe(kind);
    expect(error.message).toMatch(message);
    expect(error.message).toContain('box');
    expect(error.hint).toBeTruthy();
  });
});

describe('the control directory', () => {
  it('is created 0700; one that others may write to is refused with the fix', () => {
    const fresh = path.join(path.dirname(CM), 'fresh', 'cm');
    ensureControlDir(fresh);
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    const open = path.join(path.dirname(CM), 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(() => ensureControlDir(open)).toThrow(/ssh control directory .*open is not private/);
  });
});
