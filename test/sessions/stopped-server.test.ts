// A tmux server that does not answer (stopped with SIGSTOP) never hangs a command: each
// one ends with an error (a JSON error status for monitor), and SIGTERM ends the monitor
// with its final status line. The runs' own timeouts here only catch a hang; how fast the
// deadline fires is for benchmarks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../support/cli.js';
import { makeSandbox, type Sandbox } from './support.js';

let sb: Sandbox;
let serverPid: number;
const fast = { KB_TMUX_TIMEOUT_MS: '1500' };

beforeAll(async () => {
  sb = await makeSandbox({ git: false });
  expect((await sb.kb(['spawn', '--name', 'w', '--agent', 'shell'])).exitCode).toBe(0);
  serverPid = Number(sb.tmux('display-message', '-p', '#{pid}').trim());
  process.kill(serverPid, 'SIGSTOP');
}, 60_000);
afterAll(async () => {
  process.kill(serverPid, 'SIGCONT');
  await sb.cleanup();
});

describe('a stopped tmux server', () => {
  const commands: [string, string[]][] = [
    ['list', ['list']],
    ['list --json', ['list', '--json']],
    ['status', ['status', '--name', 'w']],
    ['send', ['send', '--name', 'w', 'echo hi']],
    ['send --keys', ['send', '--name', 'w', '--keys', 'Enter']],
    ['read', ['read', '--name', 'w']],
    ['stop --timeout 3', ['stop', '--name', 'w', '--timeout', '3']],
    ['kill', ['kill', '--name', 'w']],
    ['spawn', ['spawn', '--name', 'w2', '--agent', 'shell']],
  ];
  for (const [what, args] of commands) {
    it(`${what}: an error naming the unresponsive server, no hang`, async () => {
      const r = await sb.kb(args, fast, 60_000);
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(/tmux server on socket "kb-test-[0-9a-f]+" did not answer .* within 1500 ms\n  fix: .*stopped or hung/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }, 90_000);
  }

  it('doctor: reports the server as failed', async () => {
    const r = await sb.kb(['doctor'], fast, 60_000);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+tmux server\s+.*did not answer/m);
  }, 90_000);

  it('monitor: one error status, exit 1', async () => {
    const r = await sb.kb(['monitor', '--interval', '1', '--timeout', '10'], {}, 60_000);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'error', message: expect.stringMatching(/did not answer/) });
  }, 90_000);

  it('monitor: SIGTERM while a cycle waits on the server ends it with its final status line', async () => {
    const m = startCli(['--socket', sb.socket, '--state-dir', sb.stateDir, 'monitor', '--interval', '5', '--timeout', '60'], { KB_TMUX_TIMEOUT_MS: '30000' });
    // Its first tmux call has started (and waits on the stopped server): the monitor is in a cycle.
    await m.waitForChild(/^tmux /);
    m.signal('SIGTERM');
    expect(await m.exited, m.stderr()).toBe(143);
    expect(m.lines).toHaveLength(1);
    expect(m.lines[0]).toMatchObject({ status: 'timeout', interrupted: 'SIGTERM' });
  }, 90_000);
});
