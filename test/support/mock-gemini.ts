// A scriptable stand-in for the Gemini API (generativelanguage v1beta), enough to drive the
// real Gemini CLI offline. The CLI POSTs `models/<m>:streamGenerateContent?alt=sse` for agent
// turns and `models/<m>:generateContent` for side calls (model routing, next-speaker checks).
import type { ServerResponse } from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killProcessesFrom } from './mock-openai.js';
import { sendJson, startMockServer, startSse, type MockServer } from './mock-server.js';

export type GeminiTurn =
  | { kind: 'text'; text: string; chunkDelayMs?: number; startDelayMs?: number }
  | {
      kind: 'function_call';
      name: string;
      args: Record<string, unknown>;
      text?: string;
      startDelayMs?: number;
    }
  | { kind: 'error'; status: number; type: string; message: string };

export interface MockGemini {
  url: string; // for GOOGLE_GEMINI_BASE_URL
  requests: unknown[];
  push(...turns: GeminiTurn[]): void;
  close(): Promise<void>;
}

export interface MockGeminiOptions {
  turns?: GeminiTurn[];
  onRequest?: (body: unknown) => GeminiTurn | undefined;
}

function chunkText(text: string): string[] {
  const words = text.match(/\S+\s*|\s+/g) ?? [text];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += 4) out.push(words.slice(i, i + 4).join(''));
  return out;
}

const usageMetadata = { promptTokenCount: 120, candidatesTokenCount: 30, totalTokenCount: 150 };

function candidate(parts: unknown[], finish: boolean) {
  return {
    candidates: [
      { content: { role: 'model', parts }, index: 0, ...(finish ? { finishReason: 'STOP' } : {}) },
    ],
    usageMetadata,
    modelVersion: 'gemini-mock',
  };
}

async function streamTurn(res: ServerResponse, server: MockServer, turn: Exclude<GeminiTurn, { kind: 'error' }>) {
  const sse = startSse(res, server, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, '\r\n');
  const send = (obj: unknown) => sse.send(obj);
  const sleep = server.sleep;
  if (turn.startDelayMs) await sleep(turn.startDelayMs);
  const text = turn.text;
  if (turn.kind === 'text') {
    const chunks = chunkText(text ?? '');
    for (let i = 0; i < chunks.length; i++) {
      send(candidate([{ text: chunks[i] }], i === chunks.length - 1));
      if (turn.chunkDelayMs && i < chunks.length - 1) await sleep(turn.chunkDelayMs);
    }
  } else {
    if (text) send(candidate([{ text }], false));
    send(candidate([{ functionCall: { name: turn.name, args: turn.args } }], true));
  }
  sse.end();
}

const jsonDefaults: Record<string, unknown> = {
  next_speaker: 'user',
  model_choice: 'flash',
  complexity_score: 10,
};

/** Builds a small object satisfying a Gemini response schema (required fields only). */
export function fillSchema(schema: unknown, key = ''): unknown {
  const s = (schema ?? {}) as { type?: string; properties?: Record<string, unknown>; enum?: unknown[]; items?: unknown };
  if (key in jsonDefaults) return jsonDefaults[key];
  if (s.enum?.length) return s.enum[0];
  switch ((s.type ?? 'OBJECT').toUpperCase()) {
    case 'STRING':
      return 'mock';
    case 'INTEGER':
    case 'NUMBER':
      return 1;
    case 'BOOLEAN':
      return false;
    case 'ARRAY':
      return [];
    default:
      return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, fillSchema(v, k)]));
  }
}

function wantsStream(path: string) {
  return path.includes(':streamGenerateContent');
}

export async function startMockGemini(opts: MockGeminiOptions = {}): Promise<MockGemini> {
  const queue: GeminiTurn[] = [...(opts.turns ?? [])];
  const server = await startMockServer(
    {
      empty: null,
      onError: (res, err) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(err));
      },
    },
    async ({ method, url: path, body }, res, server) => {
      // The log keeps the query (`?alt=sse`): the recorder counts `:streamGenerateContent` calls.
      server.requests.push({ method, path, body });
      const json = (status: number, obj: unknown) => sendJson(res, status, obj);
      if (path.includes(':countTokens')) return json(200, { totalTokens: 100 });
      if (path.includes(':generateContent')) {
        // Side calls: the model router and the next-speaker check want JSON matching the
        // request's schema; anything else gets a short text.
        const cfg = (body as { generationConfig?: { responseMimeType?: string; responseJsonSchema?: unknown } } | null)
          ?.generationConfig;
        const textOut =
          cfg?.responseMimeType === 'application/json'
            ? JSON.stringify(fillSchema(cfg.responseJsonSchema))
            : 'Mock session';
        return json(200, candidate([{ text: textOut }], true));
      }
      if (method !== 'POST' || !wantsStream(path)) {
        return json(404, { error: { code: 404, message: `mock: no route ${method} ${path}`, status: 'NOT_FOUND' } });
      }
      let turn = opts.onRequest?.(body) ?? queue.shift();
      turn ??= { kind: 'text', text: 'Done.' };
      if (turn.kind === 'error') {
        return json(turn.status, { error: { code: turn.status, message: turn.message, status: turn.type } });
      }
      await streamTurn(res, server, turn);
    },
  );
  return {
    url: server.origin,
    requests: server.requests,
    push: (...t) => void queue.push(...t),
    close: server.close,
  };
}

export interface GeminiHome {
  home: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/**
 * A temporary HOME for Gemini CLI. `apiKey: true` (default) selects API-key auth in
 * settings.json (leave it false to record the auth menu); `trustDirs` go to
 * trustedFolders.json so the trust menu is skipped for them. The caller adds
 * GOOGLE_GEMINI_BASE_URL from the mock.
 */
export async function makeGeminiHome(
  opts: { apiKey?: boolean; trustDirs?: string[]; settings?: Record<string, unknown> } = {},
): Promise<GeminiHome> {
  const home = await mkdtemp(join(tmpdir(), 'kb-gemini-home-'));
  const dir = join(home, '.gemini');
  await mkdir(dir, { recursive: true });
  const settings: Record<string, unknown> = {
    ...(opts.apiKey === false ? {} : { security: { auth: { selectedType: 'gemini-api-key' } } }),
    ...(opts.settings ?? {}),
  };
  await writeFile(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
  if (opts.trustDirs?.length) {
    const trusted = Object.fromEntries(opts.trustDirs.map((d) => [d, 'TRUST_FOLDER']));
    await writeFile(join(dir, 'trustedFolders.json'), JSON.stringify(trusted, null, 2));
  }
  const env: Record<string, string> = {
    HOME: home,
    COLORTERM: 'truecolor',
    LANG: 'C.UTF-8',
    NO_UPDATE_NOTIFIER: '1',
    ...(opts.apiKey === false ? {} : { GEMINI_API_KEY: 'mock-gemini-key' }),
  };
  const cleanup = async () => {
    // Gemini CLI may still be writing its state into the home as it exits: end what runs
    // from it, then retry the removal.
    await killProcessesFrom(home);
    await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  return { home, env, cleanup };
}

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The pinned Gemini CLI from node_modules. */
export function geminiBin(): string {
  return join(repoRoot, 'node_modules', '.bin', 'gemini');
}
