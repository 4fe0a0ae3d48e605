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

describe('other agents', () => {
  it('codex against the mock Responses API', async () => {
    const sb = await makeSandbox();
    const mock = await startMockOpenAI({ turns: [{ kind: 'text', text: 'Codex mock reply.' }] });
    const home = await makeCodexHome({ baseUrl: mock.url, trustDirs: [sb.repo] });
    try {
      const env = { ...home.env, KB_CODEX_BIN: codexBin() };
      const { stop } = await exercise(sb, 'cx', 'codex', env, async () => {
        const sent = await sb.kb(['send', '--name', 'cx', 'hello codex; #{x}'], env);
        expect(sent.exitCode, sent.stderr).toBe(0);
        await until('the message at the mock', async () => JSON.stringify(mock.requests).includes('hello codex; #{x}'));
      });
      expect(stop.forced).toBe(false);
    } finally {
      await mock.close();
      await home.cleanup();
      await sb.cleanup();
    }
  }, 180_000);

  it('codex without configuration stops at its sign-in menu: exit 3 with the state', async () => {
    const sb = await makeSandbox();
    const home = await makeCodexHome({});
    try {
      const r = await sb.kb(['spawn', '--name', 'cx0', '--agent', 'codex'], { ...home.env, KB_CODEX_BIN: codexBin() });
      console.log(`[codex unconfigured] exit ${r.exitCode}: ${r.stdout.trim()} ${r.stderr.trim()}`);
      expect(r.exitCode).toBe(3);
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'needs_intervention', state: 'question', rule: 'codex/sign-in' });
    } finally {
      await home.cleanup();
      await sb.cleanup();
    }
  }, 180_000);

  it('codex in an untrusted folder: --accept-dialogs chooses to trust it and the prompt is delivered', async () => {
    const sb = await makeSandbox();
    const mock = await startMockOpenAI({ turns: [{ kind: 'text', text: 'Codex mock reply.' }] });
    const home = await makeCodexHome({ baseUrl: mock.url });
    try {
      const env = { ...home.env, KB_CODEX_BIN: codexBin() };
      const r = await sb.kb(['spawn', '--name', 'cx1', '--agent', 'codex', '--accept-dialogs', 'hello after trust'], env);
      console.log(`[codex accept trust] exit ${r.exitCode}: ${r.stdout.trim()} ${r.stderr.trim()}`);
      expect(r.exitCode, r.stderr).toBe(0);
      await until('the prompt at the mock', async () => JSON.stringify(mock.requests).includes('hello after trust'));
    } finally {
      await mock.close();
      await home.cleanup();
      await sb.cleanup();
    }
  }, 180_000);

  it('gemini against the mock Gemini API', async () => {
    const sb = await makeSandbox();
    const mock = await startMockGemini({ turns: [{ kind: 'text', text: 'Gemini mock reply.' }] });
    const home = await makeGeminiHome({ trustDirs: [sb.repo] });
    try {
      const env = { ...home.env, GOOGLE_GEMINI_BASE_URL: mock.url, KB_GEMINI_BIN: geminiBin() };
      const { stop } = await exercise(sb, 'gm', 'gemini', env, async () => {
        const sent = await sb.kb(['send', '--name', 'gm', 'hello gemini; #{x}'], env);
        expect(sent.exitCode, sent.stderr).toBe(0);
        await until('the message at the mock', async () => JSON.stringify(mock.requests).includes('hello gemini; #{x}'));
      });
      expect(stop.forced).toBe(false);
    } finally {
      await mock.close();
      await home.cleanup();
      await sb.cleanup();
    }
  }, 180_000);

  it('gemini in an untrusted folder stops at its trust menu: exit 3 with the state', async () => {
    const sb = await makeSandbox();
    const home = await makeGeminiHome({});
    try {
      const r = await sb.kb(['spawn', '--name', 'gm0', '--agent', 'gemini'], { ...home.env, KB_GEMINI_BIN: geminiBin() });
      console.log(`[gemini untrusted] exit ${r.exitCode}: ${r.stdout.trim()} ${r.stderr.trim()}`);
      expect(r.exitCode).toBe(3);
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'needs_intervention', state: 'permission_approval', rule: 'gemini/trust-folder' });
    } finally {
      await home.cleanup();
      await sb.cleanup();
    }
  }, 180_000);

  it('gemini in an untrusted folder: --accept-dialogs chooses "Trust folder" and the prompt is delivered', async () => {
    const sb = await makeSandbox();
    const mock = await startMockGemini({ turns: [{ kind: 'text', text: 'Gemini mock reply.' }] });
    const home = await makeGeminiHome({});
    try {
      const env = { ...home.env, GOOGLE_GEMINI_BASE_URL: mock.url, KB_GEMINI_BIN: geminiBin() };
      const r = await sb.kb(['spawn', '--name', 'gm1', '--agent', 'gemini', '--accept-dialogs', 'hello after trust'], env);
      console.log(`[gemini accept trust] exit ${r.exitCode}: ${r.stdout.trim()} ${r.stderr.trim()}`);
      expect(r.exitCode, r.stderr).toBe(0);
      await until('the prompt at the mock', async () => JSON.stringify(mock.requests).includes('hello after trust'));
    } finally {
      await mock.close();
      await home.cleanup();
      await sb.cleanup();
    }
  }, 180_000);

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
