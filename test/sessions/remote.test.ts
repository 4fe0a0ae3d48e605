// Sessions on another "host": real ssh to a private sshd on 127.0.0.1 (test/support/sshd.ts),
// real tmux there, shells as the agents. The remote side is this machine, so the tests can
// look at its tmux server and processes directly; kb itself reaches them only through ssh.
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pasteText, sendLiteral } from '../../src/tmux/keys.js';
import { killSession, newSession } from '../../src/tmux/session.js';
import { argvsWith } from '../support/procfs.js';
import { startSshd, type PrivateSshd } from '../support/sshd.js';
import { makeSandbox, until, type Sandbox } from './support.js';

let sshd: PrivateSshd;
let sb: Sandbox;
/** What every kb call gets: the sshd's ssh_config and control directory. */
let env: Record<string, string>;
/** The remote shells' HOME: the sandbox's, so nothing is written to the real one. */
let home: string;

beforeAll(async () => {
  sshd = await startSshd({ addresses: 2 });
  sb = await makeSandbox({ git: false });
  home = join(sb.repo, '..');
  env = { ...sshd.env };
  // A session that keeps the "remote" server up between the tests (a server exits with its
  // last session, and one started again locally would have this process's environment).
  const keeper = await sshd.ssh(sshd.host, `tmux -L ${sb.socket} new-session -d -s keeper sleep 3600`);
  expect(keeper.code, keeper.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await sb?.cleanup();
  await sshd?.stop();
});

const registry = () =>
  JSON.parse(readFileSync(join(sb.stateDir, 'kage-bunshin', 'registry-default.json'), 'utf8')) as Record<string, Record<string, unknown>>;

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const readFile = (p: string) => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
};

