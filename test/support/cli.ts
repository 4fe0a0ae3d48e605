/** Runs the built CLI (dist/cli.js) as a user would: a separate process, real exit codes. */
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childrenOf, commandLine } from './procfs.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export async function runCli(
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const result = await execa(process.execPath, [CLI, ...args], {
    reject: false,
    input: options.input,
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    timeout: options.timeoutMs ?? 120_000,
  });
  return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? 1 };
}

/** Parses stdout as JSON lines. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export interface BackgroundCli {
  pid: number;
  /** Every JSON line printed so far. */
  lines: Record<string, unknown>[];
  /** Resolves with the exit code once the process has ended and its output is read (null: ended by a signal). */
  exited: Promise<number | null>;
  stderr(): string;
  /** Waits for a printed line that `fn` accepts. */
  waitFor(what: string, fn: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Waits until the process has started a child whose command line matches (its tmux or ssh client). */
  waitForChild(pattern: RegExp, timeoutMs?: number): Promise<void>;
  signal(name: NodeJS.Signals): void;
}

/**
 * Starts the built CLI and reads its stdout as JSON lines while it runs. For tests that act
 * on a running monitor: they wait for something it did (a line, a client it started), never
 * for a fixed time, since starting Node alone can take seconds on a loaded machine.
 */
export function startCli(args: readonly string[], env: Record<string, string | undefined> = {}, cwd?: string): BackgroundCli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let ended = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      ended = true;
      resolve(code);
    }),
  );
  const until = async (what: string, test: () => boolean, timeoutMs: number): Promise<void> => {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end && !ended) {
      if (test()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    if (test()) return;
    throw new Error(`${what}; printed ${JSON.stringify(lines)}; stderr: ${stderr}`);
  };
  return {
    pid: child.pid!,
    lines,
    exited,
    stderr: () => stderr,
    async waitFor(what, fn, timeoutMs = 60_000) {
      await until(`it never printed ${what}`, () => lines.some(fn), timeoutMs);
      return lines.find(fn)!;
    },
    async waitForChild(pattern, timeoutMs = 60_000) {
      await until(`it never started a child matching ${pattern}`, () => childrenOf(child.pid!).some((pid) => pattern.test(commandLine(pid))), timeoutMs);
    },
    signal: (name) => void child.kill(name),
  };
}
