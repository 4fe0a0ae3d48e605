// A shell and the REAL Claude Code 2.1.330 (against the mock Messages API) on an ssh "host":
// a private sshd on 127.0.0.1 (test/support/sshd.ts). kb reaches the sessions only through
// ssh; the agent gets nothing of the caller's environment but what --env names. The monitor
// reports Claude's permission dialog with the host, stop keeps the worktree (a path on that
// host), and a killed sshd gives an error status within two intervals. Run this file alone.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI, jsonLines } from '../support/cli.js';
import { claudeBin, makeClaudeHome, type ClaudeHome } from '../support/claude-home.js';
import { startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { startSshd, type PrivateSshd } from '../support/sshd.js';
import { makeSandbox, until, type Sandbox } from '../sessions/support.js';

let sshd: PrivateSshd;
let sb: Sandbox;
let mock: MockAnthropic;
let home: ClaudeHome;
/** The caller's environment: the claude home's variables and the mock, which --env passes on by name. */
let env: Record<string, string>;
const claudeVars = () => Object.keys(home.env).concat('ANTHROPIC_BASE_URL', 'KB_CLAUDE_BIN').flatMap((k) => ['--env', k]);

beforeAll(async () => {
  sshd = await startSshd({ addresses: 1 });
  sb = await makeSandbox();
  mock = await startMockAnthropic({
    turns: [
      { kind: 'tool_use', name: 'Bash', input: { command: 'echo hello > remote-file.txt', description: 'Write remote-file.txt' }, text: 'I will write the file.' },
      { kind: 'text', text: 'Wrote remote-file.txt.' },
    ],
  });
  home = await makeClaudeHome({ trustDirs: [sb.repo] });
  env = { ...sshd.env, ...home.env, ANTHROPIC_BASE_URL: mock.url, KB_CLAUDE_BIN: claudeBin('2.1.330') };
}, 60_000);

afterAll(async () => {
  await mock?.close();
  await sb?.cleanup();
  await home?.cleanup();
  await sshd?.stop();
});

const registry = () =>
  JSON.parse(readFileSync(join(sb.stateDir, 'kage-bunshin', 'registry-default.json'), 'utf8')) as Record<string, Record<string, unknown>>;

it('spawns a shell and Claude Code on the host; monitor reports the permission dialog with host; stop keeps the worktree', async () => {
  const shell = await sb.kb(['spawn', '--host', sshd.host, '--name', 'rsh', '--agent', 'shell', '--cwd', sb.repo, '--env', `HOME=${home.home}`], env);
  expect(shell.exitCode, shell.stderr).toBe(0);
  expect(JSON.parse(shell.stdout)).toMatchObject({ name: 'rsh', host: sshd.host, state: 'idle' });

  const t0 = Date.now();
  const spawned = await sb.kb(['spawn', '--host', sshd.host, '--name', 'rc', '--cwd', sb.repo, '--permission-mode', 'default', '--size', '120x40', ...claudeVars(), 'please write the file'], env);
  console.log(`remote claude spawn exit ${spawned.exitCode} in ${Date.now() - t0} ms: ${spawned.stdout.trim()} ${spawned.stderr.trim()}`);
  expect(spawned.exitCode, spawned.stderr).toBe(0);
  const worktree = join(sb.repo, '.claude', 'worktrees', 'rc');
  expect(JSON.parse(spawned.stdout)).toMatchObject({ name: 'rc', host: sshd.host, worktree, agent: 'claude', agent_version: '2.1.330' });
  expect(registry().rc).toMatchObject({ host: sshd.host, cwd: sb.repo, worktree_path: worktree, socket: sb.socket });

  const m = await sb.kb(['monitor', '--interval', '1', '--timeout', '90'], env, 120_000);
  expect(m.exitCode, m.stderr).toBe(0);
  const [status] = jsonLines(m.stdout);
  // The agent's own state file and hooks are on its host: the screen alone decides.
  expect(status).toMatchObject({ status: 'intervention_needed', name: 'rc', type: 'permission_approval', rule: 'claude-code/tool-permission', host: sshd.host, pending: ['rc'], source: 'screen' });
  expect(status!.content).toMatch(/Do you want to proceed\?/);

  // Approve over ssh; the tool runs there, in the worktree.
  const approved = await sb.kb(['send', '--name', 'rc', '--keys', 'Enter'], env);
  expect(approved.exitCode, approved.stderr).toBe(0);
  await until('idle after the tool ran', async () => JSON.parse((await sb.kb(['status', '--name', 'rc'], env)).stdout).state === 'idle', 60_000);
  expect(readFileSync(join(worktree, 'remote-file.txt'), 'utf8')).toBe('hello\n');

  const stopped = await sb.kb(['stop', '--name', 'rc', '--timeout', '30'], env);
  expect(stopped.exitCode, stopped.stderr).toBe(0);
  const result = JSON.parse(stopped.stdout) as Record<string, unknown>;
  expect(result).toMatchObject({ status: 'stopped', name: 'rc', forced: false, worktree, host: sshd.host });
  expect(String(result.resume_id)).toMatch(/^[0-9a-f-]{36}$/);
  expect(existsSync(join(worktree, 'remote-file.txt'))).toBe(true);
  expect(() => sb.tmux('has-session', '-t', '=rc')).toThrow();
}, 240_000);

it('a killed sshd gives an error status naming the host within two intervals', async () => {
  const intervalS = 3;
  const before = sshd.sessionPids().length;
  const child = spawn(process.execPath, [CLI, '--socket', sb.socket, '--state-dir', sb.stateDir, 'monitor', '--interval', String(intervalS), '--timeout', '120'], {
    cwd: sb.repo,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  try {
    // Up once its control client's channel shows among the sshd's processes.
    await until('the monitor connected', async () => sshd.sessionPids().length > before, 30_000, 50);
    await new Promise((r) => setTimeout(r, 500));
    const killedAt = Date.now();
    await sshd.kill();
    const code = await exited;
    const latency = Date.now() - killedAt;
    console.log(`error status ${latency} ms after the sshd was killed (interval ${intervalS} s)`);
    expect(code).toBe(1);
    const lines = jsonLines(out);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: 'error', host: sshd.host, sessions: ['rsh'] });
    expect(latency).toBeLessThan(2 * intervalS * 1000);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}, 60_000);
