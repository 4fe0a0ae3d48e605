// spawn with shells and plain commands in a private tmux server (no agent CLIs needed).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, until, type Sandbox } from './support.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox();
});
afterEach(async () => {
  await sb.cleanup();
});
const registry = () =>
  JSON.parse(readFileSync(join(sb.stateDir, 'kage-bunshin', 'registry-default.json'), 'utf8')) as Record<string, Record<string, unknown>>;

describe('spawn', () => {
  it('20 concurrent --agent shell spawns leave 20 registry entries and 20 live sessions', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => sb.kb(['spawn', '--name', `sh-${i}`, '--agent', 'shell', '--size', '80x24'], {}, 240_000)),
    );
    for (const r of results) expect(r.exitCode, r.stderr).toBe(0);
    const entries = registry();
    expect(Object.keys(entries).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `sh-${i}`).sort());
    const panes = new Set(Object.values(entries).map((e) => e.pane_id));
    expect(panes.size).toBe(20);
    expect(sb.tmux('list-sessions', '-F', '#{session_name}').trim().split('\n')).toHaveLength(20);
    const list = JSON.parse((await sb.kb(['list', '--json'])).stdout) as Record<string, unknown>[];
    expect(list).toHaveLength(20);
    for (const s of list) expect(s).toMatchObject({ alive: true, agent: 'shell' });
  }, 300_000);

  it('delivers the prompt to a shell and reports the first screen state; the table lists it', async () => {
    const r = await sb.kb(['spawn', '--name', 'sh', '--agent', 'shell', 'echo "hi; #{x}" > out.txt']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'sh', tmux_session: 'sh', state: 'idle', worktree: null, model: null });
    await new Promise((res) => setTimeout(res, 500));
    expect(readFileSync(join(sb.repo, 'out.txt'), 'utf8')).toBe('hi; #{x}\n');
    const table = (await sb.kb(['list'])).stdout;
    expect(table.split('\n')[0]).toMatch(/^NAME\s+MODEL\s+STATUS\s+AGE\s+TMUX_SESSION$/);
    expect(table).toMatch(/^sh\s+-\s+idle\s+\d+s\s+sh$/m);
  });

  it('an agent that exits at once fails with its last screen lines and exit status', async () => {
    const r = await sb.kb(['spawn', '--name', 'boom', '--agent', "sh -c 'echo config file is broken >&2; exit 3'"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr, r.stderr).toMatch(/exited during start in session "boom" \(exit status 3\)/);
    expect(r.stderr).toMatch(/config file is broken/);
    expect(r.stderr).toMatch(/fix: /);
    // The dead entry stays (read shows the screen) and a new spawn of the name replaces it.
    expect((await sb.kb(['read', '--name', 'boom'])).stdout).toMatch(/config file is broken/);
    const again = await sb.kb(['spawn', '--name', 'boom', '--agent', 'shell']);
    expect(again.exitCode, again.stderr).toBe(0);
  });

  it('a live name is refused; a derived name gets a suffix', async () => {
    expect((await sb.kb(['spawn', '--name', 'dup', '--agent', 'shell'])).exitCode).toBe(0);
    const r = await sb.kb(['spawn', '--name', 'dup', '--agent', 'shell']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/a session named "dup" is already running/);
    const a = JSON.parse((await sb.kb(['spawn', '--agent', 'shell', 'echo Fix the login bug!'])).stdout);
    const b = JSON.parse((await sb.kb(['spawn', '--agent', 'shell', 'echo Fix the login bug!'])).stdout);
    expect(a.name).toBe('echo-fix-the-login-bug');
    expect(b.name).toBe('echo-fix-the-login-bug-2');
  });

  it('concurrent spawns deriving the same name each get their own', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => sb.kb(['spawn', '--agent', 'shell', 'echo same prompt'], {}, 120_000)));
    for (const r of results) expect(r.exitCode, r.stderr).toBe(0);
    const names = results.map((r) => JSON.parse(r.stdout).name as string).sort();
    expect(names).toEqual(['echo-same-prompt', 'echo-same-prompt-2', 'echo-same-prompt-3', 'echo-same-prompt-4', 'echo-same-prompt-5']);
    expect(Object.keys(registry()).sort()).toEqual(names);
    for (const e of Object.values(registry())) expect(e.driving).toBeUndefined();
  }, 120_000);

  it('a large environment with quotes reaches the agent, and no value of it appears in any argv or file left behind', async () => {
    const big = 'x'.repeat(20_000);
    const r = await sb.kb(['spawn', '--name', 'big', '--agent', 'shell', 'echo "len=${#KB_BIG} quote=$KB_Q"'], { KB_BIG: big, KB_Q: "it's \"q\" $HOME\nnext" });
    expect(r.exitCode, r.stderr).toBe(0);
    await until('the echo', async () => /^len=20000 quote=it's "q" \$HOME$/m.test((await sb.kb(['read', '--name', 'big'])).stdout));
    expect((await sb.kb(['read', '--name', 'big'])).stdout).toMatch(/^next$/m);
    // The values are gone from the session environment once the agent runs.
    expect(sb.tmux('show-environment', '-t', 'big')).not.toMatch(/KB_BIG|KB_Q/);
  });

  it('refuses bad flags with usage errors before starting anything', async () => {
    for (const [args, message] of [
      [['spawn', '--name', 'a:b', 'x'], /invalid --name "a:b"/],
      [['spawn', '--name', 'x', '--size', '10x2', 'p'], /invalid --size "10x2"/],
      [['spawn', '--name', 'x', '--permission-mode', 'yolo', 'p'], /invalid --permission-mode "yolo"/],
      [['spawn', '--name', 'x', '--agent', 'shell', '--max-budget', '1'], /--max-budget is not supported by --agent shell/],
      [["spawn", "--name", "x", "--agent", "claud", "p"], /unknown agent "claud".*\n.*known agents: .*\bclaude\b.*\bcodex\b.*\bgemini\b/],
      [['spawn', '--name', 'x', '--agent', 'shell', '--command', 'cat'], /--command goes with no --agent/],
      [['spawn'], /needs --name or a prompt/],
      [['--session-id', 'a/b', 'list'], /invalid --session-id "a\/b"/],
    ] as const) {
      const r = await sb.kb([...args]);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(() => sb.tmux('list-sessions')).toThrow();
  });

  it('send fails clearly, saying what the screen shows, when the program never shows the text (nothing proves delivery)', async () => {
    const r = await sb.kb(['spawn', '--name', 'deaf', '--command', "sh -c 'stty -echo -icanon; echo deaf; exec sleep 600'"]);
    expect(r.exitCode, r.stderr).toBe(0);
    const s = await sb.kb(['send', '--name', 'deaf', 'hello']);
    expect(s.exitCode).toBe(1);
    expect(s.stdout).toBe('');
    expect(s.stderr).toMatch(/typed into session "deaf" but never showed in its input field, so it was not submitted; the screen shows:\ndeaf\n/);
    expect(s.stderr).toMatch(/fix: look at it with kb read --name deaf/);
  });

  it('a prompt that cannot be proven delivered: spawn exits 1 with "prompt_sent":false and the screen', async () => {
    const r = await sb.kb(['spawn', '--name', 'deaf2', '--command', "sh -c 'stty -echo -icanon; echo deaf; exec sleep 600'", 'hello there']);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'deaf2', prompt_sent: false });
    expect(r.stderr).toMatch(/never showed in its input field/);
  });

  it.runIf(process.getuid?.() === 0)('as root, bypassPermissions without IS_SANDBOX=1 is refused with the reason and the fix', async () => {
    const r = await sb.kb(['spawn', '--name', 'c', 'hello'], { IS_SANDBOX: undefined, KB_CLAUDE_BIN: '/bin/false' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/refuses --permission-mode bypassPermissions .* as root/);
    expect(r.stderr).toMatch(/fix: .*--permission-mode default.*IS_SANDBOX=1/);
    expect(() => sb.tmux('list-sessions')).toThrow();
  });

  it('the caller environment reaches the agent, also when the server was started with another one', async () => {
    expect((await sb.kb(['spawn', '--name', 'e1', '--agent', 'shell'], { KB_PROBE: 'one', ONLY_FIRST: 'x' })).exitCode).toBe(0);
    const r = await sb.kb(['spawn', '--name', 'e2', '--agent', 'shell', 'echo "[$KB_PROBE][${ONLY_FIRST-unset}]"'], { KB_PROBE: 'two; #{x}' });
    expect(r.exitCode, r.stderr).toBe(0);
    await new Promise((res) => setTimeout(res, 500));
    expect((await sb.kb(['read', '--name', 'e2'])).stdout).toMatch(/^\[two; #\{x\}\]\[unset\]$/m);
  });

  it('CI markers never reach the agent: it runs in a real terminal (Gemini CLI refuses to be interactive under CI=true)', async () => {
    const ci = { CI: 'true', GITHUB_ACTIONS: 'true', KB_PROBE: 'kept' };
    expect((await sb.kb(['spawn', '--name', 'c1', '--agent', 'shell'], ci)).exitCode).toBe(0);
    const r = await sb.kb(['spawn', '--name', 'c2', '--agent', 'shell', 'echo "[${CI-unset}][${GITHUB_ACTIONS-unset}][$KB_PROBE]"'], ci);
    expect(r.exitCode, r.stderr).toBe(0);
    await new Promise((res) => setTimeout(res, 500));
    expect((await sb.kb(['read', '--name', 'c2'])).stdout).toMatch(/^\[unset\]\[unset\]\[kept\]$/m);
  });
});
