/**
 * A local stand-in for the Anthropic Messages API, good enough to drive the REAL Claude Code
 * TUI offline (see /work/shared/design/real-agents.md).
 *
 * - `POST /v1/messages` with `tools` (a main-loop turn) consumes the next queued MockTurn:
 *   text is streamed as SSE in several chunks (optionally slow, to capture "working" screens),
 *   tool_use blocks stream their input as `input_json_delta`, errors are an HTTP status with
 *   the API's JSON error body (529 overloaded -> Claude Code's retry screen, 401 -> auth error).
 *   When the queue is empty the answer is the text "Done.".
 * - Requests WITHOUT `tools` are side calls (session titles, bash prefix checks ...): they get a
 *   short text and never consume a turn.
 * - `onRequest(body)` is asked first for every POST /v1/messages; a turn it returns is used
 *   instead of the default behaviour (and does not consume a queued turn).
 * - `POST /v1/messages/count_tokens` answers `{ input_tokens }`.
 * - Every POST /v1/messages body is appended to `requests` (parsed JSON).
 *
 * Binds 127.0.0.1 only, on a free port.
 */
import type http from 'node:http';
import { sendJson, startMockServer, startSse, type MockServer } from './mock-server.js';

export type MockTurn =
  | { kind: 'text'; text: string; chunkDelayMs?: number }
  | { kind: 'tool_use'; name: string; input: Record<string, unknown>; text?: string }
  | { kind: 'error'; status: number; type: string; message: string };

export interface MockAnthropic {
  /** Base URL for ANTHROPIC_BASE_URL, e.g. http://127.0.0.1:43123 */
  url: string;
  /** Parsed bodies of every POST /v1/messages, in arrival order. */
  requests: unknown[];
  /** Queue more main-loop turns. */
  push(...turns: MockTurn[]): void;
  close(): Promise<void>;
}

export interface MockAnthropicOptions {
  turns?: MockTurn[];
  onRequest?: (body: unknown) => MockTurn | undefined;
}

const DEFAULT_TEXT = 'Done.';
const SIDE_CALL_TEXT = 'Mock session';

let idCounter = 0;
function newId(prefix: string): string {
  idCounter += 1;
  return `${prefix}_mock${Date.now().toString(36)}${idCounter.toString(36).padStart(4, '0')}`;
}

/** Splits text into roughly `n` pieces on word boundaries (at least one piece). */
export function chunkText(text: string, target = 8): string[] {
  if (text.length === 0) return [''];
  const words = text.split(/(?<=\s)/);
  const per = Math.max(1, Math.ceil(words.length / target));
  const out: string[] = [];
  for (let i = 0; i < words.length; i += per) out.push(words.slice(i, i + per).join(''));
  return out;
}

function isSideCall(body: unknown): boolean {
  if (!body || typeof body !== 'object') return true;
  const tools = (body as { tools?: unknown }).tools;
  return !Array.isArray(tools) || tools.length === 0;
}

function modelOf(body: unknown): string {
  const m = body && typeof body === 'object' ? (body as { model?: unknown }).model : undefined;
  return typeof m === 'string' ? m : 'claude-mock';
}

const usage = () => ({
  input_tokens: 120,
  output_tokens: 1,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
});

interface Block {
  type: 'text' | 'tool_use';
  text?: string;
  name?: string;
  input?: Record<string, unknown>;
}

function blocksOf(turn: Exclude<MockTurn, { kind: 'error' }>): Block[] {
  if (turn.kind === 'text') return [{ type: 'text', text: turn.text }];
  const blocks: Block[] = [];
  if (turn.text) blocks.push({ type: 'text', text: turn.text });
  blocks.push({ type: 'tool_use', name: turn.name, input: turn.input });
  return blocks;
}