describe('spawn --host', () => {
  it('starts the shell on the host in --cwd, with only the variables --env names, no value in any argv', async () => {
    const secret = `kb-secret-${randomBytes(8).toString('hex')}`;
    const seen = new Set<string>();
    let spawning = true;
    let polls = 0;
    const poller = (async () => {
      while (spawning) {
        for (const hit of argvsWith(secret)) seen.add(hit);
        polls++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const r = await sb.kb(
      ['spawn', '--host', sshd.host, '--name', 'rsh', '--agent', 'shell', '--cwd', sb.repo, '--env', 'KB_TEST_SECRET', '--env', 'KB_GIVEN=given value', '--env', `HOME=${home}`,
        'echo "secret=$KB_TEST_SECRET given=$KB_GIVEN caller=${KB_CALLER_ONLY:-none} home=$HOME pwd=$PWD" > got.txt'],
      { ...env, KB_TEST_SECRET: secret, KB_CALLER_ONLY: 'leaked' },
    );
    spawning = false;
    await poller;
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ name: 'rsh', host: sshd.host, cwd: sb.repo, agent: 'shell', prompt_sent: true });
    expect(polls).toBeGreaterThan(20);
    expect([...seen]).toEqual([]);
    await until('the remote shell to write got.txt', async () => readFile(join(sb.repo, 'got.txt')).includes('secret='));
    expect(readFile(join(sb.repo, 'got.txt'))).toBe(`secret=${secret} given=given value caller=none home=${home} pwd=${sb.repo}\n`);
    // The entry: host and socket, the remote directory; the session's environment keeps no value.
    expect(registry().rsh).toMatchObject({ host: sshd.host, socket: sb.socket, cwd: sb.repo, tmux_session: 'rsh', pane_id: out.pane_id });
    expect(sb.tmux('show-environment', '-t', 'rsh')).not.toContain(secret);
  });

  it('send, read, status and list reach it through ssh and say where it runs', async () => {
    const s = await sb.kb(['send', '--name', 'rsh', 'echo "via-ssh-$((6*7))"'], env);
    expect(s.exitCode, s.stderr).toBe(0);
    await until('the echo', async () => (await sb.kb(['read', '--name', 'rsh', '--lines', '20'], env)).stdout.includes('via-ssh-42'));

    const status = JSON.parse((await sb.kb(['status', '--name', 'rsh'], env)).stdout);
    expect(status).toMatchObject({ name: 'rsh', alive: true, host: sshd.host, tmux_session: 'rsh' });
    const table = (await sb.kb(['list'], env)).stdout;
    expect(table.split('\n')[0]).toMatch(/^NAME\s+MODEL\s+STATUS\s+AGE\s+TMUX_SESSION\s+HOST$/);
    expect(table).toMatch(new RegExp(`^rsh\\s.*\\s${sshd.host}$`, 'm'));
  });

  it('the user@host:port form reaches the same machine; kill ends a hangup-proof program by its process group there', async () => {
    const r = await sb.kb(['spawn', '--host', sshd.direct, '--name', 'deaf', '--cwd', sb.repo, '--env', `HOME=${home}`, '--command', "trap '' HUP INT TERM; echo deaf; exec sleep 600"], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ host: sshd.direct });
    const pid = Number(sb.tmux('display-message', '-p', '-t', '=deaf:', '#{pane_pid}').trim());
    expect(alive(pid)).toBe(true);
    const k = await sb.kb(['kill', '--name', 'deaf'], env);
    expect(k.exitCode, k.stderr).toBe(0);
    expect(JSON.parse(k.stdout)).toMatchObject({ status: 'killed', name: 'deaf', host: sshd.direct, worktree: null });
    expect(alive(pid)).toBe(false);
    expect(() => sb.tmux('has-session', '-t', '=deaf')).toThrow();
  });

  it('stop ends it gracefully over ssh; the entry stays, stopped, with its host', async () => {
    const s = await sb.kb(['stop', '--name', 'rsh', '--timeout', '15'], env);
    expect(s.exitCode, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ status: 'stopped', name: 'rsh', forced: false, host: sshd.host, worktree: null });
    expect(() => sb.tmux('has-session', '-t', '=rsh')).toThrow();
    expect(registry().rsh).toMatchObject({ host: sshd.host });
    expect(registry().rsh?.stopped_at).toBeTruthy();
  });

  it('a host that refuses, and one that denies the login: one line naming the host, a fix, no entry left', async () => {
    for (const [host, said] of [
      [sshd.refusing, /host "kb-refuse" refused the ssh connection/],
      [sshd.denied, /ssh to "kb-denied" was refused: .*Permission denied/],
    ] as const) {
      const r = await sb.kb(['spawn', '--host', host, '--name', 'nope', '--agent', 'shell'], env);
      expect(r.exitCode).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(said);
      expect(lines[1]).toMatch(/^ {2}fix: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(registry().nope).toBeUndefined();
    }
  });

  it('bad --host, --cwd and --env values are clear errors before anything starts', async () => {
    const bad = await sb.kb(['spawn', '--host', '-oProxyCommand=touch /tmp/kb-pwned', '--name', 'x', '--agent', 'shell'], env);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/invalid --host .*not a host name/);
    const cwd = await sb.kb(['spawn', '--host', sshd.host, '--name', 'x', '--agent', 'shell', '--cwd', '/nonexistent/kb-dir'], env);
    expect(cwd.exitCode).toBe(1);
    expect(cwd.stderr).toMatch(new RegExp(`no directory "/nonexistent/kb-dir" on host "${sshd.host}"`));
    const unset = await sb.kb(['spawn', '--host', sshd.host, '--name', 'x', '--agent', 'shell', '--env', 'KB_NOT_SET_ANYWHERE'], env);
    expect(unset.exitCode).toBe(2);
    expect(unset.stderr).toMatch(/--env KB_NOT_SET_ANYWHERE: KB_NOT_SET_ANYWHERE is not set/);
    expect(registry().x).toBeUndefined();
  });
});

describe('text through ssh', () => {
  it('a multi-line paste (load-buffer on stdin) and literal keys arrive byte for byte', async () => {
    Object.assign(process.env, sshd.env);
    const server = { socket: sb.socket, host: sshd.host };
    const pane = await newSession(server, { name: 'typed', width: 120, height: 40, command: ['sh', '-c', `stty raw -echo; exec cat > ${join(sb.repo, 'typed.txt')}`] });
    try {
      const lines = Array.from({ length: 200 }, (_, i) => `${i} it's "q" $HOME \\ #{pane_id} Enter; -x 日本`);
      await pasteText(server, pane, lines.join('\n'));
      await sendLiteral(server, pane, "|tail; it's $x \\;");
      await until('everything at cat', async () => readFile(join(sb.repo, 'typed.txt')).endsWith("|tail; it's $x \\;"));
      expect(readFile(join(sb.repo, 'typed.txt'))).toBe(`${lines.join('\r')}|tail; it's $x \\;`);
    } finally {
      await killSession(server, 'typed');
    }
  });
});

