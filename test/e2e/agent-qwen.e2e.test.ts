// kb with the REAL Qwen Code (0.24.4) against the mock Chat Completions API: spawn with a
// prompt, the shell approval seen by monitor and approved with keys, a second message, stop.
import { describe, it } from 'vitest';
import { startMockChat } from '../support/mock-chat.js';
import { isQwenMainTurn, isQwenSuggestion, makeQwenHome, qwenBin } from '../support/qwen-home.js';
import { agentFlow, shellTurns } from './agent-flow.js';

describe('qwen end to end', () => {
  it('spawn, shell approval via monitor, approve, second message, stop', async () => {
    const command = 'echo kb-e2e-qwen > approved.txt';
    const mock = await startMockChat({
      turns: shellTurns('run_shell_command', { command, description: 'Write approved.txt' }),
      isMain: isQwenMainTurn,
      // the prompt suggestion after a turn shows as grey ghost text in the composer: the second
      // message is typed over it and must arrive as typed
      onRequest: (b) => (isQwenSuggestion(b) ? { kind: 'text', text: 'Commit approved.txt' } : undefined),
    });
    const home = await makeQwenHome({ baseUrl: mock.url });
    await agentFlow({
      agent: 'qwen',
      mock,
      home,
      env: { ...home.env, KB_QWEN_BIN: qwenBin() },
      command,
      approval: { type: 'permission_approval', rule: 'qwen/shell-approval', keys: ['Enter'] },
      resume: /^qwen --resume [0-9a-f-]{36}$/,
    });
  }, 180_000);
});
