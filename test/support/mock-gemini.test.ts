import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillSchema, geminiBin, makeGeminiHome, startMockGemini, type MockGemini } from './mock-gemini.js';

async function post(url: string, path: string, body: unknown) {
  const res = await fetch(`${url}/v1beta/models/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

type Chunk = { candidates: Array<{ content: { parts: Array<Record<string, unknown>> }; finishReason?: string }> };
const chunks = (sse: string): Chunk[] =>
  sse
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as Chunk);

const stream = 'gemini-mock:streamGenerateContent?alt=sse';

describe('mock Gemini API', () => {
  let mock: MockGemini | undefined;
  afterEach(async () => {
    await mock?.close();
    mock = undefined;
  });

  it('streams text in several SSE chunks, the last one finished with STOP', async () => {
    mock = await startMockGemini({ turns: [{ kind: 'text', text: 'one two three four five six seven eight nine' }] });
    const { status, text } = await post(mock.url, stream, { contents: [] });
    expect(status).toBe(200);
    const c = chunks(text);
    expect(c.length).toBeGreaterThan(1);
    expect(c.map((x) => x.candidates[0]?.content.parts[0]?.text).join('')).toBe(
      'one two three four five six seven eight nine',
    );
    expect(c.at(-1)?.candidates[0]?.finishReason).toBe('STOP');
    expect(c[0]?.candidates[0]?.finishReason).toBeUndefined();
  });

  it('sends a functionCall part, then falls back to "Done."', async () => {
    mock = await startMockGemini({
      turns: [{ kind: 'function_call', name: 'run_shell_command', args: { command: 'ls' }, text: 'Listing.' }],
    });
    const c = chunks((await post(mock.url, stream, {})).text);
    expect(c[0]?.candidates[0]?.content.parts[0]?.text).toBe('Listing.');
    expect(c.at(-1)?.candidates[0]?.content.parts[0]?.functionCall).toEqual({
      name: 'run_shell_command',
      args: { command: 'ls' },
    });
    const again = chunks((await post(mock.url, stream, {})).text);
    expect(again[0]?.candidates[0]?.content.parts[0]?.text).toBe('Done.');
  });

  it('answers generateContent side calls with JSON matching the requested schema, outside the queue', async () => {
    mock = await startMockGemini({ turns: [{ kind: 'text', text: 'queued' }] });
    const schema = {
      type: 'OBJECT',
      properties: { complexity_reasoning: { type: 'STRING' }, complexity_score: { type: 'INTEGER' } },
    };
    const side = await post(mock.url, 'flash-lite:generateContent', {
      generationConfig: { responseMimeType: 'application/json', responseJsonSchema: schema },
    });
    const out = JSON.parse(JSON.parse(side.text).candidates[0].content.parts[0].text);
    expect(out).toEqual({ complexity_reasoning: 'mock', complexity_score: 10 });
    const c = chunks((await post(mock.url, stream, {})).text);
    expect(c[0]?.candidates[0]?.content.parts[0]?.text).toBe('queued');
    expect(mock.requests).toHaveLength(2);
  });

  it('replays error turns with a Google-style error body', async () => {
    mock = await startMockGemini({ turns: [{ kind: 'error', status: 429, type: 'RESOURCE_EXHAUSTED', message: 'quota' }] });
    const r = await post(mock.url, stream, {});
    expect(r.status).toBe(429);
    expect(JSON.parse(r.text).error).toEqual({ code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED' });
  });

  it('fills nested schemas and enums', () => {
    expect(fillSchema({ type: 'OBJECT', properties: { a: { type: 'STRING', enum: ['x', 'y'] }, b: { type: 'BOOLEAN' } } })).toEqual({
      a: 'x',
      b: false,
    });
  });
});

describe('makeGeminiHome', () => {
  it('selects API-key auth and trusts folders, or leaves auth out to show the auth menu', async () => {
    const h = await makeGeminiHome({ trustDirs: ['/tmp/x'] });
    const settings = JSON.parse(readFileSync(join(h.home, '.gemini', 'settings.json'), 'utf8'));
    expect(settings.security.auth.selectedType).toBe('gemini-api-key');
    expect(JSON.parse(readFileSync(join(h.home, '.gemini', 'trustedFolders.json'), 'utf8'))).toEqual({
      '/tmp/x': 'TRUST_FOLDER',
    });
    expect(h.env.GEMINI_API_KEY).toBeTruthy();
    await h.cleanup();
    expect(existsSync(h.home)).toBe(false);
    const bare = await makeGeminiHome({ apiKey: false });
    expect(bare.env.GEMINI_API_KEY).toBeUndefined();
    expect(JSON.parse(readFileSync(join(bare.home, '.gemini', 'settings.json'), 'utf8'))).toEqual({});
    await bare.cleanup();
  });

  it('points geminiBin at the pinned CLI', () => {
    expect(existsSync(geminiBin())).toBe(true);
  });
});
