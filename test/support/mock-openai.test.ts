import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { codexBin, killProcessesFrom, makeCodexHome, startMockOpenAI, type MockOpenAI } from './mock-openai.js';

const agentTurn = { model: 'gpt-mock', stream: true, tools: [{ type: 'function', name: 'exec_command' }] };

async function post(url: string, body: unknown) {
  const res = await fetch(`${url}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

function events(sse: string): Array<{ type: string; [k: string]: unknown }> {
  return sse
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as { type: string });
}

describe('mock OpenAI Responses API', () => {
  let mock: MockOpenAI | undefined;
  afterEach(async () => {
    await mock?.close();
    mock = undefined;
  });

  it('streams a text turn as created / item added / deltas / item done / completed', async () => {
    mock = await startMockOpenAI({ turns: [{ kind: 'text', text: 'Hello there, this is a streamed answer.' }] });
    expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const { status, text } = await post(mock.url, agentTurn);
    expect(status).toBe(200);
    const ev = events(text);
    expect(ev[0]?.type).toBe('response.created');
    expect(ev.at(-1)?.type).toBe('response.completed');
    expect((ev.at(-1)?.response as { usage: { total_tokens: number } }).usage.total_tokens).toBeGreaterThan(0);
    const deltas = ev.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Hello there, this is a streamed answer.');
    const done = ev.find((e) => e.type === 'response.output_item.done')?.item as { type: string };
    expect(done.type).toBe('message');
    expect(mock.requests).toHaveLength(1);
  });

  it('sends a function_call item with JSON arguments, then falls back to "Done."', async () => {
    mock = await startMockOpenAI({
      turns: [{ kind: 'function_call', name: 'exec_command', arguments: { cmd: 'ls' } }],
    });
    const first = events((await post(mock.url, agentTurn)).text);
    const call = first.filter((e) => e.type === 'response.output_item.done').at(-1)?.item as {
      type: string;
      name: string;
      arguments: string;
      call_id: string;
    };
    expect(call.type).toBe('function_call');
    expect(call.name).toBe('exec_command');
    expect(JSON.parse(call.arguments)).toEqual({ cmd: 'ls' });
    expect(call.call_id).toBeTruthy();
    const second = events((await post(mock.url, agentTurn)).text);
    expect(second.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('')).toBe('Done.');
  });

  it('answers side calls without tools apart from the queue, and replays errors', async () => {
    mock = await startMockOpenAI({ turns: [{ kind: 'error', status: 429, type: 'rate_limit_exceeded', message: 'slow down' }] });
    const side = await post(mock.url, { model: 'gpt-mock', stream: true });
    expect(side.status).toBe(200);
    const err = await post(mock.url, agentTurn);
    expect(err.status).toBe(429);
    expect(JSON.parse(err.text).error.message).toBe('slow down');
    mock.push({ kind: 'text', text: 'later' });
    const later = events((await post(mock.url, agentTurn)).text);
    expect(later.some((e) => e.delta === 'later')).toBe(true);
  });

  it('lets onRequest pick the turn', async () => {
    mock = await startMockOpenAI({ onRequest: () => ({ kind: 'text', text: 'picked' }) });
    const ev = events((await post(mock.url, agentTurn)).text);
    expect(ev.some((e) => e.delta === 'picked')).toBe(true);
  });
});

describe('makeCodexHome', () => {
  it('writes a config.toml for the mock provider and trusted projects, and cleans up', async () => {
    const h = await makeCodexHome({ baseUrl: 'http://127.0.0.1:9/v1', trustDirs: ['/tmp/x'] });
    const toml = readFileSync(join(h.home, '.codex', 'config.toml'), 'utf8');
    expect(toml).toContain('model_provider = "mock"');
    expect(toml).toContain('base_url = "http://127.0.0.1:9/v1"');
    expect(toml).toContain('wire_api = "responses"');
    expect(toml).toContain('[projects."/tmp/x"]');
    expect(h.env.HOME).toBe(h.home);
    expect(h.env.MOCK_API_KEY).toBeTruthy();
    await h.cleanup();
    expect(existsSync(h.home)).toBe(false);
  });

  it('cleanup ends processes left running from the home (codex app-server daemon)', async () => {
    const h = await makeCodexHome();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', join(h.home, '.codex', 'marker')], {
      detached: true,
      stdio: 'ignore',
    });
    const exited = new Promise((ok) => child.once('exit', ok));
    await new Promise((ok) => setTimeout(ok, 200));
    await h.cleanup();
    await exited;
    expect(child.exitCode !== null || child.signalCode !== null).toBe(true);
    expect(await killProcessesFrom(h.home)).toEqual([]);
  });

  it('points codexBin at the pinned CLI', () => {
    expect(existsSync(codexBin())).toBe(true);
  });
});
