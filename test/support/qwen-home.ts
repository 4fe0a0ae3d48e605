/**
 * A throw-away HOME for running the REAL Qwen Code (a Gemini CLI fork) offline against the
 * mock Chat Completions API (test/support/mock-chat.ts). Checked on 0.24.4.
 *
 *   const mock = await startMockChat({ turns, isMain: isQwenMainTurn });
 *   const home = await makeQwenHome({ baseUrl: mock.url, trustDirs: [work] });
 *   // run qwenBin() --approval-mode default with env home.env, cwd work
 *   await home.cleanup();
 *
 * `$HOME/.qwen/settings.json` selects the OpenAI-compatible auth (`security.auth.selectedType`),
 * turns off the update check (0.24.4 otherwise runs `npm view @qwen-code/qwen-code` on every
 * start, which reaches the npm registry), usage statistics and telemetry, and the bundled
 * ripgrep (npm here runs no install scripts, so vendor/ripgrep/x64-linux/rg has no run bit and
 * Qwen Code would print "Ripgrep not available ... EACCES" in a box on every start).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolNames, userTexts } from './mock-chat.js';
import { killProcessesFrom } from './mock-openai.js';

export interface QwenHomeOptions {
  /** the mock's base URL (with /v1); absent: no OPENAI_* variables at all */
  baseUrl?: string;
  /** select the OpenAI auth in settings.json (default true; false: Qwen Code asks how to authenticate) */
  auth?: boolean;
  /** `security.folderTrust.enabled` (default false: Qwen Code trusts every folder) */
  folderTrust?: boolean;
  /** folders written to ~/.qwen/trustedFolders.json as TRUST_FOLDER */
  trustDirs?: string[];
  /** the model OPENAI_MODEL names (default gpt-mock) */
  model?: string;
  /** merged over the generated settings (top-level keys replace) */
  settings?: Record<string, unknown>;
}

export interface QwenHome {
  home: string;
  /** HOME, OPENAI_BASE_URL/OPENAI_API_KEY/OPENAI_MODEL (with baseUrl), LANG, COLORTERM, NO_UPDATE_NOTIFIER */
  env: Record<string, string>;
  /** Ends every process still running from this HOME (by pid), then removes it. */
  cleanup(): Promise<void>;
}

/** The settings a recording HOME gets (before `opts.settings`). */
export function qwenSettings(opts: Pick<QwenHomeOptions, 'auth' | 'folderTrust'> = {}): Record<string, unknown> {
  const security: Record<string, unknown> = {};
  if (opts.auth !== false) security.auth = { selectedType: 'openai' };
  if (opts.folderTrust) security.folderTrust = { enabled: true };
  return {
    security,
    general: { enableAutoUpdate: false },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    tools: { useRipgrep: false },
  };
}

export async function makeQwenHome(opts: QwenHomeOptions = {}): Promise<QwenHome> {
  const home = await mkdtemp(join(tmpdir(), 'kb-qwen-home-'));
  const dir = join(home, '.qwen');
  await mkdir(dir, { recursive: true });
  const settings = { ...qwenSettings(opts), ...(opts.settings ?? {}) };
  await writeFile(join(dir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  if (opts.trustDirs?.length) {
    const trusted = Object.fromEntries(opts.trustDirs.map((d) => [d, 'TRUST_FOLDER']));
    await writeFile(join(dir, 'trustedFolders.json'), `${JSON.stringify(trusted, null, 2)}\n`);
  }
  const env: Record<string, string> = {
    HOME: home,
    LANG: 'C.UTF-8',
    COLORTERM: 'truecolor',
    NO_UPDATE_NOTIFIER: '1',
    ...(opts.baseUrl
      ? { OPENAI_BASE_URL: opts.baseUrl, OPENAI_API_KEY: 'sk-mock-qwen', OPENAI_MODEL: opts.model ?? 'gpt-mock' }
      : {}),
  };
  const cleanup = async () => {
    // Qwen Code writes its chats, memory and usage records into the HOME as it exits.
    await killProcessesFrom(home);
    await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  return { home, env, cleanup };
}

/** Qwen Code's prompt-suggestion request (after each turn): the main tool set, this user text. */
export function isQwenSuggestion(body: unknown): boolean {
  return /^\[SUGGESTION MODE/.test(userTexts(body).at(-1) ?? '');
}

/**
 * Qwen Code's main-loop requests offer the whole tool set (ask_user_question, agent,
 * exit_plan_mode ...). Two kinds of side request also carry tools: the background memory
 * extraction (only the file and shell tools) and, after every turn, a prompt suggestion that
 * sends the main tool set with a last user message "[SUGGESTION MODE: ...". Neither is a turn.
 * Use as `startMockChat({ isMain: isQwenMainTurn })`.
 */
export function isQwenMainTurn(body: unknown): boolean {
  const names = toolNames(body);
  const full = names.includes('ask_user_question') || names.includes('exit_plan_mode') || names.includes('agent');
  return full && !isQwenSuggestion(body);
}

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The pinned Qwen Code from node_modules (0.24.4). */
export function qwenBin(): string {
  return join(repoRoot, 'node_modules', '.bin', 'qwen');
}
