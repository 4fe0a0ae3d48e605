/**
 * Runs a short-lived program with a hard deadline, and returns when the PROGRAM ends, not
 * when its output pipes close. The difference matters for tmux: a tmux client hands its
 * stdout to the server, so when a stopped (SIGSTOP) server never answers and the client is
 * killed on its deadline, the pipe stays open in the server and a runner that waits for
 * end-of-file (execa does) waits forever. Here the deadline kills the program and the call
 * returns at once; output already read is kept, the pipes are destroyed.
 */
import { spawn } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** null when the program was killed by a signal (a deadline included) */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

export interface ExecOptions {
  input?: string | undefined;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv | undefined;
  cwd?: string | undefined;
}

/** After a program killed on its deadline, how long its pipes get to deliver the last bytes. */
const DRAIN_MS = 100;

/** Rejects only when the program cannot be started at all (ENOENT and the like). */
export function execBounded(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      cwd: options.cwd,
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let drain: NodeJS.Timeout | undefined;

    const finish = (): void => {
      if (settled || !exit) return;
      settled = true;
      clearTimeout(deadline);
      if (drain) clearTimeout(drain);
      child.stdout.destroy();
      child.stderr.destroy();
      child.stdin.destroy();
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: exit.code,
        signal: exit.signal,
        timedOut,
      });
    };

    const deadline = setTimeout(() => {
      // Exited, but another process holds its pipes open: what was read is all there is.
      if (exit) return finish();
      timedOut = true;
      child.kill('SIGKILL');
      // The exit event follows the kill; finish even if it were somehow late.
      drain = setTimeout(() => {
        exit ??= { code: null, signal: 'SIGKILL' };
        finish();
      }, DRAIN_MS);
    }, options.timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => {
      /* EPIPE: the program did not read its input; its exit says what happened */
    });
    child.on('error', (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (drain) clearTimeout(drain);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // 'close' follows once the pipes are drained: wait for it (a busy machine can take a
      // while to read the last bytes), but never past the deadline. A program killed on its
      // deadline may have left its pipes with another process: its output ends now.
      if (timedOut) drain ??= setTimeout(finish, DRAIN_MS);
    });
    child.on('close', () => {
      if (exit) finish();
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}
