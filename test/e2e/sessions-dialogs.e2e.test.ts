// First-run dialogs of the REAL Claude Code (2.1.332, 2.1.330 and 2.1.197): spawn stops with exit 3 and
// the dialog, or with --accept-dialogs moves the cursor to the accepting option. Also: a
// Claude Code that exits at once (no git repository for --worktree) fails clearly.
import { describe, expect, it } from 'vitest';
import { claudeBin, makeClaudeHome, type ClaudeVersion } from '../support/claude-home.js';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import { makeSandbox, until } from '../sessions/support.js';

/** "Sent" is checked where it counts: the prompt reached the model (the mock API). */
async function mockGot(mock: { requests: unknown[] }, text: string): Promise<void> {
  await until(`the prompt "${text}" at the mock`, async () => JSON.stringify(mock.requests).includes(text), 30_000);
}

async function withClaude(
  version: ClaudeVersion,
  home: Parameters<typeof makeClaudeHome>[0],
  body: (ctx: { sb: Awaited<ReturnType<typeof makeSandbox>>; env: Record<string, string>; got: (text: string) => Promise<void> }) => Promise<void>,
  sandboxOptions: { git?: boolean } = {},
): Promise<void> {
  const sb = await makeSandbox(sandboxOptions);
  const mock = await startMockAnthropic({});
  const h = await makeClaudeHome(typeof home === 'object' ? home : {});
  try {
    await body({ sb, env: { ...h.env, ANTHROPIC_BASE_URL: mock.url, KB_CLAUDE_BIN: claudeBin(version) }, got: (text) => mockGot(mock, text) });
  } finally {
    await mock.close();
    // the agents first (their process groups end), then the HOME they write into
    await sb.cleanup();
    await h.cleanup();
  }
}

for (const version of ['2.1.332', '2.1.330', '2.1.197'] as const) {
  describe(`claude ${version} first-run dialogs`, () => {
    it('an untrusted folder: claude --worktree exits without a dialog; spawn exits 3 naming the trust, the entry stays', async () => {
      await withClaude(version, {}, async ({ sb, env }) => {
        const r = await sb.kb(['spawn', '--name', 'c1', '--permission-mode', 'default', 'hello'], env);
        console.log(`[${version}] trust dialog, exit ${r.exitCode}: ${r.stdout}`);
        expect(r.exitCode, r.stderr).toBe(3);
        const out = JSON.parse(r.stdout);
        expect(out).toMatchObject({ status: 'needs_intervention', name: 'c1', state: 'permission_approval', rule: 'claude-code/workspace-trust' });
        expect(out.content).toMatch(/Workspace trust not yet accepted/);
        expect(out.hint).toMatch(/--accept-dialogs/);
        const status = JSON.parse((await sb.kb(['status', '--name', 'c1'], env)).stdout);
        expect(status).toMatchObject({ alive: false, status: 'dead' });
      });
    }, 120_000);

    it('--accept-dialogs trusts the folder by choosing "Yes", then delivers the prompt (the mock gets it)', async () => {
      await withClaude(version, {}, async ({ sb, env, got }) => {
        const r = await sb.kb(['spawn', '--name', 'c2', '--permission-mode', 'default', '--accept-dialogs', 'hello there after the trust pass'], env);
        console.log(`[${version}] accept trust: exit ${r.exitCode}: ${r.stdout} ${r.stderr}`);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ name: 'c2', state: 'idle', prompt_sent: true });
        await got('hello there after the trust pass');
        const screen = (await sb.kb(['read', '--name', 'c2'], env)).stdout;
        expect(screen).not.toMatch(/didn't start because this folder isn't trusted/);
      });
    }, 120_000);

    it('--accept-dialogs accepts the bypass-permissions disclaimer (default "No, exit") by moving to "Yes, I accept"; the mock gets the prompt', async () => {
      await withClaude(version, {}, async ({ sb, env, got }) => {
        const r = await sb.kb(['spawn', '--name', 'c3', '--permission-mode', 'bypassPermissions', '--accept-dialogs', 'hello after the bypass dialog'], { ...env, IS_SANDBOX: '1' });
        console.log(`[${version}] accept bypass: exit ${r.exitCode}: ${r.stdout} ${r.stderr}`);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ prompt_sent: true });
        await got('hello after the bypass dialog');
        const status = JSON.parse((await sb.kb(['status', '--name', 'c3'], env)).stdout);
        expect(status.alive).toBe(true);
      });
    }, 120_000);

    it('the custom API key dialog (default "No"): exit 3, or --accept-dialogs chooses "Yes"', async () => {
      const sb = await makeSandbox();
      const mock = await startMockAnthropic({});
      const h = await makeClaudeHome({ trustDirs: [sb.repo], approveKey: false });
      try {
        const env = { ...h.env, ANTHROPIC_BASE_URL: mock.url, KB_CLAUDE_BIN: claudeBin(version) };
        const r = await sb.kb(['spawn', '--name', 'k1', '--permission-mode', 'default', 'hi'], env);
        console.log(`[${version}] api key dialog: exit ${r.exitCode}: ${r.stdout} ${r.stderr}`);
        expect(r.exitCode, r.stderr).toBe(3);
        expect(JSON.parse(r.stdout)).toMatchObject({ status: 'needs_intervention', rule: 'claude-code/api-key' });
        const again = await sb.kb(['spawn', '--name', 'k1', '--permission-mode', 'default', '--accept-dialogs', 'hi'], env);
        // k1 is still running (at its dialog): a live name is refused
        expect(again.exitCode).toBe(1);
        const k2 = await sb.kb(['spawn', '--name', 'k2', '--permission-mode', 'default', '--accept-dialogs', 'hello after the api key dialog'], env);
        console.log(`[${version}] api key accepted: exit ${k2.exitCode}: ${k2.stdout} ${k2.stderr}`);
        expect(k2.exitCode, k2.stderr).toBe(0);
        expect(JSON.parse(k2.stdout)).toMatchObject({ state: 'idle', prompt_sent: true });
        await mockGot(mock, 'hello after the api key dialog');
      } finally {
        await mock.close();
        // the agents first (their process groups end), then the HOME they write into
        await sb.cleanup();
        await h.cleanup();
      }
    }, 120_000);

    it('without a git repository claude --worktree exits at once: spawn fails with its words', async () => {
      await withClaude(version, {}, async ({ sb, env }) => {
        const r = await sb.kb(['spawn', '--name', 'c4', '--permission-mode', 'default', '--accept-dialogs', 'hi'], env);
        console.log(`[${version}] no git: exit ${r.exitCode}: ${r.stderr}`);
        expect(r.exitCode).toBe(1);
        expect(r.stderr).toMatch(/claude exited during start in session "c4"/);
        expect(r.stderr.split('\n').length).toBeGreaterThan(2);
      }, { git: false });
    }, 120_000);
  });
}
