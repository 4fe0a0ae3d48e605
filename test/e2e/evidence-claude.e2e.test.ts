// Evidence beyond the screen, with the REAL Claude Code (2.1.197, 2.1.330, 2.1.332) against the
// mock API: its session file and the hooks spawn injects decide whether a session waits,
// the screen what; every status says which source decided.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeBin, makeClaudeHome, type ClaudeVersion } from '../support/claude-home.js';
import { startMockAnthropic, type MockTurn } from '../support/mock-anthropic.js';
import { makeSandbox, until, type Sandbox } from '../sessions/support.js';

interface Rig {
  sb: Sandbox;
  env: Record<string, string>;
  home: string;
  status(): Promise<Record<string, unknown>>;
  monitor(args: string[]): Promise<Record<string, unknown>>;
}

async function withClaude(version: ClaudeVersion, turns: MockTurn[], settings: Record<string, unknown>, body: (rig: Rig) => Promise<void>): Promise<void> {
  const sb = await makeSandbox();
  const mock = await startMockAnthropic({ turns });
  const h = await makeClaudeHome({ trustDirs: [sb.repo] });
  // The user's own settings (a status line, hooks turned off): kb adds to them, never edits them.
  const file = join(h.home, '.claude', 'settings.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...settings }, null, 2));
  const env = { ...h.env, ANTHROPIC_BASE_URL: mock.url, KB_CLAUDE_BIN: claudeBin(version) };
  try {
    const r = await sb.kb(['spawn', '--name', 'e1', '--permission-mode', 'default', '--size', '120x40', 'please clean the build'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ prompt_sent: true, agent_version: version });
    await until('the prompt at the mock', async () => JSON.stringify(mock.requests).includes('please clean the build'));
    await body({
      sb,
      env,
      home: h.home,
      status: () => sb.json(['status', '--name', 'e1'], env),
      monitor: async (args) => JSON.parse((await sb.kb(['monitor', ...args], env)).stdout) as Record<string, unknown>,
    });
    // The user's settings file is as the user wrote it.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject(settings);
  } finally {
    await mock.close();
    await sb.cleanup();
    await h.cleanup();
  }
}

const bash: MockTurn = { kind: 'tool_use', name: 'Bash', input: { command: 'rm -rf build', description: 'Remove build' } };
const sources = (s: unknown): string[] => (Array.isArray(s) ? (s as string[]) : [String(s)]);

for (const version of ['2.1.197', '2.1.330', '2.1.332'] as const) {
  describe(`claude ${version} evidence`, () => {
    it('a Bash permission dialog: the source names the agent and the hook, the tool is Bash, the command is the detail', async () => {
      await withClaude(version, [bash], {}, async ({ monitor }) => {
        const status = await monitor(['--interval', '5', '--timeout', '60']);
        expect(status).toMatchObject({ status: 'intervention_needed', type: 'permission_approval', rule: 'claude-code/tool-permission', tool: 'Bash', detail: 'rm -rf build', agent: 'claude', version });
        expect(sources(status.source)).toEqual(expect.arrayContaining(['agent', 'screen', 'hook']));
      });
    }, 180_000);

    it('a dialog cancelled with Esc (no hook fires): the session file says idle, and so does kb', async () => {
      await withClaude(version, [bash], {}, async ({ sb, env, status, monitor }) => {
        await until('the dialog', async () => (await status()).state === 'permission_approval');
        const esc = await sb.kb(['send', '--name', 'e1', '--keys', 'Escape'], env);
        expect(esc.exitCode, esc.stderr).toBe(0);
        expect(await monitor(['--interval', '5', '--timeout', '60', '--until', 'idle'])).toEqual({ status: 'all_complete', sessions: 1 });
        const s = await status();
        expect(s).toMatchObject({ state: 'idle' });
        expect(sources(s.source)).toContain('agent');
      });
    }, 180_000);

    it('a custom statusLine that hides the footer: busy is still working, the dialog still the dialog', async () => {
      const slow: MockTurn = { kind: 'text', text: Array.from({ length: 120 }, (_, i) => `word${i}`).join(' '), chunkDelayMs: 1500 };
      await withClaude(version, [slow, bash], { statusLine: { type: 'command', command: 'echo my-own-status-line' } }, async ({ sb, env, status, monitor }) => {
        const busy = await until('working while it streams', async () => {
          const s = await status();
          return s.state === 'working' ? s : null;
        });
        expect(sources(busy.source)).toContain('agent');
        await until('idle after the answer', async () => (await status()).state === 'idle', 60_000);
        const sent = await sb.kb(['send', '--name', 'e1', 'now clean it'], env);
        expect(sent.exitCode, sent.stderr).toBe(0);
        expect(await monitor(['--interval', '5', '--timeout', '60'])).toMatchObject({ status: 'intervention_needed', type: 'permission_approval', tool: 'Bash' });
      });
    }, 180_000);

    it('kill -9: the session file is left behind, never read as live; the session is exited', async () => {
      await withClaude(version, [bash], {}, async ({ sb, home, status, monitor }) => {
        await until('the dialog', async () => (await status()).state === 'permission_approval');
        const pid = Number(sb.tmux('display-message', '-p', '-t', '=e1:', '#{pane_pid}').trim());
        const sessions = join(home, '.claude', 'sessions');
        expect(existsSync(join(sessions, `${pid}.json`))).toBe(true);
        process.kill(pid, 'SIGKILL');
        await until('the pane to die', async () => (await status()).alive === false);
        expect(readdirSync(sessions)).toContain(`${pid}.json`);
        expect(await monitor(['--interval', '5', '--timeout', '30'])).toEqual({ status: 'all_complete', sessions: 1 });
        expect(await status()).toMatchObject({ alive: false, state: 'exited', source: 'screen' });
      });
    }, 180_000);

    it("the user's disableAllHooks is respected: no hook event, the session file and the screen decide", async () => {
      await withClaude(version, [bash], { disableAllHooks: true }, async ({ sb, monitor }) => {
        const status = await monitor(['--interval', '5', '--timeout', '60']);
        expect(status).toMatchObject({ status: 'intervention_needed', type: 'permission_approval', rule: 'claude-code/tool-permission' });
        expect(sources(status.source)).toEqual(['agent', 'screen']);
        expect(status.tool).toBeUndefined();
        const log = join(sb.stateDir, 'kage-bunshin', 'events', 'e1.jsonl');
        expect(existsSync(log) ? readFileSync(log, 'utf8') : '').toBe('');
      });
    }, 180_000);
  });
}
