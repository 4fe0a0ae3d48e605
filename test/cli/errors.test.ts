// Bad input gets one clear line saying what was wrong and a fix line, a non-zero exit, no
// stack trace; a reader that goes away is not an error; nothing is lost.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { makeSandbox, type Sandbox } from '../sessions/support.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox({ git: false });
});
afterEach(async () => {
  await sb.cleanup();
});

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at |Error: [A-Z]+:|node:internal/);

describe('errors have one shape', () => {
  it('a state directory that cannot be one: a clear error, not ENOTDIR', async () => {
    const r = await runCli(['--socket', sb.socket, '--state-dir', '/dev/null', 'spawn', '--name', 'x', '--agent', 'shell'], { cwd: sb.repo });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^kage-bunshin: cannot use \/dev\/null\/kage-bunshin as a state directory: .*\n  fix: pass --state-dir DIR/);
    noStack(r.stderr);
    expect(() => sb.tmux('list-sessions')).toThrow();
  });

  it('empty --socket, --session-id, KB_TMUX_SOCKET are usage errors (an empty $SOCK must not mean the default server)', async () => {
    for (const [args, env, message] of [
      [['--socket', '', 'list'], {}, /--socket is empty/],
      [['--session-id', '', 'list'], {}, /--session-id is empty/],
      [['list'], { KB_TMUX_SOCKET: '' }, /KB_TMUX_SOCKET is set but empty/],
      [['list'], { KB_SESSION_ID: '' }, /KB_SESSION_ID is set but empty/],
      [['--socket', 'a/b', 'list'], {}, /invalid --socket "a\/b"/],
    ] as const) {
      const r = await runCli([...args], { cwd: sb.repo, env: { HOME: sb.repo, ...env } });
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/\n  fix: /);
    }
  });

  it("commander's own errors get the same shape and exit 2 in every command", async () => {
    for (const args of [['list', '--bogus'], ['send', 'x'], ['monitor', '--interval'], ['rules', 'explain'], ['nosuchcommand']]) {
      const r = await sb.kb(args);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, r.stderr).toMatch(/^kage-bunshin: .+\n  fix: see kb( \w+)* --help$/);
    }
  });

  it('an invalid --match glob is a usage error, not all_complete', async () => {
    const r = await sb.kb(['monitor', '--match', 'fix-[abc', '--timeout', '5']);
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'error', message: expect.stringMatching(/invalid --match "fix-\[abc"/) });
  });

  it('a reader that goes away (| head -1) ends the command quietly', () => {
    const fixtures = ['fixtures/shell/prompt-simple-80x24.pane', 'fixtures/shell/rm-i-simple-80x24.pane'];
    const many = Array.from({ length: 400 }, (_, i) => fixtures[i % 2]!);
    for (const cmd of [
      `"${process.execPath}" "${CLI}" classify --agent shell ${many.join(' ')} | head -1`,
      `"${process.execPath}" "${CLI}" rules test --verbose | head -2`,
      `"${process.execPath}" "${CLI}" help monitor | head -1`,
      `"${process.execPath}" "${CLI}" rules explain --all fixtures/shell/rm-i-simple-80x24.pane | head -1`,
    ]) {
      const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8' });
      expect(r.stdout.trim().split('\n').length, cmd).toBeLessThanOrEqual(2);
      expect(r.stderr, cmd).toBe('');
    }
  });
});

describe('nothing is lost', () => {
  it('an EMPTY registry file is reported as unreadable by every command and never replaced', async () => {
    const dir = join(sb.stateDir, 'kage-bunshin');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'registry-default.json');
    writeFileSync(file, '');
    const list = await sb.kb(['list']);
    expect(list.exitCode).toBe(1);
    expect(list.stderr).toMatch(/registry .*registry-default\.json cannot be parsed: the file is empty .*\n  fix: repair or move the file by hand/);
    const monitor = await sb.kb(['monitor', '--timeout', '5']);
    expect(monitor.exitCode).toBe(1);
    expect(JSON.parse(monitor.stdout)).toMatchObject({ status: 'error', message: expect.stringMatching(/the file is empty/) });
    const spawn = await sb.kb(['spawn', '--name', 'x', '--agent', 'shell']);
    expect(spawn.exitCode).toBe(1);
    expect(spawn.stderr).toMatch(/the file is empty/);
    expect(readFileSync(file, 'utf8')).toBe('');
    expect(() => sb.tmux('list-sessions')).toThrow();
  });

  it('a sparse entry ({"s1":{"name":"s1"}}) is listed, not an internal error', async () => {
    const dir = join(sb.stateDir, 'kage-bunshin');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'registry-default.json'), '{"s1":{"name":"s1"},"s2":{}}');
    const r = await sb.kb(['list']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^s1\s+-\s+dead\s+0s\s+-$/m);
    const json = await sb.kb(['list', '--json']);
    expect(JSON.parse(json.stdout)).toHaveLength(2);
    const status = await sb.kb(['status', '--name', 's1']);
    expect(JSON.parse(status.stdout)).toMatchObject({ name: 's1', alive: false, status: 'dead', tmux_session: null });
  });
});

describe('programs without a screen of their own', () => {
  it('a program that prints nothing is ready once its screen settles, not after the ready timeout', async () => {
    const r = await sb.kb(['spawn', '--name', 'quiet', '--command', 'sleep 600', '--ready-timeout', '30']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'quiet', agent: 'custom', prompt_sent: false });
    expect(execFileSync('tmux', ['-L', sb.socket, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8' }).trim()).toBe('quiet');
  });
});
