// kb with the REAL Amp CLI offline: with no AMP_API_KEY it stops at its login question, which kb
// never answers ("y" starts a browser login): spawn exits 3 naming amp/login, and stop ends it.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ampBin, makeAmpHome, startAmpServerStub } from '../support/amp-home.js';
import { makeSandbox, until } from '../sessions/support.js';
import { processesOfHome } from './agent-flow.js';

describe('amp end to end', () => {
  it('spawn stops at the login (exit 3, amp/login), the prompt is not typed; stop ends it', async () => {
    const amp = await startAmpServerStub();
    const home = await makeAmpHome({ url: amp.url });
    const sb = await makeSandbox();
    const env = { ...home.env, KB_AMP_BIN: ampBin() };
    try {
      const r = await sb.kb(['spawn', '--name', 'amp-e2e', '--agent', 'amp', '--size', '120x40', 'please review the diff'], env);
      console.log(`[amp] spawn exit ${r.exitCode}: ${r.stdout.trim()} ${r.stderr.trim()}`);
      expect(r.exitCode).toBe(3);
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(out).toMatchObject({ status: 'needs_intervention', name: 'amp-e2e', state: 'yes_no_prompt', rule: 'amp/login', answer: 'keys' });
      expect(String(out.content)).toContain('Would you like to log in to Amp?');
      // nothing typed into the question: still asking, and the prompt is not on screen
      const status = JSON.parse((await sb.kb(['status', '--name', 'amp-e2e'], env)).stdout) as Record<string, unknown>;
      expect(status).toMatchObject({ alive: true, rule: 'amp/login', needs_intervention: true });
      expect((await sb.kb(['read', '--name', 'amp-e2e'], env)).stdout).not.toContain('please review');

      const stopped = await sb.kb(['stop', '--name', 'amp-e2e', '--timeout', '20'], env);
      console.log(`[amp] stop exit ${stopped.exitCode}: ${stopped.stdout.trim()} ${stopped.stderr.trim()}`);
      expect(stopped.exitCode, stopped.stderr).toBe(0);
      expect(JSON.parse(stopped.stdout)).toMatchObject({ status: 'stopped', name: 'amp-e2e', forced: false, resume_id: null, resume_command: null });
      let panes = '';
      try {
        panes = execFileSync('tmux', ['-L', sb.socket, 'list-panes', '-a', '-F', '#{pane_id}'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        // the private server ended with its last session
      }
      expect(panes.split('\n')).not.toContain(String(out.pane_id));
      // nothing of the HOME left running (polled: the pane's death and the process's exit race)
      await until('no process of the HOME left', async () => (await processesOfHome(home.home)).length === 0, 10_000, 500);
    } finally {
      await amp.close();
      await sb.cleanup();
      await home.cleanup();
    }
  }, 120_000);
});
