// kb with the REAL Kilo CLI (7.7.9, an opencode fork) against the mock Chat Completions API: spawn
// with a prompt (after its slow start), the bash permission seen by monitor and allowed once with
// Enter, a second message, stop (two Ctrl-C within a second).
import { describe, it } from 'vitest';
import { startMockChat } from '../support/mock-chat.js';
import { kiloBin, makeKiloHome } from '../support/kilo-home.js';
import { agentFlow, shellTurns } from './agent-flow.js';

describe('kilo end to end', () => {
  it('spawn, command permission via monitor, allow once, second message, stop', async () => {
    const command = 'echo kb-e2e-kilo > approved.txt';
    const mock = await startMockChat({ turns: shellTurns('bash', { command, description: 'Write approved.txt' }) });
    const home = await makeKiloHome({ baseUrl: mock.url });
    await agentFlow({
      agent: 'kilo',
      mock,
      home,
      env: { ...home.env, KB_KILO_BIN: kiloBin() },
      command,
      approval: { type: 'permission_approval', rule: 'kilo/command-approval', keys: ['Enter'] },
      resume: /^kilo -s ses_[0-9A-Za-z]+$/,
    });
  }, 180_000);
});
