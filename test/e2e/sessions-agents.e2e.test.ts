// codex, gemini and shell spawns with the REAL CLIs (offline mocks): they start, report their
// first screen's state, take a message when idle, and stop without a force kill.
import { describe, expect, it } from 'vitest';
import { codexBin, makeCodexHome, startMockOpenAI } from '../support/mock-openai.js';
import { geminiBin, makeGeminiHome, startMockGemini } from '../support/mock-gemini.js';
import { makeSandbox, until } from '../sessions/support.js';

type Sb = Awaited<ReturnType<typeof makeSandbox>>;

async function exercise(sb: Sb, name: string, agent: string, env: Record<string, string>, onIdle?: () => Promise<void>) {
  const t0 = Date.now();
  const r = await sb.kb(['spawn', '--name', name, '--agent', agent, '--size', '120x40'], env);
  console.log(`[${agent}] spawn exit ${r.exitCode} in ${Date.now() - t0} ms: ${r.stdout.trim()} ${r.stderr.trim()}`);
  expect([0, 3], r.stderr).toContain(r.exitCode);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  expect(out.state).toBe('idle');
  const status = JSON.parse((await sb.kb(['status', '--name', name], env)).stdout);
  expect(status.alive).toBe(true);
  console.log(`[${agent}] first screen: state ${out.state}, rule ${String(out.rule ?? status.rule)}`);
  if (out.state === 'idle' && onIdle) await onIdle();
  const stopped = await sb.kb(['stop', '--name', name, '--timeout', '15'], env);
  console.log(`[${agent}] stop: ${stopped.stdout.trim()} ${stopped.stderr.trim()}`);
  expect(stopped.exitCode).toBe(0);
  return { spawn: out, stop: JSON.parse(stopped.stdout) as Record<string, unknown> };
}

interface Rig {
  sb: Sb;
  /** the environment for kb: the agent's temp HOME, its binary and (with a mock) the mock's URL */
  env: Record<string, string>;
  /** what the mock API received (empty without a mock) */
  requests: () => unknown[];
}

/**
 * Runs `body` with a sandbox, the agent's temp HOME (the sandbox repo trusted if `trusted`)
 * and, with `mock`, a mock API whose first turn is a short text reply; all removed afterwards.
 */
async function withAgent(
  agent: 'codex' | 'gemini',
  opts: { mock: boolean; trusted: boolean },
  body: (rig: Rig) => Promise<void>,
): Promise<void> {
  const sb = await makeSandbox();
  const trust = opts.trusted ? { trustDirs: [sb.repo] } : {};
  let mock: { url: string; requests: unknown[]; close(): Promise<void> } | undefined;
  let home: { env: Record<string, string>; cleanup(): Promise<void> };
  let env: Record<string, string>;
  if (agent === 'codex') {
    if (opts.mock) mock = await startMockOpenAI({ turns: [{ kind: 'text', text: 'Codex mock reply.' }] });
    home = await makeCodexHome({ ...(mock ? { baseUrl: mock.url } : {}), ...trust });
    env = { ...home.env, KB_CODEX_BIN: codexBin() };
  } else {
    if (opts.mock) mock = await startMockGemini({ turns: [{ kind: 'text', text: 'Gemini mock reply.' }] });
    home = await makeGeminiHome(trust);
    env = { ...home.env, ...(mock ? { GOOGLE_GEMINI_BASE_URL: mock.url } : {}), KB_GEMINI_BIN: geminiBin() };
  }
  try {
    await body({ sb, env, requests: () => mock?.requests ?? [] });
  } finally {
    await mock?.close();
    // the agents first (their process groups end), then the HOME they write into
    await sb.cleanup();
    await home.cleanup();
  }
}

/** Spawns the agent against its mock, sends a message when idle, and stops it without force. */
async function talksToMock(agent: 'codex' | 'gemini', name: string): Promise<void> {
  await withAgent(agent, { mock: true, trusted: true }, async ({ sb, env, requests }) => {
    const message = `hello ${agent}; #{x}`;
    const { stop } = await exercise(sb, name, agent, env, async () => {
      const sent = await sb.kb(['send', '--name', name, message], env);
      expect(sent.exitCode, sent.stderr).toBe(0);
      await until('the message at the mock', async () => JSON.stringify(requests()).includes(message));
    });
    expect(stop.forced).toBe(false);
    // The resume command is clean text: the program's own words, no box drawing or padding.
    expect(String(stop.resume_id)).toMatch(/^[0-9a-f-]{36}$/);
    expect(String(stop.resume_command)).toMatch(new RegExp(`^${agent} (resume|--resume) ${String(stop.resume_id)}$`));
  });
}

/** An untrusted folder with --accept-dialogs: the dialog is answered and the prompt reaches the mock. */
async function acceptsTrust(agent: 'codex' | 'gemini', name: string, label: string): Promise<void> {
  await withAgent(agent, { mock: true, trusted: false }, async ({ sb, env, requests }) => {
    const r = await sb.kb(['spawn', '--name', name, '--agent', agent, '--accept-dialogs', 'hello after trust'], env);
    console.log(`[${label}] exit ${r.exitCode}: ${r.stdout.trim()} ${r.stderr.trim()}`);
    expect(r.exitCode, r.stderr).toBe(0);
    await until('the prompt at the mock', async () => JSON.stringify(requests()).includes('hello after trust'));
  });
}

/** No mock: the agent stops at its first dialog and spawn exits 3 with that state. */
async function stopsAtDialog(agent: 'codex' | 'gemini', name: string, label: string, expected: Record<string, unknown>): Promise<void> {
  await withAgent(agent, { mock: false, trusted: false }, async ({ sb, env }) => {
    const r = await sb.kb(['spawn', '--name', name, '--agent', agent], env);
    console.log(`[${label}] exit ${r.exitCode}: ${r.stdout.trim()} ${r.stderr.trim()}`);
    expect(r.exitCode).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject(expected);
  });
}

describe('other agents', () => {
  it('codex against the mock Responses API', () => talksToMock('codex', 'cx'), 180_000);

  it('codex without configuration stops at its sign-in menu: exit 3 with the state', () =>
    stopsAtDialog('codex', 'cx0', 'codex unconfigured', { status: 'needs_intervention', state: 'question', rule: 'codex/sign-in' }), 180_000);

  it('codex in an untrusted folder: --accept-dialogs chooses to trust it and the prompt is delivered', () =>
    acceptsTrust('codex', 'cx1', 'codex accept trust'), 180_000);

  it('gemini against the mock Gemini API', () => talksToMock('gemini', 'gm'), 180_000);

  it('gemini in an untrusted folder stops at its trust menu: exit 3 with the state', () =>
    stopsAtDialog('gemini', 'gm0', 'gemini untrusted', {
      status: 'needs_intervention',
      state: 'permission_approval',
      rule: 'gemini/trust-folder',
    }), 180_000);

  it('gemini in an untrusted folder: --accept-dialogs chooses "Trust folder" and the prompt is delivered', () =>
    acceptsTrust('gemini', 'gm1', 'gemini accept trust'), 180_000);

  it('shell', async () => {
    const sb = await makeSandbox();
    try {
      const { spawn, stop } = await exercise(sb, 'sh', 'shell', {});
      expect(spawn.state).toBe('idle');
      expect(stop.forced).toBe(false);
    } finally {
      await sb.cleanup();
    }
  }, 60_000);
});
