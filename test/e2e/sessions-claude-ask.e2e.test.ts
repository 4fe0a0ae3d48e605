// Real Claude Code 2.1.330: an AskUserQuestion picker is a question answered by keys. Typed
// text is refused (it would land in the picker's free-text field), `send --keys Down Enter`
// picks the second option, and the choice reaches the model as the tool's result.
import { expect, it } from 'vitest';
import { makeSandbox, until } from '../sessions/support.js';
import { claudeBin, makeClaudeHome } from '../support/claude-home.js';
import { askUserQuestionInput } from '../support/claude-turns.js';
import { startMockAnthropic } from '../support/mock-anthropic.js';

it('claude 2.1.330: the AskUserQuestion picker is detected and answered with send --keys', async () => {
  const sb = await makeSandbox();
  const mock = await startMockAnthropic({
    turns: [
      {
        kind: 'tool_use',
        name: 'AskUserQuestion',
        input: askUserQuestionInput(false),
      },
      { kind: 'text', text: 'I will use unittest.' },
    ],
  });
  const home = await makeClaudeHome({ trustDirs: [sb.repo] });
  const env = { ...home.env, ANTHROPIC_BASE_URL: mock.url, KB_CLAUDE_BIN: claudeBin('2.1.330') };
  try {
    const spawned = await sb.kb(['spawn', '--name', 'q1', '--permission-mode', 'default', '--size', '120x40', 'add tests for the parser'], env);
    expect(spawned.exitCode, spawned.stderr).toBe(0);
    expect(JSON.parse(spawned.stdout)).toMatchObject({ prompt_sent: true });
    await until('the prompt at the mock', async () => JSON.stringify(mock.requests).includes('add tests for the parser'));

    const picker = await until('the AskUserQuestion picker', async () => {
      const s = await sb.json(['status', '--name', 'q1'], env);
      return s.state === 'question' ? s : null;
    });
    expect(picker).toMatchObject({ rule: 'claude-code/ask-user-question', needs_intervention: true });

    const refused = await sb.kb(['send', '--name', 'q1', 'unittest please'], env);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/answered by keys/);

    const before = mock.requests.length;
    const answered = await sb.kb(['send', '--name', 'q1', '--keys', 'Down', 'Enter'], env);
    expect(answered.exitCode, answered.stderr).toBe(0);
    await until('the answer at the mock', async () => JSON.stringify(mock.requests.slice(before)).includes('tool_result'), 30_000);
    // The tool_result blocks (the question's options also appear in the history's tool_use).
    const results = JSON.stringify(
      (mock.requests.slice(before) as { messages?: { content?: unknown }[] }[])
        .flatMap((r) => r.messages ?? [])
        .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
        .filter((b: { type?: string }) => b.type === 'tool_result'),
    );
    expect(results).toContain('unittest');
    expect(results).not.toContain('pytest');
    expect(JSON.stringify(mock.requests)).not.toContain('unittest please');
    await until('idle after the answer', async () => (await sb.json(['status', '--name', 'q1'], env)).state === 'idle', 30_000);
  } finally {
    await sb.cleanup();
    await home.cleanup();
    await mock.close();
  }
}, 180_000);
