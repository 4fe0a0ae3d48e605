import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { startMockAnthropic, type MockAnthropic } from './mock-anthropic.js';
import { claudeBin, makeClaudeHome, MOCK_API_KEY } from './claude-home.js';

interface SseEvent {
  event: string;
  data: any;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((b) => b.trim())
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? '';
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))?.slice(6) ?? 'null');
      return { event, data };
    });
}

const tools = [{ name: 'Bash', description: 'x', input_schema: { type: 'object' } }];
const post = (url: string, body: unknown) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('mock Anthropic Messages API', () => {
  let mock: MockAnthropic | undefined;
  afterEach(async () => {
    await mock?.close();
    mock = undefined;
  });

  it('streams text turns as SSE in several chunks, then says Done.', async () => {
    mock = await startMockAnthropic({ turns: [{ kind: 'text', text: 'one two three four five six seven eight nine ten' }] });
    expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await post(mock.url, { model: 'm', stream: true, tools, messages: [] });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = parseSse(await res.text());
    const names = events.map((e) => e.event).filter((e) => e !== 'ping');
    expect(names[0]).toBe('message_start');
    expect(names.at(-1)).toBe('message_stop');
    expect(names.at(-2)).toBe('message_delta');
    const deltas = events.filter((e) => e.event === 'content_block_delta');
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.map((d) => d.data.delta.text).join('')).toBe('one two three four five six seven eight nine ten');
    expect(events.find((e) => e.event === 'message_delta')?.data.delta.stop_reason).toBe('end_turn');

    const again = parseSse(await (await post(mock.url, { model: 'm', stream: true, tools, messages: [] })).text());
    const text = again.filter((e) => e.event === 'content_block_delta').map((d) => d.data.delta.text).join('');
    expect(text).toBe('Done.');
    expect(mock.requests).toHaveLength(2);
  });

  it('streams tool_use with input_json_delta and stop_reason tool_use', async () => {
    mock = await startMockAnthropic();
    mock.push({ kind: 'tool_use', name: 'Bash', input: { command: 'sleep 20', description: 'Wait twenty seconds' }, text: 'Running it.' });
    const events = parseSse(await (await post(mock.url, { model: 'm', stream: true, tools, messages: [] })).text());
    const starts = events.filter((e) => e.event === 'content_block_start').map((e) => e.data.content_block);
    expect(starts.map((b) => b.type)).toEqual(['text', 'tool_use']);
    expect(starts[1].name).toBe('Bash');
    const json = events
      .filter((e) => e.event === 'content_block_delta' && e.data.delta.type === 'input_json_delta')
      .map((e) => e.data.delta.partial_json)
      .join('');
    expect(JSON.parse(json)).toEqual({ command: 'sleep 20', description: 'Wait twenty seconds' });
    expect(events.find((e) => e.event === 'message_delta')?.data.delta.stop_reason).toBe('tool_use');
  });

  it('answers side calls without tools and does not consume a turn', async () => {
    mock = await startMockAnthropic({ turns: [{ kind: 'text', text: 'real turn' }] });
    const side = parseSse(await (await post(mock.url, { model: 'm', stream: true, messages: [] })).text());
    expect(side.some((e) => e.event === 'content_block_delta')).toBe(true);
    const main = parseSse(await (await post(mock.url, { model: 'm', stream: true, tools, messages: [] })).text());
    expect(main.filter((e) => e.event === 'content_block_delta').map((d) => d.data.delta.text).join('')).toBe('real turn');
  });

  it('returns errors as HTTP status + JSON body, and delays chunks', async () => {
    mock = await startMockAnthropic({
      turns: [
        { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' },
        { kind: 'text', text: 'a b c d e f g h', chunkDelayMs: 30 },
      ],
    });
    const err = await post(mock.url, { model: 'm', stream: true, tools, messages: [] });
    expect(err.status).toBe(529);
    expect(await err.json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const t0 = Date.now();
    await (await post(mock.url, { model: 'm', stream: true, tools, messages: [] })).text();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  });

  it('close() ends a slow stream at once instead of waiting for its chunk delays', async () => {
    mock = await startMockAnthropic({ turns: [{ kind: 'text', text: 'a b c d e f g h', chunkDelayMs: 20_000 }] });
    const res = await post(mock.url, { model: 'm', stream: true, tools, messages: [] });
    expect(res.status).toBe(200);
    const t0 = Date.now();
    const reading = res.text().catch(() => 'aborted');
    await mock.close();
    mock = undefined;
    await reading;
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('lets onRequest override and answers count_tokens', async () => {
    mock = await startMockAnthropic({ onRequest: () => ({ kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' }) });
    expect((await post(mock.url, { model: 'm', stream: true, tools, messages: [] })).status).toBe(401);
    const ct = await fetch(`${mock.url}/v1/messages/count_tokens`, { method: 'POST', body: '{}' });
    expect(await ct.json()).toEqual({ input_tokens: expect.any(Number) });
  });
});

describe('claude home', () => {
  it('writes .claude.json with trust, key approval and onboarding, and removes itself', async () => {
    const home = await makeClaudeHome({ trustDirs: ['/tmp/some-repo'], bypassAccepted: true });
    const config = JSON.parse(await readFile(path.join(home.home, '.claude.json'), 'utf8'));
    expect(config.hasCompletedOnboarding).toBe(true);
    expect(config.customApiKeyResponses.approved).toEqual([MOCK_API_KEY.slice(-20)]);
    expect(config.projects['/tmp/some-repo'].hasTrustDialogAccepted).toBe(true);
    expect(config.bypassPermissionsModeAccepted).toBe(true);
    expect(home.env.HOME).toBe(home.home);
    expect(home.env.ANTHROPIC_API_KEY).toBe(MOCK_API_KEY);
    await home.cleanup();
    await expect(stat(home.home)).rejects.toThrow();
  });

  it('points at the installed binaries', () => {
    expect(existsSync(claudeBin('2.1.330'))).toBe(true);
    expect(existsSync(claudeBin('2.1.197'))).toBe(true);
  });
});
