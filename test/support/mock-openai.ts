// A scriptable stand-in for the OpenAI Responses API, enough to drive the real Codex TUI
// offline. Codex POSTs /v1/responses with `stream: true` and reads SSE events; each queued
// turn answers one request that carries tools (a real agent turn).
import type { ServerResponse } from 'node:http';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendJson, startMockServer, startSse, type MockServer } from './mock-server.js';

export type OpenAITurn =
  | { kind: 'text'; text: string; chunkDelayMs?: number; startDelayMs?: number }
  | {
      kind: 'function_call';
      name: string;
      arguments: Record<string, unknown>;
      text?: string;
      startDelayMs?: number;
    }
  // Free-form ("custom") tools such as apply_patch take raw text input, not JSON.
  | { kind: 'custom_tool_call'; name: string; input: string; text?: string; startDelayMs?: number }
  | { kind: 'error'; status: number; type: string; message: string };

export interface MockOpenAI {
  url: string; // base URL including /v1, for config.toml's base_url
  requests: unknown[];
  push(...turns: OpenAITurn[]): void;
  close(): Promise<void>;
}

export interface MockOpenAIOptions {
  turns?: OpenAITurn[];
  onRequest?: (body: unknown) => OpenAITurn | undefined;
}

/** Splits text into small chunks (about 3 words) so the TUI really streams it. */
export function chunkText(text: string): string[] {
  const words = text.match(/\S+\s*|\s+/g) ?? [text];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += 3) out.push(words.slice(i, i + 3).join(''));
  return out;
}

let seq = 0;
const nextId = (p: string) => `${p}_mock${Date.now().toString(36)}${(seq++).toString(36)}`;

function usage() {
  return {
    input_tokens: 120,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 30,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 150,
  };
}

async function streamTurn(res: ServerResponse, server: MockServer, turn: Exclude<OpenAITurn, { kind: 'error' }>) {
  const sse = startSse(res, server, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const send = (type: string, data: Record<string, unknown>) => sse.send({ type, ...data }, type);
  const sleep = server.sleep;
  const responseId = nextId('resp');
  send('response.created', { response: { id: responseId, status: 'in_progress' } });
  if (turn.startDelayMs) await sleep(turn.startDelayMs);
  let index = 0;
  const text = turn.kind === 'text' ? turn.text : turn.text;
  if (text) {
    const itemId = nextId('msg');
    const item = { type: 'message', id: itemId, role: 'assistant', status: 'in_progress', content: [] };
    send('response.output_item.added', { output_index: index, item });
    send('response.content_part.added', {
      item_id: itemId,
      output_index: index,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    });
    for (const delta of chunkText(text)) {
      send('response.output_text.delta', { item_id: itemId, output_index: index, content_index: 0, delta });
      if (turn.kind === 'text' && turn.chunkDelayMs) await sleep(turn.chunkDelayMs);
    }
    send('response.output_text.done', { item_id: itemId, output_index: index, content_index: 0, text });
    send('response.output_item.done', {
      output_index: index,
      item: {
        type: 'message',
        id: itemId,
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text, annotations: [] }],
      },
    });
    index++;
  }
  if (turn.kind === 'function_call') {
    const item = {
      type: 'function_call',
      id: nextId('fc'),
      call_id: nextId('call'),
      name: turn.name,
      arguments: JSON.stringify(turn.arguments),
      status: 'completed',
    };
    send('response.output_item.added', { output_index: index, item: { ...item, arguments: '' } });
    send('response.output_item.done', { output_index: index, item });
    index++;
  } else if (turn.kind === 'custom_tool_call') {
    const item = {
      type: 'custom_tool_call',
      id: nextId('ctc'),
      call_id: nextId('call'),
      name: turn.name,
      input: turn.input,
      status: 'completed',
    };
    send('response.output_item.added', { output_index: index, item: { ...item, input: '' } });
    send('response.output_item.done', { output_index: index, item });
    index++;
  }
  send('response.completed', { response: { id: responseId, status: 'completed', usage: usage() } });
  sse.end();
}

function hasTools(body: unknown): boolean {
  const tools = (body as { tools?: unknown[] } | null)?.tools;
  return Array.isArray(tools) && tools.length > 0;
}

