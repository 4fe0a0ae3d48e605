/**
 * A throw-away HOME for running the REAL Claude Code offline against the mock API
 * (test/support/mock-anthropic.ts). `$HOME/.claude.json` decides which first-run dialogs
 * appear; see /work/shared/design/real-agents.md.
 *
 *   const home = await makeClaudeHome({ trustDirs: [repo] });
 *   const env = { ...process.env, ...home.env, ANTHROPIC_BASE_URL: mock.url };
 *   spawn(claudeBin('2.1.330'), [...], { env, cwd: repo });
 *   await home.cleanup();
 */
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ClaudeHomeOptions {
  /** Absolute directories whose workspace-trust dialog is already accepted (default: none). */
  trustDirs?: string[];
  /** Pre-approve the API key so the "Detected a custom API key" dialog is skipped (default: true). */
  approveKey?: boolean;
  /** Onboarding (theme picker etc.) already completed (default: true). */
  onboarding?: boolean;
  /** The --dangerously-skip-permissions disclaimer was already accepted (default: false). */
  bypassAccepted?: boolean;
}

export interface ClaudeHome {
  home: string;
  /** HOME, ANTHROPIC_API_KEY, DISABLE_AUTOUPDATER, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, IS_SANDBOX (as root). */
  env: Record<string, string>;
  /** Removes the HOME. Stop claude first (it rewrites ~/.claude.json while exiting). */
  cleanup(): Promise<void>;
}

/** Any key works against the mock; its last 20 characters are what Claude Code remembers. */
export const MOCK_API_KEY = 'sk-ant-api03-kagebunshin-mock-key-0123456789abcdefghijklmnop';

export type ClaudeVersion = '2.1.330' | '2.1.197' | '2.1.332';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Path of the pinned Claude Code binary installed in node_modules. */
export function claudeBin(version: ClaudeVersion): string {
  switch (version) {
    // By package, not node_modules/.bin/claude: every pinned version installs that link, and
    // npm decides which one it ends up naming.
    case '2.1.330':
      return path.join(repoRoot, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe');
    case '2.1.332':
      return path.join(repoRoot, 'node_modules', 'claude-code-2-1-332', 'bin', 'claude.exe');
    case '2.1.197':
      return path.join(repoRoot, 'node_modules', 'claude-code-2-1-197', 'bin', 'claude.exe');
    default:
      throw new Error(`claudeBin: unknown version ${String(version)}`);
  }
}

/** Waits until no process has HOME=<home> in its environment (Linux /proc; elsewhere returns at once). */
async function waitForHomeUsers(home: string, timeoutMs: number): Promise<void> {
  const needle = Buffer.from(`HOME=${home}\0`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let users = 0;
    let pids: string[] = [];
    try {
      pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
    } catch {
      return;
    }
    for (const pid of pids) {
      try {
        const env = await readFile(`/proc/${pid}/environ`);
        if (env.includes(needle)) users += 1;
      } catch {
        // gone or not readable
      }
    }
    if (users === 0 || Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function makeClaudeHome(opts: ClaudeHomeOptions = {}): Promise<ClaudeHome> {
  const approveKey = opts.approveKey ?? true;
  const onboarding = opts.onboarding ?? true;
  const home = await realpath(await mkdtemp(path.join(os.tmpdir(), 'kb-claude-home-')));
  await mkdir(path.join(home, '.claude'), { recursive: true });

  const config: Record<string, unknown> = { theme: 'dark', numStartups: 1 };
  if (onboarding) {
    config.hasCompletedOnboarding = true;
    config.lastOnboardingVersion = '2.1.330';
  }
  if (approveKey) config.customApiKeyResponses = { approved: [MOCK_API_KEY.slice(-20)], rejected: [] };
  if (opts.bypassAccepted) config.bypassPermissionsModeAccepted = true;
  const projects: Record<string, unknown> = {};
  for (const dir of opts.trustDirs ?? []) {
    const abs = path.resolve(dir);
    const entry = { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true, projectOnboardingSeenCount: 1 };
    projects[abs] = entry;
    try {
      const real = await realpath(abs);
      if (real !== abs) projects[real] = entry;
    } catch {
      // the directory may not exist yet; the given path is enough
    }
  }
  config.projects = projects;
  await writeFile(path.join(home, '.claude.json'), JSON.stringify(config, null, 2));

  // 2.1.197 (native build) warns "claude command at $HOME/.local/bin/claude missing or broken"
  // on every start unless that launcher exists; give it one so screens carry no such noise.
  await mkdir(path.join(home, '.local', 'bin'), { recursive: true });
  await symlink(claudeBin('2.1.197'), path.join(home, '.local', 'bin', 'claude')).catch(() => undefined);

  const settings: Record<string, unknown> = {};
  if (opts.bypassAccepted) settings.skipDangerousModePermissionPrompt = true;
  await writeFile(path.join(home, '.claude', 'settings.json'), JSON.stringify(settings, null, 2));

  const env: Record<string, string> = {
    HOME: home,
    ANTHROPIC_API_KEY: MOCK_API_KEY,
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  if (typeof process.getuid === 'function' && process.getuid() === 0) env.IS_SANDBOX = '1';

  return {
    home,
    env,
    cleanup: async () => {
      // A claude process that is still shutting down (e.g. just after kill-session) rewrites
      // $HOME/.claude.json and its transcript, re-creating the directory. Wait (up to 10 s)
      // until no process runs with this HOME, then remove it, and sweep once more.
      await waitForHomeUsers(home, 10_000);
      await rm(home, { recursive: true, force: true, maxRetries: 3 });
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        if (existsSync(home)) await rm(home, { recursive: true, force: true, maxRetries: 3 });
      }
    },
  };
}
