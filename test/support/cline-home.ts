/**
 * A throw-away HOME for running the REAL Cline CLI (`cline` 3.0.65) offline against the mock
 * Chat Completions API (test/support/mock-chat.ts).
 *
 *   const mock = await startMockChat({ turns });
 *   const home = await makeClineHome({ baseUrl: mock.url });   // runs `cline auth` in it
 *   // run clineBin() with home.env and clineArgs() in a private tmux pane ...
 *   await home.cleanup();
 *
 * The provider is configured the supported way, `cline auth -p openai -k KEY -m gpt-mock -b URL`
 * (it writes ~/.cline/data/settings/providers.json as "openai-compatible"); leave `baseUrl` out
 * to get the first-run "Connect a model provider" menu. Cline starts a hub daemon
 * (`cline --cline-hub-daemon --cwd <dir> ...`, parent init, listening on 127.0.0.1) that
 * outlives the TUI and its pane; its command line names the working directory, not HOME, so
 * cleanup ends the processes whose command line OR environment names this HOME.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The pinned Cline CLI (the native binary of @cline/cli-linux-x64 that node_modules/.bin/cline links to). */
export function clineBin(): string {
  return join(repoRoot, 'node_modules', '.bin', 'cline');
}

export const CLINE_MODEL = 'gpt-mock';
export const CLINE_API_KEY = 'sk-mock-cline';

/** Interactive TUI with per-tool approvals (the default, `--auto-approve true`, runs every tool unasked). */
export function clineArgs(): string[] {
  return ['--auto-approve', 'false'];
}

export interface ClineHomeOptions {
  /** the mock's base URL (…/v1); without it no provider is configured (the sign-in menu) */
  baseUrl?: string;
  /**
   * false (default): the ClinePass / Cline Desktop notices show on the first two starts, as for a
   * new user; true: CLINE_DISABLE_CLINE_PASS_NOTICE=1 turns them off.
   */
  disableNotices?: boolean;
}

export interface ClineHome {
  home: string;
  /** HOME, LANG, CLINE_NO_AUTO_UPDATE (+ CLINE_DISABLE_CLINE_PASS_NOTICE) */
  env: Record<string, string>;
  /** Ends the processes of this HOME (the hub daemon included), then removes it. */
  cleanup(): Promise<void>;
}

function run(file: string, args: string[], env: Record<string, string>, cwd: string): Promise<string> {
  return new Promise((ok, fail) => {
    execFile(file, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, cwd, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) fail(new Error(`${file} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else ok(stdout);
    });
  });
}

export async function makeClineHome(opts: ClineHomeOptions = {}): Promise<ClineHome> {
  const home = await mkdtemp(join(tmpdir(), 'kb-cline-home-'));
  const env: Record<string, string> = {
    HOME: home,
    LANG: 'C.UTF-8',
    // No npm/bun self-update check at start.
    CLINE_NO_AUTO_UPDATE: '1',
    ...(opts.disableNotices ? { CLINE_DISABLE_CLINE_PASS_NOTICE: '1' } : {}),
  };
  const cleanup = async () => {
    await killProcessesOfHome(home);
    await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  if (opts.baseUrl) {
    try {
      await run(clineBin(), ['auth', '-p', 'openai', '-k', CLINE_API_KEY, '-m', CLINE_MODEL, '-b', opts.baseUrl], env, home);
    } catch (err) {
      await cleanup();
      throw err;
    }
  }
  return { home, env, cleanup };
}

async function pidsOfHome(home: string): Promise<number[]> {
  const envNeedle = Buffer.from(`HOME=${home}\0`);
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(`${home}/`)) {
      pids.push(Number(entry));
      continue;
    }
    const environ = await readFile(`/proc/${entry}/environ`).catch(() => Buffer.alloc(0));
    if (environ.includes(envNeedle)) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Ends (SIGTERM, then SIGKILL after 2 s) every process whose command line names `home` or whose
 * environment has HOME=`home`: Cline's detached hub daemon is one. Returns the pids signalled.
 */
export async function killProcessesOfHome(home: string): Promise<number[]> {
  const killed = await pidsOfHome(home);
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
    const left = await pidsOfHome(home);
    if (left.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
    if (i === 19) signal(left, 'SIGKILL');
  }
  return killed;
}