export async function startMockOpenAI(opts: MockOpenAIOptions = {}): Promise<MockOpenAI> {
  const queue: OpenAITurn[] = [...(opts.turns ?? [])];
  const server = await startMockServer(
    {
      empty: null,
      onError: (res, err) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(err));
      },
    },
    async ({ method, path, body }, res, server) => {
      server.requests.push({ method, path, body });
      if (method === 'GET' && path.endsWith('/models')) {
        sendJson(res, 200, { object: 'list', data: [], models: [] });
        return;
      }
      if (method !== 'POST' || !path.endsWith('/responses')) {
        sendJson(res, 404, { error: { message: `mock: no route ${method} ${path}`, type: 'not_found' } });
        return;
      }
      // Side calls (no tools: titles, summaries) get a short text and do not use the queue.
      let turn: OpenAITurn | undefined = opts.onRequest?.(body);
      if (!turn) turn = hasTools(body) ? queue.shift() : { kind: 'text', text: 'Mock session' };
      turn ??= { kind: 'text', text: 'Done.' };
      if (turn.kind === 'error') {
        sendJson(res, turn.status, { error: { message: turn.message, type: turn.type, code: turn.type } });
        return;
      }
      await streamTurn(res, server, turn);
    },
  );
  return {
    url: `${server.origin}/v1`,
    requests: server.requests,
    push: (...t) => void queue.push(...t),
    close: server.close,
  };
}

export interface CodexHome {
  home: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/**
 * A temporary HOME for Codex. With `baseUrl` it writes ~/.codex/config.toml pointing at
 * the mock provider (leave it out to record the sign-in menu). `trustDirs` are written as
 * trusted projects so the "Trust this folder?" menu is skipped for them.
 */
export async function makeCodexHome(
  opts: { baseUrl?: string; trustDirs?: string[]; approvalPolicy?: string; extraToml?: string; retries?: number } = {},
): Promise<CodexHome> {
  const home = await mkdtemp(join(tmpdir(), 'kb-codex-home-'));
  const codexDir = join(home, '.codex');
  await mkdir(codexDir, { recursive: true });
  if (opts.baseUrl) {
    const lines = [
      'model = "gpt-mock"',
      'model_provider = "mock"',
      ...(opts.approvalPolicy ? [`approval_policy = "${opts.approvalPolicy}"`] : []),
      'check_for_update_on_startup = false',
      ...(opts.extraToml ? [opts.extraToml] : []),
      '',
      '[model_providers.mock]',
      'name = "Mock"',
      `base_url = "${opts.baseUrl}"`,
      'env_key = "MOCK_API_KEY"',
      'wire_api = "responses"',
      // 0 by default: an error turn fails at once instead of being retried with backoff.
      `request_max_retries = ${opts.retries ?? 0}`,
      `stream_max_retries = ${opts.retries ?? 0}`,
      '',
    ];
    for (const dir of opts.trustDirs ?? []) lines.push(`[projects."${dir}"]`, 'trust_level = "trusted"', '');
    await writeFile(join(codexDir, 'config.toml'), lines.join('\n'));
  } else if (opts.trustDirs?.length) {
    const lines: string[] = [];
    for (const dir of opts.trustDirs) lines.push(`[projects."${dir}"]`, 'trust_level = "trusted"', '');
    await writeFile(join(codexDir, 'config.toml'), lines.join('\n'));
  }
  const env: Record<string, string> = {
    HOME: home,
    CODEX_HOME: codexDir,
    MOCK_API_KEY: 'sk-mock-codex',
    LANG: 'C.UTF-8',
    NO_UPDATE_NOTIFIER: '1',
  };
  const cleanup = async () => {
    await killProcessesFrom(home);
    await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  return { home, env, cleanup };
}

/**
 * Codex 0.169 copies itself to $CODEX_HOME/packages/app-server-daemon/... and starts a
 * detached "codex app-server" daemon (parent: init) that outlives the TUI and its tmux pane.
 * Ends exactly those processes: the ones whose command line names this temporary home.
 */
export async function killProcessesFrom(home: string): Promise<number[]> {
  const find = async () => {
    const pids: number[] = [];
    for (const entry of await readdir('/proc').catch(() => [] as string[])) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes(`${home}/`)) pids.push(Number(entry));
    }
    return pids;
  };
  const killed = await find();
  const signal = (pids: number[], sig: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        /* gone */
      }
    }
  };
  signal(killed, 'SIGTERM');
  for (let i = 0; i < 20; i++) {
    const left = await find();
    if (left.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
    if (i === 19) signal(left, 'SIGKILL');
  }
  return killed;
}

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The pinned Codex CLI from node_modules. */
export function codexBin(): string {
  return join(repoRoot, 'node_modules', '.bin', 'codex');
}
