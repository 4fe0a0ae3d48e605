// A scriptable stand-in for the OpenAI Chat Completions API (`POST /v1/chat/completions`),
// the wire most newer agent CLIs speak when pointed at an OpenAI-compatible base URL
// (opencode, Kilo, Qwen Code, pi, Cline, Copilot CLI ...). Streamed answers are SSE lines
// `data: {"choices":[{"delta":{...}}]}` ending with `data: [DONE]`; `delta.content` carries
// text and `delta.tool_calls` a function call (name, then its JSON arguments in pieces).
// Each queued turn answers one main-loop request; side calls get a short text.
import type { ServerResponse } from 'node:http';
import { sendJson, startMockServer, startSse, type MockServer } from './mock-server.js';
import { chunkText } from './mock-openai.js';

export interface ChatToolCall {
  name: string;
  /** the function's arguments, sent as a JSON string */
  arguments: Record<string, unknown>;
}

export type ChatTurn =
  | { kind: 'text'; text: string; chunkDelayMs?: number; startDelayMs?: number }
  | { kind: 'tool_calls'; calls: ChatToolCall[]; text?: string; startDelayMs?: number }
  | { kind: 'error'; status: number; type: string; message: string };

export interface ChatRequest {
  method: string | undefined;
  path: string;
  body: unknown;
}

export interface MockChat {
  /** base URL including /v1 */
  url: string;
  /** every request, in arrival order */
  requests: ChatRequest[];
  /** the requests the queue answered (main-loop turns) */
  mainRequests(): ChatRequest[];
  push(...turns: ChatTurn[]): void;
  close(): Promise<void>;
}

export interface MockChatOptions {
  turns?: ChatTurn[];
  /** a turn for this request (overrides the queue); undefined: the default choice */
  onRequest?: (body: unknown) => ChatTurn | undefined;
  /**
   * Which requests are main-loop turns that take the next queued turn. Default: the request
   * carries a non-empty `tools` list. (Qwen Code's memory extraction also carries tools:
   * tell main turns by their tool names.)
   */
  isMain?: (body: unknown) => boolean;
  /** the model ids GET /v1/models lists (default ["gpt-mock"]) */
  models?: string[];
}

let seq = 0;
const nextId = (p: string) => `${p}-mock${Date.now().toString(36)}${(seq++).toString(36)}`;

export function hasTools(body: unknown): boolean {
  const tools = (body as { tools?: unknown[] } | null)?.tools;
  return Array.isArray(tools) && tools.length > 0;
}

/** The names of the tools a request offers. */
export function toolNames(body: unknown): string[] {
  const tools = (body as { tools?: Array<{ function?: { name?: unknown }; name?: unknown }> } | null)?.tools;
  if (!Array.isArray(tools)) return [];
  return tools.map((t) => String(t?.function?.name ?? t?.name ?? '')).filter(Boolean);
}

/** The text of every user message in a request, for "did the prompt arrive" checks. */
export function userTexts(body: unknown): string[] {
  const messages = (body as { messages?: Array<{ role?: string; content?: unknown }> } | null)?.messages;
  if (!Array.isArray(messages)) return [];
  const out: string[] = [];
  for (const m of messages) {
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') out.push(m.content);
    else if (Array.isArray(m.content)) {
      for (const part of m.content as Array<{ text?: unknown }>) if (typeof part?.text === 'string') out.push(part.text);
    }
  }
  return out;
}

function usage() {
  return { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 };
}

async function streamTurn(res: ServerResponse, server: MockServer, model: string, turn: Exclude<ChatTurn, { kind: 'error' }>) {
  const sse = startSse(res, server, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const id = nextId('chatcmpl');
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
    sse.send({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra });
  chunk({ role: 'assistant', content: '' });
  if (turn.startDelayMs) await server.sleep(turn.startDelayMs);
  const text = turn.text;
  if (text) {
    for (const piece of chunkText(text)) {
      chunk({ content: piece });
      if (turn.kind === 'text' && turn.chunkDelayMs) await server.sleep(turn.chunkDelayMs);
    }
  }
  if (turn.kind === 'tool_calls') {
    turn.calls.forEach((call, index) => {
      const args = JSON.stringify(call.arguments);
      const half = Math.ceil(args.length / 2);
      chunk({ tool_calls: [{ index, id: nextId('call'), type: 'function', function: { name: call.name, arguments: '' } }] });
      chunk({ tool_calls: [{ index, function: { arguments: args.slice(0, half) } }] });
      chunk({ tool_calls: [{ index, function: { arguments: args.slice(half) } }] });
    });
  }
  chunk({}, turn.kind === 'tool_calls' ? 'tool_calls' : 'stop');
  // The usage chunk that `stream_options.include_usage` asks for (harmless otherwise).
  sse.send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usage() });
  if (!sse.closed()) res.write('data: [DONE]\n\n');
  sse.end();
}

function completion(model: string, turn: Exclude<ChatTurn, { kind: 'error' }>) {
  const message: Record<string, unknown> = { role: 'assistant', content: turn.text ?? null };
  if (turn.kind === 'tool_calls') {
    message.tool_calls = turn.calls.map((c) => ({ id: nextId('call'), type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
  }
  return {
    id: nextId('chatcmpl'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: turn.kind === 'tool_calls' ? 'tool_calls' : 'stop' }],
    usage: usage(),
  };
}

export async function startMockChat(opts: MockChatOptions = {}): Promise<MockChat> {
  const queue: ChatTurn[] = [...(opts.turns ?? [])];
  const isMain = opts.isMain ?? hasTools;
  const models = opts.models ?? ['gpt-mock'];
  const main = new Set<ChatRequest>();
  const server = await startMockServer(
    {
      empty: null,
      onError: (res, err) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(err));
      },
    },
    async ({ method, path, body }, res, server) => {
      const request: ChatRequest = { method, path, body };
      server.requests.push(request);
      if (method === 'GET' && path.endsWith('/models')) {
        sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'mock' })) });
        return;
      }
      if (method !== 'POST' || !path.endsWith('/chat/completions')) {
        sendJson(res, 404, { error: { message: `mock: no route ${method} ${path}`, type: 'not_found' } });
        return;
      }
      let turn = opts.onRequest?.(body);
      if (!turn && isMain(body)) {
        main.add(request);
        turn = queue.shift() ?? { kind: 'text', text: 'Done.' };
      }
      turn ??= { kind: 'text', text: 'Mock session' };
      if (turn.kind === 'error') {
        sendJson(res, turn.status, { error: { message: turn.message, type: turn.type, code: turn.type } });
        return;
      }
      const model = String((body as { model?: unknown } | null)?.model ?? models[0]);
      if ((body as { stream?: unknown } | null)?.stream === true) await streamTurn(res, server, model, turn);
      else sendJson(res, 200, completion(model, turn));
    },
  );
  return {
    url: `${server.origin}/v1`,
    requests: server.requests as ChatRequest[],
    mainRequests: () => (server.requests as ChatRequest[]).filter((r) => main.has(r)),
    push: (...t) => void queue.push(...t),
    close: server.close,
  };
}
