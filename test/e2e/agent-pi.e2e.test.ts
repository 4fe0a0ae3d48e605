// kb with the REAL pi (0.73.1) against the mock Chat Completions API, with pi's shipped
// permission-gate extension (pi itself asks no approvals): spawn with a prompt, the gate's
// "Dangerous command ... Allow?" seen by monitor and approved with keys, a second message, stop.
import { describe, it } from 'vitest';
import { startMockChat } from '../support/mock-chat.js';
import { makePiHome, PI_MODEL, PI_PROVIDER, piBin } from '../support/pi-home.js';
import { agentFlow, shellTurns } from './agent-flow.js';

describe('pi end to end', () => {
  it('spawn, permission-gate approval via monitor, approve, second message, stop', async () => {
    // permission-gate.ts asks before rm -rf
    const command = 'rm -rf build && echo kb-e2e-pi > approved.txt';
    const mock = await startMockChat({ turns: shellTurns('bash', { command }) });
    const home = await makePiHome({ baseUrl: mock.url, extensions: ['permission-gate.ts'] });
    await agentFlow({
      agent: 'pi',
      mock,
      home,
      env: { ...home.env, KB_PI_BIN: piBin() },
      spawnArgs: ['--model', `${PI_PROVIDER}/${PI_MODEL}`],
      command,
      approval: { type: 'permission_approval', rule: 'pi/confirm', keys: ['Enter'] },
      // pi prints no resume id (its sessions are files)
      resume: null,
    });
  }, 180_000);
});
