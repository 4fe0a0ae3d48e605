// kb with the REAL opencode (1.18.33) against the mock Chat Completions API: spawn with a prompt,
// the bash permission seen by monitor and allowed once with Enter, a second message, stop.
import { describe, it } from 'vitest';
import { startMockChat } from '../support/mock-chat.js';
import { makeOpencodeHome, opencodeBin } from '../support/opencode-home.js';
import { agentFlow, shellTurns } from './agent-flow.js';

// Known kb issue (src/sessions/send.ts, deliverOnce): under load opencode takes about 1.5 s to
// answer Enter on its home screen, then blanks the screen while it opens the session view; kb
// gives up as soon as the text left the field at the first submit's 1.5 s deadline ("the message
// left the input field ... but nothing shows that the agent took it") although the mock gets the
// prompt. Seen in 3 of 14 spawns at load average 9-10 on 2 cores; none in 12 with the deadline
// extended once the text left the field (5 s from that moment).
describe('opencode end to end', () => {
  it('spawn, command permission via monitor, allow once, second message, stop', async () => {
    const command = 'echo kb-e2e-opencode > approved.txt';
    const mock = await startMockChat({ turns: shellTurns('bash', { command }) });
    // the config selects mock/gpt-mock and asks before bash and edits
    const home = await makeOpencodeHome({ baseUrl: mock.url });
    await agentFlow({
      agent: 'opencode',
      mock,
      home,
      env: { ...home.env, KB_OPENCODE_BIN: opencodeBin() },
      command,
      // "Allow once" is selected when the dialog opens
      approval: { type: 'permission_approval', rule: 'opencode/command-approval', keys: ['Enter'] },
      resume: /^opencode -s ses_[0-9A-Za-z]+$/,
    });
  }, 180_000);
});
