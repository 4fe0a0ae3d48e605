/**
 * The end-to-end flow with the REAL Claude Code CLI against the mock Messages API, shared by
 * test/e2e/sessions-claude-*.e2e.test.ts (one file per version, run one at a time).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { claudeBin, makeClaudeHome, type ClaudeVersion } from '../support/claude-home.js';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import { makeSandbox, until } from './support.js';

export async function claudeFlow(version: ClaudeVersion, log: (line: string) => void = () => undefined): Promise<void> {
  const sandbox = await makeSandbox();
  const mock = await startMockAnthropic({
    turns: [
      { kind: 'tool_use', name: 'Bash', input: { command: 'echo hello > agent-file.txt', description: 'Write agent-file.txt' }, text: 'I will write the file.' },
      { kind: 'text', text: 'Wrote agent-file.txt.' },
      { kind: 'text', text: 'Got your three lines.' },
    ],
  });
  const home = await makeClaudeHome({ trustDirs: [sandbox.repo] });
  const env = { ...home.env, ANTHROPIC_BASE_URL: mock.url, KB_CLAUDE_BIN: claudeBin(version) };
  const status = () => sandbox.json(['status', '--name', 'w1'], env);
  try {
    const t0 = Date.now();
    const spawned = await sandbox.kb(['spawn', '--name', 'w1', '--permission-mode', 'default', '--size', '120x40', 'please write the file'], env);
    log(`spawn exit ${spawned.exitCode} in ${Date.now() - t0} ms: ${spawned.stdout.trim()} ${spawned.stderr.trim()}`);
    expect(spawned.stderr).toBe('');
    expect(spawned.exitCode).toBe(0);
    const out = JSON.parse(spawned.stdout) as Record<string, unknown>;
    const worktree = join(sandbox.repo, '.claude', 'worktrees', 'w1');
    expect(out).toMatchObject({ name: 'w1', tmux_session: 'w1', worktree, state: 'idle', prompt_sent: true });
    // "sent" is checked where it counts: the prompt reached the model.
    await until('the prompt at the mock', async () => JSON.stringify(mock.requests).includes('please write the file'));
    expect(String(out.pane_id)).toMatch(/^%\d+$/);

    // The mock answers with a Bash tool call: the permission dialog must show.
    const dialog = await until('the permission dialog', async () => {
      const s = await status();
      return s.state === 'permission_approval' ? s : null;
    });
    expect(dialog.rule).toBe('claude-code/tool-permission');
    // Typed text is refused while a dialog is up.
    const refused = await sandbox.kb(['send', '--name', 'w1', 'hello'], env);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/answered by keys/);

    const approved = await sandbox.kb(['send', '--name', 'w1', '--keys', 'Enter'], env);
    expect(approved.exitCode, approved.stderr).toBe(0);
    await until('idle after the tool ran', async () => (await status()).state === 'idle', 30_000);
    expect(readFileSync(join(worktree, 'agent-file.txt'), 'utf8')).toBe('hello\n');

    const before = mock.requests.length;
    const sent = await sandbox.kb(['send', '--name', 'w1', 'line one\nline two; "quoted" #{pane_id}\nline three'], env);
    expect(sent.exitCode, sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ status: 'sent', name: 'w1' });
    await until('the multi-line message at the mock', async () =>
      JSON.stringify(mock.requests.slice(before)).includes('line three'),
    );
    const body = JSON.stringify(mock.requests.slice(before));
    expect(body).toContain('line one');
    expect(body).toContain('line two; \\"quoted\\" #{pane_id}');
    await until('idle after the multi-line message', async () => (await status()).state === 'idle', 30_000);

    const t1 = Date.now();
    const stopped = await sandbox.kb(['stop', '--name', 'w1', '--timeout', '30'], env);
    log(`stop exit ${stopped.exitCode} in ${Date.now() - t1} ms: ${stopped.stdout.trim()} ${stopped.stderr.trim()}`);
    expect(stopped.exitCode).toBe(0);
    const result = JSON.parse(stopped.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ status: 'stopped', name: 'w1', forced: false, worktree });
    expect(String(result.resume_id)).toMatch(/^[0-9a-f-]{36}$/);
    expect(String(result.resume_command)).toMatch(new RegExp(`^claude .*--resume ${String(result.resume_id)}$`));
    expect(existsSync(join(worktree, 'agent-file.txt'))).toBe(true);
    const registry = JSON.parse(readFileSync(join(sandbox.stateDir, 'kage-bunshin', 'registry-default.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(registry.w1?.resume_id).toBe(result.resume_id);
    expect(registry.w1?.stopped_at).toBeTruthy();
    const listed = await sandbox.kb(['list'], env);
    expect(listed.stdout).toMatch(/w1\s+-\s+stopped/);
  } finally {
    await mock.close();
    await home.cleanup();
    await sandbox.cleanup();
  }
}
