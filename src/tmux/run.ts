/**
 * Running tmux commands. Every call has a deadline (no command can hang kb), and a server
 * that missed one is remembered: later calls to it in the same process fail at once with
 * the same error instead of each waiting out its own deadline. A server on another host
 * is reached through one ssh process per call (src/tmux/ssh.ts); the deadline then also
 * covers ssh, plus the handshake until a first call to that host got through.
 */
import { execBounded, type ExecResult } from './exec.js';
import { TmuxError, TmuxMissingError, TmuxTimeoutError } from './errors.js';
import {
  checkSshOutcome,
  connectAllowance,
  forgetHostDown,
  hostDownError,
  remoteCommand,
  remoteTmuxBinary,
  sshOptions,
  parseDestination,
} from './ssh.js';

/**
 * Which tmux server to talk to: `tmux -L socket`, or the default server; on this machine,
 * or (host: an ssh destination) on another one.
 */
export interface TmuxServer {
  socket?: string | undefined;
  host?: string | undefined;
}

/** The program and argv that run `tmux <args>` on the server's machine. */
export interface TmuxInvocation {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * Every tmux process kb starts is built here: locally `tmux -L socket args`; for a remote
 * server `ssh <options> -- dest 'exec tmux -u -L socket args'` (each argument quoted for
 * the remote shell; stdin passes through to tmux there).
 */
export function tmuxInvocation(server: TmuxServer, args: readonly string[], env: NodeJS.ProcessEnv = process.env): TmuxInvocation {
  if (server.host) {
    const dest = parseDestination(server.host);
    const remote = ['exec', remoteTmuxBinary(env), '-u', ...serverArgs(server), ...args];
    return { file: 'ssh', args: [...sshOptions(dest, env), '--', dest.target, remoteCommand(remote)], env };
  }
  return { file: 'tmux', args: [...serverArgs(server), ...args], env: { ...env, LANG: env.LANG || 'C.UTF-8' } };
}

export interface TmuxResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The argv prefix that selects the server on its machine. Every tmux process we start goes through it. */
export function serverArgs(server: TmuxServer): string[] {
  return server.socket ? ['-L', server.socket] : [];
}

/** A stable key for one server, the host included (maps, caches, locks). */
export function serverKey(server: TmuxServer): string {
  return server.host ? `${server.host}\u0000${server.socket ?? ''}` : (server.socket ?? '');
}

/** How the server is named in messages. */
export function serverLabel(server: TmuxServer): string {
  const base = server.socket ? `server on socket "${server.socket}"` : 'default server';
  return server.host ? `${base} on host "${server.host}"` : base;
}

let deadlineMs = Number(process.env.KB_TMUX_TIMEOUT_MS) > 0 ? Number(process.env.KB_TMUX_TIMEOUT_MS) : 5_000;

/** The deadline of one tmux call (default 5 s; KB_TMUX_TIMEOUT_MS; the monitor ties it to its interval). */
export function tmuxDeadline(): number {
  return deadlineMs;
}

export function setTmuxDeadline(ms: number): void {
  deadlineMs = Math.max(50, Math.round(ms));
}

const unresponsive = new Map<string, TmuxError>();

/** The error a server that missed a deadline earlier in this process gets at once. */
export function unresponsiveError(server: TmuxServer): TmuxError | undefined {
  return unresponsive.get(serverKey(server));
}

export function markUnresponsive(server: TmuxServer, error: TmuxError): void {
  unresponsive.set(serverKey(server), error);
}

/**
 * Forgets that a server missed a deadline or its host failed (tests; a server resumed
 * with kill -CONT; the monitor retrying a host after its backoff). No argument: all.
 */
export function forgetUnresponsive(server?: TmuxServer): void {
  if (server === undefined) {
    unresponsive.clear();
    forgetHostDown();
    return;
  }
  unresponsive.delete(serverKey(server));
  if (server.host) forgetHostDown(server.host);
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
  const earlier = unresponsiveError(server) ?? (server.host ? hostDownError(server.host) : undefined);
  if (earlier) throw earlier;
  const timeoutMs = (options.timeoutMs ?? deadlineMs) + (server.host ? connectAllowance(server.host) : 0);
  const invocation = tmuxInvocation(server, args);
  let result: ExecResult;
  try {
    result = await execBounded(invocation.file, invocation.args, { input: options.input, timeoutMs, env: invocation.env });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      if (server.host) throw new TmuxError('ssh is not installed or not on PATH (needed for --host)', { hint: 'install the OpenSSH client (Debian/Ubuntu: apt-get install -y openssh-client)' });
      throw new TmuxMissingError();
    }
    throw new TmuxError(`cannot run ${invocation.file}: ${(error as Error).message}`, { hint: `check that ${invocation.file} runs`, cause: error });
  }
  if (server.host) return remoteResult(server, server.host, args, result, timeoutMs);
  if (result.timedOut) {
    const error = new TmuxTimeoutError(args[0] ?? 'a command', timeoutMs, serverLabel(server));
    markUnresponsive(server, error);
    throw error;
  }
  return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode ?? 1 };
}

/** What a remote call's ssh result means: ssh's own failure (255), tmux missing there (127), or tmux's result. */
function remoteResult(server: TmuxServer, host: string, args: readonly string[], result: ExecResult, timeoutMs: number): TmuxResult {
  // A timeout is this server not answering (its host may serve others): remembered for it.
  checkSshOutcome(host, result, `tmux ${args[0] ?? ''}`.trim(), timeoutMs, (error) => markUnresponsive(server, error));
  if (result.exitCode === 127 && /not found|no such file/i.test(result.stderr)) {
    throw new TmuxError(`tmux is not installed on host "${host}" (or not on the PATH ssh gives commands there): ${result.stderr.trim()}`, {
      hint: `install tmux 3.2 or later there, or name its path with KB_REMOTE_TMUX=/path/to/tmux; check with kb doctor --host ${host}`,
    });
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
  if (server.host) {
    return server.socket
      ? `no tmux server is running on socket "${server.socket}" on host "${server.host}"; check with kb doctor --host ${server.host}`
      : `no tmux server is running on host "${server.host}"; check with kb doctor --host ${server.host}`;
  }
  return server.socket
    ? `no tmux server is running on socket "${server.socket}"; check --socket / KB_TMUX_SOCKET`
    : 'no tmux server is running; start one, or pass --socket NAME for a private server';
}

/** An exact session target: `=name:` never prefix-matches another session. */
export function exactSessionTarget(session: string): string {
  return `=${session}:`;
}
