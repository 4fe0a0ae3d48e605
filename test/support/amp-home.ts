/**
 * A throw-away HOME for running the REAL Amp CLI (`@sourcegraph/amp`, native binary from
 * @ampcode/cli) offline. Amp has no custom model provider: it talks only to its own service,
 * so offline it shows its login prompts and its "cannot connect" / "invalid API key" exits.
 * `AMP_URL` points it at 127.0.0.1 (a stand-in that refuses every request with 401, or a closed
 * port), never at the internet; the login URL it prints then names 127.0.0.1 too.
 *
 *   const amp = await startAmpServerStub();
 *   const home = await makeAmpHome({ url: amp.url });            // no API key: the login flow
 *   const home2 = await makeAmpHome({ url: amp.url, apiKey: 'sgamp_mock' });   // "Invalid or missing API key"
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killProcessesFrom } from './mock-openai.js';
import { sendJson, startMockServer } from './mock-server.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The pinned Amp CLI (node_modules/.bin/amp -> @ampcode/cli/bin/amp.exe). */
export function ampBin(): string {
  return join(repoRoot, 'node_modules', '.bin', 'amp');
}

export interface AmpHome {
  home: string;
  /** HOME, LANG, AMP_URL (+ AMP_API_KEY) */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function makeAmpHome(opts: { url: string; apiKey?: string }): Promise<AmpHome> {
  const home = await mkdtemp(join(tmpdir(), 'kb-amp-home-'));
  const env: Record<string, string> = { HOME: home, LANG: 'C.UTF-8', AMP_URL: opts.url, ...(opts.apiKey ? { AMP_API_KEY: opts.apiKey } : {}) };
  const cleanup = async () => {
    await killProcessesFrom(home);
    await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  return { home, env, cleanup };
}

export interface AmpServerStub {
  url: string;
  /** "METHOD path" of every request, in order */
  requests: string[];
  close(): Promise<void>;
}

/** A stand-in for the Amp service on 127.0.0.1 that answers every request 401 (no account here). */
export async function startAmpServerStub(): Promise<AmpServerStub> {
  const requests: string[] = [];
  const server = await startMockServer(
    {
      onError: (res, err) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(err));
      },
    },
    ({ method, url }, res) => {
      requests.push(`${method} ${url}`);
      sendJson(res, 401, { error: 'unauthorized', message: 'Invalid API key' });
    },
  );
  return { url: server.origin, requests, close: server.close };
}

/** A 127.0.0.1 URL where nothing listens (a port that was free a moment ago). */
export async function closedLocalUrl(): Promise<string> {
  const port = await new Promise<number>((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const p = typeof address === 'object' && address ? address.port : 0;
      s.close(() => ok(p));
    });
  });
  return `http://127.0.0.1:${port}`;
}
