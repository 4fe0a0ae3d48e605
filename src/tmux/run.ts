/**
 * Running tmux commands. Every call has a deadline (no command can hang kb), and a server
 * that missed one is remembered: later calls to it in the same process fail at once with
 * the same error instead of each waiting out its own deadline.
 */
import { execBounded } from './exec.js';
import { TmuxError, TmuxMissingError, TmuxTimeoutError } from './errors.js';

/** Which tmux server to talk to: `tmux -L socket`, or the user's default server. */
export interface TmuxServer {
  socket?: string | undefined;
}

export interface TmuxResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The argv prefix that selects the server. Every tmux process we start goes through it. */
export function serverArgs(server: TmuxServer): string[] {
  return server.socket ? ['-L', server.socket] : [];
}

/** A stable key for one server (maps, caches). */
export function serverKey(server: TmuxServer): string {
  return server.socket ?? '';
}

/** How the server is named in messages. */
export function serverLabel(server: TmuxServer): string {
  return server.socket ? `server on socket "${server.socket}"` : 'default server';
}

let deadlineMs = Number(process.env.KB_TMUX_TIMEOUT_MS) > 0 ? Number(process.env.KB_TMUX_TIMEOUT_MS) : 5_000;

/** The deadline of one tmux call (default 5 s; KB_TMUX_TIMEOUT_MS; the monitor ties it to its interval). */
export function tmuxDeadline(): number {
  return deadlineMs;
}

export function setTmuxDeadline(ms: number): void {
  deadlineMs = Math.max(50, Math.round(ms));
}

const unresponsive = new Map<string, TmuxTimeoutError>();

/** The error a server that missed a deadline earlier in this process gets at once. */
export function unresponsiveError(server: TmuxServer): TmuxTimeoutError | undefined {
  return unresponsive.get(serverKey(server));
}

export function markUnresponsive(server: TmuxServer, error: TmuxTimeoutError): void {
  unresponsive.set(serverKey(server), error);
}

/** Forgets that a server missed a deadline (tests; a server resumed with kill -CONT). */
export function forgetUnresponsive(): void {
  unresponsive.clear();
}

/**
 * Runs one tmux process. Never throws for a non-zero exit (callers decide what a failure
 * means); throws a TmuxError when tmux cannot be started or does not answer in time.
 */
export async function runTmux(
  server: TmuxServer,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<TmuxResult> {
  const earlier = unresponsiveError(server);
  if (earlier) throw earlier;
  const timeoutMs = options.timeoutMs ?? deadlineMs;
  let result;
  try {
    result = await execBounded('tmux', [...serverArgs(server), ...args], {
      input: options.input,
      timeoutMs,
      env: { ...process.env, LANG: process.env.LANG || 'C.UTF-8' },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new TmuxMissingError();
    throw new TmuxError(`cannot run tmux: ${(error as Error).message}`, { hint: 'check that tmux runs: tmux -V', cause: error });
  }
  if (result.timedOut) {
    const error = new TmuxTimeoutError(args[0] ?? 'a command', timeoutMs, serverLabel(server));
    markUnresponsive(server, error);
    throw error;
  }
  return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode ?? 1 };
}

/** Like runTmux, but a non-zero exit becomes a TmuxError naming the command and tmux's words. */
export async function runTmuxOk(
  server: TmuxServer,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number; hint?: string } = {},
): Promise<string> {
  const result = await runTmux(server, args, options);
  if (result.exitCode !== 0) {
    const said = result.stderr.trim() || `exit ${result.exitCode}`;
    throw new TmuxError(`tmux ${args[0] ?? ''} failed: ${said}`, {
      hint: options.hint ?? (isNoServer(said) ? noServerHint(server) : 'check the tmux server and the target'),
    });
  }
  return result.stdout;
}

export function isNoServer(stderr: string): boolean {
  return /no server running|error connecting to|server exited/i.test(stderr);
}

export function noServerHint(server: TmuxServer): string {
  return server.socket
    ? `no tmux server is running on socket "${server.socket}"; check --socket / KB_TMUX_SOCKET`
    : 'no tmux server is running; start one, or pass --socket NAME for a private server';
}

/** An exact session target: `=name:` never prefix-matches another session. */
export function exactSessionTarget(session: string): string {
  return `=${session}:`;
}