describe('the caller runs kb where HOME differs', () => {
  it('the remote shell gets the login HOME when --env does not name one', async () => {
    const r = await sb.kb(['spawn', '--host', sshd.hosts[1]!, '--name', 'h2', '--cwd', sb.repo, '--command', 'echo "home=$HOME user=$USER"; exec sleep 600'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    await until('the echo', async () => (await sb.kb(['read', '--name', 'h2'], env)).stdout.includes('home='));
    expect((await sb.kb(['read', '--name', 'h2'], env)).stdout).toContain(`home=${os.userInfo().homedir} user=${os.userInfo().username}`);
    expect((await sb.kb(['kill', '--name', 'h2'], env)).exitCode).toBe(0);
  });
});

describe('entries of hosts that are down, and entries from before hosts', () => {
  it('list shows an unreachable host as such and the others as usual; status of it fails naming the host', async () => {
    const file = join(sb.stateDir, 'kage-bunshin', 'registry-default.json');
    const reg = registry();
    // An entry written before hosts existed (local, no host field), and one on a host that refuses.
    sb.tmux('new-session', '-d', '-s', 'legacy', '-x', '80', '-y', '24', 'sleep 600');
    const legacyPane = sb.tmux('display-message', '-p', '-t', '=legacy:', '#{pane_id}').trim();
    reg.legacy = { name: 'legacy', model: null, spawned_at: new Date().toISOString(), worktree: null, tmux_session: 'legacy', pane_id: legacyPane, socket: sb.socket, agent: 'custom' };
    reg.faraway = { name: 'faraway', model: null, spawned_at: new Date().toISOString(), worktree: null, tmux_session: 'faraway', pane_id: '%1', socket: sb.socket, host: sshd.refusing, agent: 'shell' };
    writeFileSync(file, JSON.stringify(reg, null, 2));
    const list = await sb.kb(['list', '--json'], env);
    expect(list.exitCode, list.stderr).toBe(0);
    const rows = Object.fromEntries((JSON.parse(list.stdout) as Record<string, unknown>[]).map((r) => [r.name, r]));
    expect(rows.legacy).toMatchObject({ alive: true, status: expect.not.stringMatching(/dead|unreachable/) });
    expect(rows.legacy).not.toHaveProperty('host');
    expect(rows.faraway).toMatchObject({ state: 'unreachable', status: 'unreachable', host: sshd.refusing, alive: false, error: expect.stringMatching(/refused/) });
    const status = await sb.kb(['status', '--name', 'faraway'], env);
    expect(status.exitCode).toBe(1);
    expect(status.stderr).toMatch(/^kage-bunshin: host "kb-refuse" refused the ssh connection/);
    expect(status.stderr).toMatch(/\n {2}fix: /);
    // forget cannot tell whether it still runs there: refused, unless --force.
    const forget = await sb.kb(['forget', '--name', 'faraway'], env);
    expect(forget.exitCode).toBe(1);
    expect(forget.stderr).toMatch(/cannot tell whether session "faraway" still runs: host "kb-refuse" refused/);
    expect(forget.stderr).toMatch(/kb forget --name faraway --force/);
    expect(registry().faraway).toBeDefined();
    const forced = await sb.kb(['forget', '--name', 'faraway', '--force'], env);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(registry().faraway).toBeUndefined();
    expect(registry().legacy).toBeDefined();
  });
});

describe('doctor --host', () => {
  it('checks ssh, tmux and the agent CLIs there', async () => {
    const r = await sb.kb(['doctor', '--host', sshd.host], env);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^ok\\s+ssh\\s+${sshd.host}: logged in as ${os.userInfo().username} in \\d+ ms`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^ok\\s+tmux\\s+${sshd.host}: tmux 3\\.\\d`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^ok\\s+tmux server\\s+socket "${sb.socket}" on ${sshd.host}`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^ok\\s+shell\\s+${sshd.host}: /bin/bash \\d`, 'm'));
    expect(r.stdout).toMatch(/^ok\s+rules\s+\d+ rules/m);
    expect(r.stdout).toMatch(/all checks passed/);
  });

  it('tmux missing there FAILs with the fix (install it, or KB_REMOTE_TMUX)', async () => {
    const r = await sb.kb(['doctor', '--host', sshd.host], { ...env, KB_REMOTE_TMUX: '/nonexistent/tmux' });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^FAIL\\s+tmux\\s+tmux is not installed on host "${sshd.host}".*; fix: install tmux 3\\.2 or later there, or name its path with KB_REMOTE_TMUX`, 'm'));
  });

  it('a host that refuses FAILs the ssh check, naming the fix; exit 1', async () => {
    const r = await sb.kb(['doctor', '--host', sshd.refusing], env);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+ssh\s+host "kb-refuse" refused the ssh connection .*; fix: check that sshd runs there/m);
    expect(r.stdout).toMatch(/1 problem\(s\) found/);
  });
});