async function writeSse(
  res: http.ServerResponse,
  server: MockServer,
  body: unknown,
  turn: Exclude<MockTurn, { kind: 'error' }>,
): Promise<void> {
  const sse = startSse(res, server, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': newId('req'),
  });
  const send = (event: string, data: unknown) => sse.send(data, event);
  const closed = sse.closed;
  const sleep = server.sleep;
  const delay = turn.kind === 'text' ? (turn.chunkDelayMs ?? 0) : 0;
  const blocks = blocksOf(turn);
  send('message_start', {
    type: 'message_start',
    message: {
      id: newId('msg'),
      type: 'message',
      role: 'assistant',
      model: modelOf(body),
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usage(),
    },
  });
  send('ping', { type: 'ping' });
  let outputTokens = 0;
  for (const [index, block] of blocks.entries()) {
    if (block.type === 'text') {
      send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      for (const piece of chunkText(block.text ?? '')) {
        if (delay > 0) await sleep(delay);
        if (closed()) return;
        send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
        outputTokens += Math.max(1, Math.ceil(piece.length / 4));
      }
    } else {
      send('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: newId('toolu'), name: block.name, input: {} },
      });
      const json = JSON.stringify(block.input ?? {});
      const parts = json.length > 40 ? [json.slice(0, Math.floor(json.length / 2)), json.slice(Math.floor(json.length / 2))] : [json];
      for (const partial_json of parts) {
        send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } });
      }
      outputTokens += Math.max(1, Math.ceil(json.length / 4));
    }
    send('content_block_stop', { type: 'content_block_stop', index });
  }
  const stop_reason = blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
  send('message_delta', { type: 'message_delta', delta: { stop_reason, stop_sequence: null }, usage: { output_tokens: outputTokens } });
  send('message_stop', { type: 'message_stop' });
  sse.end();
}

/** Non-streaming answer (stream: false), for completeness. */
function writeJson(res: http.ServerResponse, body: unknown, turn: Exclude<MockTurn, { kind: 'error' }>): void {
  const content = blocksOf(turn).map((b) =>
    b.type === 'text' ? { type: 'text', text: b.text ?? '' } : { type: 'tool_use', id: newId('toolu'), name: b.name, input: b.input ?? {} },
  );
  const stop_reason = content.some((c) => c.type === 'tool_use') ? 'tool_use' : 'end_turn';
  res.writeHead(200, { 'content-type': 'application/json', 'request-id': newId('req') });
  res.end(
    JSON.stringify({
      id: newId('msg'),
      type: 'message',
      role: 'assistant',
      model: modelOf(body),
      content,
      stop_reason,
      stop_sequence: null,
      usage: { ...usage(), output_tokens: 10 },
    }),
  );
}

function writeError(res: http.ServerResponse, turn: Extract<MockTurn, { kind: 'error' }>): void {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': newId('req') };
  if (turn.status === 529 || turn.status === 429) headers['retry-after'] = '1';
  // Claude Code's SDK honours `x-should-retry`; say "retry" for overload/rate-limit/5xx only.
  headers['x-should-retry'] = turn.status === 529 || turn.status === 429 || turn.status >= 500 ? 'true' : 'false';
  res.writeHead(turn.status, headers);
  res.end(JSON.stringify({ type: 'error', error: { type: turn.type, message: turn.message } }));
}

export async function startMockAnthropic(opts: MockAnthropicOptions = {}): Promise<MockAnthropic> {
  const queue: MockTurn[] = [...(opts.turns ?? [])];
  const server = await startMockServer(
    {
      onError: (res, error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: String(error) } }));
      },
    },
    async ({ method, path, body }, res, server) => {
      if (method === 'POST' && path.endsWith('/v1/messages/count_tokens')) {
        sendJson(res, 200, { input_tokens: 120 });
        return;
      }
      if (method === 'POST' && path.endsWith('/v1/messages')) {
        server.requests.push(body);
        let turn = opts.onRequest?.(body);
        if (!turn) {
          if (isSideCall(body)) turn = { kind: 'text', text: SIDE_CALL_TEXT };
          else turn = queue.shift() ?? { kind: 'text', text: DEFAULT_TEXT };
        }
        if (turn.kind === 'error') {
          writeError(res, turn);
          return;
        }
        const stream = body && typeof body === 'object' && (body as { stream?: unknown }).stream === true;
        if (!stream) {
          writeJson(res, body, turn);
          return;
        }
        await writeSse(res, server, body, turn);
        return;
      }
      sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `mock: no route ${method} ${path}` } });
    },
  );
  return {
    url: server.origin,
    requests: server.requests,
    push: (...turns: MockTurn[]) => {
      queue.push(...turns);
    },
    close: server.close,
  };
}
