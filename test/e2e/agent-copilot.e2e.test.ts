// kb with the REAL GitHub Copilot CLI (1.0.102, offline BYOK) against the mock Chat Completions
// API: spawn in an untrusted folder with --accept-dialogs and a prompt, the shell approval seen by
// monitor and approved with keys, a second message, stop.
import { describe, it } from 'vitest';
import { startMockChat } from '../support/mock-chat.js';
import { copilotBin, makeCopilotHome } from '../support/copilot-home.js';
import { agentFlow, shellTurns } from './agent-flow.js';

describe('copilot end to end', () => {
  it('spawn past the folder trust, shell approval via monitor, approve, second message, stop', async () => {
    const command = 'echo kb-e2e-copilot > approved.txt';
    const mock = await startMockChat({ turns: shellTurns('bash', { command, description: 'Write approved.txt' }) });
    // no trusted folders: "Confirm folder trust" comes first, --accept-dialogs answers it
    const home = await makeCopilotHome({ baseUrl: mock.url });
    await agentFlow({
      agent: 'copilot',
      mock,
      home,
      env: { ...home.env, KB_COPILOT_BIN: copilotBin() },
      spawnArgs: ['--accept-dialogs'],
      command,
      approval: { type: 'permission_approval', rule: 'copilot/shell-approval', keys: ['Enter'] },
      resume: /^copilot --resume=[0-9a-f-]{36}$/,
    });
  }, 180_000);
});
