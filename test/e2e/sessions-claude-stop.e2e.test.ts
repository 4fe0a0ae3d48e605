// stop against the REAL Claude Code in the awkward moments: while it streams a long answer,
// and while a permission dialog is up; a worktree without changes is removed by Claude Code
// itself, so stop reports worktree null.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeBin, makeClaudeHome, type ClaudeVersion } from '../support/claude-home.js';
import { startMockAnthropic, type MockTurn } from '../support/mock-anthropic.js';
import { makeSandbox, until } from '../sessions/support.js';

async function scenario(version: ClaudeVersion, turns: MockTurn[], waitFor: string) {
  const sb = await makeSandbox();
  const mock = await startMockAnthropic({ turns });
  const home = await makeClaudeHome({ trustDirs: [sb.repo] });
  const env = { ...home.env, ANTHROPIC_BASE_URL: mock.url, KB_CLAUDE_BIN: claudeBin(version) };
  try {
    const r = await sb.kb(['spawn', '--name', 's1', '--permission-mode', 'default', '--size', '120x40', 'go ahead with the work'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ prompt_sent: true });
    await until('the prompt at the mock', async () => JSON.stringify(mock.requests).includes('go ahead with the work'));
    await until(waitFor, async () => JSON.parse((await sb.kb(['status', '--name', 's1'], env)).stdout).state === waitFor);
    const t0 = Date.now();
    const stopped = await sb.kb(['stop', '--name', 's1', '--timeout', '25'], env);
    const ms = Date.now() - t0;
    console.log(`[${version}] stop while ${waitFor}: ${ms} ms ${stopped.stdout.trim()} ${stopped.stderr.trim()}`);
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    const out = JSON.parse(stopped.stdout);
    expect(out.forced).toBe(false);
    expect(out.worktree).toBeNull();
    expect(existsSync(join(sb.repo, '.claude', 'worktrees', 's1'))).toBe(false);
    expect(() => sb.tmux('has-session', '-t', '=s1')).toThrow();
  } finally {
    await mock.close();
    // the agents first (their process groups end), then the HOME they write into
    await sb.cleanup();
    await home.cleanup();
  }
}

for (const version of ['2.1.332', '2.1.330', '2.1.197'] as const) {
  describe(`claude ${version} stop`, () => {
    it('while it streams a long answer', async () => {
      const long = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
      // 8 chunks 1.5 s apart: it streams for about 12 s, long enough to be seen working.
      await scenario(version, [{ kind: 'text', text: long, chunkDelayMs: 1500 }], 'working');
    }, 120_000);

    it('while a permission dialog is up (cancelled, not answered)', async () => {
      await scenario(
        version,
        [{ kind: 'tool_use', name: 'Bash', input: { command: 'touch should-not-exist', description: 'Touch' } }],
        'permission_approval',
      );
    }, 120_000);
  });
}
