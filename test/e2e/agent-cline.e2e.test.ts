// kb with the REAL Cline CLI (3.0.65) against the mock Chat Completions API: spawn with a prompt,
// the run_commands approval seen by monitor and approved with "y", a second message, stop.
import { describe, it } from 'vitest';
import { startMockChat } from '../support/mock-chat.js';
import { clineBin, makeClineHome } from '../support/cline-home.js';
import { agentFlow, shellTurns } from './agent-flow.js';

describe('cline end to end', () => {
  it('spawn, command approval via monitor, approve, second message, stop', async () => {
    const command = 'echo kb-e2e-cline > approved.txt';
    const mock = await startMockChat({ turns: shellTurns('run_commands', { commands: [command] }) });
    // `cline auth` against the mock (the one-time provider setup a profile cannot express)
    const home = await makeClineHome({ baseUrl: mock.url });
    await agentFlow({
      agent: 'cline',
      mock,
      home,
      env: { ...home.env, KB_CLINE_BIN: clineBin() },
      spawnArgs: ['--accept-dialogs'],
      command,
      approval: { type: 'permission_approval', rule: 'cline/command-approval', keys: ['y'] },
      resume: /^cline --id \S+$/,
      // Cline's hub daemon (parent init, its own session) outlives the TUI by design and is shared
      // by later starts in the HOME; the profile cannot say "end it" (the HOME cleanup does).
      leftovers: / --cline-hub-daemon /,
    });
  }, 180_000);
});
