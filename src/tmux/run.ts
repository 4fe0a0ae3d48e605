import { execa } from 'execa';
import { KbError } from '../errors.js';

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

/**
 * Runs one tmux process. Never throws for a non-zero exit (callers decide what a failure
 * means); throws a KbError only when tmux itself cannot be started.
 */
export async function runTmux(
  server: TmuxServer,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<TmuxResult> {
  try {
    const result = await execa('tmux', [...serverArgs(server), ...args], {
      reject: false,
      stripFinalNewline: false,
      input: options.input,
      timeout: options.timeoutMs ?? 15_000,
      env: { LANG: process.env.LANG ?? 'C.UTF-8', LC_ALL: process.env.LC_ALL ?? '' },
    });
    if (result.failed && result.exitCode === undefined) {
      const code = (result as { code?: string }).code;
      if (code === 'ENOENT') throw tmuxMissing();
      if (result.timedOut) {
        throw new KbError(`tmux ${args[0] ?? ''} did not answer within ${options.timeoutMs ?? 15_000} ms`, {
          hint: 'check that the tmux server is responsive (tmux list-sessions)',
        });
      }
    }
    return {
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      exitCode: result.exitCode ?? 1,
    };
  } catch (error) {
    if (error instanceof KbError) throw error;
    if ((error as { code?: string }).code === 'ENOENT') throw tmuxMissing();
    throw error;
  }
}

/** Like runTmux, but a non-zero exit becomes a KbError naming the command and tmux's words. */
export async function runTmuxOk(
  server: TmuxServer,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number; hint?: string } = {},
): Promise<string> {
  const result = await runTmux(server, args, options);
  if (result.exitCode !== 0) {
    const said = result.stderr.trim() || `exit ${result.exitCode}`;
    throw new KbError(`tmux ${args[0] ?? ''} failed: ${said}`, {
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

export function tmuxMissing(): KbError {
  return new KbError('tmux is not installed or not on PATH', {
    hint: 'install tmux (Debian/Ubuntu: apt-get install -y tmux; macOS: brew install tmux)',
  });
}

/** An exact session target: `=name:` never prefix-matches another session. */
export function exactSessionTarget(session: string): string {
  return `=${session}:`;
}
