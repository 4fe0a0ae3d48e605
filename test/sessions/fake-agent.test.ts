// The session commands against an agent they have never heard of: a user's --rules
// directory (test/sessions/fake-pack) gives its profile and rules, and the program
// (programs/fake-agent.mjs) logs what "its model" received, so every "sent" is checked
// against that log, not against the screen.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCli } from '../support/cli.js';
import { makeSandbox, until, type Sandbox } from './support.js';

const PACK = resolve('test/sessions/fake-pack');
const SCRIPT = resolve('test/sessions/programs/fake-agent.mjs');

let sb: Sandbox;
let log: string;
let env: Record<string, string>;
beforeEach(async () => {
  sb = await makeSandbox({ git: false });
  log = join(sb.repo, 'received.jsonl');
  env = { KB_RULES: PACK, FAKE_SCRIPT: SCRIPT, FAKE_LOG: log, KB_FAKE_BIN: process.execPath };
});
afterEach(async () => {
  await sb.cleanup();
});

/** What the fake agent's "model" received, in order. */
const received = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text) : []);

describe('an agent added by a --rules directory alone', () => {
  it('spawn delivers the prompt (proven, and the program got it once); send too', async () => {
    const r = await sb.kb(['spawn', '--name', 'f1', '--agent', 'fake', 'hello fake agent'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'f1', agent: 'fake', prompt_sent: true, agent_version: process.versions.node });
    expect(received()).toEqual(['hello fake agent']);
    await until('idle again', async () => JSON.parse((await sb.kb(['status', '--name', 'f1'], env)).stdout).state === 'idle');
    const s = await sb.kb(['send', '--name', 'f1', 'second message; #{x}'], env);
    expect(s.exitCode, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ status: 'sent', name: 'f1' });
    expect(received()).toEqual(['hello fake agent', 'second message; #{x}']);
  });

  it('an unknown --agent is an error that lists the known agents, the user one included', async () => {
    const r = await sb.kb(['spawn', '--name', 'f0', '--agent', 'fakee', 'x'], env);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown agent "fakee".*\n  fix: known agents: .*\bfake\b/);
  });

  it('a trust dialog drawn after the input box: spawn --accept-dialogs answers it, then the prompt arrives once', async () => {
    const trust = { ...env, FAKE_TRUST_FILE: join(sb.repo, 'trusted'), FAKE_TRUST_DELAY_MS: '700' };
    const r = await sb.kb(['spawn', '--name', 'f2', '--agent', 'fake', '--accept-dialogs', 'after the trust dialog'], trust);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ prompt_sent: true });
    expect(existsSync(join(sb.repo, 'trusted'))).toBe(true);
    expect(received()).toEqual(['after the trust dialog']);
  });

  it('the same without --accept-dialogs is never "sent": exit 3 at the dialog, or exit 1 with prompt_sent false', async () => {
    const trust = { ...env, FAKE_TRUST_FILE: join(sb.repo, 'trusted'), FAKE_TRUST_DELAY_MS: '700' };
    const r = await sb.kb(['spawn', '--name', 'f3', '--agent', 'fake', 'must not be claimed'], trust);
    expect([1, 3], r.stderr).toContain(r.exitCode);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    if (r.exitCode === 3) expect(out).toMatchObject({ status: 'needs_intervention', rule: 'fake/trust' });
    else expect(out).toMatchObject({ prompt_sent: false });
    expect(received()).toEqual([]);
  });

  it('10 concurrent sends to one session: every text arrives whole, exactly once', async () => {
    expect((await sb.kb(['spawn', '--name', 'f4', '--agent', 'fake'], { ...env, FAKE_WORK_MS: '50' })).exitCode).toBe(0);
    const texts = Array.from({ length: 10 }, (_, i) => `message number ${i} with some words to type`);
    const results = await Promise.all(texts.map((t) => sb.kb(['send', '--name', 'f4', t], env, 180_000)));
    for (const r of results) expect(r.exitCode, r.stderr).toBe(0);
    expect([...received()].sort()).toEqual([...texts].sort());
  }, 240_000);

  it('a dialog answered by keys: the monitor says how (answer keys, the question and the command in content); text is refused; keys answer it', async () => {
    expect((await sb.kb(['spawn', '--name', 'f5', '--agent', 'fake', 'please run tool'], env)).exitCode).toBe(0);
    const m = await sb.kb(['monitor', '--interval', '0.5', '--timeout', '20'], env);
    const status = JSON.parse(m.stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'intervention_needed', name: 'f5', type: 'permission_approval', rule: 'fake/permission', answer: 'keys', agent: 'fake' });
    const content = String(status.content);
    expect(content).toContain('Do you want to proceed?');
    expect(content).toContain('rm -rf build');
    expect(content).toContain('❯ 1. Yes');
    expect(content.split('\n').length).toBeLessThanOrEqual(10);
    expect(content).not.toMatch(/^\s*$/m);
    const text = await sb.kb(['send', '--name', 'f5', 'yes please'], env);
    expect(text.exitCode).toBe(1);
    expect(text.stderr).toMatch(/answered by keys \(fake\/permission\).*nothing was sent/);
    const keys = await sb.kb(['send', '--name', 'f5', '--keys', 'Enter'], env);
    expect(keys.exitCode, keys.stderr).toBe(0);
    expect((await sb.kb(['read', '--name', 'f5'], env)).stdout).toMatch(/Ran rm -rf build/);
  });

  it('a question in prose: answer text, the question in content without the input box; a text reply is delivered', async () => {
    expect((await sb.kb(['spawn', '--name', 'f6', '--agent', 'fake', 'please ask me something'], env)).exitCode).toBe(0);
    const status = JSON.parse((await sb.kb(['monitor', '--interval', '0.5', '--timeout', '20'], env)).stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'intervention_needed', name: 'f6', type: 'question', rule: 'fake/idle-question', answer: 'text' });
    expect(String(status.content).split('\n').at(-1)).toBe('● Which option do you prefer, A or B?');
    expect(String(status.content)).not.toMatch(/❯|─|for shortcuts/);
    const r = await sb.kb(['send', '--name', 'f6', 'B'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(received()).toEqual(['please ask me something', 'B']);
  });

  it('stop answers the exit dialog itself: the monitor shows stopping, never the dialog; the resume command is clean text', async () => {
    const dialog = { ...env, FAKE_EXIT_DIALOG: '1' };
    expect((await sb.kb(['spawn', '--name', 'f7', '--agent', 'fake'], dialog)).exitCode).toBe(0);
    const watch = startCli(
      ['--socket', sb.socket, '--state-dir', sb.stateDir, 'monitor', '--watch', '--interval', '0.2', '--timeout', '30'],
      { ...env, HOME: join(sb.repo, '..'), KB_SESSION_ID: undefined, KB_TMUX_SOCKET: undefined },
      sb.repo,
    );
    await watch.waitFor('the first state of f7', (l) => l.event === 'state' && l.name === 'f7');
    const stop = await sb.kb(['stop', '--name', 'f7', '--timeout', '20'], dialog);
    expect(stop.exitCode, stop.stderr).toBe(0);
    const out = JSON.parse(stop.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ status: 'stopped', forced: false });
    expect(out.resume_command).toMatch(/^fake --resume [0-9a-f-]{36}$/);
    expect(await watch.exited, watch.stderr()).toBe(0);
    const lines = watch.lines;
    const states = lines.filter((l) => l.event === 'state' && l.name === 'f7').map((l) => l.to);
    expect(states).toContain('stopping');
    expect(states).not.toContain('question');
    expect(lines.at(-1)).toMatchObject({ status: 'all_complete' });
  });
});
