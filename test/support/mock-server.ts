/**
 * The HTTP plumbing the mock APIs (mock-anthropic, mock-openai, mock-gemini) share: a server
 * on 127.0.0.1 and a free port, request bodies parsed as JSON (the raw text when they are
 * not JSON), a log of requests, SSE writing, and a close() that ends open connections and
 * cuts pending delays short, so no timer outlives the mock.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface MockRequest {
  method: string | undefined;
  /** the full request URL, query included */
  url: string;
  /** the URL without its query */
  path: string;
  /** parsed JSON; the raw text if it is not JSON; `empty` if there is no body */
  body: unknown;
}

export interface MockServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** what the mock chose to log, in arrival order (the mocks' `requests`) */
  requests: unknown[];
  /** true from the moment close() is called */
  closing(): boolean;
  /** a delay that close() ends at once */
  sleep(ms: number): Promise<void>;
  close(): Promise<void>;
}

export interface MockServerOptions {
  /** the body of a request that has none (default undefined) */
  empty?: unknown;
  /** answers a request whose handler threw */
  onError(res: ServerResponse, error: unknown): void;
}

export type MockHandler = (req: MockRequest, res: ServerResponse, server: MockServer) => Promise<void> | void;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startMockServer(opts: MockServerOptions, handler: MockHandler): Promise<MockServer> {
  const sockets = new Set<Socket>();
  const pending = new Map<NodeJS.Timeout, () => void>();
  let closing = false;
  let mock: MockServer | undefined;

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      let body: unknown = opts.empty;
      try {
        body = raw ? JSON.parse(raw) : opts.empty;
      } catch {
        body = raw;
      }
      const url = req.url ?? '';
      await handler({ method: req.method, url, path: url.split('?')[0] ?? '', body }, res, mock as MockServer);
    })().catch((error: unknown) => opts.onError(res, error));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('mock server: no address');
  mock = {
    origin: `http://127.0.0.1:${addr.port}`,
    requests: [],
    closing: () => closing,
    sleep: (ms) =>
      new Promise((resolve) => {
        if (closing) return resolve();
        const timer = setTimeout(() => {
          pending.delete(timer);
          resolve();
        }, ms);
        pending.set(timer, resolve);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        for (const s of sockets) s.destroy();
        for (const [timer, wake] of pending) {
          clearTimeout(timer);
          wake();
        }
        pending.clear();
        server.close(() => resolve());
      }),
  };
  return mock;
}

/** Answers with a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export interface SseStream {
  /** One event: `event: <name>` (if given) and `data: <json>`, ended by a blank line. */
  send(data: unknown, event?: string): void;
  /** The response is gone (client hung up, or the mock is closing): nothing more is written. */
  closed(): boolean;
  end(): void;
}

/**
 * Starts a `200 text/event-stream` answer with `headers`; `eol` ends each line (`\r\n` for
 * the Gemini API). Writes stop once the client hangs up or the mock closes.
 */
export function startSse(
  res: ServerResponse,
  server: MockServer,
  headers: Record<string, string>,
  eol = '\n',
): SseStream {
  res.writeHead(200, headers);
  let hungUp = false;
  res.on('close', () => {
    hungUp = true;
  });
  const closed = () => hungUp || server.closing();
  return {
    send: (data, event) => {
      if (!closed()) res.write(`${event === undefined ? '' : `event: ${event}${eol}`}data: ${JSON.stringify(data)}${eol}${eol}`);
    },
    closed,
    end: () => {
      if (!closed()) res.end();
    },
  };
}
