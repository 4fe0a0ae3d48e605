import { afterEach, describe, expect, it } from 'vitest';
import { startMockChat, toolNames, userTexts, type MockChat } from './mock-chat.js';

const mainTurn = (extra: Record<string, unknown> = {}) => ({
  model: 'gpt-mock',
  stream: true,
  messages: [{ role: 'user', content: 'hello there' }],
  tools: [{ type: 'function', function: { name: 'bash', parameters: {} } }],
  ...extra,
});

async function post(url: string, body: unknown) {
  const res = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** The JSON chunks of an SSE answer, and whether it ended with [DONE]. */
function chunks(sse: string) {
  const data = sse.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
  return { done: data.at(-1) === '[DONE]', chunks: data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as { choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null }> }) };
}

describe('mock OpenAI Chat Completions API', () => {
  let mock: MockChat | undefined;
  afterEach(async () => {
    await mock?.close();
    mock = undefined;
  });

  it('streams a text turn as content deltas that end with stop and [DONE]', async () => {
    mock = await startMockChat({ turns: [{ kind: 'text', text: 'Hello there, this is a streamed answer.' }] });
    expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const { status, text } = await post(mock.url, mainTurn());
    expect(status).toBe(200);
    const { done, chunks: cs } = chunks(text);
    expect(done).toBe(true);
    const content = cs.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');
    expect(content).toBe('Hello there, this is a streamed answer.');
    expect(cs.filter((c) => c.choices.length).length).toBeGreaterThan(3);
    expect(cs.flatMap((c) => c.choices).at(-1)?.finish_reason).toBe('stop');
    expect(mock.mainRequests()).toHaveLength(1);
    expect(userTexts(mock.requests[0]!.body)).toEqual(['hello there']);
    expect(toolNames(mock.requests[0]!.body)).toEqual(['bash']);
  });

  it('streams a tool call whose argument pieces join to the JSON arguments, then falls back to "Done."', async () => {
    mock = await startMockChat({ turns: [{ kind: 'tool_calls', calls: [{ name: 'bash', arguments: { command: 'ls -la' } }] }] });
    const first = chunks((await post(mock.url, mainTurn())).text).chunks.flatMap((c) => c.choices);
    const calls = first.flatMap((ch) => (ch.delta.tool_calls as Array<{ function: { name?: string; arguments?: string } }> | undefined) ?? []);
    expect(calls[0]!.function.name).toBe('bash');
    expect(JSON.parse(calls.map((c) => c.function.arguments ?? '').join(''))).toEqual({ command: 'ls -la' });
    expect(first.at(-1)?.finish_reason).toBe('tool_calls');
    const second = chunks((await post(mock.url, mainTurn())).text).chunks.flatMap((c) => c.choices);
    expect(second.map((ch) => ch.delta.content ?? '').join('')).toBe('Done.');
  });

  it('answers side calls (no tools) without using the queue, non-streamed requests as one JSON, and errors with their status', async () => {
    mock = await startMockChat({ turns: [{ kind: 'error', status: 429, type: 'rate_limit_exceeded', message: 'slow down' }] });
    const side = await post(mock.url, { model: 'gpt-mock', stream: false, messages: [{ role: 'user', content: 'title?' }] });
    expect(JSON.parse(side.text).choices[0].message.content).toBe('Mock session');
    const err = await post(mock.url, mainTurn({ stream: false }));
    expect(err.status).toBe(429);
    expect(JSON.parse(err.text).error.message).toBe('slow down');
    const models = await (await fetch(`${mock.url}/models`)).json();
    expect(models.data.map((m: { id: string }) => m.id)).toEqual(['gpt-mock']);
    expect(mock.mainRequests()).toHaveLength(1);
  });
});
